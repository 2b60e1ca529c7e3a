"""Density specs and the ``badminima theory`` command."""

import json

import numpy as np
import pytest

from badminima.cli.main import main
from badminima.errors import InvalidParameterError
from badminima.theory import (
    Beta,
    Empirical,
    PowerLaw,
    RareGoodTail,
    ShiftedBeta,
    SphericalPerceptron,
    learning_curve,
    parse_density_spec,
)


@pytest.mark.parametrize("spec, cls", [
    ("beta:a=2,b=30", Beta), ("perceptron:N=10", SphericalPerceptron),
    ("shifted-beta:a=1,b=5,eps_min=0.02", ShiftedBeta), ("power-law:k=2,eps_max=0.5", PowerLaw),
    ("tail:eps_min=0.01,c=0.5,gamma=1", RareGoodTail),
])
def test_specs_build_the_family(spec, cls):
    assert type(parse_density_spec(spec)) is cls


def test_spec_values_are_used():
    d = parse_density_spec("shifted-beta: a=1, b=5, eps_min=0.02")
    assert (d.a, d.b, d.eps_min, d.eps_max) == (1.0, 5.0, 0.02, 1.0)


@pytest.mark.parametrize("suffix", [".npy", ".txt", ".csv"])
def test_empirical_spec_loads_files(tmp_path, suffix):
    errors = np.array([0.1, 0.2, 0.2, 0.35])
    path = tmp_path / f"errors{suffix}"
    if suffix == ".npy":
        np.save(path, errors)
    else:
        path.write_text("\n".join(map(str, errors)) + "\n")
    d = parse_density_spec(f"empirical:{path}")
    assert isinstance(d, Empirical)
    assert float(learning_curve(d, 0)) == pytest.approx(errors.mean())


@pytest.mark.parametrize("spec, fragment", [
    ("gauss:a=1", "Unknown density 'gauss'"), ("beta:a=1", "missing parameter 'b'"),
    ("beta:a=1,b=2,c=3", "unknown parameter 'c'"), ("beta:a=1,a=2,b=3", "'a' given twice"),
    ("beta:a=x,b=1", "'a' must be a number"), ("beta:a=-1,b=2", "'a' parameter of Beta"),
    ("beta:a", "expected KEY=VALUE"), ("empirical:", "needs a file"), ("", "non-empty"),
    ("empirical:/nonexistent/e.npy", "does not exist"),
])
def test_bad_specs(spec, fragment):
    with pytest.raises(InvalidParameterError, match=fragment):
        parse_density_spec(spec)


def test_empirical_spec_rejects_pickles_and_2d(tmp_path):
    obj = tmp_path / "obj.npy"
    np.save(obj, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(InvalidParameterError, match="cannot read"):
        parse_density_spec(f"empirical:{obj}")
    two = tmp_path / "two.npy"
    np.save(two, np.zeros((2, 2)))
    with pytest.raises(InvalidParameterError, match="1-D"):
        parse_density_spec(f"empirical:{two}")


def test_cli_json_output(capsys):
    assert main(["theory", "--density", "beta:a=2,b=30", "--n", "0,10,1e9", "--eps0", "0.05", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["n"] for r in rows] == [0, 10, 10**9]
    for row in rows:
        assert set(row) == {"n", "log_acceptance", "learning_curve", "std", "bad_fraction", "bound", "bound_eps1"}
        assert row["learning_curve"] == pytest.approx(2 / (32 + row["n"]), rel=1e-12)
        assert row["bound"] >= row["bad_fraction"]
    assert rows[0]["log_acceptance"] == 0.0


def test_cli_table_and_plot(tmp_path, capsys):
    out = tmp_path / "theory.png"
    assert main(["theory", "--density", "perceptron:N=5", "--n", "0,10,100", "--plot", str(out)]) == 0
    text = capsys.readouterr().out
    assert "log Z_n" in text and "B_n(0.1)" in text and len(text.splitlines()) >= 5
    assert out.stat().st_size > 10_000


def test_cli_plot_empirical(tmp_path, capsys):
    errors = tmp_path / "e.npy"
    np.save(errors, np.random.default_rng(0).integers(0, 300, 2000) / 1000)
    out = tmp_path / "emp.png"
    assert main(["theory", "--density", f"empirical:{errors}", "--n", "0,20,200", "--plot", str(out)]) == 0
    assert out.stat().st_size > 10_000


@pytest.mark.parametrize("args", [
    ["--density", "beta:a=0,b=1", "--n", "1"], ["--density", "nope", "--n", "1"],
    ["--density", "beta:a=1", "--n", "1"], ["--density", "beta:a=1,b=1,z=2", "--n", "1"],
    ["--density", "beta:a=1,b=1", "--n", "-1"], ["--density", "beta:a=1,b=1", "--n", "1.5"],
    ["--density", "beta:a=1,b=1", "--n", "ten"], ["--density", "beta:a=1,b=1", "--n", "1", "--eps0", "1.5"],
    ["--density", "beta:a=1,b=1", "--n", "1", "--eps0", "0"],
    ["--density", "empirical:/nonexistent.npy", "--n", "1"],
])
def test_cli_bad_input_one_line_exit_2(args, capsys):
    assert main(["theory", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("badminima theory: error:")


@pytest.mark.parametrize("name, args", [
    ("log_acceptance", ([0, 10, 1e6],)), ("learning_curve", ([1, 50],)), ("error_std", ([1, 50],)),
    ("bad_fraction", (0.1, [1, 50])), ("log_bad_fraction", (0.1, [1, 50])),
    ("bad_fraction_bound", (0.1, [1, 50])), ("log_bad_fraction_bound", (0.1, [1, 50])),
    ("sample_size", (0.2, 0.05)),
])
def test_functions_are_the_density_methods(name, args):
    """Each function of quantities/bounds is its Density method (same numbers), spec or object."""
    import badminima.theory as theory
    spec = "beta:a=2,b=30"
    expected = getattr(parse_density_spec(spec), name)(*args)
    for density in (spec, parse_density_spec(spec)):
        got = getattr(theory, name)(density, *args)
        assert repr(got) == repr(expected)
