"""What a Grafana has, when the dashboard or a data source the checklist names is not there.

`Grafana 404: no dashboard with uid X` alone sends the user to the Grafana UI; the server's
own search names the dashboards it has (the closest uid first). When the search answers 404
as well, the route itself may not exist there (a URL that is not Grafana's base, a proxy):
that is said, rather than read as a missing dashboard.
"""

from __future__ import annotations

from typing import Any

from gonogo_tui.core.errors import ProbeError
from gonogo_tui.core.findings import Suggestion, closest_first
from gonogo_tui.core.probes._ops import HttpSession
from gonogo_tui.core.probes.grafana.sources import Health

SHORT_NAMES = 5
"""Dashboards or uids the detail names; the output lists them all."""


async def missing_dashboard(client: HttpSession, base: str, uid: str) -> ProbeError:
    """The 404 for dashboard `uid`, naming the dashboards the server has (closest first)."""
    message = f"Grafana 404: no dashboard with uid {uid}"
    try:
        response = await client.get(f"{base}/api/search", params={"type": "dash-db"})
        body: Any = response.json() if response.status_code == 200 else None
    except Exception:  # only a hint: the 404 is the finding
        return ProbeError(message)
    if response.status_code == 404:
        return ProbeError(
            f"{message}, or the dashboard route does not exist on this server (its "
            f"/api/search answered 404 too: is {base} Grafana's base URL?)"
        )
    if not isinstance(body, list):
        return ProbeError(message)
    titles = {
        str(item["uid"]): str(item.get("title") or "")
        for item in body
        if isinstance(item, dict) and item.get("uid")
    }
    if not titles:
        why = f"{message}; the token sees no dashboards on this server"
        return ProbeError(why, suggestions=(Suggestion("uid", uid, None, why),))
    ordered = closest_first(uid, list(titles))
    shown = ", ".join(f"{name} ({titles[name]})" if titles[name] else name for name in ordered)
    more = f" (+{len(ordered) - SHORT_NAMES} more)" if len(ordered) > SHORT_NAMES else ""
    short = ", ".join(ordered[:SHORT_NAMES])
    why = f"{message}; the server has: {short}{more}"
    output = "dashboards on the server, closest uid first:\n" + shown.replace(", ", "\n")
    return ProbeError(why, output=output, suggestions=(Suggestion("uid", uid, ordered[0], why),))


def source_suggestions(
    declared: list[str], answers: list[Health], referenced: list[str]
) -> tuple[Suggestion, ...]:
    """For each data source uid the checklist lists (`datasources[N]`) that the server does
    not have: the closest uid the dashboard references, else the closest the server lists.
    Each uid is offered once: not one the checklist lists already, nor one offered for an
    earlier listed uid (two uids the server lacks are two of its data sources, not one)."""
    suggestions = []
    by_uid = {health.uid: health for health in answers}
    taken = {uid for uid in declared if not (by_uid.get(uid) and by_uid[uid].known)}
    for index, uid in enumerate(declared):
        health = by_uid.get(uid)
        if health is None or not health.known:
            continue
        used = [name for name in referenced if name in health.known and name not in taken]
        free = [name for name in health.known if name not in taken]
        ordered = closest_first(uid, used) or free or list(health.known)
        taken.add(ordered[0])
        why = f"{uid}: {health.why}"
        if used:
            why += f"; the dashboard references: {', '.join(closest_first(uid, referenced))}"
        suggestions.append(Suggestion(f"datasources[{index}]", uid, ordered[0], why))
    return tuple(suggestions)


__all__ = ["missing_dashboard", "source_suggestions"]
