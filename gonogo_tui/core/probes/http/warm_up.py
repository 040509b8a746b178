"""The `http` kind's warm-up, named in the registry: run before a timed request, outside
its timing, so that httpx's first use and building the shared client are not measured."""

from __future__ import annotations

from gonogo_tui.core.execution.http_pool import leased_client, warm_up_transport
from gonogo_tui.core.probes.base import ProbeContext
from gonogo_tui.core.probes.http.spec import HttpProbe


async def prepare_http_probe(spec: HttpProbe, ctx: ProbeContext) -> None:
    """Warm up httpx's transport, then build (or lease) the shared client of the probe's
    TLS mode."""
    await warm_up_transport()
    if ctx.shared is not None:
        async with leased_client(ctx, insecure=spec.insecure):
            pass


__all__ = ["prepare_http_probe"]
