-- Materialised as a TABLE at refresh time (warehouse/mart_build.py explains the @ lines).
-- Rebuilt whole when an input changes: a few hundred rows, the months TradeStat covers.
-- @inputs fact_trade_flow_hs8 fact_trade_flow dim_hs8_code dim_mineral dim_country
CREATE OR REPLACE TABLE mart_tradestat_vs_comtrade AS
WITH months AS (
    SELECT DISTINCT period, hs_edition FROM fact_trade_flow_hs8
),
scope AS (
    -- like for like: per mineral and month, the HS6 codes that the mapped HS8 lines belong to
    SELECT DISTINCT m.period, d.mineral_id, d.hs6
    FROM months m
    JOIN dim_hs8_code d ON d.hs_edition = m.hs_edition
),
ts AS (
    -- TradeStat: HS8 lines summed to HS6 and then to the mineral
    SELECT mineral_id, flow_code, period, partner_code,
           sum(value_usd) AS tradestat_value_usd,
           sum(value_inr) AS tradestat_value_inr,
           sum(CASE upper(quantity_unit) WHEN 'KGS' THEN quantity WHEN 'TON' THEN quantity * 1000 END)
               AS tradestat_quantity_kg,
           count(DISTINCT hs8) AS hs8_lines,
           string_agg(DISTINCT partner_name, ', ' ORDER BY partner_name) AS tradestat_partner_names,
           bool_or(usd_rounded_to_zero) AS has_rows_rounded_to_zero,
           bool_or(is_sample_data) AS is_sample_data
    FROM fact_trade_flow_hs8
    GROUP BY ALL
),
ct AS (
    -- UN Comtrade, as India reports it (reporter 699; mirror rows are left out), same HS6 codes
    SELECT s.mineral_id, f.flow_code, f.period, f.partner_code,
           sum(f.primary_value_usd) AS comtrade_value_usd,
           sum(f.net_weight_kg) AS comtrade_net_weight_kg,
           bool_or(f.is_sample_data) AS is_sample_data
    FROM fact_trade_flow f
    JOIN scope s ON s.period = f.period AND s.hs6 = f.hs6
    WHERE f.freq = 'M' AND f.reporter_code = 699
    GROUP BY ALL
),
codes AS (
    SELECT period, mineral_id, string_agg(hs6, ',' ORDER BY hs6) AS hs6_codes
    FROM scope
    GROUP BY ALL
),
joined AS (
    SELECT coalesce(ts.mineral_id, ct.mineral_id) AS mineral_id,
           coalesce(ts.flow_code, ct.flow_code) AS flow_code,
           coalesce(ts.period, ct.period) AS period,
           coalesce(ts.partner_code, ct.partner_code) AS partner_code,
           ts.tradestat_value_usd, ts.tradestat_value_inr, ts.tradestat_quantity_kg, ts.hs8_lines,
           ts.tradestat_partner_names, ts.has_rows_rounded_to_zero,
           ct.comtrade_value_usd, ct.comtrade_net_weight_kg,
           ts.mineral_id IS NOT NULL AS in_tradestat,
           ct.mineral_id IS NOT NULL AS in_comtrade,
           coalesce(ts.is_sample_data, false) OR coalesce(ct.is_sample_data, false) AS is_sample_data
    FROM ts
    FULL OUTER JOIN ct
      ON ct.mineral_id = ts.mineral_id AND ct.flow_code = ts.flow_code
     AND ct.period = ts.period AND ct.partner_code = ts.partner_code
)
SELECT j.mineral_id, m.name AS mineral_name, j.flow_code, j.period,
       CAST(substr(j.period, 1, 4) AS INTEGER) AS ref_year,
       CAST(substr(j.period, 5, 2) AS TINYINT) AS ref_month,
       printf('%d-%02d',
              CAST(substr(j.period, 1, 4) AS INTEGER) - CASE WHEN CAST(substr(j.period, 5, 2) AS INTEGER) < 4 THEN 1 ELSE 0 END,
              (CAST(substr(j.period, 1, 4) AS INTEGER) + CASE WHEN CAST(substr(j.period, 5, 2) AS INTEGER) < 4 THEN 0 ELSE 1 END) % 100)
           AS fiscal_year,
       j.partner_code, c.name AS partner_name, c.iso3 AS partner_iso3, j.tradestat_partner_names,
       k.hs6_codes, coalesce(j.hs8_lines, 0) AS hs8_lines,
       j.tradestat_value_usd, j.comtrade_value_usd,
       coalesce(j.tradestat_value_usd, 0) - coalesce(j.comtrade_value_usd, 0) AS gap_usd,
       j.tradestat_value_usd / nullif(j.comtrade_value_usd, 0) AS ratio,
       (coalesce(j.tradestat_value_usd, 0) - coalesce(j.comtrade_value_usd, 0))
           / nullif(greatest(coalesce(j.tradestat_value_usd, 0), coalesce(j.comtrade_value_usd, 0)), 0)
           AS gap_share,
       j.tradestat_value_inr, j.tradestat_quantity_kg, j.comtrade_net_weight_kg,
       j.in_tradestat, j.in_comtrade, coalesce(j.has_rows_rounded_to_zero, false) AS has_rows_rounded_to_zero,
       j.is_sample_data
FROM joined j
JOIN dim_mineral m USING (mineral_id)
LEFT JOIN dim_country c ON c.area_code = j.partner_code
LEFT JOIN codes k ON k.period = j.period AND k.mineral_id = j.mineral_id;

COMMENT ON TABLE mart_tradestat_vs_comtrade IS 'India''s own statistics (TradeStat, ITC-HS 8-digit lines summed to HS6 and to the mineral) against what India reports to UN Comtrade (HS6), per mineral x flow x partner x month, for the months TradeStat is loaded, over the same HS6 codes (those of the mapped HS8 lines). Both sides are India-reported (imports CIF, exports FOB), so the gap is not a valuation basis: it comes from revisions, HS8 lines of the HS6 that the map leaves out, consignment vs origin partners, rounding and the dollar conversion. A partner on one side only has the other side NULL (in_tradestat / in_comtrade).';
COMMENT ON COLUMN mart_tradestat_vs_comtrade.mineral_id IS 'dim_mineral.mineral_id.';
COMMENT ON COLUMN mart_tradestat_vs_comtrade.mineral_name IS 'Mineral name.';
COMMENT ON COLUMN mart_tradestat_vs_comtrade.flow_code IS 'M = imports into India, X = exports from India.';
COMMENT ON COLUMN mart_tradestat_vs_comtrade.period IS 'Month as YYYYMM.';
COMMENT ON COLUMN mart_tradestat_vs_comtrade.ref_year IS 'Calendar year.';
COMMENT ON COLUMN mart_tradestat_vs_comtrade.ref_month IS 'Calendar month 1-12.';
COMMENT ON COLUMN mart_tradestat_vs_comtrade.fiscal_year IS 'Indian fiscal year of the month (April to March), e.g. 2024-25.';
COMMENT ON COLUMN mart_tradestat_vs_comtrade.partner_code IS 'Partner, Comtrade area code (dim_country); TradeStat''s DGCI&S countries mapped by the crosswalk.';
COMMENT ON COLUMN mart_tradestat_vs_comtrade.partner_name IS 'Partner name as Comtrade writes it.';
COMMENT ON COLUMN mart_tradestat_vs_comtrade.partner_iso3 IS 'Partner ISO3 code.';
COMMENT ON COLUMN mart_tradestat_vs_comtrade.tradestat_partner_names IS 'The DGCI&S country names TradeStat printed for this partner (several DGCI&S entries can map to one Comtrade area).';
COMMENT ON COLUMN mart_tradestat_vs_comtrade.hs6_codes IS 'HS6 codes compared (comma-separated): those of the mineral''s mapped HS8 lines in the month''s HS edition.';
COMMENT ON COLUMN mart_tradestat_vs_comtrade.hs8_lines IS 'HS8 lines summed on the TradeStat side (0 when TradeStat has no row).';
COMMENT ON COLUMN mart_tradestat_vs_comtrade.tradestat_value_usd IS 'TradeStat value, US dollars (NULL: TradeStat has no trade with this partner).';
COMMENT ON COLUMN mart_tradestat_vs_comtrade.comtrade_value_usd IS 'Comtrade primary value (CIF imports, FOB exports), US dollars, India as reporter (NULL: Comtrade has no row).';
COMMENT ON COLUMN mart_tradestat_vs_comtrade.gap_usd IS 'TradeStat minus Comtrade, US dollars (a missing side counts as 0).';
COMMENT ON COLUMN mart_tradestat_vs_comtrade.ratio IS 'TradeStat / Comtrade (NULL when Comtrade is 0 or missing).';
COMMENT ON COLUMN mart_tradestat_vs_comtrade.gap_share IS 'gap_usd divided by the larger of the two values (-1 to 1; 0 = equal).';
COMMENT ON COLUMN mart_tradestat_vs_comtrade.tradestat_value_inr IS 'TradeStat value, rupees.';
COMMENT ON COLUMN mart_tradestat_vs_comtrade.tradestat_quantity_kg IS 'TradeStat quantity in kilograms (lines in KGS or TON only; NULL otherwise).';
COMMENT ON COLUMN mart_tradestat_vs_comtrade.comtrade_net_weight_kg IS 'Comtrade net weight, kilograms.';
COMMENT ON COLUMN mart_tradestat_vs_comtrade.in_tradestat IS 'True when TradeStat has trade with the partner for the mineral, flow and month.';
COMMENT ON COLUMN mart_tradestat_vs_comtrade.in_comtrade IS 'True when Comtrade has a row for it.';
COMMENT ON COLUMN mart_tradestat_vs_comtrade.has_rows_rounded_to_zero IS 'True when a TradeStat line printed US$ 0.00 (under about US$ 5,000) for this partner while it shows trade in rupees or quantity.';
COMMENT ON COLUMN mart_tradestat_vs_comtrade.is_sample_data IS 'True when either side comes from the bundled snapshot (SAMPLE DATA, not official statistics).';
