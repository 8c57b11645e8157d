-- Core bookkeeping: the load ledger and the dataset label analysts see.

CREATE TABLE _load_log (
    table_name        VARCHAR NOT NULL,
    partition_column  VARCHAR,
    partition_values  VARCHAR[],
    rows_deleted      BIGINT NOT NULL,
    rows_inserted     BIGINT NOT NULL,
    run_id            VARCHAR,
    loaded_at         TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE _load_log IS 'One row per partition swap: which slice of which table was replaced, by which Dagster run, and how many rows went out and in.';
COMMENT ON COLUMN _load_log.table_name IS 'Table whose slice was replaced.';
COMMENT ON COLUMN _load_log.partition_column IS 'Column that identifies the slice; NULL when the whole table was replaced.';
COMMENT ON COLUMN _load_log.partition_values IS 'Values of partition_column that were replaced.';
COMMENT ON COLUMN _load_log.rows_deleted IS 'Rows removed from the slice before the insert.';
COMMENT ON COLUMN _load_log.rows_inserted IS 'Rows inserted into the slice.';
COMMENT ON COLUMN _load_log.run_id IS 'Dagster run id of the load.';
COMMENT ON COLUMN _load_log.loaded_at IS 'When the transaction ran (UTC).';

CREATE TABLE dataset_info (
    key         VARCHAR PRIMARY KEY,
    value       VARCHAR NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE dataset_info IS 'Labels describing this warehouse file, above all dataset_label: whether its data came from live sources or from the bundled offline snapshot (whose trade values are sample data, not official statistics).';
COMMENT ON COLUMN dataset_info.key IS 'Label name, e.g. dataset_label, http_mode.';
COMMENT ON COLUMN dataset_info.value IS 'Label value.';
COMMENT ON COLUMN dataset_info.updated_at IS 'When the label was last written (UTC).';
