"""Every gallery script in examples/ runs (small settings) and draws its figures.

The scripts are what `make docs` renders into the gallery; running them here keeps the
gallery from rotting when the API changes. Each runs in a fresh interpreter (as sphinx-gallery
and a user would run it) with ``BADMINIMA_EXAMPLES_SMALL=1``, the non-interactive matplotlib
backend, and a wrapper that saves every open figure as PNG afterwards.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((REPO_ROOT / "examples").glob("plot_*.py"))

#: Run the script, then save every figure it left open into the folder given as argv[2].
_RUNNER = """
import runpy, sys
from pathlib import Path
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
runpy.run_path(sys.argv[1], run_name="__main__")
out = Path(sys.argv[2])
for number in plt.get_fignums():
    plt.figure(number).savefig(out / f"figure_{number}.png", dpi=40)
"""

#: Scripts that take more than ~20 s with small settings on 2 shared cores.
_SLOW = {"plot_digits_sweep_fit.py", "plot_python_tour.py"}


def test_gallery_has_the_four_examples():
    names = {path.name for path in EXAMPLES}
    assert {"plot_theory_tour.py", "plot_guess_check.py", "plot_digits_sweep_fit.py",
            "plot_version_space.py"} <= names


@pytest.mark.parametrize(
    "script",
    [pytest.param(path, id=path.stem, marks=[pytest.mark.slow] if path.name in _SLOW else [])
     for path in EXAMPLES])
def test_example_runs_and_draws(script, tmp_path):
    env = {**os.environ, "BADMINIMA_EXAMPLES_SMALL": "1", "MPLBACKEND": "Agg",
           "PYTHONPATH": os.pathsep.join([str(REPO_ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
           "OMP_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, "-c", _RUNNER, str(script), str(tmp_path)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{script.name} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}"
    figures = sorted(tmp_path.glob("figure_*.png"))
    assert figures, f"{script.name} drew no figure"
    assert all(f.stat().st_size > 1000 for f in figures)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f.name for f in figures], \
        "an example left files in its working folder"
