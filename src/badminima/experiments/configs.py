"""One loader for every experiment config: :func:`load_config`.

A config is a TOML file, or the name of a config shipped with the package (``"digits-mlp"``,
see :func:`~badminima.experiments.packaged_configs.packaged_config_names`), resolved the way
the CLI resolves it. Its kind follows from its tables:

===============  ============================================  =========================
kind             tables that mark it                           config class
===============  ============================================  =========================
``sweep``        ``[sweep]`` or ``[train]``                    :class:`SweepConfig`
``guess-check``  ``[sampling]``, ``[theory]`` or ``[sgd]``     :class:`GuessCheckConfig`
``gibbs``        ``[grid]``, ``[sampler]`` or ``[rejection]``  :class:`GibbsConfig`
===============  ============================================  =========================

A ``version-space`` config (:class:`VersionSpaceConfig`) is marked by ``[smc]`` or ``[runs]``.

docs/configs.md describes every table.
"""

from __future__ import annotations

from pathlib import Path

import importlib
from collections.abc import Mapping
from typing import TYPE_CHECKING

from badminima.errors import ConfigError, InvalidParameterError
from badminima.experiments.configfile import config_from_dict, read_toml
from badminima.validation import check_choice

if TYPE_CHECKING:
    from badminima.experiments.gibbs_config import GibbsConfig
    from badminima.experiments.guess_check_config import GuessCheckConfig
    from badminima.experiments.sweep_config import SweepConfig
    from badminima.experiments.version_space_config import VersionSpaceConfig

    ExperimentConfig = SweepConfig | GuessCheckConfig | GibbsConfig | VersionSpaceConfig

#: Config kind -> (module:class of its config, tables that only this kind has).
_KINDS = {
    "sweep": ("badminima.experiments.sweep_config:SweepConfig", ("sweep", "train")),
    "guess-check": ("badminima.experiments.guess_check_config:GuessCheckConfig", ("sampling", "theory", "sgd")),
    "gibbs": ("badminima.experiments.gibbs_config:GibbsConfig", ("grid", "sampler", "rejection")),
    "version-space": ("badminima.experiments.version_space_config:VersionSpaceConfig", ("smc", "runs")),
}


class _ConfigKinds(Mapping):
    """Kind -> (config class, tables); a class is imported when its kind is looked up, so reading a
    Gibbs config does not import the modules (and torch) of the other kinds."""

    def __getitem__(self, kind: str) -> tuple[type, tuple[str, ...]]:
        where, tables = _KINDS[kind]
        module, name = where.split(":")
        return getattr(importlib.import_module(module), name), tables

    def __iter__(self):
        return iter(_KINDS)

    def __len__(self) -> int:
        return len(_KINDS)


#: Config kind -> (config class, tables that only this kind has).
CONFIG_KINDS: Mapping[str, tuple[type, tuple[str, ...]]] = _ConfigKinds()



def config_kind(data: dict, where: str = "config") -> str:
    """The kind of a parsed config, from the tables it has (see the module docstring)."""
    kinds = [kind for kind, (_, tables) in _KINDS.items() if set(tables) & set(data)]
    if len(kinds) != 1:
        found = "tables of several kinds" if kinds else "none of their tables"
        marks = "; ".join(f"{kind}: [{'], ['.join(tables)}]" for kind, (_, tables) in _KINDS.items())
        raise ConfigError(f"{where}: cannot tell the experiment kind: it has {found} ({marks}); "
                          f"pass kind= to load_config")
    return kinds[0]


def load_config(name_or_path: str | Path, kind: str | None = None) -> ExperimentConfig:
    """Read and validate an experiment config of any kind.

    Parameters
    ----------
    name_or_path : str or Path
        A TOML file, or the name of a packaged config (``"digits-mlp"``, ``"gc-perceptron"``,
        ``"gibbs-perceptron"``).
    kind : {"sweep", "guess-check", "gibbs"}, optional
        The experiment kind; by default it follows from the config's tables.

    Returns
    -------
    SweepConfig, GuessCheckConfig or GibbsConfig
        Pass it to :func:`~badminima.experiments.sweep.run_sweep`,
        :func:`~badminima.experiments.guess_check.run_guess_check` or
        :func:`~badminima.experiments.gibbs.run_gibbs`.

    Raises
    ------
    ConfigError
        Missing file or unknown name, invalid TOML, an unknown or ill-typed key (named), or a
        kind that cannot be told.
    """
    path, data = read_toml(name_or_path)
    if kind is None:
        kind = config_kind(data, str(path))
    check_choice("kind", kind, "load_config", CONFIG_KINDS)
    return config_from_dict(data, CONFIG_KINDS[kind][0], where=str(path))


def as_config(config, cls: type, owner: str):
    """``config`` itself when it is a ``cls``; a path or packaged name is loaded as one."""
    if isinstance(config, cls):
        return config
    if isinstance(config, (str, Path)):
        kind = next(k for k, (where, _) in _KINDS.items() if where.endswith(f":{cls.__name__}"))
        return load_config(config, kind)
    raise InvalidParameterError(f"The 'config' parameter of {owner} must be a {cls.__name__}, a TOML path or a "
                      f"packaged config name. Got {type(config).__name__} instead.")
