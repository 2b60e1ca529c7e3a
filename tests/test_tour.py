"""The README's Python tour, run the way users run it, with the default (local, parallel) executor.

The tour is one source: README.md shows the code section of examples/plot_python_tour.py.
That file (its hidden preamble makes the configs small with ``BADMINIMA_EXAMPLES_SMALL=1``)
runs (a) as a plain script without a main guard, (b) on standard input and (c) as a Jupyter
notebook (nbclient and ipykernel, the ``dev`` extra); each run prints the results of the
fitted learning curve, and no pool worker outlives its run.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
TOUR = REPO_ROOT / "examples" / "plot_python_tour.py"
SMALL_ENV = {"BADMINIMA_EXAMPLES_SMALL": "1", "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1",
             "PYTHONPATH": os.pathsep.join([str(REPO_ROOT / "src"), os.environ.get("PYTHONPATH", "")])}

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc to find processes")


def tour_parts() -> tuple[str, str]:
    """The example's hidden preamble (small configs, scratch folder) and its tour code."""
    hidden, code = TOUR.read_text().split("# sphinx_gallery_start_ignore\n", 1)[1].split(
        "# sphinx_gallery_end_ignore\n", 1)
    return hidden, code


def readme_tour() -> str:
    readme = (REPO_ROOT / "README.md").read_text()
    after = readme.split("The same tasks from Python", 1)[1]
    return re.search(r"```python\n(.*?)```\n", after, re.S).group(1)


def test_the_readme_shows_the_gallery_tour():
    assert readme_tour() == tour_parts()[1], "README.md's Python tour differs from examples/plot_python_tour.py"


def _check_tour_output(stdout: str) -> None:
    assert re.search(r"^Plan\(target=0\.05, n=\d+", stdout, re.M), stdout[-2000:]
    for model in ("shifted-beta", "pow3", "exp3"):
        assert re.search(rf"^{model} extrapolation error \d", stdout, re.M), stdout[-2000:]


def _live(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def _processes(where: int, field: int) -> list[int]:
    """Live processes whose stat ``field`` (1: parent, 3: session) is ``where``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[field]) == where and fields[0] != "Z":
                found.append(int(entry.name))
    return found


def _gone_within(find, seconds: float = 10.0) -> list[int]:
    deadline = time.monotonic() + seconds
    while (left := find()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


@pytest.mark.slow
@pytest.mark.parametrize("how", ["script", "stdin"])
def test_the_tour_runs_as_a_guardless_script(how, tmp_path):
    argv, stdin = ([str(TOUR)], None) if how == "script" else (["-"], TOUR.read_text())
    cwd, scratch = tmp_path / "cwd", tmp_path / "tmp"  # the tour's scratch folder goes to $TMPDIR
    cwd.mkdir()
    scratch.mkdir()
    env = {**os.environ, **SMALL_ENV, "TMPDIR": str(scratch)}
    proc = subprocess.Popen([sys.executable, *argv], cwd=cwd, env=env, start_new_session=True, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = proc.communicate(stdin, timeout=600)
        left = _gone_within(lambda: _processes(proc.pid, 3))
    finally:
        for pid in _processes(proc.pid, 3):
            os.kill(pid, signal.SIGKILL)
        proc.kill()
        proc.wait()
    assert proc.returncode == 0, err[-5000:]
    assert "Traceback" not in err
    _check_tour_output(out)
    assert left == [], "processes of the tour outlived it"
    assert list(cwd.iterdir()) == [] and list(scratch.glob("badminima-tour-*")) == [], "the tour left files"


#: Last cell: the kernel's pid and its live children (the pools' workers must be gone).
_CHILDREN_CELL = """
import os
from pathlib import Path
def _children(pid):
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                command = (entry / "cmdline").read_bytes().replace(b"\\0", b" ").decode()
            except (OSError, IndexError):
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append((int(entry.name), command))
    return found
print("kernel", os.getpid(), _children(os.getpid()))
"""


@pytest.mark.slow
def test_the_tour_runs_in_a_notebook(tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat", reason="the dev extra (nbformat, nbclient, ipykernel) is absent")
    nbclient = pytest.importorskip("nbclient", reason="the dev extra (nbformat, nbclient, ipykernel) is absent")
    pytest.importorskip("ipykernel", reason="the dev extra (nbformat, nbclient, ipykernel) is absent")
    for key, value in {**SMALL_ENV, "TMPDIR": str(tmp_path)}.items():  # the kernel's scratch folder too
        monkeypatch.setenv(key, value)
    preamble, code = tour_parts()
    cells = [nbformat.v4.new_code_cell(source) for source in (preamble, code, _CHILDREN_CELL)]
    notebook = nbformat.v4.new_notebook(cells=cells)
    nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = lambda cell: "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream"
                                   and o.name == "stdout")
    _check_tour_output(outputs(notebook.cells[1]))
    errors = [o for cell in notebook.cells for o in cell.outputs if o.output_type == "error"]
    assert errors == []
    kernel_line = outputs(notebook.cells[2]).strip()
    kernel, children = re.fullmatch(r"kernel (\d+) (.*)", kernel_line).groups()
    assert "spawn_main" not in children, f"pool workers outlived their runs: {children}"
    pids = [int(pid) for pid in re.findall(r"\((\d+), ", children)]
    assert _gone_within(lambda: [pid for pid in [int(kernel), *pids] if _live(pid)]) == []
