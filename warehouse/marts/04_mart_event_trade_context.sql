-- Materialised as TABLES at refresh time (warehouse/mart_build.py explains the @ lines).
--
-- Stage 1, _mart_import_by_code: India's imports (flow M) per HS6 code and period, China and
-- everyone else apart. Rebuilt slice by slice: a period's rows depend only on its facts.
-- @inputs fact_trade_flow
-- @period_key period_key
CREATE OR REPLACE TABLE _mart_import_by_code AS
SELECT period_key, hs6, freq, ref_year,
       ref_year * 12 + coalesce(ref_month, 1) - 1 AS month_idx,
       partner_code = 156 AS from_china,
       sum(primary_value_usd) AS import_value_usd,
       count(*) AS flow_rows
FROM fact_trade_flow
WHERE flow_code = 'M' AND reporter_code = 699  -- India's report (no mirror rows)
  AND hs_level = 6  -- HS6 rows (heading totals are a cross-check, never summed with them)
GROUP BY ALL;

COMMENT ON TABLE _mart_import_by_code IS 'Internal to mart_event_trade_context: India''s imports (flow M) summed per HS6 code and period, China (partner 156) and all other partners apart, kept up to date period by period so the mart is rebuilt from these sums instead of the facts.';
COMMENT ON COLUMN _mart_import_by_code.period_key IS 'fact_trade_flow.period_key of the rows summed (A:2021, M:202403).';
COMMENT ON COLUMN _mart_import_by_code.hs6 IS 'HS 6-digit code.';
COMMENT ON COLUMN _mart_import_by_code.freq IS 'A = annual, M = monthly.';
COMMENT ON COLUMN _mart_import_by_code.ref_year IS 'Calendar year.';
COMMENT ON COLUMN _mart_import_by_code.month_idx IS 'ref_year * 12 + month - 1 (month 1 for annual rows).';
COMMENT ON COLUMN _mart_import_by_code.from_china IS 'True for imports from China (partner 156), false for all other partners.';
COMMENT ON COLUMN _mart_import_by_code.import_value_usd IS 'Sum of primary_value_usd, US dollars.';
COMMENT ON COLUMN _mart_import_by_code.flow_rows IS 'Number of fact_trade_flow rows summed.';

-- Stage 2, the mart. Rebuilt whole when an event table, a dimension or the trade data changes.
-- @inputs policy_event event_mineral event_country event_hs_code dim_hs_code dim_country _mart_import_by_code fact_trade_flow
CREATE OR REPLACE TABLE mart_event_trade_context AS
WITH ev AS (
    -- one row per decision: PIB events linked to a catalogue event are shown through it
    SELECT e.event_id, coalesce(e.origin, 'pib') AS origin,
           coalesce(e.jurisdiction, 'IN') AS jurisdiction, e.posted_at, e.event_type,
           e.status, e.direction, e.title,
           coalesce(e.event_date, e.release_date) AS event_date,
           coalesce(e.effective_date, e.event_date, e.release_date) AS window_date,
           coalesce(e.jurisdiction = 'CN' AND e.event_type = 'export_control', false) AS is_china_control
    FROM policy_event e
    WHERE e.event_id NOT IN (SELECT pib_event_id FROM event_catalogue_link)
),
ev_minerals AS (
    SELECT DISTINCT ev.*, em.mineral_id,
           year(ev.window_date) AS window_year,
           year(ev.window_date) * 12 + month(ev.window_date) - 1 AS window_month_idx
    FROM ev JOIN event_mineral em USING (event_id)
),
named AS (
    SELECT DISTINCT event_id, mineral_id, hs_prefix FROM event_hs_code
),
code_sets AS (
    -- the HS6 codes to count: those the measure names (matched on the first 6 digits), else the
    -- mineral's own codes (specific or mixed, as in mart_import_dependence)
    SELECT m.event_id, m.mineral_id, 'named_by_measure' AS hs_basis, h.hs6
    FROM ev_minerals m
    JOIN named n ON n.event_id = m.event_id AND n.mineral_id = m.mineral_id
    JOIN (SELECT DISTINCT hs6 FROM dim_hs_code WHERE validated) h ON starts_with(h.hs6, n.hs_prefix)
    UNION
    SELECT m.event_id, m.mineral_id, 'mineral_codes' AS hs_basis, h.hs6
    FROM ev_minerals m
    JOIN dim_hs_code h ON h.mineral_id = m.mineral_id AND h.validated
     AND h.specificity IN ('specific', 'mixed')
    WHERE NOT EXISTS (SELECT 1 FROM named n WHERE n.event_id = m.event_id AND n.mineral_id = m.mineral_id)
),
named_lists AS (
    SELECT event_id, mineral_id, list(DISTINCT hs_prefix ORDER BY hs_prefix) AS named_hs_codes
    FROM named GROUP BY ALL
),
code_lists AS (
    SELECT event_id, mineral_id, any_value(hs_basis) AS hs_basis,
           list(DISTINCT hs6 ORDER BY hs6) AS hs6_codes
    FROM code_sets GROUP BY ALL
),
scopes AS (
    -- China's export controls: China, everyone else, all partners
    SELECT m.event_id, m.mineral_id, s.partner_scope, s.partner_code
    FROM ev_minerals m
    CROSS JOIN (VALUES ('china', 156), ('rest_of_world', NULL), ('all_partners', 0))
        s(partner_scope, partner_code)
    WHERE m.is_china_control
    UNION ALL
    -- other events: each foreign partner named in the event, and all partners
    SELECT DISTINCT m.event_id, m.mineral_id, 'event_partner', ec.area_code
    FROM ev_minerals m JOIN event_country ec USING (event_id)
    WHERE NOT m.is_china_control AND ec.area_code NOT IN (0, 699)
    UNION ALL
    SELECT m.event_id, m.mineral_id, 'all_partners', 0
    FROM ev_minerals m WHERE NOT m.is_china_control
),
pairs AS (
    SELECT m.*, s.partner_scope, s.partner_code
    FROM ev_minerals m JOIN scopes s USING (event_id, mineral_id)
),
set_series AS (
    -- imports of each distinct code set (events that count the same codes share it), per
    -- month or year, China and the rest apart, from the stored per-code sums
    SELECT s.hs6_codes, t.freq, t.ref_year, t.month_idx, t.from_china,
           sum(t.import_value_usd) AS value_usd
    FROM (SELECT hs6_codes, unnest(hs6_codes) AS hs6
          FROM (SELECT DISTINCT hs6_codes FROM code_lists)) s
    JOIN _mart_import_by_code t ON t.hs6 = s.hs6
    GROUP BY ALL
),
matched AS (
    -- china, rest_of_world and all_partners: the series of the event's code set, in its windows
    -- (rows outside them add nothing to the sums or the month counts)
    SELECT p.event_id, p.mineral_id, p.partner_scope, p.partner_code,
           p.window_year, p.window_month_idx, t.freq, t.ref_year, t.month_idx, t.value_usd
    FROM pairs p
    JOIN code_lists cl ON cl.event_id = p.event_id AND cl.mineral_id = p.mineral_id
    JOIN set_series t ON t.hs6_codes = cl.hs6_codes
    WHERE (p.partner_scope = 'all_partners'
           OR (p.partner_scope = 'rest_of_world' AND NOT t.from_china)
           OR (p.partner_scope = 'china' AND t.from_china))
      AND ((t.freq = 'M' AND t.month_idx BETWEEN p.window_month_idx - 12 AND p.window_month_idx + 11)
           OR (t.freq = 'A' AND t.ref_year IN (p.window_year - 1, p.window_year + 1)))
    UNION ALL
    -- a partner the event names: that partner's rows of the facts
    SELECT p.event_id, p.mineral_id, p.partner_scope, p.partner_code,
           p.window_year, p.window_month_idx, f.freq, f.ref_year,
           f.ref_year * 12 + coalesce(f.ref_month, 1) - 1 AS month_idx,
           f.primary_value_usd AS value_usd
    FROM pairs p
    JOIN code_sets cs ON cs.event_id = p.event_id AND cs.mineral_id = p.mineral_id
    JOIN fact_trade_flow f ON f.hs6 = cs.hs6 AND f.partner_code = p.partner_code
    WHERE p.partner_scope = 'event_partner' AND f.flow_code = 'M' AND f.reporter_code = 699
      AND ((f.freq = 'M' AND f.ref_year * 12 + coalesce(f.ref_month, 1) - 1
                BETWEEN p.window_month_idx - 12 AND p.window_month_idx + 11)
           OR (f.freq = 'A' AND f.ref_year IN (p.window_year - 1, p.window_year + 1)))
),
sums AS (
    SELECT event_id, mineral_id, partner_scope, partner_code,
           sum(value_usd) FILTER (WHERE freq = 'M'
               AND month_idx BETWEEN window_month_idx - 12 AND window_month_idx - 1) AS imports_12m_before_usd,
           count(DISTINCT month_idx) FILTER (WHERE freq = 'M'
               AND month_idx BETWEEN window_month_idx - 12 AND window_month_idx - 1) AS months_before_with_data,
           sum(value_usd) FILTER (WHERE freq = 'M'
               AND month_idx BETWEEN window_month_idx AND window_month_idx + 11) AS imports_12m_after_usd,
           count(DISTINCT month_idx) FILTER (WHERE freq = 'M'
               AND month_idx BETWEEN window_month_idx AND window_month_idx + 11) AS months_after_with_data,
           sum(value_usd) FILTER (WHERE freq = 'A' AND ref_year = window_year - 1) AS imports_year_before_usd,
           sum(value_usd) FILTER (WHERE freq = 'A' AND ref_year = window_year + 1) AS imports_year_after_usd
    FROM matched GROUP BY ALL
)
SELECT p.event_id, p.origin, p.jurisdiction, p.posted_at, p.event_type, p.status, p.direction,
       p.title, p.event_date, p.window_date, p.is_china_control, p.mineral_id,
       CASE WHEN nl.named_hs_codes IS NOT NULL THEN 'named_by_measure' ELSE cl.hs_basis END AS hs_basis,
       nl.named_hs_codes, coalesce(cl.hs6_codes, []) AS hs6_codes,
       p.partner_scope, p.partner_code,
       CASE p.partner_scope
           WHEN 'all_partners' THEN 'All partners'
           WHEN 'rest_of_world' THEN 'All partners except China'
           ELSE c.name
       END AS partner_name,
       s.imports_12m_before_usd, coalesce(s.months_before_with_data, 0) AS months_before_with_data,
       s.imports_12m_after_usd, coalesce(s.months_after_with_data, 0) AS months_after_with_data,
       s.imports_year_before_usd, s.imports_year_after_usd
FROM pairs p
LEFT JOIN code_lists cl USING (event_id, mineral_id)
LEFT JOIN named_lists nl USING (event_id, mineral_id)
LEFT JOIN sums s
       ON s.event_id = p.event_id AND s.mineral_id = p.mineral_id
      AND s.partner_scope = p.partner_scope
      AND s.partner_code IS NOT DISTINCT FROM p.partner_code  -- NULL for rest_of_world
LEFT JOIN dim_country c ON c.area_code = p.partner_code;

COMMENT ON TABLE mart_event_trade_context IS 'Each decision''s minerals in trade context: India''s imports (flow M, US dollars) in the 12 months before the event month and the 12 months from it (monthly data), and in the calendar years before and after (annual data, the fallback where monthly data is missing). The window starts at effective_date when a measure has one. For each Chinese export control (is_china_control) and each of its minerals the rows answer "did India''s imports of what China restricted change, from China and from everyone else?": partner_scope china, rest_of_world and all_partners over the HS codes the measure names (hs_basis named_by_measure, matched on their first 6 digits), or the mineral''s own HS codes when it names none (mineral_codes). Other events have one row per foreign partner they name (event_partner) and one for all partners. months_*_with_data shows how complete a window is; NULL values mean no trade data for the window. Mixed HS codes count for every mineral they carry (see dim_hs_code).';
COMMENT ON COLUMN mart_event_trade_context.event_id IS 'policy_event.event_id (PIB events linked to a catalogue event appear through it).';
COMMENT ON COLUMN mart_event_trade_context.origin IS 'catalogue or pib.';
COMMENT ON COLUMN mart_event_trade_context.jurisdiction IS 'Who acts: IN, CN, US..., bilateral or multilateral.';
COMMENT ON COLUMN mart_event_trade_context.posted_at IS 'Posting time of the primary PIB release (NULL for catalogue events).';
COMMENT ON COLUMN mart_event_trade_context.event_type IS 'Instrument (scheme, mission, mou_agreement, export_control...).';
COMMENT ON COLUMN mart_event_trade_context.status IS 'Lifecycle step.';
COMMENT ON COLUMN mart_event_trade_context.direction IS 'Catalogue events: restrictive, liberalising, supportive or neutral.';
COMMENT ON COLUMN mart_event_trade_context.title IS 'Title of the event.';
COMMENT ON COLUMN mart_event_trade_context.event_date IS 'Date of the event (announcement).';
COMMENT ON COLUMN mart_event_trade_context.window_date IS 'Date the before/after windows are cut at: effective_date when given, else event_date.';
COMMENT ON COLUMN mart_event_trade_context.is_china_control IS 'True for China''s export controls and their suspensions (jurisdiction CN, type export_control).';
COMMENT ON COLUMN mart_event_trade_context.mineral_id IS 'Mineral the event concerns.';
COMMENT ON COLUMN mart_event_trade_context.hs_basis IS 'named_by_measure (the HS codes the measure names) or mineral_codes (the mineral''s codes in dim_hs_code, when the measure names none). A measure''s codes that the warehouse does not track leave hs6_codes empty.';
COMMENT ON COLUMN mart_event_trade_context.named_hs_codes IS 'HS6 prefixes of the codes the measure names for this mineral (NULL when it names none), including codes the warehouse does not track.';
COMMENT ON COLUMN mart_event_trade_context.hs6_codes IS 'Tracked HS6 codes summed in the import columns.';
COMMENT ON COLUMN mart_event_trade_context.partner_scope IS 'china (partner 156), rest_of_world (every partner except China), all_partners, or event_partner (a foreign country the event names).';
COMMENT ON COLUMN mart_event_trade_context.partner_code IS 'Partner, Comtrade area code: 156 for china, 0 for all_partners, NULL for rest_of_world, the country for event_partner.';
COMMENT ON COLUMN mart_event_trade_context.partner_name IS 'Partner name, All partners, or All partners except China.';
COMMENT ON COLUMN mart_event_trade_context.imports_12m_before_usd IS 'Imports over hs6_codes from the partner scope in the 12 months before the window month, US dollars.';
COMMENT ON COLUMN mart_event_trade_context.months_before_with_data IS 'How many of those 12 months have data.';
COMMENT ON COLUMN mart_event_trade_context.imports_12m_after_usd IS 'Imports in the window month and the 11 months after it, US dollars.';
COMMENT ON COLUMN mart_event_trade_context.months_after_with_data IS 'How many of those 12 months have data.';
COMMENT ON COLUMN mart_event_trade_context.imports_year_before_usd IS 'Imports in the calendar year before the window date (annual data).';
COMMENT ON COLUMN mart_event_trade_context.imports_year_after_usd IS 'Imports in the calendar year after the window date (annual data).';
