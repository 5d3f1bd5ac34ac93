"""The manual's shape: a short README that links every page in docs/, and no broken link."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import ROOT

DOCS = sorted((ROOT / "docs").glob("*.md"))
PAGES = [ROOT / "README.md", *DOCS]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = re.sub(r"^```.*?^```", "", page.read_text(), flags=re.S | re.M)
    return {slug(m.group(1)) for m in re.finditer(r"^#{1,6} (.+)$", text, re.M)}


def links(page: Path) -> list[str]:
    text = re.sub(r"^```.*?^```", "", page.read_text(), flags=re.S | re.M)
    return [m.group(1) for m in LINK.finditer(text) if not re.match(r"[a-z]+://", m.group(1))]


def test_the_readme_is_short() -> None:
    assert len((ROOT / "README.md").read_text().splitlines()) < 200


def test_the_readme_links_every_page_in_docs() -> None:
    linked = {(ROOT / target.split("#")[0]).resolve() for target in links(ROOT / "README.md")}
    assert [page.name for page in DOCS if page.resolve() not in linked] == []


def test_every_relative_link_and_anchor_resolves() -> None:
    broken = []
    for page in PAGES:
        for target in links(page):
            path, _, anchor = target.partition("#")
            file = (page.parent / path).resolve() if path else page
            if not file.exists():
                broken.append(f"{page.relative_to(ROOT)}: {target} (no such file)")
            elif anchor and file.suffix == ".md" and anchor not in anchors(file):
                broken.append(f"{page.relative_to(ROOT)}: {target} (no such heading)")
    assert broken == []


def test_no_page_repeats_a_paragraph_of_another() -> None:
    """One place per topic: a paragraph (three lines or more) appears on one page only."""
    seen: dict[str, str] = {}
    repeated = []
    for page in PAGES:
        for paragraph in re.split(r"\n\s*\n", page.read_text()):
            if paragraph.count("\n") < 2 or paragraph.lstrip().startswith(("|", "```", "<!--")):
                continue
            key = " ".join(paragraph.split())
            if key in seen and seen[key] != page.name:
                repeated.append(f"{page.name} repeats {seen[key]}: {key[:60]}...")
            seen.setdefault(key, page.name)
    assert repeated == []
