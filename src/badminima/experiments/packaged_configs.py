"""The ready experiment configs shipped inside the package (``badminima/configs/*.toml``).

The repository's top-level ``configs/`` folder is a link to the same files, so
``configs/digits-mlp.toml`` and the bare name ``digits-mlp`` name one config.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from badminima.errors import ConfigError


def packaged_config_names() -> list[str]:
    """Names (without ``.toml``) of the configs shipped with the package."""
    folder = resources.files("badminima") / "configs"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def _names_hint(name: str, listed: int = 8) -> str:
    """The packaged names closest to ``name``, or all of them when they are few (one short line)."""
    import difflib
    names = packaged_config_names()
    if len(names) <= listed:
        return "one of the packaged configs: " + ", ".join(names)
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
    if close:
        return (f"one of the {len(names)} packaged configs: did you mean {' or '.join(close)}? "
                "badminima.packaged_config_names() lists them all")
    return (f"one of the {len(names)} packaged configs, such as digits-mlp, gc-separable-mlp, "
            "gibbs-perceptron or vs-synthetic; badminima.packaged_config_names() lists them all")


def packaged_config(name: str) -> Path:
    """Path of the shipped config ``name`` (with or without ``.toml``)."""
    stem = name[:-5] if name.endswith(".toml") else name
    path = Path(str(resources.files("badminima") / "configs" / f"{stem}.toml"))
    if not path.is_file():
        raise ConfigError(f"no packaged config {name!r} (expected {_names_hint(stem)})")
    return path


def resolve_config(path_or_name: str | Path) -> Path:
    """A config file path as given, or else the packaged config of that name."""
    path = Path(path_or_name)
    if path.is_file():
        return path
    if path.parent == Path(".") and path.suffix in ("", ".toml"):
        return packaged_config(path.name)
    raise ConfigError(f"config file {str(path)!r} does not exist (expected a TOML file, or "
                      f"{_names_hint(path.stem)})")
