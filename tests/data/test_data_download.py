"""Downloads against a local HTTP server on 127.0.0.1: verification, resume, atomicity."""

import gzip
import hashlib
import http.server
import re
import struct
import threading

import numpy as np
import pytest

from badminima.data import load_dataset
from badminima.data import download as dl
from badminima.errors import DataError


class _Handler(http.server.BaseHTTPRequestHandler):
    files: dict = {}
    log: list = []
    honour_range = True
    cut_after = None  # send only this many bytes, then close

    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802
        name = self.path.rsplit("/", 1)[-1]
        type(self).log.append((name, self.headers.get("Range")))
        if name not in self.files:
            self.send_error(404)
            return
        data = self.files[name]
        match = re.fullmatch(r"bytes=(\d+)-", self.headers.get("Range") or "")
        start = int(match.group(1)) if match and self.honour_range else 0
        if start >= len(data) and match and self.honour_range:
            self.send_response(416)
            self.end_headers()
            return
        self.send_response(206 if start else 200)
        if start:
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        self.send_header("Content-Length", str(len(data) - start))
        self.end_headers()
        body = data[start:]
        if self.cut_after is not None:
            body = body[: self.cut_after]
        self.wfile.write(body)


@pytest.fixture
def server():
    handler = type("Handler", (_Handler,), {"files": {}, "log": [], "honour_range": True, "cut_after": None})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield handler, f"http://127.0.0.1:{httpd.server_address[1]}/data/"
    httpd.shutdown()
    httpd.server_close()


def _sha(data):
    return hashlib.sha256(data).hexdigest()


def test_fetch_downloads_and_verifies(server, tmp_path):
    handler, base = server
    payload = bytes(range(256)) * 1000
    handler.files["blob.bin"] = payload
    dest = dl.fetch(base + "blob.bin", tmp_path / "blob.bin", _sha(payload))
    assert dest.read_bytes() == payload and not (tmp_path / "blob.bin.part").exists()
    dl.fetch(base + "blob.bin", tmp_path / "blob.bin", _sha(payload))  # verified: no request
    assert len(handler.log) == 1


def test_resume_requests_only_the_rest(server, tmp_path):
    handler, base = server
    payload = np.random.default_rng(0).bytes(300_000)
    handler.files["blob.bin"] = payload
    (tmp_path / "blob.bin.part").write_bytes(payload[:123_456])
    dl.fetch(base + "blob.bin", tmp_path / "blob.bin", _sha(payload))
    assert handler.log == [("blob.bin", "bytes=123456-")]
    assert (tmp_path / "blob.bin").read_bytes() == payload


def test_server_ignoring_range_still_gives_the_right_file(server, tmp_path):
    handler, base = server
    handler.honour_range = False
    payload = b"abcdef" * 5000
    handler.files["blob.bin"] = payload
    (tmp_path / "blob.bin.part").write_bytes(payload[:100])
    dl.fetch(base + "blob.bin", tmp_path / "blob.bin", _sha(payload))
    assert (tmp_path / "blob.bin").read_bytes() == payload


def test_interrupted_download_keeps_part_and_resumes(server, tmp_path):
    handler, base = server
    payload = np.random.default_rng(1).bytes(200_000)
    handler.files["blob.bin"] = payload
    handler.cut_after = 50_000
    with pytest.raises(DataError, match="rerun to resume"):
        dl.fetch(base + "blob.bin", tmp_path / "blob.bin", _sha(payload), timeout=5)
    assert not (tmp_path / "blob.bin").exists()
    assert (tmp_path / "blob.bin.part").stat().st_size == 50_000
    handler.cut_after = None
    dl.fetch(base + "blob.bin", tmp_path / "blob.bin", _sha(payload))
    assert handler.log[-1] == ("blob.bin", "bytes=50000-")
    assert (tmp_path / "blob.bin").read_bytes() == payload


def test_checksum_mismatch_discards_everything(server, tmp_path):
    handler, base = server
    handler.files["blob.bin"] = b"tampered"
    with pytest.raises(DataError, match="SHA-256 mismatch"):
        dl.fetch(base + "blob.bin", tmp_path / "blob.bin", _sha(b"original"))
    assert list(tmp_path.iterdir()) == []


def test_stale_part_of_another_file_is_redownloaded(server, tmp_path):
    handler, base = server
    payload = b"0123456789" * 100
    handler.files["blob.bin"] = payload
    (tmp_path / "blob.bin.part").write_bytes(b"XXXXX")
    dl.fetch(base + "blob.bin", tmp_path / "blob.bin", _sha(payload))
    assert (tmp_path / "blob.bin").read_bytes() == payload


def test_missing_remote_file_is_a_data_error(server, tmp_path):
    _, base = server
    with pytest.raises(DataError, match="404"):
        dl.fetch(base + "nothing.bin", tmp_path / "nothing.bin", _sha(b""))


def _idx(array):
    return bytes([0, 0, 8, array.ndim]) + b"".join(struct.pack(">I", d) for d in array.shape) + array.tobytes()


def test_load_dataset_with_download_from_a_mirror(server, tmp_path, monkeypatch):
    handler, base = server
    rng = np.random.default_rng(2)
    arrays = [rng.integers(0, 256, (7, 28, 28), dtype=np.uint8), rng.integers(0, 10, 7, dtype=np.uint8),
              rng.integers(0, 256, (3, 28, 28), dtype=np.uint8), rng.integers(0, 10, 3, dtype=np.uint8)]
    remotes = []
    for remote, array in zip(dl.OFFICIAL["mnist"]["files"], arrays):
        data = gzip.compress(_idx(array))
        handler.files[remote.name] = data
        remotes.append(dl.RemoteFile(remote.name, _sha(data), len(data)))
    monkeypatch.setitem(dl.OFFICIAL, "mnist", {"urls": (base,), "files": tuple(remotes)})
    ds = load_dataset("mnist", data_dir=tmp_path / "mnist", download=True)
    np.testing.assert_array_equal(ds.x_train, arrays[0])
    np.testing.assert_array_equal(ds.y_test, arrays[3])
    monkeypatch.setenv("BADMINIMA_DOWNLOAD_BASE_URL", base)
    monkeypatch.setitem(dl.OFFICIAL, "mnist", {"urls": ("http://127.0.0.1:9/",), "files": tuple(remotes)})
    dl.download_dataset("mnist", tmp_path / "again")
    assert sorted(p.name for p in (tmp_path / "again").iterdir()) == sorted(r.name for r in remotes)


def test_official_table_is_complete():
    for name, entry in dl.OFFICIAL.items():
        assert entry["urls"] and all(u.startswith(("http://", "https://")) for u in entry["urls"])
        for remote in entry["files"]:
            assert re.fullmatch(r"[0-9a-f]{64}", remote.sha256) and remote.size > 0
    with pytest.raises(Exception, match="'name'"):
        dl.download_dataset("digits", "/tmp")
