"""Boundary checks: accepted values come back typed, rejected ones name the parameter."""

import numpy as np
import pytest

from badminima.errors import InvalidParameterError
from badminima.validation import check_choice, check_int, check_real, check_sample_sizes


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
