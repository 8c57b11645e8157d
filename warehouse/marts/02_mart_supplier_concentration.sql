-- Materialised as a TABLE at refresh time (warehouse/mart_build.py explains the @ lines).
-- Rebuilt slice by slice from the stored mart_import_dependence rows of the changed periods.
-- @inputs mart_import_dependence
-- @period_key freq || ':' || period
CREATE OR REPLACE TABLE mart_supplier_concentration AS
SELECT mineral_id, any_value(mineral_name) AS mineral_name, freq, period,
       any_value(ref_year) AS ref_year, any_value(ref_month) AS ref_month,
       sum(import_value_usd) AS total_import_value_usd,
       count(*) AS supplier_count,
       round(sum(share_of_mineral_imports * share_of_mineral_imports) * 10000, 1) AS hhi,
       -- a tie on value goes to the larger partner code, so every build picks the same
       arg_max(partner_name, (import_value_usd, partner_code)) AS top_supplier,
       max(share_of_mineral_imports) AS top_supplier_share,
       coalesce(sum(share_of_mineral_imports) FILTER (WHERE partner_code = 156), 0) AS china_share,
       bool_or(is_sample_data) AS is_sample_data
FROM mart_import_dependence
GROUP BY mineral_id, freq, period;

COMMENT ON TABLE mart_supplier_concentration IS 'Supplier concentration of India''s imports per critical mineral and period: total imports, number of suppliers, Herfindahl-Hirschman index (0-10,000; above 2,500 is highly concentrated), top supplier and its share, and China''s share.';
COMMENT ON COLUMN mart_supplier_concentration.mineral_id IS 'dim_mineral.mineral_id.';
COMMENT ON COLUMN mart_supplier_concentration.mineral_name IS 'Mineral name.';
COMMENT ON COLUMN mart_supplier_concentration.freq IS 'A = annual, M = monthly.';
COMMENT ON COLUMN mart_supplier_concentration.period IS 'YYYY (annual) or YYYYMM (monthly).';
COMMENT ON COLUMN mart_supplier_concentration.ref_year IS 'Calendar year.';
COMMENT ON COLUMN mart_supplier_concentration.ref_month IS 'Month (monthly rows); NULL for annual rows.';
COMMENT ON COLUMN mart_supplier_concentration.total_import_value_usd IS 'India''s imports of the mineral from all partners, US dollars.';
COMMENT ON COLUMN mart_supplier_concentration.supplier_count IS 'Number of partners India imported the mineral from.';
COMMENT ON COLUMN mart_supplier_concentration.hhi IS 'Herfindahl-Hirschman index of supplier shares (sum of squared percentage shares).';
COMMENT ON COLUMN mart_supplier_concentration.top_supplier IS 'Largest supplier by value.';
COMMENT ON COLUMN mart_supplier_concentration.top_supplier_share IS 'Share of the largest supplier (0-1).';
COMMENT ON COLUMN mart_supplier_concentration.china_share IS 'Share of China (Comtrade 156) in the mineral''s imports (0-1).';
COMMENT ON COLUMN mart_supplier_concentration.is_sample_data IS 'True when the values are sample data from the bundled snapshot.';
