"""An inventory: the fleet's cluster items read from a file instead of the `clusters` list.

A YAML file holds a list of items with the keys of `clusters`. A CSV file holds one item per row,
one column per flat key (`clusterName`, `agents.chartVersion`) or map entry (`tags.NAME`), separated
as spreadsheets export them (`,` `;` or tab, from the header row); lists (`proxy.noProxy`) have no
CSV form, so such a column is refused rather than guessed at. Columns headed `#...` are the reader's.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from components.schema import CLUSTER_FIELDS, SCHEMA, iter_keys

from .files import BadYaml, UnusableFile, exists, load_yaml, read_text
from .model import ConfigError
from .raw import _INVALID, _coerce_array, _did_you_mean, _Report

# The columns a CSV inventory may have: every per-cluster leaf that is a string, boolean or integer.
_FLAT_KEYS = {path: key for path, key in iter_keys(CLUSTER_FIELDS) if key.type in ("string", "boolean", "integer")}
_NESTED_KEYS = {path for path, key in iter_keys(CLUSTER_FIELDS) if key.type in ("array", "map")}
# A map of strings (tags) has a column per entry: `tags.NAME`.
_MAP_KEYS = {path for path, key in iter_keys(CLUSTER_FIELDS) if key.type == "map"}
# What spreadsheets export: a comma, or a semicolon (locales whose decimal mark is a comma), or a tab.
_DELIMITERS = (",", ";", "\t")
# Workbook formats (zip or binary): only their CSV export is read.
_WORKBOOKS = (".xlsx", ".xlsm", ".xls", ".ods", ".numbers")
# A column for people, not the program (notes, an owner): its header starts with this.
IGNORED_COLUMN = "#"


def inventory_label(path: str) -> str:
    """How problems name an inventory's items: `inventory(PATH)[N].key`."""
    return f"inventory({path})"


def inventory_path(value: str, project_dir: Path) -> Path:
    path = Path(value)
    return path if path.is_absolute() else project_dir / path


def _read_inventory(value: Any, project_dir: Path, report: _Report) -> Any:
    """The inventory's items, type-checked like `clusters`; _INVALID (reported) when unusable."""
    if value is _INVALID or value is None:
        return _INVALID
    if not value.strip():
        report.error("inventory", "is empty: give the path of a YAML or CSV file of cluster items")
        return _INVALID
    if value.lstrip().startswith("["):
        # `pulumi config set --path inventory[0] a.csv`, or a YAML list: the engine hands it on as JSON text.
        report.error("inventory", "takes one file path, not a list: put every cluster in one file (or use `clusters`)")
        return _INVALID
    path = inventory_path(value, project_dir)
    if path.suffix.lower() in _WORKBOOKS:
        report.error(
            "inventory",
            f"{value}: a spreadsheet workbook is not read: save the sheet as CSV (in Excel: File > Save As > "
            "CSV UTF-8) and name the .csv file",
        )
        return _INVALID
    if not exists(path):
        report.error("inventory", f"{value}: no such file (relative paths start at the project directory)")
        return _INVALID
    try:
        # Bounded, as every file the user names (files.py): regular files only, at most 16 MiB.
        text = read_text(path)
    except (OSError, UnicodeDecodeError, UnusableFile) as error:
        reason = (
            error.strerror
            if isinstance(error, OSError)
            else "not UTF-8 text"
            if isinstance(error, UnicodeDecodeError)
            else str(error)
        )
        report.error("inventory", f"{value}: cannot read it: {reason}")
        return _INVALID
    label = inventory_label(value)
    items = (
        _csv_items(text, value, label, report) if path.suffix.lower() == ".csv" else _yaml_items(text, value, report)
    )
    if items is _INVALID:
        return _INVALID
    return _coerce_array(
        items, SCHEMA["clusters"], label, report, secret=False
    )  # a plain file: nothing in it is secret


def _yaml_items(text: str, value: str, report: _Report) -> Any:
    try:
        # Depth, aliases, repeated keys and tags bounded as in a stack file; nothing of it quoted.
        document = load_yaml(text)
    except BadYaml as error:
        report.error("inventory", f"{value}: not valid YAML: {error}")
        return _INVALID
    if not isinstance(document, list):
        report.error("inventory", f"{value}: must be a YAML list of cluster items (`- clusterName: ...`)")
        return _INVALID
    return document


def _delimiter(text: str) -> str:
    """The header row's separator: whichever of `,` `;` tab it holds most (a comma when none)."""
    header = text.split("\n", 1)[0]
    return max(_DELIMITERS, key=lambda d: (header.count(d), d == ","))


def _map_column(column: str) -> tuple[str, str] | None:
    """`tags.NAME` -> ("tags", "NAME"): one entry of a map per column."""
    for key in _MAP_KEYS:
        if column.startswith(f"{key}.") and len(column) > len(key) + 1:
            return key, column[len(key) + 1 :]
    return None


def _csv_items(text: str, value: str, label: str, report: _Report) -> Any:
    # A spreadsheet's "CSV UTF-8" export starts with a byte-order mark, which is no part of the first column's name.
    text = text.removeprefix("\ufeff")
    reader = csv.DictReader(io.StringIO(text), delimiter=_delimiter(text))
    try:
        return _csv_rows(reader, value, label, report)
    except csv.Error as error:
        # The reader's own limits (a cell over csv.field_size_limit(), 131,072 characters); its
        # messages quote no cell. line_num counts the lines read before the one it stopped in.
        report.error("inventory", f"{value}: line {reader.line_num + 1} cannot be read as CSV: {error}")
        return _INVALID


def _csv_rows(reader: csv.DictReader[str], value: str, label: str, report: _Report) -> Any:
    columns = reader.fieldnames or []
    if not columns:
        report.error("inventory", f"{value}: a CSV inventory needs a header row of keys (`clusterName,kubeContext`)")
        return _INVALID
    usable = True
    # Empty headers (a spreadsheet's trailing separators) are no names; a cell under one is refused below.
    repeated = sorted({c for c in columns if c.strip() and not c.startswith(IGNORED_COLUMN) and columns.count(c) > 1})
    if repeated:
        # csv.DictReader would keep the last of them silently.
        report.error("inventory", f"{value}: the header names {', '.join(repeated)} more than once: keep one")
        usable = False
    for column in dict.fromkeys(columns):
        if column in _FLAT_KEYS or column.startswith(IGNORED_COLUMN) or _map_column(column) or not column.strip():
            continue
        usable = False
        if any(column == nested or column.startswith(f"{nested}.") for nested in _NESTED_KEYS):
            report.error(
                f"{label}.{column}",
                "is a list or a map, which a CSV cell cannot hold: use a YAML inventory "
                "(or set it once at the top level of the stack)",
            )
        else:
            report.error(f"{label}.{column}", f"unknown CSV column{_did_you_mean(column, _FLAT_KEYS)}")
    if not usable:
        return _INVALID
    items: list[Any] = []
    for row in reader:
        if None in row:  # more cells than the header names
            report.error(f"{label}[{len(items)}]", f"row {reader.line_num} has more cells than the header")
            return _INVALID
        if not any((cell or "").strip() for column, cell in row.items() if not column.startswith(IGNORED_COLUMN)):
            continue  # a blank row (`;;;` at the end of an export)
        item: dict[str, Any] = {}
        for column, cell in row.items():
            if cell is None or cell == "" or column.startswith(IGNORED_COLUMN):
                continue  # an empty cell leaves the key unset: the top-level default applies
            if not column.strip():
                report.error(f"{label}[{len(items)}]", f"row {reader.line_num} has a value in a column with no header")
                return _INVALID
            entry = _map_column(column)
            if entry is not None:
                item.setdefault(entry[0], {})[entry[1]] = cell
                continue
            node = item
            *parents, leaf = column.split(".")
            for parent in parents:
                node = node.setdefault(parent, {})
            node[leaf] = cell
        items.append(item)
    return items


def inventory_items(value: str, project_dir: Path) -> list[dict[str, Any]]:
    """The inventory's items as validated values (for tools that copy them, like the sharder)."""
    report = _Report()
    items = _read_inventory(value, project_dir, report)
    if report.errors:
        raise ConfigError(list(dict.fromkeys(report.errors)))
    return [item for item in items if isinstance(item, dict)]
