-- Materialised as TABLES at refresh time (warehouse/mart_build.py explains the @ lines).
--
-- Stage 1, _mart_partner_trade: India's critical-mineral imports and exports per partner and
-- year (annual data, each HS code counted once). Rebuilt slice by slice: a year's rows depend
-- only on that year's facts.
-- @inputs fact_trade_flow dim_hs_code
-- @period_key period_key
CREATE OR REPLACE TABLE _mart_partner_trade AS
WITH cm AS (
    SELECT DISTINCT f.period_key, f.ref_year, f.flow_code, f.partner_code, f.hs6, f.primary_value_usd
    FROM fact_trade_flow f
    JOIN dim_hs_code h ON h.hs6 = f.hs6 AND h.hs_edition = f.hs_edition AND h.validated
    WHERE f.freq = 'A' AND f.reporter_code = 699  -- India's report (no mirror rows)
)
SELECT period_key, ref_year, partner_code,
       sum(primary_value_usd) FILTER (WHERE flow_code = 'M') AS imports_usd,
       sum(primary_value_usd) FILTER (WHERE flow_code = 'X') AS exports_usd
FROM cm GROUP BY ALL;

COMMENT ON TABLE _mart_partner_trade IS 'Internal to mart_partner_profile: India''s imports from and exports to each partner per year over all critical-mineral HS codes (annual data, each code counted once), kept up to date year by year so the profile is rebuilt from these sums instead of the facts.';
COMMENT ON COLUMN _mart_partner_trade.period_key IS 'fact_trade_flow.period_key of the year (A:2021).';
COMMENT ON COLUMN _mart_partner_trade.ref_year IS 'Calendar year.';
COMMENT ON COLUMN _mart_partner_trade.partner_code IS 'Partner, Comtrade area code.';
COMMENT ON COLUMN _mart_partner_trade.imports_usd IS 'Imports from the partner, US dollars (NULL when none).';
COMMENT ON COLUMN _mart_partner_trade.exports_usd IS 'Exports to the partner, US dollars (NULL when none).';

-- Stage 2, the mart: rebuilt whole when its trade sums, the dependence mart, an event table or
-- the countries change (a few hundred rows).
-- @inputs _mart_partner_trade dim_country mart_import_dependence policy_event event_country
CREATE OR REPLACE TABLE mart_partner_profile AS
WITH partners(area_code) AS (VALUES (36), (398), (842), (152), (604), (32), (156)),
totals AS (
    SELECT ref_year, sum(imports_usd) AS india_imports_usd
    FROM _mart_partner_trade GROUP BY ref_year
),
by_partner AS (
    SELECT partner_code AS area_code, ref_year,
           sum(imports_usd) AS imports_usd,
           sum(exports_usd) AS exports_usd
    FROM _mart_partner_trade GROUP BY ALL
),
top_mineral AS (
    SELECT partner_code AS area_code, ref_year,
           -- minerals sharing a mixed code can tie: the larger mineral_id wins, every build
           arg_max(mineral_name, (import_value_usd, mineral_id)) AS top_mineral,
           max(import_value_usd) AS top_mineral_imports_usd
    FROM mart_import_dependence WHERE freq = 'A' GROUP BY ALL
),
events AS (
    SELECT ec.area_code, year(e.release_date) AS ref_year, count(DISTINCT e.event_id) AS events,
           string_agg(DISTINCT e.event_type, ', ' ORDER BY e.event_type) AS event_types
    FROM policy_event e JOIN event_country ec USING (event_id) GROUP BY ALL
),
years AS (
    SELECT DISTINCT ref_year FROM _mart_partner_trade
    UNION SELECT DISTINCT ref_year FROM events
)
SELECT p.area_code, c.name AS partner_name, y.ref_year,
       coalesce(b.imports_usd, 0) AS cm_imports_usd,
       coalesce(b.exports_usd, 0) AS cm_exports_usd,
       b.imports_usd / nullif(t.india_imports_usd, 0) AS share_of_india_cm_imports,
       tm.top_mineral, tm.top_mineral_imports_usd,
       coalesce(ev.events, 0) AS policy_events, ev.event_types
FROM partners p
CROSS JOIN years y
JOIN dim_country c ON c.area_code = p.area_code
LEFT JOIN by_partner b ON b.area_code = p.area_code AND b.ref_year = y.ref_year
LEFT JOIN totals t ON t.ref_year = y.ref_year
LEFT JOIN top_mineral tm ON tm.area_code = p.area_code AND tm.ref_year = y.ref_year
LEFT JOIN events ev ON ev.area_code = p.area_code AND ev.ref_year = y.ref_year;

COMMENT ON TABLE mart_partner_profile IS 'Profiles of India''s critical-mineral partners (Australia, Kazakhstan, the USA, Chile, Peru, Argentina) and China, per year: India''s imports from and exports to the partner across all critical-mineral HS codes (each code counted once), the partner''s share of India''s critical-mineral imports, the top mineral imported, and the policy events that involve the partner.';
COMMENT ON COLUMN mart_partner_profile.area_code IS 'Partner, Comtrade area code.';
COMMENT ON COLUMN mart_partner_profile.partner_name IS 'Partner name.';
COMMENT ON COLUMN mart_partner_profile.ref_year IS 'Calendar year.';
COMMENT ON COLUMN mart_partner_profile.cm_imports_usd IS 'India''s imports from the partner over all critical-mineral HS codes (annual data), US dollars.';
COMMENT ON COLUMN mart_partner_profile.cm_exports_usd IS 'India''s exports to the partner over the same codes, US dollars.';
COMMENT ON COLUMN mart_partner_profile.share_of_india_cm_imports IS 'Partner''s share of India''s critical-mineral imports in the year (0-1).';
COMMENT ON COLUMN mart_partner_profile.top_mineral IS 'Mineral with the largest imports from the partner in the year.';
COMMENT ON COLUMN mart_partner_profile.top_mineral_imports_usd IS 'Imports of that mineral from the partner, US dollars.';
COMMENT ON COLUMN mart_partner_profile.policy_events IS 'Number of policy events in the year involving the partner (any role).';
COMMENT ON COLUMN mart_partner_profile.event_types IS 'Types of those events.';
