"""Version-space experiment: random global minima of any function set, by SMC, at realistic n.

For each of ``R`` training sets (orderings of the training pool; ``S_n`` is the first ``n``
points) ``runs`` independent SMC runs (:func:`badminima.sampling.version_space_smc.sample_smc`)
sample the prior restricted to ``V(S_n)``; at every checkpoint ``n``:

- ``log Z_n`` per run; per training set the mean over runs and its standard error; the
  annealed ``log <Z_n>_S`` over sets (log-mean-exp of the per-set means of ``Z_n``);
- the particles' test errors: per set their mean, sd and bad fraction ``P(eps > eps0)``,
  quenched means over sets with standard errors;
- diagnostics across runs (chains = runs, draws = particles): ArviZ's rank-normalized
  split R-hat and bulk/tail ESS of the test error; unique ancestors; a warning when
  R-hat > 1.05 (:data:`~badminima.sampling.version_space_diagnostics.RHAT_WARNING`);
- where ``[runs] rejection`` asks for it, plain rejection (Guess & Check) on the same sets,
  whose acceptance estimates the same ``Z_n``.

The runner contract: a validated frozen config, a plan resolved once (:func:`plan`), a list
of picklable tasks (:func:`version_space_tasks`), one module-level worker
(:func:`run_version_space_task`), a merge step (:func:`merge`) and a result with
``to_dict()`` and ``write(out_dir)``. Tasks run through
:func:`~badminima.experiments.task_store.run_tasks` (``OUT/tasks.db``): finished runs are
kept; an unfinished SMC run resumes at its last finished stage from
``OUT/smc-state/<key>-<task>.npz`` (plain arrays, no pickle), bit-identically.
"""

from __future__ import annotations

import csv
import dataclasses
import logging
import math
import os
import time
from pathlib import Path

import numpy as np

from badminima.experiments.configfile import config_hash, config_to_dict
from badminima.experiments.configs import as_config
from badminima.experiments.outputs import write_dict_rows
from badminima.experiments.keys import run_key
from badminima.experiments.runner import Runner, run_plan
from badminima.experiments.version_space_config import VersionSpaceConfig
from badminima.jsonio import dumps

__all__ = ["VersionSpacePlan", "SMCRunTask", "RejectionTask", "plan", "version_space_tasks",
           "run_version_space_task", "merge", "VersionSpaceResult", "run_version_space", "COLUMNS", "RUN_COLUMNS"]

logger = logging.getLogger(__name__)

#: Columns of results.csv, one row per checkpoint n.
COLUMNS = ("n", "log_z", "log_z_stderr", "log_z_annealed", "rejection_log_z", "rejection_log_z_stderr",
           "test_error", "test_error_stderr", "test_error_sd", "bad_fraction", "bad_fraction_stderr",
           "rejection_test_error", "rhat", "ess_bulk", "ess_tail", "unique_roots", "violations")
#: Columns of runs.csv (the same as guess-check's; a ``badminima fit`` input).
RUN_COLUMNS = ("n", "test_error", "training_set", "survivors")
#: Folder of OUT holding the stage states of unfinished SMC runs.
STATE_DIR = "smc-state"


@dataclasses.dataclass(frozen=True)
class VersionSpacePlan:
    """Everything a task needs, resolved once: the config, the orderings and where states go."""

    config: VersionSpaceConfig
    orderings: np.ndarray
    key: str
    state_dir: str | None


@dataclasses.dataclass(frozen=True)
class SMCRunTask:
    """Task: independent SMC run ``run`` on training set ``training_set``."""

    plan: VersionSpacePlan
    index: int
    training_set: int
    run: int


@dataclasses.dataclass(frozen=True)
class RejectionTask:
    """Task: ``draws`` prior draws (chunk ``chunk``) checked against training set ``training_set``."""

    plan: VersionSpacePlan
    index: int
    training_set: int
    chunk: int
    draws: int


def _dataset(config: VersionSpaceConfig):
    from badminima.experiments.guess_check import load_guess_check_dataset
    return load_guess_check_dataset(config.data)


def resume_key(config: VersionSpaceConfig) -> str:
    """Key of an experiment's tasks: the config without ``[executor]``, the torch version and device."""
    import torch
    return run_key({k: v for k, v in config_to_dict(config).items() if k != "executor"},
                   torch=torch.__version__, device="cpu")


def plan(config: VersionSpaceConfig, out_dir: str | Path | None = None) -> VersionSpacePlan:
    """Resolve the orderings (balanced by class when asked) and the state folder, once."""
    from badminima.errors import InvalidParameterError
    from badminima.sampling.guess_check import training_orderings
    ds = _dataset(config)
    n_max = config.smc.checkpoints[-1]
    if n_max > len(ds.y_train):
        raise InvalidParameterError(f"The largest checkpoint n = {n_max} of [smc] exceeds the {len(ds.y_train)} "
                                    "training points of the dataset.")
    orderings = training_orderings(len(ds.y_train), n_max, config.runs.training_sets, config.seed,
                                   labels=ds.y_train if config.runs.balanced else None)
    state_dir = None if out_dir is None else str(Path(out_dir) / STATE_DIR)
    return VersionSpacePlan(config, np.asarray(orderings), resume_key(config), state_dir)


def version_space_tasks(p: VersionSpacePlan) -> list:
    """SMC runs (training set major), then rejection chunks, in a fixed order."""
    c = p.config
    tasks: list = [SMCRunTask(p, 0, r, k) for r in range(c.runs.training_sets) for k in range(c.runs.runs)]
    for r in range(c.runs.training_sets):
        for chunk, begin in enumerate(range(0, c.runs.rejection, c.runs.rejection_chunk)):
            tasks.append(RejectionTask(p, 0, r, chunk, min(c.runs.rejection_chunk, c.runs.rejection - begin)))
    return [dataclasses.replace(t, index=i) for i, t in enumerate(tasks)]


def _seed(config: VersionSpaceConfig, *key: int) -> int:
    return int(np.random.SeedSequence([config.seed, *key]).generate_state(1, np.uint32)[0])


def _state_path(task: SMCRunTask) -> Path | None:
    return None if task.plan.state_dir is None else Path(task.plan.state_dir) / f"{task.plan.key}-{task.index}.npz"


def _save_state(path: Path, state) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, **state.to_arrays())
    os.replace(tmp, path)


def run_smc_task(task: SMCRunTask) -> dict:
    """One SMC run; resumes from its stage state in the plan's state folder when one is there."""
    import torch
    from badminima.sampling.version_space_smc import SMCState, sample_smc
    c, ds = task.plan.config, _dataset(task.plan.config)
    order = task.plan.orderings[task.training_set]
    path = _state_path(task)
    state = None
    if path is not None and path.is_file():
        with np.load(path, allow_pickle=False) as archive:
            state = SMCState.from_arrays({k: archive[k] for k in archive.files})
        logger.info("task %d resumes at stage %d (n = %d)", task.index, state.stage, state.n)
    before = torch.get_num_threads()
    torch.set_num_threads(c.smc.threads)
    began = time.perf_counter()
    try:
        s = c.smc
        result = sample_smc(c.model.function_set(), ds.x_train[order], ds.y_train[order], checkpoints=s.checkpoints,
                            x_test=ds.x_test, y_test=ds.y_test, n_particles=s.particles,
                            schedule=s.schedule if isinstance(s.schedule, str) else list(s.schedule),
                            survive=s.survive, min_moves=s.min_moves, max_moves=s.max_moves,
                            decorrelation=s.decorrelation, probe_size=s.probe,
                            seed=_seed(c, 1, task.training_set, task.run), n_classes=ds.n_classes, state=state,
                            on_stage=None if path is None else (lambda st: _save_state(path, st)))
    finally:
        torch.set_num_threads(before)
    cps = len(s.checkpoints)
    log_z = np.full(cps, -np.inf)
    errors = np.full((cps, s.particles), np.nan)
    roots, violations = np.zeros(cps, dtype=np.int64), np.zeros(cps, dtype=np.int64)
    for cp in result.checkpoints:
        i = s.checkpoints.index(cp.n)
        log_z[i], errors[i], roots[i], violations[i] = cp.log_z, cp.test_errors, cp.unique_roots, cp.violations
    stages = result.state.to_arrays()["stages"]
    return {"log_z": log_z, "test_errors": errors, "unique_roots": roots, "violations": violations,
            "stages": stages, "failed_at": -1 if result.failed_at is None else result.failed_at,
            "seconds": time.perf_counter() - began}


def run_rejection_task(task: RejectionTask) -> dict:
    """Guess & Check on one training set: survivors at each checkpoint and the sums of their test errors."""
    import torch
    c, ds = task.plan.config, _dataset(task.plan.config)
    order = task.plan.orderings[task.training_set]
    n_max = c.smc.checkpoints[-1]
    fs = c.model.function_set()
    seed = np.random.SeedSequence([c.seed, 2, task.training_set, task.chunk])
    before = torch.get_num_threads()
    torch.set_num_threads(c.smc.threads)
    try:
        population = fs.sample(task.draws, ds.x_train.shape[1:], ds.n_classes, generator=seed)
        correct = population.correct(ds.x_train[order[:n_max]], ds.y_train[order[:n_max]]).numpy()
        alive = np.cumprod(correct, axis=1).astype(bool)
        last = alive[:, min(c.smc.checkpoints) - 1]
        errors = np.full(task.draws, np.nan)
        if last.any():
            errors[last] = population.select(torch.from_numpy(last)).error_rates(ds.x_test, ds.y_test)
    finally:
        torch.set_num_threads(before)
    kept = np.stack([alive[:, n - 1] for n in c.smc.checkpoints])
    return {"draws": task.draws, "count": kept.sum(axis=1),
            "sum": np.where(kept, np.nan_to_num(errors), 0.0).sum(axis=1)}


def run_version_space_task(task) -> dict:
    """The worker: an SMC run or a rejection chunk (module level, so executors can pickle it)."""
    return run_smc_task(task) if isinstance(task, SMCRunTask) else run_rejection_task(task)


def _logmeanexp(values: np.ndarray) -> float:
    finite = values[np.isfinite(values)]
    if finite.size < values.size or finite.size == 0:
        return -math.inf
    top = finite.max()
    return float(top + math.log(np.mean(np.exp(finite - top))))


def _stderr(values) -> float:
    values = np.asarray(values, dtype=float)
    return float(values.std(ddof=1) / math.sqrt(values.size)) if values.size > 1 else math.nan


def _diagnostics(matrix: np.ndarray) -> tuple[float, float, float]:
    """R-hat, bulk and tail ESS of a ``(runs, particles)`` trace (NaN with one run)."""
    from badminima.sampling.version_space_diagnostics import effective_sample_size, split_rhat, tail_ess
    if matrix.shape[0] < 2 or matrix.shape[1] < 4 or not np.all(np.isfinite(matrix)):
        return math.nan, math.nan, math.nan
    return split_rhat(matrix), effective_sample_size(matrix), tail_ess(matrix)


def merge(p: VersionSpacePlan, tasks: list, results: list) -> VersionSpaceResult:
    """Per-set and quenched estimators at every checkpoint (see the module docstring)."""
    c = p.config
    cps = list(c.smc.checkpoints)
    smc = {}
    rejection: dict[int, dict] = {}
    for task, res in zip(tasks, results):
        if isinstance(task, SMCRunTask):
            smc.setdefault(task.training_set, []).append(res)
        else:
            agg = rejection.setdefault(task.training_set, {"draws": 0.0, "count": 0.0, "sum": 0.0})
            for k in agg:
                agg[k] = agg[k] + np.asarray(res[k], dtype=float)
    per_set, rows, warnings = [], [], []
    for i, n in enumerate(cps):
        sets = []
        for r in range(c.runs.training_sets):
            runs = smc[r]
            matrix = np.stack([np.asarray(run["test_errors"])[i] for run in runs])
            log_zs = np.array([np.asarray(run["log_z"])[i] for run in runs])
            rhat, ess_bulk, ess_tail = _diagnostics(matrix)
            row = {"n": n, "training_set": r, "log_z": _logmeanexp(log_zs), "log_z_stderr": _stderr(log_zs),
                   "log_z_runs": log_zs.tolist(), "test_error": float(np.nanmean(matrix)) if matrix.size else math.nan,
                   "test_error_sd": float(np.nanstd(matrix)), "bad_fraction": float(np.nanmean(matrix > c.eps0)),
                   "run_means": np.nanmean(matrix, axis=1).tolist(), "rhat": rhat, "ess_bulk": ess_bulk,
                   "ess_tail": ess_tail, "particles": int(matrix.size),
                   "unique_roots": int(min(np.asarray(run["unique_roots"])[i] for run in runs)),
                   "violations": int(sum(np.asarray(run["violations"])[i] for run in runs))}
            if r in rejection and rejection[r]["count"][i] > 0:
                agg = rejection[r]
                row["rejection_log_z"] = math.log(agg["count"][i] / agg["draws"])
                row["rejection_log_z_stderr"] = 1.0 / math.sqrt(agg["count"][i])  # Poisson, in log space
                row["rejection_test_error"] = float(agg["sum"][i] / agg["count"][i])
            if rhat > 1.05:
                warnings.append(f"R-hat {rhat:.3f} > 1.05 at n = {n}, training set {r}: the runs disagree "
                                "(more particles or moves needed)")
            sets.append(row)
        per_set.extend(sets)
        rows.append(_quenched(n, sets))
    for w in warnings:
        logger.warning(w)
    return VersionSpaceResult(c, rows, per_set, [r for r in results if isinstance(r, dict) and "stages" in r],
                              warnings)


def _quenched(n: int, sets: list[dict]) -> dict:
    get = lambda key: np.array([s.get(key, math.nan) for s in sets], dtype=float)
    lz = get("log_z")
    rej = get("rejection_log_z")
    rej_err = get("rejection_log_z_stderr")
    return {"n": n, "log_z": float(lz.mean()), "log_z_stderr": _stderr(lz) if len(sets) > 1 else
            float(get("log_z_stderr")[0]), "log_z_annealed": _logmeanexp(lz),
            "rejection_log_z": float(rej.mean()) if np.all(np.isfinite(rej)) else math.nan,
            "rejection_log_z_stderr": float(np.sqrt(np.sum(rej_err ** 2)) / len(sets)) if np.all(np.isfinite(rej))
            else math.nan,
            "test_error": float(get("test_error").mean()), "test_error_stderr": _stderr(get("test_error")),
            "test_error_sd": float(get("test_error_sd").mean()), "bad_fraction": float(get("bad_fraction").mean()),
            "bad_fraction_stderr": _stderr(get("bad_fraction")),
            "rejection_test_error": float(get("rejection_test_error").mean())
            if np.all(np.isfinite(get("rejection_test_error"))) else math.nan,
            "rhat": float(np.nanmax(get("rhat"))) if np.any(np.isfinite(get("rhat"))) else math.nan,
            "ess_bulk": float(np.nanmin(get("ess_bulk"))) if np.any(np.isfinite(get("ess_bulk"))) else math.nan,
            "ess_tail": float(np.nanmin(get("ess_tail"))) if np.any(np.isfinite(get("ess_tail"))) else math.nan,
            "unique_roots": int(get("unique_roots").min()), "violations": int(get("violations").sum())}


@dataclasses.dataclass
class VersionSpaceResult:
    """Rows per checkpoint (:data:`COLUMNS`), per training set, the runs' traces and the warnings."""

    config: VersionSpaceConfig
    rows: list
    per_set: list
    runs: list
    warnings: list
    seconds: float = math.nan

    @property
    def columns(self) -> dict[str, list]:
        return {key: [row[key] for row in self.rows] for key in COLUMNS}

    def to_dict(self) -> dict:
        return {"name": self.config.name, "config": config_to_dict(self.config), "config_hash": config_hash(self.config),
                **self.columns, "per_set": self.per_set, "warnings": self.warnings, "seconds": self.seconds,
                "stages": [np.asarray(run["stages"]).tolist() for run in self.runs],
                "stage_fields": list(_stage_fields())}

    def runs_rows(self) -> list[dict]:
        """runs.csv: the particles' mean test error per (training set, n), a ``badminima fit`` input."""
        return [{"n": s["n"], "test_error": s["test_error"], "training_set": s["training_set"],
                 "survivors": s["particles"]} for s in self.per_set if math.isfinite(s["test_error"])]

    def inference_data(self):
        """ArviZ InferenceData: posterior ``test_error[chain=run, draw=particle, n, training_set]``,
        constant data ``log_z[run, n, training_set]``."""
        from badminima.sampling.version_space_diagnostics import _arviz
        c = self.config
        runs, P, cps, R = c.runs.runs, c.smc.particles, len(c.smc.checkpoints), c.runs.training_sets
        errors = np.stack([np.stack([np.asarray(self.runs[r * runs + k]["test_errors"]) for r in range(R)], axis=-1)
                           for k in range(runs)])  # (runs, cps, P, R)
        log_z = np.stack([np.stack([np.asarray(self.runs[r * runs + k]["log_z"]) for r in range(R)], axis=-1)
                          for k in range(runs)])
        coords = {"n": list(c.smc.checkpoints), "training_set": list(range(R))}
        return _arviz().from_dict(posterior={"test_error": errors.transpose(0, 2, 1, 3)},
                                  constant_data={"log_z": log_z}, coords=coords,
                                  dims={"test_error": ["n", "training_set"], "log_z": ["run", "n", "training_set"]})

    def write(self, out_dir: str | Path) -> list[Path]:
        """results.json, results.csv, runs.csv and particles.nc (InferenceData, netCDF) in ``out_dir``."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        paths = [out / "results.json", out / "results.csv", out / "runs.csv", out / "particles.nc"]
        paths[0].write_text(dumps(self.to_dict()) + "\n", encoding="utf-8")
        with paths[1].open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(COLUMNS)
            for row in self.rows:
                writer.writerow(["" if isinstance(row[k], float) and not math.isfinite(row[k]) else row[k]
                                 for k in COLUMNS])
        write_dict_rows(self.runs_rows(), list(RUN_COLUMNS), paths[2])
        self.inference_data().to_netcdf(str(paths[3]), engine="h5netcdf")
        return paths


def _stage_fields():
    from badminima.sampling.version_space_smc import STAGE_FIELDS
    return STAGE_FIELDS


def run_version_space(config: VersionSpaceConfig | str | Path | None = None, executor: str | None = None,
                      workers: int | None = None, progress: bool = True, out_dir: str | Path | None = None,
                      **executor_options) -> VersionSpaceResult:
    """Run a version-space experiment (default: the embedded synthetic config).

    With ``out_dir`` every finished run is kept in ``out_dir/tasks.db`` and every finished
    stage of an unfinished run in ``out_dir/smc-state/``: a rerun resumes and gives the same
    result. The result does not depend on the executor or the number of workers.
    """
    from badminima.experiments.task_store import STORE_NAME
    from badminima.experiments.version_space_config import DEFAULT_CONFIG
    config = DEFAULT_CONFIG if config is None else as_config(config, VersionSpaceConfig, "run_version_space")
    began = time.perf_counter()
    p = plan(config, out_dir)
    name = executor or config.executor.name
    workers = config.executor.workers if workers is None else workers
    store = None if out_dir is None else Path(out_dir) / STORE_NAME
    return run_plan(VERSION_SPACE, p, store, name, workers or None, progress, started=began, **executor_options)


def merge_run(p: VersionSpacePlan, results: list, run) -> VersionSpaceResult:
    """The runner contract's merge: :func:`merge` over the plan's tasks, timed by ``run``."""
    result = merge(p, version_space_tasks(p), results)
    result.seconds = run.seconds
    return result


def _plan_key(p: VersionSpacePlan) -> str:
    return p.key




#: The version-space runner (docs/architecture.md, "Runners"): ``plan`` also takes the output
#: folder, where unfinished runs keep their last stage.
VERSION_SPACE = Runner(kind="version-space", plan=plan, tasks=version_space_tasks, worker=run_version_space_task,
                       merge=merge_run, key=_plan_key, label="{name}: version space", unit="tasks")
