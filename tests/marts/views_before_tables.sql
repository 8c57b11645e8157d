-- The mart VIEWS as they were before marts became tables (commit 6b638f7), kept verbatim
-- (COMMENTs left out) as the reference the tables must equal: tests/marts/test_mart_tables.py.
-- One change since, made to the tables as it would have been to the views: India's marts read
-- India's report only (reporter_code = 699; mirror rows came with commit 9eaadf4).

CREATE OR REPLACE VIEW mart_import_dependence AS
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
    WHERE f.flow_code = 'M' AND f.reporter_code = 699
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


CREATE OR REPLACE VIEW mart_supplier_concentration AS
SELECT mineral_id, any_value(mineral_name) AS mineral_name, freq, period,
       any_value(ref_year) AS ref_year, any_value(ref_month) AS ref_month,
       sum(import_value_usd) AS total_import_value_usd,
       count(*) AS supplier_count,
       round(sum(share_of_mineral_imports * share_of_mineral_imports) * 10000, 1) AS hhi,
       arg_max(partner_name, import_value_usd) AS top_supplier,
       max(share_of_mineral_imports) AS top_supplier_share,
       coalesce(sum(share_of_mineral_imports) FILTER (WHERE partner_code = 156), 0) AS china_share,
       bool_or(is_sample_data) AS is_sample_data
FROM mart_import_dependence
GROUP BY mineral_id, freq, period;


CREATE OR REPLACE VIEW mart_policy_timeline AS
WITH links AS (
    SELECT pib_event_id, catalogue_event_id FROM event_catalogue_link
),
linked AS (
    SELECT l.catalogue_event_id AS event_id,
           list(DISTINCT l.pib_event_id ORDER BY l.pib_event_id) AS linked_pib_event_ids,
           flatten(list(p.source_prids)) AS pib_prids,
           flatten(list(p.source_urls)) AS pib_urls,
           min(p.posted_at) AS pib_posted_at
    FROM links l JOIN policy_event p ON p.event_id = l.pib_event_id
    GROUP BY l.catalogue_event_id
),
decisions AS (
    SELECT e.event_id, coalesce(e.origin, 'pib') AS origin,
           coalesce(e.jurisdiction, 'IN') AS jurisdiction,
           coalesce(e.posted_at, lk.pib_posted_at) AS posted_at, e.release_date,
           coalesce(e.event_date, e.release_date) AS event_date,
           coalesce(e.date_precision, 'day') AS date_precision, e.effective_date, e.end_date,
           e.event_type, e.status, e.direction, e.title, e.ministry, e.description,
           e.confidence, e.note, e.related_event_ids, e.relation,
           coalesce(lk.linked_pib_event_ids, []) AS linked_pib_event_ids,
           list_distinct(list_concat(e.source_prids, coalesce(lk.pib_prids, []))) AS source_prids,
           list_distinct(list_concat(coalesce(lk.pib_urls, []), e.source_urls)) AS source_urls
    FROM policy_event e
    LEFT JOIN linked lk USING (event_id)
    WHERE e.event_id NOT IN (SELECT pib_event_id FROM links)
),
amounts AS (
    SELECT event_id,
           string_agg(kind || ': ' || CAST(value AS VARCHAR) || ' ' || unit, '; ' ORDER BY kind, value) AS amounts
    FROM event_amount GROUP BY event_id
)
SELECT d.event_id, d.origin, d.jurisdiction, d.posted_at, d.release_date, d.event_date,
       d.date_precision, d.effective_date, d.end_date, d.event_type, d.status, d.direction,
       d.title, d.ministry,
       em.mineral_id, m.name AS mineral_name, em.basis AS mineral_basis,
       ec.area_code, c.name AS country_name, ec.actor_name, ec.role AS actor_role,
       a.amounts, d.source_prids, d.source_urls, d.linked_pib_event_ids,
       d.confidence, d.note, d.description, d.related_event_ids, d.relation
FROM decisions d
LEFT JOIN event_mineral em USING (event_id)
LEFT JOIN dim_mineral m ON m.mineral_id = em.mineral_id
LEFT JOIN event_country ec USING (event_id)
LEFT JOIN dim_country c ON c.area_code = ec.area_code
LEFT JOIN amounts a USING (event_id);


CREATE OR REPLACE VIEW mart_event_trade_context AS
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
trade AS (
    SELECT hs6, partner_code, freq, ref_year,
           ref_year * 12 + coalesce(ref_month, 1) - 1 AS month_idx,
           primary_value_usd AS value_usd
    FROM fact_trade_flow WHERE flow_code = 'M' AND reporter_code = 699
),
matched AS (
    SELECT p.event_id, p.mineral_id, p.partner_scope, p.partner_code,
           p.window_year, p.window_month_idx, t.freq, t.ref_year, t.month_idx, t.value_usd
    FROM pairs p
    JOIN code_sets cs ON cs.event_id = p.event_id AND cs.mineral_id = p.mineral_id
    JOIN trade t ON t.hs6 = cs.hs6
    WHERE p.partner_scope = 'all_partners'
       OR (p.partner_scope = 'rest_of_world' AND t.partner_code <> 156)
       OR (p.partner_scope IN ('china', 'event_partner') AND t.partner_code = p.partner_code)
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


CREATE OR REPLACE VIEW mart_partner_profile AS
WITH partners(area_code) AS (VALUES (36), (398), (842), (152), (604), (32), (156)),
cm AS (
    SELECT DISTINCT f.period_key, f.ref_year, f.flow_code, f.partner_code, f.hs6, f.primary_value_usd
    FROM fact_trade_flow f
    JOIN dim_hs_code h ON h.hs6 = f.hs6 AND h.hs_edition = f.hs_edition AND h.validated
    WHERE f.freq = 'A' AND f.reporter_code = 699
),
totals AS (
    SELECT ref_year, sum(primary_value_usd) FILTER (WHERE flow_code = 'M') AS india_imports_usd
    FROM cm GROUP BY ref_year
),
by_partner AS (
    SELECT partner_code AS area_code, ref_year,
           sum(primary_value_usd) FILTER (WHERE flow_code = 'M') AS imports_usd,
           sum(primary_value_usd) FILTER (WHERE flow_code = 'X') AS exports_usd
    FROM cm GROUP BY ALL
),
top_mineral AS (
    SELECT partner_code AS area_code, ref_year,
           arg_max(mineral_name, import_value_usd) AS top_mineral,
           max(import_value_usd) AS top_mineral_imports_usd
    FROM mart_import_dependence WHERE freq = 'A' GROUP BY ALL
),
events AS (
    SELECT ec.area_code, year(e.release_date) AS ref_year, count(DISTINCT e.event_id) AS events,
           string_agg(DISTINCT e.event_type, ', ') AS event_types
    FROM policy_event e JOIN event_country ec USING (event_id) GROUP BY ALL
),
years AS (SELECT DISTINCT ref_year FROM cm UNION SELECT DISTINCT ref_year FROM events)
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

