"""`grafana_dashboard` on real dashboards of several schema versions (tests/data/real/grafana).

Each dashboard is served as stored, behind a Grafana-shaped API (`grafana_shape.FakeGrafana`).
Panel counts are checked against counts made here by walking the JSON independently, and against
the numbers `jq` gave on the same files (see tests/data/real/README.md).
"""

from __future__ import annotations

from typing import Any

import pytest

from gonogo_tui.core.probes.base import Status
from tests.core.probes.ops.grafana_shape import FakeGrafana, Source, real_dashboard
from tests.core.probes.ops.helpers import arun_engine, context, spec
from tests.servers import HttpTestServer

TOKEN = "glsa_real_0123456789abcdef"
FAILING = (400, {"status": "ERROR", "message": "Post \"http://prometheus:9090/api/v1/query\": "
                 "dial tcp 10.0.0.9:9090: connect: connection refused"})  # fmt: skip

# file, panels counted by `jq` on the file, where they are stored
DASHBOARDS = [
    ("node-exporter-full-2020-01-schema14-rows.json.gz", 176, "176 in 19 pre-5.0 rows"),
    ("apache-exporter-full-schema14-rows.json", 7, "7 in 4 pre-5.0 rows"),
    ("etcd-2018-schema13-rows-named-source.json", 12, "12 in 4 pre-5.0 rows"),
    ("bind9-full-schema22.json", 16, "11 top level, 5 in 2 collapsed rows"),
    ("apache-full-schema41-collapsed-rows.json", 17, "9 top level, 8 in 2 collapsed rows"),
    (
        "library-panels-named-sources-schema36.json",
        7,
        "5 top level, 2 in 1 collapsed row, 2 library panels",
    ),
]


def count_by_hand(dashboard: dict[str, Any]) -> int:
    """Panels a viewer sees, counted without the probe's code: every dict in a `panels` list
    (top level, inside a row panel, inside a pre-5.0 row) that is not itself a row."""
    count = 0
    holders = [dashboard, *dashboard.get("rows", [])]
    while holders:
        holder = holders.pop()
        for item in holder.get("panels") or []:
            if item.get("type") == "row":
                holders.append(item)
            else:
                count += 1
    return count


# The library panels of library-panels-named-sources-schema36.json, as the library keeps them.
LIBRARY = {
    "lib-saturation": {
        "datasource": "Metrics",
        "targets": [{"expr": "avg(rate(process_cpu_seconds_total[5m]))", "refId": "A"}],
        "title": "Saturation",
        "type": "timeseries",
    },
    "lib-disk": {
        "datasource": None,
        "targets": [{"expr": "node_filesystem_avail_bytes", "refId": "A"}],
        "title": "Disk usage",
        "type": "gauge",
    },
}


@pytest.fixture
def grafana(http_server: HttpTestServer) -> FakeGrafana:
    fake = FakeGrafana(http_server, TOKEN, library=dict(LIBRARY))
    for name, _, _ in DASHBOARDS:
        fake.dashboards[name.split(".")[0]] = real_dashboard(name)
    return fake


def probe(grafana: FakeGrafana, uid: str, **fields: Any) -> Any:
    return spec(kind="grafana_dashboard", url=grafana.url, uid=uid, token=TOKEN, **fields)


@pytest.mark.parametrize(("name", "expected", "where"), DASHBOARDS, ids=[d[0] for d in DASHBOARDS])
async def test_every_stored_layout_counts_its_panels(
    grafana: FakeGrafana, name: str, expected: int, where: str
) -> None:
    assert count_by_hand(real_dashboard(name)) == expected
    result = await arun_engine(
        probe(grafana, name.split(".")[0], panels=f"== {expected}"), context()
    )
    assert (result.status, result.value) == (Status.PASS, f"{expected} panels")
    assert result.detail.endswith(f": {expected} panels ({where})")


async def test_the_2020_node_exporter_dashboard_is_not_zero_panels(grafana: FakeGrafana) -> None:
    """The pre-5.0 layout (rows[].panels[]) used to read "0 panels" and pass without a check."""
    uid = "node-exporter-full-2020-01-schema14-rows"
    result = await arun_engine(probe(grafana, uid, panels=">= 100"), context())
    assert (result.status, result.value) == (Status.PASS, "176 panels")
    assert result.detail == "Node Exporter Full: 176 panels (176 in 19 pre-5.0 rows)"
    assert "\tgraph\tCPU Basic\t${DS_PROMETHEUS}" in result.output


async def test_a_dashboard_without_panels_is_never_a_pass(grafana: FakeGrafana) -> None:
    grafana.dashboards["empty"] = {"title": "Empty", "schemaVersion": 14, "rows": [{"panels": []}]}
    result = await arun_engine(probe(grafana, "empty"), context())
    assert result.status is Status.ERROR
    assert result.detail == (
        "Empty: 0 panels found (looked in panels[], collapsed rows and pre-5.0 rows[]; "
        "schemaVersion 14)"
    )


async def test_sources_named_by_variable_are_resolved_and_failing_health_fails(
    grafana: FakeGrafana,
) -> None:
    """bind9 (schema 22) names its source `$DS_PROMETHEUS` / `${DS_PROMETHEUS}`; the variable's
    current value is the name "Prometheus". Every health check answers 400: that is a FAIL, not
    the "0/0 sources ok" PASS it used to be."""
    grafana.sources = [
        Source("P1809F7CD0C75ACF3", "Prometheus", is_default=True, health=FAILING),
        Source("loki-1", "Loki", type="loki", health=FAILING),
    ]
    result = await arun_engine(probe(grafana, "bind9-full-schema22", datasources_healthy=True),
                               context())  # fmt: skip
    assert (result.status, result.value) == (Status.FAIL, "16 panels, 0/1 sources ok")
    assert result.detail.startswith(
        '1 data source unhealthy: P1809F7CD0C75ACF3 (400 Post "http://prometheus:9090/api/v1/'
    )
    assert "datasource ${DS_PROMETHEUS} -> uid P1809F7CD0C75ACF3 (variable DS_PROMETHEUS = " \
        "'Prometheus')" in result.output  # fmt: skip
    assert grafana.asked("/health") == ["/api/datasources/uid/P1809F7CD0C75ACF3/health"]
    grafana.sources[0].health = (200, {"status": "OK"})
    healthy = await arun_engine(probe(grafana, "bind9-full-schema22", datasources_healthy=True),
                                context())  # fmt: skip
    assert (healthy.status, healthy.value) == (Status.PASS, "16 panels, 1/1 sources ok")
    assert healthy.detail == (
        "Bind9 Full: 16 panels (11 top level, 5 in 2 collapsed rows); 1 data source healthy: "
        "${DS_PROMETHEUS} -> P1809F7CD0C75ACF3"
    )


@pytest.mark.parametrize(
    ("uid", "how"),
    [
        (
            "apache-full-schema41-collapsed-rows",
            "variable DS_PROMETHEUS has no current value; first prometheus source 'Mimir'",
        ),
        (
            "apache-exporter-full-schema14-rows",
            "exported dashboard input DS_LOCALHOST (prometheus), never imported; first "
            "prometheus source 'Mimir'",
        ),
    ],
)
async def test_variables_without_a_value_take_grafanas_choice_of_that_type(
    grafana: FakeGrafana, uid: str, how: str
) -> None:
    """No current value (apache-full) or only `__inputs` (an export never imported): Grafana
    takes the default source if it is of the variable's type, else the first of that type."""
    grafana.sources = [
        Source("loki-1", "Loki", type="loki", is_default=True),
        Source("thanos-1", "Thanos", health=FAILING),
        Source("mimir-1", "Mimir"),
    ]
    result = await arun_engine(probe(grafana, uid, datasources_healthy=True), context())
    assert result.status is Status.PASS, result.detail
    assert result.value.endswith(", 1/1 sources ok")
    assert f"-> uid mimir-1 ({how})" in result.output
    assert grafana.asked("/health") == ["/api/datasources/uid/mimir-1/health"]


async def test_sources_by_plain_name_and_the_default_source(grafana: FakeGrafana) -> None:
    grafana.sources = [
        Source("prom-main", "Prometheus", is_default=True),
        Source("metrics-1", "Metrics", health=FAILING),
    ]
    uid = "library-panels-named-sources-schema36"
    result = await arun_engine(probe(grafana, uid, datasources_healthy=True), context())
    assert (result.status, result.value) == (Status.FAIL, "7 panels, 1/2 sources ok")
    assert result.detail.startswith("1 data source unhealthy: metrics-1 (400 Post ")
    assert "datasource 'Metrics' -> uid metrics-1 (by name)" in result.output
    assert "datasource default -> uid prom-main (default prometheus source 'Prometheus')" in (
        result.output
    )
    assert "/api/datasources/name/Metrics" in grafana.asked()
    assert "4\tlibrary panel Saturation\tNone\t" in result.output
    assert "library panel Saturation (lib-saturation): 'Metrics'" in result.output
    assert "library panel Disk usage (lib-disk): default" in result.output


async def test_a_library_panels_own_source_is_checked(grafana: FakeGrafana) -> None:
    """A library panel stored by reference keeps its queries, and their source, in the library."""
    grafana.sources = [
        Source("prom-main", "Prometheus", is_default=True),
        Source("metrics-1", "Metrics"),
        Source("node-1", "Node", health=FAILING),
    ]
    grafana.library["lib-disk"] = {**LIBRARY["lib-disk"], "datasource": {"uid": "node-1"}}
    uid = "library-panels-named-sources-schema36"
    result = await arun_engine(probe(grafana, uid, datasources_healthy=True), context())
    assert (result.status, result.value) == (Status.FAIL, "7 panels, 2/3 sources ok")
    assert result.detail.startswith("1 data source unhealthy: node-1 (400 Post ")
    assert "/api/library-elements/lib-disk" in grafana.asked()
    del grafana.library["lib-disk"]
    gone = await arun_engine(probe(grafana, uid, datasources_healthy=True), context())
    assert gone.status is Status.ERROR
    assert gone.detail.endswith(
        "; library panel Disk usage could not be read: 404 library element could not be found"
    )


async def test_etcds_sample_dashboard_names_its_source_by_name(grafana: FakeGrafana) -> None:
    """etcd's 2018 sample dashboard (schema 13) names "test-etcd" as a plain string in every
    panel; Grafana's health check for it answers 400."""
    grafana.sources = [Source("P4169E866C3094E38", "test-etcd", health=FAILING)]
    uid = "etcd-2018-schema13-rows-named-source"
    result = await arun_engine(probe(grafana, uid, datasources_healthy=True), context())
    assert (result.status, result.value) == (Status.FAIL, "12 panels, 0/1 sources ok")
    assert result.detail.startswith("1 data source unhealthy: P4169E866C3094E38 (400 Post ")
    assert "datasource 'test-etcd' -> uid P4169E866C3094E38 (by name)" in result.output
    assert grafana.asked("/health") == ["/api/datasources/uid/P4169E866C3094E38/health"]


async def test_nothing_resolved_is_an_error_not_a_pass(grafana: FakeGrafana) -> None:
    """No source named "Metrics", and the token may not list sources to find the default."""
    grafana.listing_status = 403
    uid = "library-panels-named-sources-schema36"
    result = await arun_engine(probe(grafana, uid, datasources_healthy=True), context())
    assert result.status is Status.ERROR
    assert result.detail == (
        "Checkout overview: 7 panels (5 top level, 2 in 1 collapsed row, 2 library panels); "
        "no data source could be resolved: 'Metrics': no data source named 'Metrics'; "
        "default: cannot list data sources: 403 Access denied"
    )
    assert grafana.asked("/health") == []


async def test_a_name_that_does_not_exist_fails_when_others_resolve(grafana: FakeGrafana) -> None:
    grafana.sources = [Source("prom-main", "Prometheus", is_default=True)]
    uid = "library-panels-named-sources-schema36"
    result = await arun_engine(probe(grafana, uid, datasources_healthy=True), context())
    assert (result.status, result.value) == (Status.FAIL, "7 panels, 1/1 sources ok")
    assert result.detail == "1 data source not found: 'Metrics' (no data source named 'Metrics')"


async def test_a_missing_health_route_is_said_not_quoted(grafana: FakeGrafana) -> None:
    """An older Grafana has no `/uid/:uid/health`: its 404 says nothing about the source."""
    grafana.sources = [Source("P1809F7CD0C75ACF3", "Prometheus", is_default=True)]
    grafana.health_route = False
    result = await arun_engine(probe(grafana, "bind9-full-schema22", datasources_healthy=True),
                               context())  # fmt: skip
    assert result.status is Status.ERROR
    assert result.detail == (
        "Bind9 Full: 16 panels (11 top level, 5 in 2 collapsed rows); health not checked for "
        "P1809F7CD0C75ACF3 (the health route answered 404 though the data source exists: this "
        "Grafana (or its plugin) has no health check for it (Grafana said: Not found))"
    )


async def test_a_missing_dashboard_names_the_dashboards_the_server_has(
    grafana: FakeGrafana,
) -> None:
    from gonogo_tui.core.errors import ProbeError

    wanted = "bind9-full"
    result = await arun_engine(probe(grafana, wanted), context())
    assert result.status is Status.ERROR
    assert result.detail.startswith(
        f"Grafana 404: no dashboard with uid {wanted}; the server has: bind9-full-schema22"
    )
    assert result.output.startswith("dashboards on the server, closest uid first:\n")
    with pytest.raises(ProbeError) as raised:
        await probe(grafana, wanted).run(context())
    [suggestion] = raised.value.suggestions
    assert (suggestion.field, suggestion.found, suggestion.suggested) == (
        "uid",
        wanted,
        "bind9-full-schema22",
    )


async def test_a_listed_uid_is_suggested_from_what_the_panels_reference(
    grafana: FakeGrafana,
) -> None:
    grafana.sources = [
        Source("P1809F7CD0C75ACF3", "Prometheus", is_default=True),
        Source("loki-main", "Loki", type="loki"),
    ]
    result = await arun_engine(
        probe(grafana, "bind9-full-schema22", datasources=["P1809F7CD0C75ACF"]), context()
    )
    assert result.status is Status.FAIL
    assert "P1809F7CD0C75ACF (no data source with this uid (the server has: " in result.detail
    observation = await probe(grafana, "bind9-full-schema22", datasources=["P1809F7CD0C75ACF"]).run(
        context()
    )
    [suggestion] = observation.suggestions
    assert (suggestion.field, suggestion.suggested) == ("datasources[0]", "P1809F7CD0C75ACF3")


async def test_a_404_from_a_route_this_grafana_lacks_says_so(grafana: FakeGrafana) -> None:
    """The data source exists (the list has it) but this server has no uid routes: the 404 is
    the route's, not the source's."""
    grafana.sources = [Source("P1809F7CD0C75ACF3", "Prometheus", is_default=True)]
    grafana.uid_route = False
    result = await arun_engine(
        probe(grafana, "bind9-full-schema22", datasources=["P1809F7CD0C75ACF3"]), context()
    )
    assert result.status is Status.ERROR
    assert "health not checked for P1809F7CD0C75ACF3 (the data source is listed but its" in (
        result.detail
    )
    assert "the route may not exist on this server" in result.detail
    assert "no data source with this uid" not in result.detail
