"""The `http` probe kind: its checklist fields (`spec`) and its runner (`run`).

Only the spec is imported here; the runner, and httpx with it, is imported by the
registry when an `http` probe first runs.
"""

from __future__ import annotations

from gonogo_tui.core.probes.http.spec import HeaderNumber, HttpProbe, JsonCheck, parse_json_path

__all__ = ["HeaderNumber", "HttpProbe", "JsonCheck", "parse_json_path"]
