-- Materialised as a TABLE at refresh time (warehouse/mart_build.py explains the @ lines).
-- Rebuilt whole when an input changes: it pairs India's slices (A:2023) with the mirror slices
-- (A:2023:mirror), so it has no @period_key.
--
-- The CIF/FOB rule. Imports are valued CIF (cost, insurance, freight to the importer's border),
-- exports FOB (free on board at the exporter's border), so for the same shipments the importer's
-- figure should exceed the exporter's by the freight and insurance margin: cif_fob_ratio =
-- CIF side / FOB side is expected between 1.00 and 1.10 (the IMF's Direction of Trade
-- Statistics uses a flat 1.06 when it converts one into the other; BACI estimates the margin per
-- product and route). Outside the band the gap is not valuation: timing (shipments straddling
-- the year end), goods routed through a third country (the partner records the transit hub, or
-- India records the origin), confidential or unreported lines, or mis-invoicing. The status
-- says which side is higher; a side with no row is 'india_only' / 'partner_only'.
-- @inputs fact_trade_flow dim_hs_code dim_mineral dim_country
CREATE OR REPLACE TABLE mart_trade_reconciliation AS
WITH codes AS (
    SELECT DISTINCT hs6, hs_edition, mineral_id
    FROM dim_hs_code
    WHERE validated AND specificity IN ('specific', 'mixed')
),
mirror AS (
    -- what the partner reports about its trade with India (reporter = partner, partner = India);
    -- its exports (X) face India's imports (M), its imports (M) face India's exports (X)
    SELECT c.mineral_id, f.freq, f.period, f.ref_year, f.ref_month,
           f.reporter_code AS partner_code,
           CASE f.flow_code WHEN 'X' THEN 'M' ELSE 'X' END AS india_flow,
           sum(f.primary_value_usd) AS partner_reported_usd,
           sum(f.net_weight_kg) AS partner_net_weight_kg,
           count(DISTINCT f.hs6) AS partner_hs6_codes,
           bool_or(f.is_sample_data) AS is_sample_data
    FROM fact_trade_flow f
    JOIN codes c ON c.hs6 = f.hs6 AND c.hs_edition = f.hs_edition
    WHERE f.partner_code = 699 AND f.reporter_code <> 699
    GROUP BY ALL
),
mirror_reporters AS (
    SELECT DISTINCT freq, partner_code FROM mirror
),
india AS (
    -- India's own report, for the partners that report mirror flows in that frequency
    SELECT c.mineral_id, f.freq, f.period, f.ref_year, f.ref_month, f.partner_code,
           f.flow_code AS india_flow,
           sum(f.primary_value_usd) AS india_reported_usd,
           sum(f.net_weight_kg) AS india_net_weight_kg,
           count(DISTINCT f.hs6) AS india_hs6_codes,
           bool_or(f.is_sample_data) AS is_sample_data
    FROM fact_trade_flow f
    JOIN codes c ON c.hs6 = f.hs6 AND c.hs_edition = f.hs_edition
    JOIN mirror_reporters r ON r.freq = f.freq AND r.partner_code = f.partner_code
    WHERE f.reporter_code = 699
    GROUP BY ALL
),
joined AS (
    SELECT coalesce(i.mineral_id, m.mineral_id) AS mineral_id,
           coalesce(i.freq, m.freq) AS freq,
           coalesce(i.period, m.period) AS period,
           coalesce(i.ref_year, m.ref_year) AS ref_year,
           coalesce(i.ref_month, m.ref_month) AS ref_month,
           coalesce(i.partner_code, m.partner_code) AS partner_code,
           coalesce(i.india_flow, m.india_flow) AS india_flow,
           i.india_reported_usd, m.partner_reported_usd,
           i.india_net_weight_kg, m.partner_net_weight_kg,
           i.india_hs6_codes, m.partner_hs6_codes,
           coalesce(i.is_sample_data, false) OR coalesce(m.is_sample_data, false) AS is_sample_data
    FROM india i
    FULL OUTER JOIN mirror m
      ON m.mineral_id = i.mineral_id AND m.freq = i.freq AND m.period = i.period
     AND m.partner_code = i.partner_code AND m.india_flow = i.india_flow
),
valued AS (
    SELECT *,
           CASE india_flow WHEN 'M' THEN india_reported_usd ELSE partner_reported_usd END AS cif_side_usd,
           CASE india_flow WHEN 'M' THEN partner_reported_usd ELSE india_reported_usd END AS fob_side_usd
    FROM joined
)
SELECT v.mineral_id, mn.name AS mineral_name, v.freq, v.period, v.ref_year, v.ref_month,
       v.partner_code, c.name AS partner_name, c.iso3 AS partner_iso3,
       v.india_flow,
       CASE v.india_flow WHEN 'M' THEN 'India imports (CIF) vs partner exports to India (FOB)'
                         ELSE 'Partner imports from India (CIF) vs India exports (FOB)' END AS comparison,
       v.india_reported_usd, v.partner_reported_usd,
       coalesce(v.india_reported_usd, 0) - coalesce(v.partner_reported_usd, 0) AS gap_usd,
       v.cif_side_usd, v.fob_side_usd,
       v.cif_side_usd / nullif(v.fob_side_usd, 0) AS cif_fob_ratio,
       v.cif_side_usd - 1.06 * v.fob_side_usd AS gap_after_cif_margin_usd,
       1.00 AS band_low, 1.10 AS band_high,
       CASE
           WHEN v.india_reported_usd IS NULL THEN 'partner_only'
           WHEN v.partner_reported_usd IS NULL THEN 'india_only'
           WHEN v.fob_side_usd = 0 THEN 'fob_zero'
           WHEN v.cif_side_usd / v.fob_side_usd < 1.00 THEN 'cif_below_fob'
           WHEN v.cif_side_usd / v.fob_side_usd > 1.10 THEN 'cif_above_band'
           ELSE 'within_band'
       END AS reconciliation_status,
       v.india_net_weight_kg, v.partner_net_weight_kg,
       coalesce(v.india_hs6_codes, 0) AS india_hs6_codes,
       coalesce(v.partner_hs6_codes, 0) AS partner_hs6_codes,
       v.is_sample_data
FROM valued v
JOIN dim_mineral mn USING (mineral_id)
LEFT JOIN dim_country c ON c.area_code = v.partner_code;

COMMENT ON TABLE mart_trade_reconciliation IS 'Mirror reconciliation per mineral x partner x period x direction: what India reports to UN Comtrade (reporter 699) against what the partner reports about the same trade (reporter = partner, partner = India 699; loaded by trade_mirror_annual for the partners of warehouse/reference/mirror_partners.csv, and monthly by trade_mirror_monthly for those whose reports_monthly is true). India''s imports (CIF) face the partner''s exports to India (FOB); India''s exports (FOB) face the partner''s imports from India (CIF). CIF/FOB rule: cif_fob_ratio = CIF side / FOB side is expected between 1.00 and 1.10 (freight and insurance; the IMF DOTS uses 1.06); outside the band (reconciliation_status) the gap points to timing, transit through third countries, unreported lines or mis-invoicing. HS codes specific to the mineral or mixed (a mixed code counts for each of its minerals), the same codes on both sides; only partners that report mirror flows in that frequency appear (freq M: the monthly reporters only).';
COMMENT ON COLUMN mart_trade_reconciliation.mineral_id IS 'dim_mineral.mineral_id.';
COMMENT ON COLUMN mart_trade_reconciliation.mineral_name IS 'Mineral name.';
COMMENT ON COLUMN mart_trade_reconciliation.freq IS 'A = annual, M = monthly.';
COMMENT ON COLUMN mart_trade_reconciliation.period IS 'Comtrade period: YYYY (annual) or YYYYMM (monthly).';
COMMENT ON COLUMN mart_trade_reconciliation.ref_year IS 'Calendar year.';
COMMENT ON COLUMN mart_trade_reconciliation.ref_month IS 'Month 1-12 for monthly rows; NULL for annual rows.';
COMMENT ON COLUMN mart_trade_reconciliation.partner_code IS 'The partner country (Comtrade area code): India''s partner on India''s side, the reporter on the mirror side.';
COMMENT ON COLUMN mart_trade_reconciliation.partner_name IS 'Partner name as Comtrade writes it.';
COMMENT ON COLUMN mart_trade_reconciliation.partner_iso3 IS 'Partner ISO3 code.';
COMMENT ON COLUMN mart_trade_reconciliation.india_flow IS 'Direction from India''s side: M = India''s imports from the partner (vs the partner''s exports to India), X = India''s exports to the partner (vs the partner''s imports from India).';
COMMENT ON COLUMN mart_trade_reconciliation.comparison IS 'The two figures compared, in words.';
COMMENT ON COLUMN mart_trade_reconciliation.india_reported_usd IS 'India-reported value, US dollars (CIF for imports, FOB for exports); NULL when India reports no such trade.';
COMMENT ON COLUMN mart_trade_reconciliation.partner_reported_usd IS 'Partner-reported value, US dollars (FOB for its exports, CIF for its imports); NULL when the partner reports no such trade.';
COMMENT ON COLUMN mart_trade_reconciliation.gap_usd IS 'india_reported_usd minus partner_reported_usd (a missing side counts as 0).';
COMMENT ON COLUMN mart_trade_reconciliation.cif_side_usd IS 'The importer''s (CIF) figure: India''s for india_flow M, the partner''s for X.';
COMMENT ON COLUMN mart_trade_reconciliation.fob_side_usd IS 'The exporter''s (FOB) figure: the partner''s for india_flow M, India''s for X.';
COMMENT ON COLUMN mart_trade_reconciliation.cif_fob_ratio IS 'cif_side_usd / fob_side_usd; expected between band_low and band_high (NULL when a side is missing or FOB is 0).';
COMMENT ON COLUMN mart_trade_reconciliation.gap_after_cif_margin_usd IS 'cif_side_usd minus 1.06 x fob_side_usd (the IMF DOTS flat CIF/FOB factor): the gap left after a typical freight and insurance margin; NULL when a side is missing.';
COMMENT ON COLUMN mart_trade_reconciliation.band_low IS 'Lower end of the expected CIF/FOB ratio (1.00: CIF cannot be below FOB for the same goods).';
COMMENT ON COLUMN mart_trade_reconciliation.band_high IS 'Upper end of the expected CIF/FOB ratio (1.10: freight and insurance rarely exceed 10 % of FOB for these goods).';
COMMENT ON COLUMN mart_trade_reconciliation.reconciliation_status IS 'within_band, cif_below_fob (ratio < band_low), cif_above_band (ratio > band_high), fob_zero, india_only (the partner reports nothing) or partner_only (India reports nothing).';
COMMENT ON COLUMN mart_trade_reconciliation.india_net_weight_kg IS 'India-reported net weight, kilograms.';
COMMENT ON COLUMN mart_trade_reconciliation.partner_net_weight_kg IS 'Partner-reported net weight, kilograms.';
COMMENT ON COLUMN mart_trade_reconciliation.india_hs6_codes IS 'HS6 codes with a value on India''s side.';
COMMENT ON COLUMN mart_trade_reconciliation.partner_hs6_codes IS 'HS6 codes with a value on the partner''s side.';
COMMENT ON COLUMN mart_trade_reconciliation.is_sample_data IS 'True when either side comes from the bundled snapshot (SAMPLE DATA, not official statistics).';
