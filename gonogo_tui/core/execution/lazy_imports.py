"""Start-up costs the command line does not pay.

`gonogo check` is timed against shell one-liners, so a library's import-time work that no
gonogo command uses is kept off the start-up path here.
"""

from __future__ import annotations

import sys
import types
from typing import NoReturn

HTTPX_CLI = "httpx._main"


def skip_httpx_cli() -> None:
    """Keep `import httpx` from importing httpx's own command-line client.

    httpx 0.28 imports its `_main` (click, pygments, rich) on import, which no probe uses
    (the cost: docs/benchmarks.md, "Why the code is shaped so"). A stand-in module is
    registered before httpx is first imported; it does nothing when httpx is already
    loaded.
    """
    if "httpx" in sys.modules or HTTPX_CLI in sys.modules:
        return
    stand_in = types.ModuleType(HTTPX_CLI, "Stand-in for httpx's command-line client.")

    def main(*args: object, **kwargs: object) -> NoReturn:
        raise SystemExit("httpx's command-line client is not loaded inside gonogo")

    stand_in.main = main  # type: ignore[attr-defined]
    sys.modules[HTTPX_CLI] = stand_in
