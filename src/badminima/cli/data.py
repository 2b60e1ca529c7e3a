"""The ``data`` subcommand: inspect and prepare datasets.

``badminima data info NAME [--data-dir DIR] [--classes LIST] [--json]`` loads a dataset
and prints its shapes, per-class counts, source path, checksum and cache file; ``--json``
prints them as one JSON object (keys ``name``, ``train_shape``, ``test_shape``,
``train_class_counts``, ``test_class_counts``, ``class_names``, ``dtype``, ``source``).

``badminima data prepare NAME [--data-dir DIR] [--download]`` downloads (optionally,
with SHA-256 verification) and decodes a dataset once, filling the npz cache, so that
later loads are fast. It writes only into the data folder and the cache folder; while it
works, the elapsed time shows on stderr (a line every 30 s when stderr is not a terminal).
"""

from __future__ import annotations

import json

_DOWNLOADABLE = ("mnist", "fashion-mnist", "cifar10")


def register(subparsers) -> None:
    from badminima.data.registry import DATASETS

    parser = subparsers.add_parser(
        "data", help="inspect and prepare datasets (MNIST, CIFAR-10, image folders, synthetic)",
        description="Inspect a dataset (shapes, class counts, source checksum) or prepare it "
                    "(download, decode, cache).")
    actions = parser.add_subparsers(dest="data_action", required=True, metavar="ACTION")
    names = ", ".join(DATASETS)

    info = actions.add_parser("info", help="shapes, class counts, source and checksum of a dataset")
    info.add_argument("name", metavar="NAME", help=f"dataset: {names}")
    info.add_argument("--data-dir", metavar="DIR", default=None,
                      help="folder (or .tar/.tar.gz archive) holding the dataset's files")
    info.add_argument("--classes", metavar="LIST", default=None,
                      help="comma-separated class names or indices to keep, e.g. cat,dog or 0,1")
    info.add_argument("--json", action="store_true", help="print one JSON object")
    info.set_defaults(handler=_run_info)

    prepare = actions.add_parser("prepare", help="download (optional), decode and cache a dataset")
    prepare.add_argument("name", metavar="NAME", help=f"dataset: {names}")
    prepare.add_argument("--data-dir", metavar="DIR", default=None,
                         help="folder (or archive) holding the files; with --download, where to put them")
    prepare.add_argument("--download", action="store_true",
                         help=f"download the official files first ({', '.join(_DOWNLOADABLE)}), "
                              "verified by SHA-256, resumable")
    prepare.set_defaults(handler=_run_prepare)


def parse_classes(text: str | None) -> list | None:
    """``"cat,dog"`` -> ``["cat", "dog"]``; ``"0,1"`` -> ``[0, 1]``."""
    if text is None:
        return None
    items = [item.strip() for item in text.split(",") if item.strip()]
    return [int(item) if item.isdigit() else item for item in items]


def dataset_summary(ds) -> dict:
    """JSON-ready description of a loaded dataset."""
    import numpy as np

    def counts(y):
        values = np.bincount(y, minlength=ds.n_classes)
        return {name: int(c) for name, c in zip(ds.class_names, values)}

    return {
        "name": ds.name,
        "train_shape": list(ds.x_train.shape),
        "test_shape": list(ds.x_test.shape),
        "dtype": str(ds.x_train.dtype),
        "class_names": list(ds.class_names),
        "train_class_counts": counts(ds.y_train),
        "test_class_counts": counts(ds.y_test),
        "source": dict(ds.source),
    }


def _format(summary: dict) -> str:
    src = summary["source"]
    lines = [f"dataset      {summary['name']}",
             f"train        {tuple(summary['train_shape'])} {summary['dtype']}",
             f"test         {tuple(summary['test_shape'])}",
             f"source       {src.get('path') or src.get('generator')}",
             f"sha256       {src.get('sha256')}",
             f"cache        {src.get('cache')}",
             "class            train     test"]
    for name in summary["class_names"]:
        lines.append(f"{name:<14} {summary['train_class_counts'][name]:>7} {summary['test_class_counts'][name]:>8}")
    return "\n".join(lines)


def _run_info(args) -> int:
    from badminima.data import load_dataset

    ds = load_dataset(args.name, data_dir=args.data_dir, classes=parse_classes(args.classes))
    summary = dataset_summary(ds)
    print(json.dumps(summary, indent=2, default=str) if args.json else _format(summary))
    return 0


def _run_prepare(args) -> int:
    from badminima.data import load_dataset
    from badminima.errors import InvalidParameterError
    from badminima.experiments.progress import Progress

    options = {}
    if args.download:
        if args.name not in _DOWNLOADABLE:
            raise InvalidParameterError(
                f"--download is available for {', '.join(_DOWNLOADABLE)}; {args.name!r} has no "
                "official download (synthetic and digits need no files).")
        options["download"] = True
    with Progress(None, f"preparing {args.name}") as progress, progress.ticking():  # CIFAR-10 takes a while
        ds = load_dataset(args.name, data_dir=args.data_dir, **options)
    cache = ds.source.get("cache")
    where = f"; cache: {cache}" if cache else " (generated on load, nothing to cache)"
    print(f"prepared {ds.name}: {len(ds.y_train)} train / {len(ds.y_test)} test, "
          f"source {ds.source.get('path') or ds.source.get('generator')}{where}")
    return 0
