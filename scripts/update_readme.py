"""Regenerate the README's generated sections (between `<!-- NAME:start -->` and `<!-- NAME:end -->`).

    venv/bin/python scripts/update_readme.py

Tests fail when a section differs from what this writes, so docs cannot drift from the code.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from components.clouds import clouds_table  # noqa: E402
from components.network import readme_section  # noqa: E402
from components.schema import config_table  # noqa: E402

SECTIONS: dict[str, Callable[[], str]] = {
    "config-table": config_table,
    "clouds-table": clouds_table,
    "network-requirements": readme_section,
}


def render(readme: str) -> str:
    for name, build in SECTIONS.items():
        pattern = re.compile(rf"(<!-- {name}:start -->\n).*?(\n<!-- {name}:end -->)", re.S)
        text = build()

        def replace(match: re.Match[str], text: str = text) -> str:
            return match.group(1) + text + match.group(2)

        readme, count = pattern.subn(replace, readme)
        if count != 1:
            raise SystemExit(f"README.md: section {name} not found once")
    return readme


if __name__ == "__main__":
    path = ROOT / "README.md"
    path.write_text(render(path.read_text()))
