"""The version-space runner: worker-count independence, kill -9 resume, outputs, config errors."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from badminima.errors import ConfigError, InvalidParameterError
from badminima.experiments.configfile import config_from_dict
from badminima.experiments.version_space import COLUMNS, run_version_space
from badminima.experiments.version_space_config import VersionSpaceConfig, load_version_space_config

SRC = Path(__file__).resolve().parents[2] / "src"

TINY = """
name = "vs-tiny"
seed = 3
[data]
dataset = "synthetic-mlp"
options = { dim = 3, n_train = 200, n_test = 1000, teacher_hidden = [3] }
[model]
arch = "mlp"
widths = [4]
bias = false
prior = "uniform"
[smc]
particles = 48
checkpoints = [3, 6, 12]
max_moves = 4
[runs]
training_sets = 2
runs = 2
rejection = 4000
rejection_chunk = 2000
"""


@pytest.fixture
def tiny(tmp_path):
    path = tmp_path / "vs-tiny.toml"
    path.write_text(TINY)
    return path


def _comparable(result):
    return {k: v for k, v in result.to_dict().items() if k not in ("seconds", "stages")}, \
        [np.asarray(run["stages"])[:, :-1] for run in result.runs]  # all stage fields but seconds


@pytest.mark.slow
def test_the_result_does_not_depend_on_the_worker_count(tiny, tmp_path):
    serial = run_version_space(tiny, executor="serial", progress=False)
    pool = run_version_space(tiny, executor="local", workers=2, progress=False)
    a, stages_a = _comparable(serial)
    b, stages_b = _comparable(pool)
    assert json.dumps(a, default=str) == json.dumps(b, default=str)
    for x, y in zip(stages_a, stages_b):
        np.testing.assert_array_equal(x, y)
    assert serial.columns["violations"] == [0, 0, 0]
    assert np.isfinite(serial.columns["rejection_log_z"][0])
    written = serial.write(tmp_path / "out")
    assert [p.name for p in written] == ["results.json", "results.csv", "runs.csv", "particles.nc"]
    header = (tmp_path / "out" / "runs.csv").read_text().splitlines()[0]
    assert header == "n,test_error,training_set,survivors"
    assert (tmp_path / "out" / "results.csv").read_text().splitlines()[0] == ",".join(COLUMNS)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        import arviz
    idata = arviz.from_netcdf(str(tmp_path / "out" / "particles.nc"))
    assert idata.posterior["test_error"].shape == (2, 48, 3, 2)


def _cli(config, out, env):
    return [sys.executable, "-m", "badminima", "version-space", str(config), "--out", str(out),
            "--executor", "serial", "--no-progress"]


@pytest.mark.slow
def test_kill_9_mid_run_resumes_at_the_last_stage_bit_identically(tmp_path):
    config = tmp_path / "vs-kill.toml"
    config.write_text(TINY.replace("checkpoints = [3, 6, 12]", "checkpoints = [3, 6, 12, 20]")
                      .replace("max_moves = 4", "max_moves = 8").replace("rejection = 4000", "rejection = 0"))
    env = {**os.environ, "PYTHONPATH": str(SRC), "OMP_NUM_THREADS": "1"}
    killed_out, clean_out = tmp_path / "killed", tmp_path / "clean"
    proc = subprocess.Popen(_cli(config, killed_out, env), env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and not list((killed_out / "smc-state").glob("*.npz")):
        time.sleep(0.05)
    time.sleep(0.3)
    proc.send_signal(signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL
    states = list((killed_out / "smc-state").glob("*.npz"))
    assert states, "no stage was saved before the kill"
    with np.load(states[0]) as archive:
        assert 1 <= int(archive["stage"])
    assert subprocess.run(_cli(config, killed_out, env), env=env, capture_output=True).returncode == 0
    assert subprocess.run(_cli(config, clean_out, env), env=env, capture_output=True).returncode == 0
    assert (killed_out / "results.csv").read_text() == (clean_out / "results.csv").read_text()
    resumed = json.loads((killed_out / "results.json").read_text())
    clean = json.loads((clean_out / "results.json").read_text())
    assert resumed["per_set"] == clean["per_set"]
    drop_seconds = lambda doc: [[row[:-1] for row in run] for run in doc["stages"]]
    assert drop_seconds(resumed) == drop_seconds(clean)


def test_embedded_default_and_packaged_configs_load():
    from badminima.experiments.version_space_config import DEFAULT_CONFIG
    assert load_version_space_config("vs-synthetic") == DEFAULT_CONFIG
    for name in ("vs-mnist-07-uniform", "vs-mnist-07-gaussian", "vs-cifar10-cnn"):
        config = load_version_space_config(name)
        assert config.smc.checkpoints[-1] >= 256


@pytest.mark.parametrize("smc, message", [
    ({"checkpoints": [8, 4]}, "strictly increasing"),
    ({"survive": 1.0}, "survive"),
    ({"min_moves": 9, "max_moves": 3}, "max_moves"),
    ({"schedule": "geometric"}, "schedule"),
])
def test_bad_smc_tables_are_refused(smc, message):
    with pytest.raises((ConfigError, InvalidParameterError), match=message):
        config_from_dict({"name": "x", "smc": smc}, VersionSpaceConfig)


def test_a_checkpoint_beyond_the_pool_is_refused(tiny):
    config = load_version_space_config(tiny)
    import dataclasses
    big = dataclasses.replace(config, smc=dataclasses.replace(config.smc, checkpoints=(3, 5000)))
    with pytest.raises(InvalidParameterError, match="5000"):
        run_version_space(big, executor="serial", progress=False)


def test_disagreeing_runs_raise_the_rhat_warning(tiny):
    from badminima.experiments.version_space import SMCRunTask, merge, plan, version_space_tasks
    p = plan(load_version_space_config(tiny))
    tasks = [t for t in version_space_tasks(p) if isinstance(t, SMCRunTask)]
    rng = np.random.default_rng(0)
    results = []
    for t in tasks:
        shift = 0.2 if t.run == 1 else 0.0  # run 1 of every set sits elsewhere: R-hat >> 1.05
        results.append({"log_z": np.array([-1.0, -2.0, -3.0]), "unique_roots": np.array([5, 4, 3]),
                        "violations": np.zeros(3, dtype=int), "stages": np.zeros((3, 13)),
                        "test_errors": rng.uniform(0.1, 0.2, (3, 48)) + shift})
    result = merge(p, tasks, results)
    assert len(result.warnings) == 6 and "R-hat" in result.warnings[0] and "n = 3" in result.warnings[0]
    assert all(r > 1.05 for r in result.columns["rhat"])
    assert result.columns["log_z"] == [-1.0, -2.0, -3.0]
