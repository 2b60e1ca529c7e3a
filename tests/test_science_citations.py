"""Every citation of docs/science.md in the package and the docs names a section that exists."""

from __future__ import annotations

import re
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
SCIENCE = REPO_ROOT / "docs" / "science.md"

#: The text after "science.md" that may hold section numbers (up to the end of the clause).
_TAIL = re.compile(r"science\.md((?:[ ,]|\n\s*)[^.;:)\n]*(?:\.\d[^.;:)\n]*)*)")
_SECTION = re.compile(r"(?:§|\bsections?\s+|\band\s+§?|-)(\d)(?:\.(\d))?")
_EXPERIMENTS = re.compile(r"\b(?:experiments?|exp\.)\s+(\d(?:(?:,\s*|\s+and\s+)\d)*)")
_QUOTED = re.compile(r'§(\d)(?:\.\d)?,\s*"([^"]+)"')


def _sections() -> dict[str, str]:
    """Section number ("2", "4.3") -> its text, from the headings of docs/science.md."""
    text = SCIENCE.read_text(encoding="utf-8")
    parts = re.split(r"^(#{2,3}) (\d(?:\.\d)?)\.? ", text, flags=re.M)
    sections = {}
    for level, number, body in zip(parts[1::3], parts[2::3], parts[3::3]):
        sections[number] = body
        if level == "###":
            parent = number.split(".")[0]
            sections[parent] = sections.get(parent, "") + body
    return sections


def _citing_files():
    yield from sorted((REPO_ROOT / "src").rglob("*.py"))
    yield from sorted(p for p in (REPO_ROOT / "docs").glob("*.md") if p != SCIENCE)
    yield REPO_ROOT / "README.md"


def _citations():
    for path in _citing_files():
        text = path.read_text(encoding="utf-8")
        for match in _TAIL.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            yield f"{path.relative_to(REPO_ROOT)}:{line}", match.group(1)


def test_science_md_has_the_numbered_sections():
    sections = _sections()
    assert {"1", "2", "3", "4", "5"} <= set(sections)
    assert {"4.1", "4.2", "4.3", "4.4", "4.5"} <= set(sections)
    assert {"2.1", "2.2", "2.3", "2.4", "2.5", "2.6"} <= set(sections)


def test_every_citation_resolves():
    sections = _sections()
    cited, unresolved = 0, []
    for where, tail in _citations():
        for major, minor in _SECTION.findall(tail):
            number = f"{major}.{minor}" if minor else major
            cited += 1
            if number not in sections:
                unresolved.append(f"{where}: section {number} ({tail.strip()!r})")
        for group in _EXPERIMENTS.findall(tail):
            for k in re.findall(r"\d", group):
                cited += 1
                if f"4.{k}" not in sections:
                    unresolved.append(f"{where}: experiment {k} ({tail.strip()!r})")
        for major, name in _QUOTED.findall(tail):
            if name.lower() not in sections.get(major, "").lower():
                unresolved.append(f"{where}: {name!r} is not in section {major}")
    assert not unresolved, "\n".join(unresolved)
    assert cited > 50  # the package cites the science throughout


def test_nothing_points_outside_the_repository():
    offenders = [str(p.relative_to(REPO_ROOT)) for p in _citing_files()
                 if "shared/SCIENCE" in p.read_text(encoding="utf-8")]
    assert not offenders
