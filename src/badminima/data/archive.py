"""Reading .tar / .tar.gz archives member by member, refusing unsafe members.

Archives are never extracted: regular members are read into memory. Every member is
still checked as if it were to be extracted into a folder: an absolute name, a ``..``
component, a link (symbolic or hard), a device or FIFO makes the whole archive refused
with a :class:`~badminima.errors.DataError` naming the member.
"""

from __future__ import annotations

import tarfile
import zlib
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from badminima.errors import DataError

ARCHIVE_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz")


def is_archive(path: Path) -> bool:
    """Whether ``path`` names a file with a tar archive suffix."""
    return path.is_file() and path.name.lower().endswith(ARCHIVE_SUFFIXES)


def safe_member_name(archive: Path, member: tarfile.TarInfo) -> str:
    """The member's normalized relative name (``""`` for the root), or raise DataError."""
    name = member.name.replace("\\", "/")
    why = None
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        why = "has an absolute path"
    elif ".." in PurePosixPath(name).parts:
        why = "contains '..'"
    elif member.issym() or member.islnk():
        why = f"is a link (to {member.linkname!r})"
    elif not (member.isfile() or member.isdir()):
        why = "is not a regular file or folder"
    if why:
        raise DataError(f"{archive}: refused unsafe archive member {member.name!r}: it {why}.")
    parts = [p for p in PurePosixPath(name).parts if p != "."]
    return "/".join(parts)


def read_members(archive: Path, wanted: Callable[[str], bool] = lambda name: True
                 ) -> tuple[dict[str, bytes], set[str]]:
    """Read an archive in one streaming pass.

    Returns
    -------
    files : dict
        ``{relative name: bytes}`` of the regular members ``wanted`` accepts.
    folders : set of str
        Names of all folders (explicit folder members and parents of files).
    """
    files: dict[str, bytes] = {}
    folders: set[str] = set()
    try:
        with tarfile.open(archive, "r|*") as tar:
            for member in tar:
                name = safe_member_name(archive, member)
                if not name:
                    continue
                if member.isdir():
                    folders.add(name)
                    continue
                folders.update(str(p) for p in PurePosixPath(name).parents if str(p) != ".")
                if wanted(name):
                    handle = tar.extractfile(member)
                    files[name] = handle.read()
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise DataError(f"{archive}: cannot read the archive (truncated or not a tar file): {exc}") from exc
    return files, folders
