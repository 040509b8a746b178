"""doctor's data source uid suggestions: one server uid per listed uid."""

from __future__ import annotations

from gonogo_tui.core.probes.grafana.found import source_suggestions
from gonogo_tui.core.probes.grafana.sources import Health

SERVER = ("prom-main", "pg-backups")


def _missing(uid: str) -> Health:
    return Health(uid, "unhealthy", "no data source with this uid", known=SERVER)


def test_two_listed_uids_the_server_lacks_get_two_different_uids() -> None:
    declared = ["spark-prometheus", "spark-postgres"]
    suggestions = source_suggestions(declared, [_missing(u) for u in declared], list(SERVER))
    assert [(s.field, s.found, s.suggested) for s in suggestions] == [
        ("datasources[0]", "spark-prometheus", "prom-main"),
        ("datasources[1]", "spark-postgres", "pg-backups"),
    ]


def test_a_uid_the_checklist_lists_already_is_not_offered() -> None:
    declared = ["prom-main", "spark-postgres"]
    answers = [Health("prom-main", "ok", "OK"), _missing("spark-postgres")]
    [suggestion] = source_suggestions(declared, answers, list(SERVER))
    assert (suggestion.field, suggestion.suggested) == ("datasources[1]", "pg-backups")
