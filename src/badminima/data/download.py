"""Optional download of MNIST, Fashion-MNIST and CIFAR-10, verified, resumable and atomic.

Each file is streamed into ``<name>.part`` next to its destination. An interrupted
download leaves the ``.part`` file, and the next attempt asks the server for the rest
with an HTTP ``Range`` request (a server that ignores it sends the whole file again).
Once complete, the SHA-256 of the ``.part`` file must equal the published one; only then
is it renamed (``os.replace``, atomic) to its final name, so a half-written or corrupt
file is never taken as data. A mismatch deletes the ``.part`` file and raises.

``$BADMINIMA_DOWNLOAD_BASE_URL`` replaces the official locations by a mirror holding the
same files under the same names (the checksums are still enforced).

The SHA-256 sums below are the ones published for these files by torchvision,
TensorFlow Datasets / Keras and the Fashion-MNIST repository, and agree across them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import http.client
import logging
import os
import urllib.error
import urllib.request
from pathlib import Path

from badminima.errors import DataError, InvalidParameterError

logger = logging.getLogger(__name__)
_CHUNK = 1 << 16


@dataclasses.dataclass(frozen=True)
class RemoteFile:
    """One downloadable file: its name, published SHA-256 and size in bytes."""

    name: str
    sha256: str
    size: int


#: Official locations (tried in order) and files of each downloadable dataset.
OFFICIAL = {
    "mnist": {
        "urls": ("https://ossci-datasets.s3.amazonaws.com/mnist/",  # mirror used by torchvision
                 "http://yann.lecun.com/exdb/mnist/"),
        "files": (
            RemoteFile("train-images-idx3-ubyte.gz",
                       "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609", 9912422),
            RemoteFile("train-labels-idx1-ubyte.gz",
                       "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c", 28881),
            RemoteFile("t10k-images-idx3-ubyte.gz",
                       "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6", 1648877),
            RemoteFile("t10k-labels-idx1-ubyte.gz",
                       "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6", 4542),
        ),
    },
    "fashion-mnist": {
        "urls": ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
        "files": (
            RemoteFile("train-images-idx3-ubyte.gz",
                       "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84", 26421880),
            RemoteFile("train-labels-idx1-ubyte.gz",
                       "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845", 29515),
            RemoteFile("t10k-images-idx3-ubyte.gz",
                       "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073", 4422102),
            RemoteFile("t10k-labels-idx1-ubyte.gz",
                       "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5", 5148),
        ),
    },
    "cifar10": {
        "urls": ("https://www.cs.toronto.edu/~kriz/",),
        "files": (
            RemoteFile("cifar-10-python.tar.gz",
                       "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce", 170498071),
        ),
    },
}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _open(url: str, start: int, timeout: float):
    request = urllib.request.Request(url, headers={"User-Agent": "badminima"})
    if start:
        request.add_header("Range", f"bytes={start}-")
    return urllib.request.urlopen(request, timeout=timeout)  # noqa: S310 (http/https only, checked)


def _stream(url: str, part: Path, timeout: float) -> None:
    """Append the rest of ``url`` to ``part`` (or rewrite it when the server ignores Range)."""
    start = part.stat().st_size if part.exists() else 0
    try:
        response = _open(url, start, timeout)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and start:  # nothing left to fetch: the .part is complete
            return
        raise
    with response:
        resumed = start and response.status == 206
        if start and not resumed:
            logger.info("%s: server ignored the range request; downloading from the start", url)
        announced = response.getheader("Content-Length")
        received = 0
        with open(part, "ab" if resumed else "wb") as out:
            while block := response.read(_CHUNK):
                out.write(block)
                received += len(block)
            out.flush()
            os.fsync(out.fileno())
    if announced is not None and received < int(announced):
        raise OSError(f"connection closed after {received} of {announced} bytes")


def _download(url: str, part: Path, timeout: float) -> None:
    try:
        _stream(url, part, timeout)
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
        kept = f"; {part.stat().st_size} bytes kept in {part}, rerun to resume" if part.exists() else ""
        raise DataError(f"download of {url} failed: {exc}{kept}") from exc


def fetch(url: str, dest: Path, sha256: str, timeout: float = 60.0) -> Path:
    """Download ``url`` to ``dest`` unless ``dest`` already has ``sha256``; resumable, atomic.

    Raises
    ------
    DataError
        On a network failure (the ``.part`` file is kept for resuming) or a checksum
        mismatch (the ``.part`` file is deleted); ``dest`` is never left half-written.
    """
    if not url.startswith(("http://", "https://")):
        raise InvalidParameterError(f"Download URLs must be http(s). Got {url!r} instead.")
    dest = Path(dest)
    if dest.is_file() and _sha256(dest) == sha256:
        logger.info("%s already present and verified", dest)
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    resumed = part.exists()
    _download(url, part, timeout)
    got = _sha256(part)
    if got != sha256 and resumed:  # a stale .part of another file: start over once
        logger.info("%s: resumed file does not verify; downloading from the start", url)
        part.unlink()
        _download(url, part, timeout)
        got = _sha256(part)
    if got != sha256:
        part.unlink(missing_ok=True)
        raise DataError(f"download of {url}: SHA-256 mismatch (expected {sha256}, got {got}); "
                        "the file was discarded.")
    os.replace(part, dest)
    return dest


def download_dataset(name: str, folder: Path, base_url: str | None = None,
                     checksums: dict[str, str] | None = None, timeout: float = 60.0) -> list[Path]:
    """Download the official files of ``name`` into ``folder`` (skipping verified ones).

    Parameters
    ----------
    name : {"mnist", "fashion-mnist", "cifar10"}
    folder : Path
        Destination folder (created).
    base_url : str, optional
        A mirror replacing the official locations (default: ``$BADMINIMA_DOWNLOAD_BASE_URL``
        or the :data:`OFFICIAL` URLs, tried in order).
    checksums : dict, optional
        ``{file name: sha256}`` replacing the published sums (for other copies).
    """
    if name not in OFFICIAL:
        raise InvalidParameterError(
            f"The 'name' parameter of download_dataset must be one of {', '.join(map(repr, OFFICIAL))}. "
            f"Got {name!r} instead.")
    if Path(folder).is_file():
        raise DataError(f"{name}: cannot download into {folder}: it is a file, not a folder.")
    base_url = base_url or os.environ.get("BADMINIMA_DOWNLOAD_BASE_URL")
    bases = (base_url,) if base_url else OFFICIAL[name]["urls"]
    paths = []
    for remote in OFFICIAL[name]["files"]:
        expected = (checksums or {}).get(remote.name, remote.sha256)
        errors = []
        for base in bases:
            try:
                paths.append(fetch(base.rstrip("/") + "/" + remote.name, Path(folder) / remote.name,
                                   expected, timeout))
                break
            except DataError as exc:
                errors.append(str(exc))
        else:
            raise DataError(f"{name}: could not download {remote.name}: " + " | ".join(errors))
    return paths
