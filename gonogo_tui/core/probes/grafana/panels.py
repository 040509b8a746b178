"""A Grafana dashboard's panels in every layout Grafana has stored, and how they name sources.

Grafana's API returns a dashboard as it was saved; only its frontend upgrades old layouts. So a
dashboard saved before Grafana 5 keeps its panels in `rows[].panels[]` (schemaVersion below
16), a newer one keeps them in `panels[]` with `type: row` panels between them, a collapsed row
keeps its children in its own `panels`, and a library panel may be stored as a bare
`{"libraryPanel": {"uid", "name"}}` reference.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from gonogo_tui.core.probes._ops import plural

BUILTIN_SOURCES = frozenset(
    {"grafana", "-- Grafana --", "-- Mixed --", "-- Dashboard --", "__expr__", "__mixed__"}
)
"""Pseudo data sources that need no health check."""
_VARIABLE = re.compile(r"^\$(\w+)$|^\$\{(\w+)(?::[^}]*)?\}$|^\[\[(\w+)(?::[^\]]*)?\]\]$")


@dataclass
class PanelLayout:
    """The panels a viewer sees, and where each layout kept them."""

    panels: list[dict[str, Any]] = field(default_factory=list)
    top_level: int = 0
    """Panels directly in `panels[]` (rows not counted)."""
    in_collapsed_rows: int = 0
    """Panels inside collapsed rows' own `panels`."""
    collapsed_rows: int = 0
    old_rows: int = 0
    """Pre-5.0 `rows[]` entries."""
    in_old_rows: int = 0
    library: int = 0
    """Library panels (counted one each, wherever they sit)."""

    def describe(self) -> str:
        """`176 panels in 19 rows (pre-5.0 layout)`, `12 panels (8 in 3 collapsed rows)`."""
        total = plural(len(self.panels), "panel")
        parts = []
        if self.in_old_rows:
            parts.append(f"{self.in_old_rows} in {plural(self.old_rows, 'pre-5.0 row')}")
        if self.in_collapsed_rows:
            parts.append(
                f"{self.in_collapsed_rows} in {plural(self.collapsed_rows, 'collapsed row')}"
            )
        if parts and self.top_level:
            parts.insert(0, f"{self.top_level} top level")
        if self.library:
            parts.append(plural(self.library, "library panel"))
        return f"{total} ({', '.join(parts)})" if parts else total


def panel_layout(dashboard: dict[str, Any]) -> PanelLayout:
    """Every panel of a dashboard, whatever layout it was stored in; rows are not panels."""
    layout = PanelLayout()
    for panel in _dicts(dashboard.get("panels")):
        if panel.get("type") == "row":
            children = list(_dicts(panel.get("panels")))
            if children:
                layout.collapsed_rows += 1
                layout.in_collapsed_rows += len(children)
                layout.panels.extend(children)
        else:
            layout.top_level += 1
            layout.panels.append(panel)
    for row in _dicts(dashboard.get("rows")):
        layout.old_rows += 1
        children = list(_dicts(row.get("panels")))
        layout.in_old_rows += len(children)
        layout.panels.extend(children)
    layout.library = sum(isinstance(p.get("libraryPanel"), dict) for p in layout.panels)
    return layout


def iter_panels(dashboard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every panel a viewer sees, in every stored layout (see `panel_layout`)."""
    yield from panel_layout(dashboard).panels


@dataclass(frozen=True)
class Reference:
    """How a panel names a data source."""

    how: Literal["uid", "name", "variable", "default"]
    key: str
    """The uid, the name, the variable's name; for the default source, the plugin type the
    reference asks for (e.g. `prometheus`), or empty for any."""
    type: str = field(default="", compare=False)
    """The plugin type the reference gives, if any (not part of its identity)."""

    def shown(self) -> str:
        """The reference as the dashboard wrote it: `prom-main`, `'Metrics'`, `$DS`, `default`."""
        if self.how == "name":
            return f"'{self.key}'"
        if self.how == "variable":
            return f"${{{self.key}}}"
        if self.how == "default":
            return f"default ({self.key})" if self.key else "default"
        return self.key


def parse_reference(raw: Any) -> Reference | None:
    """A `datasource` value as a reference; None for built-in pseudo sources.

    Grafana has stored it as a name (`"Metrics"`), a variable (`"${DS_PROMETHEUS}"`), null (the
    default source) and, since 8.3, an object `{"type", "uid"}` whose uid may be a variable too.
    """
    if raw is None:
        return Reference("default", "")
    if isinstance(raw, dict):
        kind = raw.get("type")
        kind = kind if isinstance(kind, str) else ""
        uid = raw.get("uid")
        if not isinstance(uid, str) or not uid.strip():
            return None if kind in ("datasource", "grafana") else Reference("default", kind)
        return _from_text(uid.strip(), kind, "uid")
    if isinstance(raw, str):
        text = raw.strip()
        if not text or text.lower() == "default":
            return Reference("default", "")
        return _from_text(text, "", "name")
    return None


def _from_text(text: str, kind: str, how: Literal["uid", "name"]) -> Reference | None:
    if text in BUILTIN_SOURCES:
        return None
    variable = _VARIABLE.match(text)
    if variable is not None:
        return Reference("variable", next(g for g in variable.groups() if g), kind)
    return Reference(how, text, kind)


def panel_references(panel: dict[str, Any]) -> list[Reference]:
    """The data sources a panel queries: its own, or its targets' (a mixed panel's are per query).

    A panel without a `datasource` but with queries uses the default source; a panel without
    queries (text, row, a library panel stored by reference) uses none.
    """
    found: list[Reference] = []
    targets = list(_dicts(panel.get("targets")))
    own = panel.get("datasource")
    named_by_targets = [t["datasource"] for t in targets if t.get("datasource") is not None]
    if own is None and not named_by_targets and not targets:
        return []
    candidates: list[Any] = []
    if own is not None or not named_by_targets:
        candidates.append(own)
    candidates.extend(named_by_targets)
    for raw in candidates:
        reference = parse_reference(raw)
        if reference is not None and reference not in found:
            found.append(reference)
    return found


def _dicts(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, list):
        yield from (item for item in value if isinstance(item, dict))


__all__ = [
    "BUILTIN_SOURCES",
    "PanelLayout",
    "Reference",
    "iter_panels",
    "panel_layout",
    "panel_references",
    "parse_reference",
]
