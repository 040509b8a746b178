"""The closest metric to a capacity is the pool's max, to connections in use the active ones."""

from __future__ import annotations

from gonogo_tui.core.probes.metrics_closest import rank_names

POOL = [
    "db_pool_active_connections",
    "db_pool_idle_connections",
    "db_pool_max_connections",
    "websocket_feed_staleness_seconds",
]


def test_capacity_finds_max_and_in_use_finds_active() -> None:
    assert rank_names("database_connections_capacity", POOL)[0] == "db_pool_max_connections"
    assert rank_names("database_connections_in_use", POOL)[0] == "db_pool_active_connections"
    assert rank_names("database_connections_idle", POOL)[0] == "db_pool_idle_connections"
