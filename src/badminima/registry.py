"""One registry type for every name -> object table of the package (STYLE.md rule 7).

A :class:`Registry` is a read-only :class:`~collections.abc.Mapping` from a name to an object
(a loader, a class, a builder, a model spec), so that it serves as the choices of a declared
rule (``validation.Options(REGISTRY)``) and of the CLI (``cli/registry_choices.py``) and
iterates over its canonical names in the order they were given. Its one addition is
:meth:`Registry.lookup`, which raises the package's standard message on an unknown name::

    >>> from badminima.registry import Registry
    >>> SHAPES = Registry({"circle": 1, "square": 2})
    >>> SHAPES.lookup("square", parameter="shape")
    2
    >>> SHAPES.lookup("cube", parameter="shape")
    Traceback (most recent call last):
    ...
    badminima.errors.InvalidParameterError: The 'shape' parameter must be one of 'circle', 'square'. Got 'cube' instead.

Aliases (old or alternative spellings a user may have typed) resolve to a canonical name's
object but are not listed, so choices and help texts show one name per entry.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Generic, TypeVar

from badminima.errors import InvalidParameterError
from badminima.validation import check_choice

T = TypeVar("T")


class Registry(Mapping, Generic[T]):
    """A read-only mapping ``name -> object`` whose :meth:`lookup` raises the standard message.

    Parameters
    ----------
    entries : mapping of str to object
        The canonical names, in the order choices are listed.
    aliases : mapping of str to str, optional
        Alternative name -> canonical name; an alias is found by ``[]``, ``in`` and
        :meth:`lookup` but is not iterated over.
    """

    def __init__(self, entries: Mapping[str, T], aliases: Mapping[str, str] | None = None):
        self._entries = dict(entries)
        self._aliases = dict(aliases or {})
        unknown = sorted(set(self._aliases.values()) - set(self._entries))
        if unknown:
            raise ValueError(f"Registry aliases point to unknown names: {unknown}")

    def canonical(self, name: str) -> str:
        """The canonical name of ``name`` (itself, or the name an alias stands for)."""
        return self._aliases.get(name, name)

    def lookup(self, name, parameter: str = "name", owner: str | None = None) -> T:
        """The object registered as ``name`` (or as the name an alias stands for).

        Raises
        ------
        InvalidParameterError
            "The 'parameter' parameter [of owner] must be one of 'a', 'b'. Got 'c' instead."
        """
        if name not in self:
            check_choice(parameter, name, owner, self._entries)
        return self[name]

    @property
    def aliases(self) -> dict[str, str]:
        """Alias -> canonical name."""
        return dict(self._aliases)

    def __getitem__(self, name: str) -> T:
        return self._entries[self._aliases.get(name, name)]

    def __contains__(self, name) -> bool:
        try:
            return self._aliases.get(name, name) in self._entries
        except TypeError:  # an unhashable "name" is not a name
            return False

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"Registry({', '.join(map(repr, self._entries))})"
