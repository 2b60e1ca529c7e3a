"""Lazy exports for package ``__init__`` modules (the pattern of scipy and scikit-image).

A package lists its public names and the submodule defining each; a name's submodule is
imported on first access, so ``import badminima`` stays light (numpy only) and torch is
imported only when a torch-using name is touched.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping


def attach(package: str, exports: Mapping[str, str]) -> tuple[Callable, Callable, list[str]]:
    """``(__getattr__, __dir__, __all__)`` of a package exporting ``{name: module}`` lazily.

    Usage in a package ``__init__``::

        __getattr__, __dir__, __all__ = attach(__name__, {"run_sweep": "badminima.experiments.sweep"})

    A name resolves to ``getattr(import_module(module), name)`` and is then cached on the
    package; an unknown name raises :class:`AttributeError` as for any module.
    """
    exports = dict(exports)

    def __getattr__(name: str):
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(exports))

    return __getattr__, __dir__, sorted(exports)
