-- Materialised as a TABLE at refresh time (warehouse/mart_build.py explains the @ lines).
-- Rebuilt slice by slice: a period's rows depend only on that period's facts.
-- @inputs fact_trade_flow dim_hs_code dim_mineral dim_country
-- @period_key freq || ':' || period
CREATE OR REPLACE TABLE mart_import_dependence AS
WITH flows AS (
    SELECT h.mineral_id, f.freq, f.period, f.ref_year, f.ref_month, f.partner_code,
           sum(f.primary_value_usd) AS import_value_usd,
           sum(f.net_weight_kg) AS net_weight_kg,
           sum(f.primary_value_usd) FILTER (WHERE h.specificity = 'mixed') AS value_from_mixed_codes_usd,
           bool_or(f.is_sample_data) AS is_sample_data
    FROM fact_trade_flow f
    JOIN dim_hs_code h
      ON h.hs6 = f.hs6 AND h.hs_edition = f.hs_edition AND h.validated
     AND h.specificity IN ('specific', 'mixed')
    WHERE f.flow_code = 'M' AND f.reporter_code = 699  -- India's report (no mirror rows)
    GROUP BY ALL
)
SELECT fl.mineral_id, m.name AS mineral_name, fl.freq, fl.period, fl.ref_year, fl.ref_month,
       fl.partner_code, c.name AS partner_name, c.iso3 AS partner_iso3,
       fl.import_value_usd, fl.net_weight_kg,
       coalesce(fl.value_from_mixed_codes_usd, 0) AS value_from_mixed_codes_usd,
       fl.import_value_usd / nullif(sum(fl.import_value_usd) OVER w, 0) AS share_of_mineral_imports,
       rank() OVER (PARTITION BY fl.mineral_id, fl.freq, fl.period ORDER BY fl.import_value_usd DESC) AS supplier_rank,
       fl.is_sample_data
FROM flows fl
JOIN dim_mineral m USING (mineral_id)
LEFT JOIN dim_country c ON c.area_code = fl.partner_code
WINDOW w AS (PARTITION BY fl.mineral_id, fl.freq, fl.period);

COMMENT ON TABLE mart_import_dependence IS 'How dependent India is on each partner for each critical mineral: imports (flow M) by mineral x partner x period (annual and monthly rows; filter on freq), with the partner''s share of the mineral''s imports and its rank. Counts HS codes that are specific to the mineral or mixed (a mixed code counts for every mineral it carries, see value_from_mixed_codes_usd); downstream products (batteries, magnets) are left out.';
COMMENT ON COLUMN mart_import_dependence.mineral_id IS 'dim_mineral.mineral_id.';
COMMENT ON COLUMN mart_import_dependence.mineral_name IS 'Mineral name.';
COMMENT ON COLUMN mart_import_dependence.freq IS 'A = annual, M = monthly.';
COMMENT ON COLUMN mart_import_dependence.period IS 'YYYY (annual) or YYYYMM (monthly).';
COMMENT ON COLUMN mart_import_dependence.ref_year IS 'Calendar year.';
COMMENT ON COLUMN mart_import_dependence.ref_month IS 'Month (monthly rows); NULL for annual rows.';
COMMENT ON COLUMN mart_import_dependence.partner_code IS 'Partner, Comtrade area code (dim_country).';
COMMENT ON COLUMN mart_import_dependence.partner_name IS 'Partner name as Comtrade writes it.';
COMMENT ON COLUMN mart_import_dependence.partner_iso3 IS 'Partner ISO3 code.';
COMMENT ON COLUMN mart_import_dependence.import_value_usd IS 'Imports from the partner, US dollars (CIF).';
COMMENT ON COLUMN mart_import_dependence.net_weight_kg IS 'Net weight imported, kg (NULL parts not counted).';
COMMENT ON COLUMN mart_import_dependence.value_from_mixed_codes_usd IS 'Part of import_value_usd from HS codes shared with other materials.';
COMMENT ON COLUMN mart_import_dependence.share_of_mineral_imports IS 'Partner''s share of India''s imports of the mineral in the period (0-1).';
COMMENT ON COLUMN mart_import_dependence.supplier_rank IS 'Rank of the partner by import value for the mineral and period (1 = largest).';
COMMENT ON COLUMN mart_import_dependence.is_sample_data IS 'True when the values are sample data from the bundled snapshot, not official statistics.';
