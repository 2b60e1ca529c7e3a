"""The package's layers import only layers below them (see the package docstring)."""

import ast
from pathlib import Path

import pytest

import badminima

PACKAGE = Path(badminima.__file__).parent
LAYERS = ["theory", "data", "classifiers", "sampling", "training", "fitting",
          "experiments", "report", "cli"]
SHARED = {"errors", "validation", "registry", "__init__"}


def _imported_layers(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            parts = name.split(".")
            if parts[0] == "badminima" and len(parts) > 1 and parts[1] in LAYERS:
                found.add(parts[1])
    return found


@pytest.mark.parametrize("layer", LAYERS)
def test_layer_imports_only_lower_layers(layer):
    allowed = set(LAYERS[: LAYERS.index(layer) + 1])
    for path in (PACKAGE / layer).rglob("*.py"):
        higher = _imported_layers(path) - allowed
        assert not higher, f"{path.relative_to(PACKAGE)} imports higher layers {sorted(higher)}"


def test_top_level_modules_import_no_layer():
    """errors, validation, registry, search, jsonio, _lazy and __init__ sit below every layer."""
    for path in PACKAGE.glob("*.py"):
        if path.name != "__main__.py":
            assert not _imported_layers(path), f"{path.name} imports a layer"


def test_theory_does_not_import_torch():
    for path in (PACKAGE / "theory").rglob("*.py"):
        assert "torch" not in path.read_text(), f"{path} mentions torch"


def test_no_placeholder_commands_left():
    for path in (PACKAGE / "cli").glob("*.py"):
        assert "PLACEHOLDER" not in path.read_text(), f"{path} is still a placeholder"
