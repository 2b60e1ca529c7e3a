"""Option choices read from the package's registries, imported only when needed.

The CLI never types a registry's names again: ``--loss`` takes the names of
:data:`badminima.fitting.LOSSES`, ``--executor`` those of
:data:`badminima.experiments.executors.EXECUTORS`, and so on. Building the parser must stay
fast (every command builds all subparsers), so a :class:`RegistryNames` imports its module
the first time the names are needed: when an argument is checked against them or ``--help``
prints them.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence


class RegistryNames(Sequence):
    """The keys of ``module.attribute`` (a dict or sequence of names; a function is called).

    Usable as argparse ``choices`` (give the argument a ``metavar``, so that the parser is
    built without importing the registry) and in help strings (``str`` joins the names).
    """

    def __init__(self, module: str, attribute: str, separator: str = ", "):
        self.module, self.attribute, self.separator = module, attribute, separator
        self._names: tuple[str, ...] | None = None

    def names(self) -> tuple[str, ...]:
        if self._names is None:
            registry = getattr(importlib.import_module(self.module), self.attribute)
            self._names = tuple(registry() if callable(registry) else registry)
        return self._names

    def __getitem__(self, index):
        return self.names()[index]

    def __len__(self) -> int:
        return len(self.names())

    def __contains__(self, value) -> bool:
        return value in self.names()

    def __iter__(self):
        return iter(self.names())

    def __str__(self) -> str:
        return self.separator.join(self.names())

    def __repr__(self) -> str:
        return f"RegistryNames({self.module}.{self.attribute})"
