"""The documentation reads offline: its formulas are typeset by a MathJax copied into the site.

docs/conf.py loads ``sphinx-mathjax-offline`` (MathJax 3 shipped in a wheel of the docs and dev
extras) after ``sphinx.ext.mathjax``. A small page with a formula is built here with the math
extensions of docs/conf.py (a full ``make docs`` runs the gallery: minutes) and every page of
a full build, when one lies in docs/_build/html, is checked the same way.
"""

from __future__ import annotations

import ast
import importlib.util
import re
import tomllib
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
OFFLINE = "sphinx-mathjax-offline"

#: A script or stylesheet loaded from another host (``http://``, ``https://`` or ``//``).
_REMOTE = re.compile(r"<(?:script|link)\b[^>]*\b(?:src|href)\s*=\s*[\"'](?:https?:)?//", re.I)


def _conf_extensions() -> list[str]:
    tree = ast.parse((REPO_ROOT / "docs" / "conf.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "extensions" for t in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError("docs/conf.py sets no extensions")


def remote_references(html_dir: Path) -> dict[str, list[str]]:
    """Per HTML page under ``html_dir``, the script and stylesheet tags loading from another host."""
    found = {}
    for page in html_dir.rglob("*.html"):
        tags = [match.group(0) for match in _REMOTE.finditer(page.read_text(errors="replace"))]
        if tags:
            found[str(page.relative_to(html_dir))] = tags
    return found


def test_the_docs_load_mathjax_from_the_docs_extra():
    extensions = _conf_extensions()
    assert "sphinx.ext.mathjax" in extensions and OFFLINE in extensions
    assert extensions.index(OFFLINE) > extensions.index("sphinx.ext.mathjax")
    extras = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    for extra in ("docs", "dev"):
        assert any(req.startswith(OFFLINE) for req in extras[extra]), f"the {extra} extra lacks {OFFLINE}"


def test_the_remote_pattern_finds_cdn_scripts():
    assert _REMOTE.search('<script defer="defer" src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js">')
    assert _REMOTE.search("<link rel='stylesheet' href='//fonts.example.org/a.css'>")
    assert not _REMOTE.search('<script src="_static/mathjax/tex-chtml.js"></script>')
    assert not _REMOTE.search('<a href="https://example.org">a link is not a script</a>')


def test_a_page_with_a_formula_loads_no_remote_script(tmp_path):
    sphinx_app = pytest.importorskip("sphinx.application", reason="sphinx (dev or docs extra) is absent")
    if importlib.util.find_spec(OFFLINE) is None:
        pytest.skip(f"{OFFLINE} (dev or docs extra) is absent")
    source = tmp_path / "src"
    source.mkdir()
    math = [ext for ext in _conf_extensions() if "math" in ext]
    (source / "conf.py").write_text(f"extensions = {math!r}\nhtml_theme = 'basic'\n")
    (source / "index.rst").write_text("Offline\n=======\n\nThe density :math:`D(\\epsilon)`.\n\n"
                                      ".. math::\n\n   Z_n = \\int_0^1 D(\\epsilon) (1 - \\epsilon)^n d\\epsilon\n")
    out = tmp_path / "html"
    app = sphinx_app.Sphinx(str(source), str(source), str(out), str(tmp_path / "doctrees"), "html",
                            status=None, warning=None, freshenv=True)
    app.build()
    page = (out / "index.html").read_text()
    assert "_static/mathjax/tex-chtml.js" in page
    assert (out / "_static" / "mathjax" / "tex-chtml.js").stat().st_size > 100_000
    assert any((out / "_static" / "mathjax" / "output" / "chtml" / "fonts").rglob("*.woff")), "no fonts copied"
    assert remote_references(out) == {}


def test_a_full_docs_build_loads_no_remote_script():
    html = REPO_ROOT / "docs" / "_build" / "html"
    if not (html / "index.html").is_file():
        pytest.skip("no full docs build in docs/_build/html (make docs)")
    assert (html / "_static" / "mathjax" / "tex-chtml.js").is_file(), "stale build: run make docs"
    assert remote_references(html) == {}
