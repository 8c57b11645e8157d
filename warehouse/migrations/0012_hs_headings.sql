-- HS headings (issue 12): India's reported totals for a few 4-digit headings (natural graphite
-- 2504, cobalt oxides and hydroxides 2822), as UN Comtrade serves them (aggrLevel 4), loaded
-- beside the HS6 rows as a cross-check. A heading row is never summed with the HS6 rows under
-- it: hs_level says which is which, and the marts read HS6 rows only (they join dim_hs_code).

ALTER TABLE fact_trade_flow ADD COLUMN hs_level TINYINT DEFAULT 6;
ALTER TABLE fact_trade_flow ALTER COLUMN hs_level SET NOT NULL;
ALTER TABLE fact_trade_world_total ADD COLUMN hs_level TINYINT DEFAULT 6;
ALTER TABLE fact_trade_world_total ALTER COLUMN hs_level SET NOT NULL;

COMMENT ON COLUMN fact_trade_flow.hs_level IS 'Digits of the HS code in hs6: 6 for an HS6 subheading (every mart reads these), 4 for a heading total of dim_hs_heading (India''s own figure for the whole heading, e.g. 2504 natural graphite): never add a level-4 row to the level-6 rows under it.';
COMMENT ON COLUMN fact_trade_world_total.hs_level IS 'Digits of the HS code in hs6: 6 for an HS6 subheading, 4 for a heading total of dim_hs_heading; never add the two levels.';
COMMENT ON COLUMN fact_trade_flow.hs6 IS 'HS commodity code (text, leading zeros kept): 6 digits on HS6 rows (hs_level 6; join to dim_hs_code on (hs6, hs_edition)), 4 digits on heading rows (hs_level 4; join to dim_hs_heading on (heading, hs_edition)).';
COMMENT ON COLUMN fact_trade_world_total.hs6 IS 'HS commodity code (text, leading zeros kept): 6 digits on HS6 rows (hs_level 6; join dim_hs_code), 4 digits on heading rows (hs_level 4; join dim_hs_heading).';

CREATE TABLE dim_hs_heading (
    heading VARCHAR NOT NULL,
    hs_edition VARCHAR NOT NULL,
    mineral_id VARCHAR NOT NULL,
    description VARCHAR NOT NULL,
    official_description VARCHAR,
    hs6_codes_mapped INTEGER NOT NULL,
    validated BOOLEAN NOT NULL,
    map_note VARCHAR,
    _source VARCHAR NOT NULL,
    _source_url VARCHAR,
    _fetched_at TIMESTAMPTZ,
    _raw_sha256 VARCHAR,
    _run_id VARCHAR,
    _loaded_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (heading, hs_edition)
);
COMMENT ON TABLE dim_hs_heading IS 'HS 4-digit headings whose totals the trade loads also fetch (warehouse/reference/hs_heading_map.csv), per HS edition, checked against UN Comtrade''s official H5/H6 lists (the heading must exist there at aggrLevel 4). Their rows sit in fact_trade_flow / fact_trade_world_total with hs_level = 4: India''s reported figure for the whole heading, a cross-check of the HS6 rows under it (warehouse/example_queries.sql compares the two), never added to them.';
COMMENT ON COLUMN dim_hs_heading.heading IS 'HS 4-digit heading, as text (e.g. 2504).';
COMMENT ON COLUMN dim_hs_heading.hs_edition IS 'HS edition in Comtrade notation: H5 (HS 2017) or H6 (HS 2022).';
COMMENT ON COLUMN dim_hs_heading.mineral_id IS 'Critical mineral the heading carries (dim_mineral.mineral_id).';
COMMENT ON COLUMN dim_hs_heading.description IS 'Short description from the project''s heading map.';
COMMENT ON COLUMN dim_hs_heading.official_description IS 'Comtrade''s text for the heading in this edition (NULL when the heading is not in the official list: validated is then false).';
COMMENT ON COLUMN dim_hs_heading.hs6_codes_mapped IS 'How many validated HS6 codes of dim_hs_code (same edition) lie under the heading.';
COMMENT ON COLUMN dim_hs_heading.validated IS 'True when the heading exists at aggrLevel 4 in Comtrade''s official list of its edition; the trade loads fetch validated headings only.';
COMMENT ON COLUMN dim_hs_heading.map_note IS 'Note from the heading map.';
COMMENT ON COLUMN dim_hs_heading._source IS 'Provenance: the map file and the reference file it was checked against.';
COMMENT ON COLUMN dim_hs_heading._source_url IS 'Provenance: URL of the Comtrade reference file.';
COMMENT ON COLUMN dim_hs_heading._fetched_at IS 'Provenance: when the reference file was fetched (UTC).';
COMMENT ON COLUMN dim_hs_heading._raw_sha256 IS 'Provenance: sha256 of the reference file (raw store key).';
COMMENT ON COLUMN dim_hs_heading._run_id IS 'Provenance: Dagster run that loaded the row.';
COMMENT ON COLUMN dim_hs_heading._loaded_at IS 'Provenance: when the row was loaded (UTC).';
