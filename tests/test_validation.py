"""Boundary checks: accepted values come back typed, rejected ones name the parameter.

Also the other shared helpers below the layers: the smallest-n search and the JSON encoding.
"""

import dataclasses
import json
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest

from badminima.errors import InvalidParameterError
from badminima.jsonio import dumps, to_jsonable
from badminima.search import smallest_n
from badminima.validation import (
    Device,
    Each,
    Interval,
    Options,
    check_choice,
    check_device_name,
    check_int,
    check_real,
    check_sample_sizes,
    validate_fields,
)


def test_check_real_accepts_and_converts():
    assert check_real("eps0", 0.5, "f", 0, 1, "neither") == 0.5
    assert check_real("x", np.float32(2), "f") == 2.0


@pytest.mark.parametrize("value,closed", [(0.0, "neither"), (1.0, "left"), (1.5, "both"),
                                          (float("nan"), "both"), ("a", "both"), (True, "both")])
def test_check_real_rejects(value, closed):
    with pytest.raises(InvalidParameterError, match=r"The 'eps0' parameter of bad_fraction must be a float in"):
        check_real("eps0", value, "bad_fraction", 0, 1, closed)


def test_check_real_message_shows_interval_and_value():
    with pytest.raises(InvalidParameterError, match=r"in \(0, 1\)\. Got 1\.5 instead\."):
        check_real("eps0", 1.5, "theory", 0, 1, "neither")


def test_check_int():
    assert check_int("N", 3.0, "f", 2) == 3
    for bad in (2.5, -1, True, "3"):
        with pytest.raises(InvalidParameterError, match="'N' parameter of f must be an integer"):
            check_int("N", bad, "f", 0)


def test_check_sample_sizes():
    np.testing.assert_array_equal(check_sample_sizes("n", [0, 1, 1e9], "f"), [0, 1, 1e9])
    for bad in ([1, -1], [0.5], [np.inf], [np.nan], "5", b"5", ["a"], object()):
        with pytest.raises(InvalidParameterError, match="non-negative integers"):
            check_sample_sizes("n", bad, "f")


def test_check_choice():
    assert check_choice("kind", "a", "f", ["a", "b"]) == "a"
    with pytest.raises(InvalidParameterError, match="one of 'a', 'b'. Got 'c'"):
        check_choice("kind", "c", "f", ["a", "b"])


def test_declared_rules_check_each_field_once():
    @dataclasses.dataclass(frozen=True)
    class Table:
        K: int = 1
        eps0: float = 0.5
        method: str = "hmc"
        sizes: tuple = (1, 2)
        device: str = "auto"
        burn_in: int | None = None
        rules: ClassVar[dict] = {"K": Interval(int, 1), "eps0": Interval(float, 0, 1, "neither"),
                                 "method": Options({"hmc": 1, "hit_and_run": 2}),
                                 "sizes": Each(Interval(int, 1), nonempty=True), "device": Device(),
                                 "burn_in": Interval(int, 0)}

        def __post_init__(self):
            validate_fields(self, "[t]")

    Table()  # None (burn_in) is skipped
    for kwargs, match in [({"K": 0}, r"'K' parameter of \[t\] must be an integer in \[1, inf\]"),
                          ({"eps0": 1.0}, r"'eps0' parameter of \[t\] must be a float in \(0, 1\)"),
                          ({"method": "gibbs"}, r"'method' parameter of \[t\] must be one of 'hmc', 'hit_and_run'"),
                          ({"sizes": ()}, "at least one entry"), ({"sizes": (1, 0)}, "'sizes'"),
                          ({"device": "tpu"}, "'auto', 'cpu', 'cuda' or 'cuda:K'"),
                          ({"burn_in": -1}, "'burn_in'")]:
        with pytest.raises(InvalidParameterError, match=match):
            Table(**kwargs)


@pytest.mark.parametrize("name", ["auto", "cpu", "cuda", "cuda:1"])
def test_check_device_name_accepts(name):
    assert check_device_name(name, "f") == name


@pytest.mark.parametrize("name", ["gpu", "cuda:", "cuda:x", 0, None])
def test_check_device_name_rejects(name):
    with pytest.raises(InvalidParameterError, match="'device' parameter of f"):
        check_device_name(name, "f")


def test_smallest_n_is_exact_for_monotone_functions():
    for answer in (0, 1, 7, 1000, 123_456_789, 2**40 + 3):
        assert smallest_n(lambda n: (n < answer).astype(float), 0.5) == answer
    assert smallest_n(lambda n: np.ones_like(n), 0.5) is None
    assert smallest_n(lambda n: 1.0 / (n + 1), 0.01, low=1, high=10**12) == 99
    assert smallest_n(lambda n: 1.0 / (n + 1), 1e-13, low=1, high=10**12) is None


def test_to_jsonable_writes_numpy_and_non_finite_values_as_plain_json():
    value = {"a": np.array([1.0, np.nan, np.inf]), "b": np.int64(3), 4: (np.float32(0.5), Path("x")),
             "c": [np.bool_(True), None, "s"]}
    assert to_jsonable(value) == {"a": [1.0, None, None], "b": 3, "4": [0.5, "x"], "c": [True, None, "s"]}
    assert json.loads(dumps(value))["a"] == [1.0, None, None]
