"""Resolves the data sources a Grafana dashboard names, and asks each one for its health.

Panels name a source by uid, by name, through a template variable (`${DS_PROMETHEUS}`, from
the dashboard's `templating` or, for an exported dashboard, its `__inputs`), or not at all (the
default source). Names go to `GET /api/datasources/name/{name}`; the default source, a
variable's plugin type and a variable's current value go to the `GET /api/datasources` list.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote

from gonogo_tui.core.findings import closest_first
from gonogo_tui.core.probes._ops import HttpSession, error_message
from gonogo_tui.core.probes.grafana.panels import Reference, panel_references


@dataclass(frozen=True)
class Resolution:
    """What one reference turned out to be."""

    reference: Reference
    uid: str | None
    """The data source's uid, or None when it could not be resolved."""
    how: str
    """How it resolved (`by name`, `default source 'Prometheus'`) or why it did not."""
    missing: bool = False
    """True when Grafana says there is no such source (the dashboard is broken), False when the
    lookup itself failed (nothing is known)."""

    def line(self) -> str:
        """`'Metrics' -> uid metrics-1 (by name)`."""
        target = f"uid {self.uid}" if self.uid else "unresolved"
        return f"{self.reference.shown()} -> {target} ({self.how})"


@dataclass(frozen=True)
class Health:
    """One data source's answer to its health check."""

    uid: str
    state: Literal["ok", "unhealthy", "unchecked"]
    why: str
    known: tuple[str, ...] = ()
    """For a uid the server does not have: the uids it lists (closest first), if it lists."""


class SourceResolver:
    """Resolves references against one Grafana, asking each route at most once."""

    def __init__(self, client: HttpSession, base: str, dashboard: dict[str, Any]) -> None:
        self._client = client
        self._base = base
        self._variables = _datasource_variables(dashboard)
        self._inputs = _datasource_inputs(dashboard)
        self._listing: asyncio.Task[tuple[list[dict[str, Any]] | None, str]] | None = None
        self._names: dict[str, asyncio.Task[tuple[str | None, str, bool]]] = {}

    async def resolve_all(self, references: list[Reference]) -> list[Resolution]:
        """Every reference resolved (or explained), in the order given."""
        return list(await asyncio.gather(*(self.resolve(r) for r in references)))

    async def resolve(self, reference: Reference) -> Resolution:
        """One reference: its uid and how it was found, or why it was not."""
        if reference.how == "uid":
            return Resolution(reference, reference.key, "by uid")
        if reference.how == "name":
            uid, why, missing = await self._by_name(reference.key)
            return Resolution(reference, uid, why, missing)
        if reference.how == "default":
            return await self._of_type(reference, reference.key, "")
        return await self._variable(reference)

    async def library_panel(self, uid: str) -> tuple[list[Reference], str]:
        """The sources a library panel's model queries (`GET /api/library-elements/{uid}`),
        or why they could not be read (empty references)."""
        response = await self._client.get(
            f"{self._base}/api/library-elements/{quote(uid, safe='')}"
        )
        if response.status_code != 200:
            return [], f"{response.status_code} {error_message(response)}".strip()
        try:
            body = response.json()
        except ValueError:
            body = None
        result = body.get("result") if isinstance(body, dict) else None
        model = result.get("model") if isinstance(result, dict) else None
        if not isinstance(model, dict):
            return [], "the library element has no panel model"
        references = panel_references(model)
        return references, ", ".join(r.shown() for r in references) or "no data source"

    async def _variable(self, reference: Reference) -> Resolution:
        name = reference.key
        variable = self._variables.get(name)
        if variable is not None:
            kind = str(variable.get("query") or reference.type or "")
            current = variable.get("current") if isinstance(variable.get("current"), dict) else {}
            assert isinstance(current, dict)
            value, text = _first(current.get("value")), _first(current.get("text"))
            if value and value not in ("default", "$__all") and not value.startswith("$"):
                return await self._current(reference, name, value, text)
            return await self._of_type(reference, kind, f"variable {name} has no current value; ")
        plugin = self._inputs.get(name)
        if plugin is not None:
            note = f"exported dashboard input {name} ({plugin or 'any type'}), never imported; "
            return await self._of_type(reference, plugin, note)
        return Resolution(
            reference, None, f"${name} is not a data source variable of this dashboard", True
        )

    async def _current(self, reference: Reference, name: str, value: str, text: str) -> Resolution:
        sources, _ = await self._sources()
        if sources is not None:
            for source in sources:
                if value in (source.get("uid"), source.get("name")) or (
                    text and text == source.get("name")
                ):
                    return Resolution(
                        reference,
                        str(source.get("uid")),
                        f"variable {name} = '{source.get('name')}'",
                    )
            return Resolution(
                reference, None, f"variable {name} = '{text or value}': no such data source", True
            )
        uid, why, missing = await self._by_name(text or value)
        return Resolution(reference, uid, f"variable {name} = '{text or value}', {why}", missing)

    async def _of_type(self, reference: Reference, kind: str, note: str) -> Resolution:
        """Grafana's choice: the default source if it is of that type, else the first of it."""
        sources, trouble = await self._sources()
        if sources is None:
            return Resolution(reference, None, f"{note}cannot list data sources: {trouble}")
        default = next((s for s in sources if s.get("isDefault") is True), None)
        if not kind:
            if default is None:
                return Resolution(
                    reference, None, f"{note}Grafana has no default data source", True
                )
            return Resolution(
                reference, str(default.get("uid")), f"{note}{_named(default, 'default')}"
            )
        if default is not None and default.get("type") == kind:
            return Resolution(
                reference, str(default.get("uid")), f"{note}{_named(default, 'default')}"
            )
        of_kind = sorted(
            (s for s in sources if s.get("type") == kind), key=lambda s: str(s.get("name"))
        )
        if not of_kind:
            return Resolution(reference, None, f"{note}Grafana has no {kind} data source", True)
        return Resolution(
            reference, str(of_kind[0].get("uid")), f"{note}{_named(of_kind[0], 'first')}"
        )

    async def _sources(self) -> tuple[list[dict[str, Any]] | None, str]:
        if self._listing is None:
            self._listing = asyncio.ensure_future(self._list())
        return await self._listing

    async def _list(self) -> tuple[list[dict[str, Any]] | None, str]:
        response = await self._client.get(f"{self._base}/api/datasources")
        if response.status_code != 200:
            return None, f"{response.status_code} {error_message(response)}".strip()
        try:
            body = response.json()
        except ValueError:
            return None, "the list is not JSON"
        if not isinstance(body, list):
            return None, "the list is not a JSON array"
        return [s for s in body if isinstance(s, dict) and isinstance(s.get("uid"), str)], ""

    async def _by_name(self, name: str) -> tuple[str | None, str, bool]:
        if name not in self._names:
            self._names[name] = asyncio.ensure_future(self._ask_name(name))
        return await self._names[name]

    async def _ask_name(self, name: str) -> tuple[str | None, str, bool]:
        response = await self._client.get(
            f"{self._base}/api/datasources/name/{quote(name, safe='')}"
        )
        if response.status_code == 404:
            return None, f"no data source named '{name}'", True
        if response.status_code != 200:
            why = f"{response.status_code} {error_message(response)}".strip()
            return None, f"looking up the name failed: {why}", False
        try:
            body = response.json()
        except ValueError:
            body = None
        uid = body.get("uid") if isinstance(body, dict) else None
        if not isinstance(uid, str) or not uid:
            return None, "Grafana's answer for the name has no uid", False
        return uid, "by name", False


async def check_health(client: HttpSession, base: str, uids: list[str]) -> list[Health]:
    """Ask `GET /api/datasources/uid/{uid}/health` for each uid, at the same time.

    A 404 is told apart: the data source does not exist (its own route answers 404 too), or
    this Grafana has no health route for it (an older version, or a plugin without a health
    check); then a Prometheus or SQL source is asked a trivial query (`POST /api/ds/query`),
    and any other stays unchecked.
    """

    async def health(uid: str) -> Health:
        path = f"{base}/api/datasources/uid/{quote(uid, safe='')}"
        response = await client.get(f"{path}/health")
        if response.status_code == 200:
            try:
                body = response.json()
            except ValueError:
                body = None
            status = body.get("status", "OK") if isinstance(body, dict) else "OK"
            if str(status).upper() == "OK":
                return Health(uid, "ok", "OK")
            return Health(uid, "unhealthy", f"status {status}: {error_message(response)}")
        if response.status_code != 404:
            return Health(
                uid, "unhealthy", f"{response.status_code} {error_message(response)}".strip()
            )
        said = error_message(response)
        exists = await client.get(path)
        if exists.status_code == 404:
            return await _not_found(client, base, uid)
        if exists.status_code != 200:
            why = f"{exists.status_code} {error_message(exists)}".strip()
            return Health(uid, "unchecked", f"health route answered 404 ({said}), lookup {why}")
        queried = await _query_health(client, base, uid, _json_dict(exists))
        if queried is not None:
            return queried
        return Health(
            uid,
            "unchecked",
            "the health route answered 404 though the data source exists: this Grafana (or "
            f"its plugin) has no health check for it (Grafana said: {said})",
        )

    return list(await asyncio.gather(*(health(uid) for uid in uids)))


_TRIVIAL_QUERIES: dict[str, dict[str, Any]] = {
    "prometheus": {"expr": "vector(1)", "instant": True, "range": False},
    **{
        kind: {"rawSql": "SELECT 1", "format": "table"}
        for kind in ("grafana-postgresql-datasource", "postgres", "mysql", "mssql")
    },
}
"""Per data source type, a query that only a working source answers (what Grafana's own
"Save & test" sends for these types)."""


async def _query_health(
    client: HttpSession, base: str, uid: str, source: dict[str, Any]
) -> Health | None:
    """Without a health route, a trivial query through `POST /api/ds/query` tells a working
    source from a broken one; None when the type has no such query or the route is absent."""
    kind = str(source.get("type") or "")
    query = _TRIVIAL_QUERIES.get(kind)
    if query is None:
        return None
    body = {
        "queries": [{"refId": "A", "datasource": {"uid": uid, "type": kind}, **query}],
        "from": "now-5m",
        "to": "now",
    }
    response = await client.client.post(
        f"{base}/api/ds/query", json=body, headers=client.headers, timeout=client.timeout
    )
    if response.status_code == 404:
        return None
    result = _json_dict(response).get("results")
    answer = result.get("A") if isinstance(result, dict) else None
    error = answer.get("error") if isinstance(answer, dict) else None
    if response.status_code == 200 and isinstance(answer, dict) and not error:
        return Health(uid, "ok", "OK (no health route: a trivial query through /api/ds/query)")
    said = error or error_message(response)
    return Health(
        uid,
        "unhealthy",
        f"no health route; a trivial query through /api/ds/query failed: "
        f"{response.status_code} {said}".strip(),
    )


def _json_dict(response: Any) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


async def _not_found(client: HttpSession, base: str, uid: str) -> Health:
    """Both uid routes answered 404: the data source list says whether the uid is missing
    (and names the uids there are) or this server has no such route."""
    listing = await client.get(f"{base}/api/datasources")
    try:
        body = listing.json() if listing.status_code == 200 else None
    except ValueError:
        body = None
    if not isinstance(body, list):
        return Health(
            uid,
            "unhealthy",
            f"no data source with this uid, or no /api/datasources/uid route on this server "
            f"(404 on both; the list answered {listing.status_code})",
        )
    uids = [str(item["uid"]) for item in body if isinstance(item, dict) and item.get("uid")]
    if uid in uids:
        return Health(
            uid,
            "unchecked",
            "the data source is listed but its /api/datasources/uid routes answered 404: the "
            "route may not exist on this server",
        )
    ordered = tuple(closest_first(uid, uids))
    there = f" (the server has: {', '.join(ordered[:5])})" if ordered else " (the server has none)"
    return Health(uid, "unhealthy", f"no data source with this uid{there}", ordered)


def _datasource_variables(dashboard: dict[str, Any]) -> dict[str, dict[str, Any]]:
    templating = dashboard.get("templating")
    entries = templating.get("list") if isinstance(templating, dict) else None
    return {
        str(entry["name"]): entry
        for entry in entries or []
        if isinstance(entry, dict) and entry.get("type") == "datasource" and entry.get("name")
    }


def _datasource_inputs(dashboard: dict[str, Any]) -> dict[str, str]:
    inputs = dashboard.get("__inputs")
    return {
        str(entry["name"]): str(entry.get("pluginId") or "")
        for entry in (inputs if isinstance(inputs, list) else [])
        if isinstance(entry, dict) and entry.get("type") == "datasource" and entry.get("name")
    }


def _first(value: Any) -> str:
    """A variable's current value or text; a multi-value variable's first."""
    if isinstance(value, list):
        value = value[0] if value else ""
    return value if isinstance(value, str) else ""


def _named(source: dict[str, Any], which: str) -> str:
    return f"{which} {source.get('type')} source '{source.get('name')}'"


__all__ = ["Health", "Resolution", "SourceResolver", "check_health"]
