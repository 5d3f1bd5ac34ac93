"""Regenerate the docs' generated sections (between `<!-- NAME:start -->` and `<!-- NAME:end -->`).

    venv/bin/python scripts/update_readme.py

The configuration reference (docs/configuration.md) comes from `components/schema.py`, the cloud
table from `components/clouds.py`, the endpoint tables (docs/network.md, docs/policy.md) from
`components/network.py`, the Azure Policy built-ins (docs/policy.md) from `components/policy_catalog.py`, the extension catalog
(docs/extensions.md) from `components/extension_catalog.py`. Tests fail when a section differs from what this writes, so the docs
cannot drift from the code.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from components.clouds import clouds_table  # noqa: E402
from components.extension_catalog import docs_table as extensions_table  # noqa: E402
from components.network import policy_section, readme_section  # noqa: E402
from components.policy_catalog import docs_table  # noqa: E402
from components.schema import EXTENSION_FIELDS, config_table, fields_table  # noqa: E402

# Each file, relative to the project, with the sections generated in it.
DOCS: dict[str, dict[str, Callable[[], str]]] = {
    "docs/configuration.md": {"config-table": config_table, "clouds-table": clouds_table},
    "docs/network.md": {"network-requirements": readme_section},
    "docs/policy.md": {"policy-builtins": docs_table, "policy-endpoints": policy_section},
    "docs/extensions.md": {
        "extension-fields": lambda: fields_table(EXTENSION_FIELDS),
        "extensions-catalog": extensions_table,
    },
}


def render(text: str, sections: Mapping[str, Callable[[], str]], name: str = "document") -> str:
    """`text` with each of `sections` replaced by what its builder writes now."""
    for section, build in sections.items():
        pattern = re.compile(rf"(<!-- {section}:start -->\n).*?(\n<!-- {section}:end -->)", re.S)
        generated = build()

        def replace(m: re.Match[str], generated: str = generated) -> str:
            return m.group(1) + generated + m.group(2)

        text, count = pattern.subn(replace, text)
        if count != 1:
            raise SystemExit(f"{name}: section {section} not found once")
    return text


def main() -> None:
    for relative, sections in DOCS.items():
        path = ROOT / relative
        path.write_text(render(path.read_text(), sections, relative))


if __name__ == "__main__":
    main()
