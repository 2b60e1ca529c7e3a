"""The one run-key function: what a stored result is filed under.

A key is the first 16 hex digits of the SHA-256 of a canonical JSON text (sorted keys), so
the same content gives the same key on every machine and in every process. Two forms, kept
as they were when results were first stored (so existing ``tasks.db`` and ``results.db`` files
are still found; ``tests/experiments/test_pinned_results.py`` pins the values):

- ``run_key(config, **facts)``: a run's tasks in a task store (``tasks.db``). The content is
  ``{"config": config, **facts, "versions": {badminima, numpy}}``: a task's numbers depend on
  them all, so a new version starts afresh. Guess & Check adds ``device`` and ``torch``.
- ``run_key(content, versions=False)``: a config's identity without versions (compact JSON):
  the ``config_hash`` of ``results.json`` and of the sweep's ``results.db`` rows, so a sweep
  resumes across library versions and machines.

Each runner states what its key covers (:attr:`badminima.experiments.runner.Runner.key`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

import numpy as np

from badminima import __version__

__all__ = ["run_key"]


def run_key(config: Mapping, *, versions: bool = True, **facts) -> str:
    """The key of ``config`` (a JSON-able mapping) and ``facts`` (see the module docstring).

    ``versions=True`` (resumable task stores) adds the versions of badminima and numpy;
    ``versions=False`` hashes ``config`` alone (``facts`` must then be empty).
    """
    if versions:
        content = {"config": config, **facts, "versions": {"badminima": __version__, "numpy": np.__version__}}
        canonical = json.dumps(content, sort_keys=True, default=str)
    else:
        if facts:
            raise TypeError(f"run_key(versions=False) hashes the config alone; got facts {sorted(facts)}")
        canonical = json.dumps(config, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]
