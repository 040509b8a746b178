"""The `http` kind's warm-up, named in the registry: run before a timed request, outside
its timing, so that importing httpx and building the shared client are not measured."""

from __future__ import annotations

from gonogo_tui.core.probes.base import ProbeContext
from gonogo_tui.core.probes.http.run import prepare_client
from gonogo_tui.core.probes.http.spec import HttpProbe


async def prepare_http_probe(spec: HttpProbe, ctx: ProbeContext) -> None:
    """Build (or lease) the shared client of the probe's TLS mode."""
    await prepare_client(ctx, insecure=spec.insecure)


__all__ = ["prepare_http_probe"]
