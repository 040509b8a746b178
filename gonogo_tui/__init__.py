"""gonogo: a deployment GO/NO-GO review in the terminal."""

from __future__ import annotations

from gonogo_tui.core.execution.lazy_imports import skip_httpx_cli

skip_httpx_cli()

__version__ = "0.1.0"
