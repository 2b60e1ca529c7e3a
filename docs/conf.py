"""Sphinx configuration of the badminima documentation (``make docs``)."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import badminima  # noqa: E402  (from src/, the checkout being documented)

# The gallery renders figures without a display.
os.environ.setdefault("MPLBACKEND", "Agg")

project = "badminima"
author = "the badminima authors"
copyright = "2026, the badminima authors"
version = release = badminima.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx-mathjax-offline",  # MathJax 3 from the docs extra, copied into _static/: no CDN
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "results-data", "figures",
                    "auto_examples/*.ipynb", "auto_examples/*.py", "auto_examples/*.zip",
                    "auto_examples/*.json", "auto_examples/*.md5"]

# MyST: the user guide and docs/science.md are Markdown with $...$ / $$...$$ math.
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3
myst_dmath_double_inline = True

# API reference: one page per public name, generated from the docstrings.
autosummary_generate = True
autosummary_imported_members = False
autodoc_default_options = {"members": True}
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_show_inherited_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_validation_checks: set[str] = set()

# No intersphinx: the build needs no network. Nor does reading it: the formulas are typeset by
# the MathJax that sphinx-mathjax-offline ships (mathjax_path = "mathjax/tex-chtml.js", copied
# to _static/mathjax); tests/test_docs_offline.py checks that no page loads a remote script.

sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "matplotlib_animations": False,
    "reset_modules": ("matplotlib",),
    "show_memory": False,
    "write_computation_times": False,  # its pages load jQuery and DataTables from CDNs
    "within_subsection_order": "FileNameSortKey",
}

html_theme = "pydata_sphinx_theme"
html_title = f"badminima {release}"
html_static_path: list[str] = []
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
}
html_context = {"default_mode": "light"}


# ---------------------------------------------------------------- the package tables
def _defining_name(package, name: str, obj) -> tuple[str, str]:
    """(role, target) of a name a package exports: where the object is defined."""
    import inspect

    if inspect.ismodule(obj):
        return "mod", obj.__name__
    module, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
    if isinstance(module, str) and isinstance(qualname, str) and module.startswith("badminima"):
        return "obj", f"{module}.{qualname}"
    # Data (dicts, tuples, constants): the deepest loaded submodule holding the same object.
    holders = [m for m_name, m in sorted(sys.modules.items())
               if m_name.startswith(package.__name__ + ".") and getattr(m, name, None) is obj]
    holder = max(holders, key=lambda m: m.__name__.count("."), default=package)
    return "data", f"{holder.__name__}.{name}"


def _summary(obj) -> str:
    import inspect

    if not (inspect.isclass(obj) or inspect.isroutine(obj) or inspect.ismodule(obj)):
        return ""
    doc = inspect.getdoc(obj) or ""
    first = doc.strip().split("\n\n", 1)[0].replace("\n", " ").strip()
    return first.replace("|", "\\|")


def _setup_names_directive(app) -> None:
    import importlib

    from docutils import nodes
    from docutils.statemachine import StringList
    from sphinx.util.docutils import SphinxDirective

    class PackageNames(SphinxDirective):
        """``.. badminima-names:: PACKAGE``: a table of the names PACKAGE exports."""

        required_arguments = 1

        def run(self):
            package = importlib.import_module(self.arguments[0])
            names = list(getattr(package, "__all__", ()))
            if not names:
                return []
            lines = [".. rubric:: Exported names", "",
                     ".. list-table::", "   :header-rows: 1", "   :widths: 25 75", "",
                     "   * - name", "     - summary"]
            for name in names:
                obj = getattr(package, name)
                role, target = _defining_name(package, name, obj)
                lines += [f"   * - :py:{role}:`{name} <{target}>`", f"     - {_summary(obj)}"]
            container = nodes.container()
            self.state.nested_parse(StringList(lines, source=self.arguments[0]),
                                    self.content_offset, container)
            return container.children

    app.add_directive("badminima-names", PackageNames)


# ------------------------------------------------- citations of docs/science.md as links
_SCIENCE = re.compile(
    r"(?<![`<\w/])docs/science\.md"
    r"(?:,?\s(?:§\s?|sections?\s)(\d)(?:\.(\d)|,\s+experiments?\s(\d))?)?(?![`\w])")


def _science_link(match: re.Match) -> str:
    """``docs/science.md §2`` -> a link to that section of the science page."""
    section, sub = match.group(1), match.group(2) or match.group(3)
    if section is None:
        return ":doc:`docs/science.md </science>`"
    label = f"science-{section}" + (f"-{sub}" if sub and section == "4" else "")
    return f":ref:`{match.group(0)} <{label}>`"


def _link_science_citations(app, what, name, obj, options, lines) -> None:
    lines[:] = [_SCIENCE.sub(_science_link, line) for line in lines]


def _skip_sklearn_metadata_routing(app, what, name, obj, skip, options):
    """scikit-learn's metadata-routing methods (``get_metadata_routing``, ``set_*_request``),
    which every estimator gets, are scikit-learn's to document, not ours."""
    if name == "get_metadata_routing" or (name.startswith("set_") and name.endswith("_request")):
        return True
    return None


def setup(app):
    _setup_names_directive(app)
    app.connect("autodoc-process-docstring", _link_science_citations)
    app.connect("autodoc-skip-member", _skip_sklearn_metadata_routing)
