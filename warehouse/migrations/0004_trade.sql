-- Trade flows from UN Comtrade: partner rows and World totals kept apart, plus the call log.

CREATE TABLE fact_trade_flow (
    source VARCHAR NOT NULL,
    period_key VARCHAR NOT NULL,
    reporter_code INTEGER NOT NULL,
    partner_code INTEGER NOT NULL,
    flow_code VARCHAR NOT NULL,
    freq VARCHAR NOT NULL,
    period VARCHAR NOT NULL,
    ref_year INTEGER NOT NULL,
    ref_month TINYINT,
    hs6 VARCHAR NOT NULL,
    hs_edition VARCHAR NOT NULL,
    primary_value_usd DOUBLE NOT NULL,
    cif_value_usd DOUBLE,
    fob_value_usd DOUBLE,
    net_weight_kg DOUBLE,
    qty DOUBLE,
    qty_unit VARCHAR,
    is_qty_estimated BOOLEAN NOT NULL,
    is_net_wgt_estimated BOOLEAN NOT NULL,
    is_reported BOOLEAN NOT NULL,
    is_aggregate BOOLEAN NOT NULL,
    legacy_estimation_flag INTEGER,
    is_sample_data BOOLEAN NOT NULL,
    _source_url VARCHAR NOT NULL,
    _fetched_at TIMESTAMPTZ,
    _raw_sha256 VARCHAR NOT NULL,
    _run_id VARCHAR,
    _loaded_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (period_key, reporter_code, partner_code, flow_code, hs6)
);
COMMENT ON TABLE fact_trade_flow IS 'India''s trade in critical-mineral HS codes by partner, flow and period, from UN Comtrade (customs total, all modes of transport, partner2 World). One row per period x reporter x partner x flow x HS6. World totals are NOT here (see fact_trade_world_total), so summing partners never double counts. For mixed HS codes (dim_hs_code.specificity = mixed) the value is not attributable to one mineral.';
COMMENT ON COLUMN fact_trade_flow.source IS 'Data source (comtrade).';
COMMENT ON COLUMN fact_trade_flow.period_key IS 'Partition key: frequency and period, e.g. A:2021 or M:202403.';
COMMENT ON COLUMN fact_trade_flow.reporter_code IS 'Reporting country, Comtrade area code (699 = India).';
COMMENT ON COLUMN fact_trade_flow.partner_code IS 'Partner country, Comtrade area code (join dim_country.area_code); never 0 here.';
COMMENT ON COLUMN fact_trade_flow.flow_code IS 'M = imports into India, X = exports from India.';
COMMENT ON COLUMN fact_trade_flow.freq IS 'A = annual, M = monthly.';
COMMENT ON COLUMN fact_trade_flow.period IS 'Comtrade period: YYYY (annual) or YYYYMM (monthly).';
COMMENT ON COLUMN fact_trade_flow.ref_year IS 'Calendar year of the period.';
COMMENT ON COLUMN fact_trade_flow.ref_month IS 'Month 1-12 for monthly rows; NULL for annual rows (Comtrade codes annual as refMonth 52).';
COMMENT ON COLUMN fact_trade_flow.hs6 IS 'HS 6-digit commodity code (text, leading zeros kept); join to dim_hs_code on (hs6, hs_edition).';
COMMENT ON COLUMN fact_trade_flow.hs_edition IS 'HS edition the reporter used for this period (H5 = HS 2017, H6 = HS 2022).';
COMMENT ON COLUMN fact_trade_flow.primary_value_usd IS 'Trade value in current US dollars: CIF for imports, FOB for exports.';
COMMENT ON COLUMN fact_trade_flow.cif_value_usd IS 'CIF value in US dollars (imports), when reported.';
COMMENT ON COLUMN fact_trade_flow.fob_value_usd IS 'FOB value in US dollars (exports), when reported.';
COMMENT ON COLUMN fact_trade_flow.net_weight_kg IS 'Net weight in kilograms; NULL when not reported (not zero).';
COMMENT ON COLUMN fact_trade_flow.qty IS 'Quantity in qty_unit; NULL when not reported.';
COMMENT ON COLUMN fact_trade_flow.qty_unit IS 'Unit of qty (kg for mineral codes); NULL when Comtrade gives N/A.';
COMMENT ON COLUMN fact_trade_flow.is_qty_estimated IS 'True when Comtrade estimated the quantity.';
COMMENT ON COLUMN fact_trade_flow.is_net_wgt_estimated IS 'True when Comtrade estimated the net weight.';
COMMENT ON COLUMN fact_trade_flow.is_reported IS 'False when the figure is a UNSD estimate or conversion rather than as reported.';
COMMENT ON COLUMN fact_trade_flow.is_aggregate IS 'True when UNSD aggregated the figure.';
COMMENT ON COLUMN fact_trade_flow.legacy_estimation_flag IS 'Comtrade legacy estimation flag (0 = none).';
COMMENT ON COLUMN fact_trade_flow.is_sample_data IS 'True when the row comes from the bundled offline snapshot, whose values are SAMPLE DATA and not official statistics.';
COMMENT ON COLUMN fact_trade_flow._source_url IS 'Provenance: API URL of the call that returned the row (no key).';
COMMENT ON COLUMN fact_trade_flow._fetched_at IS 'Provenance: when the response was fetched (UTC).';
COMMENT ON COLUMN fact_trade_flow._raw_sha256 IS 'Provenance: sha256 of the response body (raw store key).';
COMMENT ON COLUMN fact_trade_flow._run_id IS 'Provenance: Dagster run id that loaded the row.';
COMMENT ON COLUMN fact_trade_flow._loaded_at IS 'Provenance: when the row was loaded (UTC).';

CREATE TABLE fact_trade_world_total (
    source VARCHAR NOT NULL,
    period_key VARCHAR NOT NULL,
    reporter_code INTEGER NOT NULL,
    partner_code INTEGER NOT NULL,
    flow_code VARCHAR NOT NULL,
    freq VARCHAR NOT NULL,
    period VARCHAR NOT NULL,
    ref_year INTEGER NOT NULL,
    ref_month TINYINT,
    hs6 VARCHAR NOT NULL,
    hs_edition VARCHAR NOT NULL,
    primary_value_usd DOUBLE NOT NULL,
    cif_value_usd DOUBLE,
    fob_value_usd DOUBLE,
    net_weight_kg DOUBLE,
    qty DOUBLE,
    qty_unit VARCHAR,
    is_qty_estimated BOOLEAN NOT NULL,
    is_net_wgt_estimated BOOLEAN NOT NULL,
    is_reported BOOLEAN NOT NULL,
    is_aggregate BOOLEAN NOT NULL,
    legacy_estimation_flag INTEGER,
    is_sample_data BOOLEAN NOT NULL,
    _source_url VARCHAR NOT NULL,
    _fetched_at TIMESTAMPTZ,
    _raw_sha256 VARCHAR NOT NULL,
    _run_id VARCHAR,
    _loaded_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (period_key, reporter_code, partner_code, flow_code, hs6)
);
COMMENT ON TABLE fact_trade_world_total IS 'India''s trade with the World (partner 0) per period, flow and HS6, as reported to UN Comtrade: the reporter''s own total, kept apart from partner rows. Compare with the sum of partners; never add the two.';
COMMENT ON COLUMN fact_trade_world_total.source IS 'Data source (comtrade).';
COMMENT ON COLUMN fact_trade_world_total.period_key IS 'Partition key: frequency and period, e.g. A:2021 or M:202403.';
COMMENT ON COLUMN fact_trade_world_total.reporter_code IS 'Reporting country, Comtrade area code (699 = India).';
COMMENT ON COLUMN fact_trade_world_total.partner_code IS 'Always 0 (World).';
COMMENT ON COLUMN fact_trade_world_total.flow_code IS 'M = imports into India, X = exports from India.';
COMMENT ON COLUMN fact_trade_world_total.freq IS 'A = annual, M = monthly.';
COMMENT ON COLUMN fact_trade_world_total.period IS 'Comtrade period: YYYY (annual) or YYYYMM (monthly).';
COMMENT ON COLUMN fact_trade_world_total.ref_year IS 'Calendar year of the period.';
COMMENT ON COLUMN fact_trade_world_total.ref_month IS 'Month 1-12 for monthly rows; NULL for annual rows (Comtrade codes annual as refMonth 52).';
COMMENT ON COLUMN fact_trade_world_total.hs6 IS 'HS 6-digit commodity code (text, leading zeros kept); join to dim_hs_code on (hs6, hs_edition).';
COMMENT ON COLUMN fact_trade_world_total.hs_edition IS 'HS edition the reporter used for this period (H5 = HS 2017, H6 = HS 2022).';
COMMENT ON COLUMN fact_trade_world_total.primary_value_usd IS 'Trade value in current US dollars: CIF for imports, FOB for exports.';
COMMENT ON COLUMN fact_trade_world_total.cif_value_usd IS 'CIF value in US dollars (imports), when reported.';
COMMENT ON COLUMN fact_trade_world_total.fob_value_usd IS 'FOB value in US dollars (exports), when reported.';
COMMENT ON COLUMN fact_trade_world_total.net_weight_kg IS 'Net weight in kilograms; NULL when not reported (not zero).';
COMMENT ON COLUMN fact_trade_world_total.qty IS 'Quantity in qty_unit; NULL when not reported.';
COMMENT ON COLUMN fact_trade_world_total.qty_unit IS 'Unit of qty (kg for mineral codes); NULL when Comtrade gives N/A.';
COMMENT ON COLUMN fact_trade_world_total.is_qty_estimated IS 'True when Comtrade estimated the quantity.';
COMMENT ON COLUMN fact_trade_world_total.is_net_wgt_estimated IS 'True when Comtrade estimated the net weight.';
COMMENT ON COLUMN fact_trade_world_total.is_reported IS 'False when the figure is a UNSD estimate or conversion rather than as reported.';
COMMENT ON COLUMN fact_trade_world_total.is_aggregate IS 'True when UNSD aggregated the figure.';
COMMENT ON COLUMN fact_trade_world_total.legacy_estimation_flag IS 'Comtrade legacy estimation flag (0 = none).';
COMMENT ON COLUMN fact_trade_world_total.is_sample_data IS 'True when the row comes from the bundled offline snapshot, whose values are SAMPLE DATA and not official statistics.';
COMMENT ON COLUMN fact_trade_world_total._source_url IS 'Provenance: API URL of the call that returned the row (no key).';
COMMENT ON COLUMN fact_trade_world_total._fetched_at IS 'Provenance: when the response was fetched (UTC).';
COMMENT ON COLUMN fact_trade_world_total._raw_sha256 IS 'Provenance: sha256 of the response body (raw store key).';
COMMENT ON COLUMN fact_trade_world_total._run_id IS 'Provenance: Dagster run id that loaded the row.';
COMMENT ON COLUMN fact_trade_world_total._loaded_at IS 'Provenance: when the row was loaded (UTC).';

CREATE TABLE comtrade_call (
    period_key      VARCHAR NOT NULL,
    call_no         INTEGER NOT NULL,
    url             VARCHAR NOT NULL,
    outcome         VARCHAR NOT NULL,
    rows_returned   INTEGER NOT NULL,
    row_cap         INTEGER NOT NULL,
    hs_codes        INTEGER NOT NULL,
    raw_sha256      VARCHAR,
    _run_id         VARCHAR,
    _loaded_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (period_key, call_no)
);
COMMENT ON TABLE comtrade_call IS 'Every Comtrade call made for a period: its outcome (ok, no_data for a validated query that returned count 0, split when the answer reached the row cap and was re-asked in parts). Proves no period was silently truncated.';
COMMENT ON COLUMN comtrade_call.period_key IS 'Partition key the call belongs to (A:YYYY or M:YYYYMM).';
COMMENT ON COLUMN comtrade_call.call_no IS 'Order of the call within the load.';
COMMENT ON COLUMN comtrade_call.url IS 'Request URL (the API key is never part of it).';
COMMENT ON COLUMN comtrade_call.outcome IS 'ok, no_data or split.';
COMMENT ON COLUMN comtrade_call.rows_returned IS 'Rows in the answer.';
COMMENT ON COLUMN comtrade_call.row_cap IS 'Row cap of the endpoint used (500 preview, 100000 keyed).';
COMMENT ON COLUMN comtrade_call.hs_codes IS 'Number of HS codes asked for in the call.';
COMMENT ON COLUMN comtrade_call.raw_sha256 IS 'sha256 of the response body (raw store key).';
COMMENT ON COLUMN comtrade_call._run_id IS 'Provenance: Dagster run id that loaded the row.';
COMMENT ON COLUMN comtrade_call._loaded_at IS 'Provenance: when the row was loaded (UTC).';
