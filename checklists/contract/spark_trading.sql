-- Target contract of checklists/spark-trading.yaml: the database objects it reads.
--
-- Objects the checklist queries (keep their names, columns and meaning):
--   backup_status          view, exactly one row: last successful base backup and PITR test
--   backup_dashboard       view, exactly one row: size growth and backup counters
--   check_backup_alerts()  function: one row per open backup alert (CRITICAL / WARNING / INFO)
-- Objects behind them in this reference implementation (adapt freely):
--   backup_runs, pitr_tests, db_size_history tables; record_db_size() function.
--
-- Idempotent: safe to load again (psql -v ON_ERROR_STOP=1 -f spark_trading.sql "$DATABASE_URL").
-- Needs PostgreSQL 13 or later. The backup job, the PITR drill and a scheduler (cron, pg_cron)
-- write the rows; see checklists/README.md#database-objects.

BEGIN;

CREATE TABLE IF NOT EXISTS backup_runs (
    id          bigserial PRIMARY KEY,
    kind        text        NOT NULL DEFAULT 'base' CHECK (kind IN ('base', 'logical')),
    started_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    status      text        NOT NULL DEFAULT 'running'
                            CHECK (status IN ('running', 'success', 'failed')),
    size_bytes  bigint      CHECK (size_bytes >= 0),
    location    text,
    detail      text,
    CHECK (status = 'running' OR finished_at IS NOT NULL)
);
COMMENT ON TABLE backup_runs IS
    'One row per backup run, written by the backup job (gonogo contract).';

CREATE INDEX IF NOT EXISTS backup_runs_finished_idx ON backup_runs (status, finished_at DESC);

CREATE TABLE IF NOT EXISTS pitr_tests (
    id          bigserial PRIMARY KEY,
    started_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    target_time timestamptz,
    status      text        NOT NULL DEFAULT 'running'
                            CHECK (status IN ('running', 'success', 'failed')),
    restored_to text,
    detail      text,
    CHECK (status = 'running' OR finished_at IS NOT NULL)
);
COMMENT ON TABLE pitr_tests IS
    'One row per point-in-time-recovery restore drill (gonogo contract).';

CREATE TABLE IF NOT EXISTS db_size_history (
    recorded_at timestamptz PRIMARY KEY DEFAULT now(),
    size_bytes  bigint      NOT NULL CHECK (size_bytes >= 0)
);
COMMENT ON TABLE db_size_history IS
    'Database size samples; record_db_size() appends one (schedule it hourly).';

CREATE OR REPLACE FUNCTION record_db_size() RETURNS bigint
LANGUAGE sql VOLATILE AS $fn$
    INSERT INTO db_size_history (recorded_at, size_bytes)
    VALUES (now(), pg_database_size(current_database()))
    ON CONFLICT (recorded_at) DO UPDATE SET size_bytes = EXCLUDED.size_bytes
    RETURNING size_bytes;
$fn$;

CREATE OR REPLACE VIEW backup_status AS
SELECT
    last_ok.finished_at         AS last_backup_at,
    last_ok.size_bytes          AS last_backup_size_bytes,
    last_ok.location            AS last_backup_location,
    last_run.status             AS last_backup_run_status,
    pitr_ok.finished_at         AS last_pitr_test_at,
    pitr_ok.target_time         AS last_pitr_target_time,
    pitr_run.status             AS last_pitr_run_status
FROM (SELECT 1) AS one_row
LEFT JOIN LATERAL (
    SELECT finished_at, size_bytes, location FROM backup_runs
    WHERE status = 'success' AND kind = 'base'
    ORDER BY finished_at DESC LIMIT 1
) AS last_ok ON true
LEFT JOIN LATERAL (
    SELECT status FROM backup_runs WHERE kind = 'base' ORDER BY started_at DESC LIMIT 1
) AS last_run ON true
LEFT JOIN LATERAL (
    SELECT finished_at, target_time FROM pitr_tests
    WHERE status = 'success'
    ORDER BY finished_at DESC LIMIT 1
) AS pitr_ok ON true
LEFT JOIN LATERAL (
    SELECT status FROM pitr_tests ORDER BY started_at DESC LIMIT 1
) AS pitr_run ON true;
COMMENT ON VIEW backup_status IS
    'Exactly one row: the last successful base backup and PITR test (gonogo contract).';

CREATE OR REPLACE VIEW backup_dashboard AS
WITH now_size AS (
    SELECT pg_database_size(current_database()) AS size_bytes
), day_old AS (
    SELECT recorded_at, size_bytes FROM db_size_history
    WHERE recorded_at <= now() - interval '24 hours'
    ORDER BY recorded_at DESC LIMIT 1
)
SELECT
    current_database()::text                                   AS database_name,
    now_size.size_bytes                                        AS db_size_bytes,
    day_old.size_bytes                                         AS reference_size_bytes,
    day_old.recorded_at                                        AS reference_recorded_at,
    round(
        ((now_size.size_bytes::numeric / nullif(day_old.size_bytes, 0) - 1) * 100
         * 86400 / extract(epoch FROM now() - day_old.recorded_at))::numeric,
        2
    )                                                          AS size_growth_pct_per_day,
    (SELECT count(*) FROM backup_runs
      WHERE status = 'success' AND finished_at > now() - interval '7 days')::int
                                                               AS backups_ok_7d,
    (SELECT count(*) FROM backup_runs
      WHERE status = 'failed' AND finished_at > now() - interval '7 days')::int
                                                               AS backups_failed_7d,
    archiver.archived_count                                    AS wal_archived_count,
    archiver.failed_count                                      AS wal_failed_count,
    archiver.last_archived_time                                AS wal_last_archived_at,
    archiver.last_failed_time                                  AS wal_last_failed_at,
    status.last_backup_at,
    status.last_pitr_test_at
FROM now_size
CROSS JOIN pg_stat_archiver AS archiver
CROSS JOIN backup_status AS status
LEFT JOIN day_old ON true;
COMMENT ON VIEW backup_dashboard IS
    'Exactly one row: size growth per day and backup counters (gonogo contract).';

CREATE OR REPLACE FUNCTION check_backup_alerts()
RETURNS TABLE (severity text, alert text, detail text)
LANGUAGE sql STABLE AS $fn$
    WITH s AS (SELECT * FROM backup_status),
         d AS (SELECT * FROM backup_dashboard),
         a AS (SELECT * FROM pg_stat_archiver)
    SELECT 'CRITICAL', 'backup_missing',
           'no successful base backup in 48h (last: '
           || coalesce(s.last_backup_at::text, 'never') || ')'
      FROM s WHERE s.last_backup_at IS NULL OR s.last_backup_at < now() - interval '48 hours'
    UNION ALL
    SELECT 'WARNING', 'backup_stale',
           'last successful base backup ' || s.last_backup_at::text || ' is older than 26h'
      FROM s WHERE s.last_backup_at BETWEEN now() - interval '48 hours'
                                        AND now() - interval '26 hours'
    UNION ALL
    SELECT 'CRITICAL', 'backup_failed', 'the latest base backup run failed'
      FROM s WHERE s.last_backup_run_status = 'failed'
    UNION ALL
    SELECT 'CRITICAL', 'pitr_untested',
           'no successful PITR test in 30 days (last: '
           || coalesce(s.last_pitr_test_at::text, 'never') || ')'
      FROM s WHERE s.last_pitr_test_at IS NULL
                OR s.last_pitr_test_at < now() - interval '30 days'
    UNION ALL
    SELECT 'WARNING', 'pitr_stale',
           'last successful PITR test ' || s.last_pitr_test_at::text || ' is older than 7 days'
      FROM s WHERE s.last_pitr_test_at BETWEEN now() - interval '30 days'
                                           AND now() - interval '7 days'
    UNION ALL
    SELECT 'CRITICAL', 'wal_archive_failing',
           'WAL archiving failing since ' || a.last_failed_time::text
           || ' (' || coalesce(a.last_failed_wal, '?') || ')'
      FROM a WHERE a.last_failed_time IS NOT NULL
               AND (a.last_archived_time IS NULL OR a.last_failed_time > a.last_archived_time)
    UNION ALL
    SELECT 'WARNING', 'size_growth',
           'database grows ' || d.size_growth_pct_per_day::text || '%/day (limit 10)'
      FROM d WHERE d.size_growth_pct_per_day >= 10
    UNION ALL
    SELECT 'INFO', 'size_history_missing',
           'no db_size_history sample older than 24h: schedule record_db_size()'
      FROM d WHERE d.size_growth_pct_per_day IS NULL;
$fn$;
COMMENT ON FUNCTION check_backup_alerts() IS
    'Open backup alerts: severity CRITICAL, WARNING or INFO (gonogo contract).';

COMMIT;
