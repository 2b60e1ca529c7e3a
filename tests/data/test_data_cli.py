"""``badminima data info|prepare`` on data written by the tests."""

import gzip
import json
import struct
from pathlib import Path

import numpy as np

from badminima.cli.main import main

STEMS = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
         "t10k-labels-idx1-ubyte")


def _write_mnist(folder: Path):
    rng = np.random.default_rng(0)
    arrays = [rng.integers(0, 256, (12, 28, 28), dtype=np.uint8), np.arange(12, dtype=np.uint8) % 3,
              rng.integers(0, 256, (5, 28, 28), dtype=np.uint8), np.array([0, 0, 1, 2, 9], np.uint8)]
    folder.mkdir(parents=True, exist_ok=True)
    for stem, a in zip(STEMS, arrays):
        header = bytes([0, 0, 8, a.ndim]) + b"".join(struct.pack(">I", d) for d in a.shape)
        (folder / f"{stem}.gz").write_bytes(gzip.compress(header + a.tobytes()))


def test_info_json_reports_shapes_counts_and_checksum(tmp_path, capsys):
    _write_mnist(tmp_path)
    assert main(["data", "info", "mnist", "--data-dir", str(tmp_path), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["train_shape"] == [12, 28, 28] and info["test_shape"] == [5, 28, 28]
    assert list(info["train_class_counts"].values()) == [4, 4, 4, 0, 0, 0, 0, 0, 0, 0]
    assert info["test_class_counts"]["9"] == 1 and info["test_class_counts"]["0"] == 2
    assert len(info["source"]["sha256"]) == 64 and info["source"]["path"] == str(tmp_path.resolve())


def test_info_table_with_class_subset(tmp_path, capsys):
    _write_mnist(tmp_path)
    assert main(["data", "info", "mnist", "--data-dir", str(tmp_path), "--classes", "2,0"]) == 0
    out = capsys.readouterr().out
    assert "(8, 28, 28)" in out and "sha256" in out
    assert [line.split()[0] for line in out.splitlines()[-2:]] == ["2", "0"]


def test_info_synthetic_json(capsys):
    assert main(["data", "info", "synthetic-linear", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["train_shape"] == [1000, 20] and sum(info["test_class_counts"].values()) == 10000


def test_prepare_fills_the_cache(tmp_path, capsys):
    _write_mnist(tmp_path)
    assert main(["data", "prepare", "mnist", "--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    cache = Path(out.rsplit("cache: ", 1)[1].strip())
    assert cache.is_file() and cache.suffix == ".npz"


def test_errors_are_one_line_and_exit_2(tmp_path, capsys):
    assert main(["data", "info", "mnist", "--data-dir", str(tmp_path / "none")]) == 2
    err = capsys.readouterr().err
    assert "train-images-idx3-ubyte" in err and "--download" in err and err.count("\n") == 1
    assert main(["data", "prepare", "digits", "--download"]) == 2
    assert "--download is available for" in capsys.readouterr().err
    assert main(["data", "info", "imagenet"]) == 2
    assert "'name'" in capsys.readouterr().err
