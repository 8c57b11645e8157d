-- Marts are tables built at refresh time (warehouse/mart_build.py), no longer views. This
-- ledger records, per mart table, what its last build saw, so the next build redoes only what
-- changed since: nothing, some period slices, or the whole table.

CREATE TABLE _mart_build (
    table_name         VARCHAR PRIMARY KEY,
    mart               VARCHAR NOT NULL,
    definition_sha256  VARCHAR NOT NULL,
    built_through      TIMESTAMPTZ NOT NULL,
    log_entries        BIGINT NOT NULL,
    mode               VARCHAR NOT NULL,
    reason             VARCHAR,
    slices             VARCHAR[],
    rows               BIGINT NOT NULL,
    rows_deleted       BIGINT NOT NULL,
    rows_inserted      BIGINT NOT NULL,
    seconds            DOUBLE NOT NULL,
    run_id             VARCHAR,
    built_at           TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE _mart_build IS 'One row per mart table (and internal mart stage): its last build at refresh time, what it saw of _load_log, and what it redid. The next build redoes only what changed in its inputs since built_through.';
COMMENT ON COLUMN _mart_build.table_name IS 'The table built (mart_... or an internal stage such as _mart_import_by_code).';
COMMENT ON COLUMN _mart_build.mart IS 'The mart whose SQL file (warehouse/marts/NN_<mart>.sql) defines the table.';
COMMENT ON COLUMN _mart_build.definition_sha256 IS 'sha256 of that SQL file; a different file means a full rebuild.';
COMMENT ON COLUMN _mart_build.built_through IS 'Latest _load_log.loaded_at the build had seen: later swaps of its inputs are the next build''s work.';
COMMENT ON COLUMN _mart_build.log_entries IS '_load_log rows up to built_through when it built; a different count later (a ledger rewritten, a clock set back) means a full rebuild.';
COMMENT ON COLUMN _mart_build.mode IS 'full (rebuilt whole), slices (only the period slices in slices) or unchanged (no input had changed).';
COMMENT ON COLUMN _mart_build.reason IS 'Why it was built that way: first build, definition changed, which inputs changed.';
COMMENT ON COLUMN _mart_build.slices IS 'Period keys rebuilt (mode slices); empty otherwise.';
COMMENT ON COLUMN _mart_build.rows IS 'Rows in the table after the build.';
COMMENT ON COLUMN _mart_build.rows_deleted IS 'Rows the build removed.';
COMMENT ON COLUMN _mart_build.rows_inserted IS 'Rows the build inserted.';
COMMENT ON COLUMN _mart_build.seconds IS 'Wall time of the build of this table, seconds.';
COMMENT ON COLUMN _mart_build.run_id IS 'Dagster run id of the refresh that built it.';
COMMENT ON COLUMN _mart_build.built_at IS 'When it was built (UTC).';
