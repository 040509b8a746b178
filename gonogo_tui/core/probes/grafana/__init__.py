"""The `grafana_dashboard` probe kind: its checklist fields (`spec`), its runner (`run`),
and the runner's helpers: the panels' data-source references (`panels`) and the data
sources' health (`sources`).

Only the spec is imported here; the runner is imported by the registry when a
`grafana_dashboard` probe first runs.
"""

from __future__ import annotations

from gonogo_tui.core.probes.grafana.spec import GrafanaDashboardProbe

__all__ = ["GrafanaDashboardProbe"]
