CREATE OR REPLACE VIEW mart_event_trade_context AS
WITH ev AS (
    SELECT event_id, posted_at, release_date, event_type, status, title,
           year(release_date) AS event_year,
           year(release_date) * 12 + month(release_date) - 1 AS event_month_idx
    FROM policy_event
),
pairs AS (
    SELECT DISTINCT ev.*, em.mineral_id, ec.area_code AS partner_code
    FROM ev
    JOIN event_mineral em USING (event_id)
    JOIN event_country ec USING (event_id)
    WHERE ec.area_code NOT IN (0, 699)
    UNION
    SELECT DISTINCT ev.*, em.mineral_id, 0 AS partner_code
    FROM ev JOIN event_mineral em USING (event_id)
),
trade AS (
    SELECT mineral_id, partner_code, freq, ref_year,
           ref_year * 12 + coalesce(ref_month, 1) - 1 AS month_idx, import_value_usd
    FROM mart_import_dependence
    UNION ALL
    SELECT mineral_id, 0, freq, ref_year, ref_year * 12 + coalesce(ref_month, 1) - 1,
           sum(import_value_usd)
    FROM mart_import_dependence GROUP BY ALL
)
SELECT p.event_id, p.posted_at, p.event_type, p.status, p.title, p.mineral_id, p.partner_code,
       CASE WHEN p.partner_code = 0 THEN 'All partners' ELSE c.name END AS partner_name,
       sum(t.import_value_usd) FILTER (WHERE t.freq = 'M'
           AND t.month_idx BETWEEN p.event_month_idx - 12 AND p.event_month_idx - 1) AS imports_12m_before_usd,
       count(DISTINCT t.month_idx) FILTER (WHERE t.freq = 'M'
           AND t.month_idx BETWEEN p.event_month_idx - 12 AND p.event_month_idx - 1) AS months_before_with_data,
       sum(t.import_value_usd) FILTER (WHERE t.freq = 'M'
           AND t.month_idx BETWEEN p.event_month_idx AND p.event_month_idx + 11) AS imports_12m_after_usd,
       count(DISTINCT t.month_idx) FILTER (WHERE t.freq = 'M'
           AND t.month_idx BETWEEN p.event_month_idx AND p.event_month_idx + 11) AS months_after_with_data,
       sum(t.import_value_usd) FILTER (WHERE t.freq = 'A' AND t.ref_year = p.event_year - 1) AS imports_year_before_usd,
       sum(t.import_value_usd) FILTER (WHERE t.freq = 'A' AND t.ref_year = p.event_year + 1) AS imports_year_after_usd
FROM pairs p
LEFT JOIN trade t ON t.mineral_id = p.mineral_id AND t.partner_code = p.partner_code
LEFT JOIN dim_country c ON c.area_code = p.partner_code
GROUP BY p.event_id, p.posted_at, p.event_type, p.status, p.title, p.mineral_id, p.partner_code, c.name;

COMMENT ON VIEW mart_event_trade_context IS 'Each event''s minerals and partner countries in trade context: India''s imports of the mineral from that partner (and from all partners, partner_code 0) in the 12 months before the event month and the 12 months from it, and in the calendar years before and after. months_*_with_data shows how complete a window is; NULL means no trade data for the window yet.';
COMMENT ON COLUMN mart_event_trade_context.event_id IS 'policy_event.event_id.';
COMMENT ON COLUMN mart_event_trade_context.posted_at IS 'Posting time of the primary release.';
COMMENT ON COLUMN mart_event_trade_context.event_type IS 'Instrument (scheme, mission, mou_agreement...).';
COMMENT ON COLUMN mart_event_trade_context.status IS 'Lifecycle step stated in the text.';
COMMENT ON COLUMN mart_event_trade_context.title IS 'Title of the primary release.';
COMMENT ON COLUMN mart_event_trade_context.mineral_id IS 'Mineral the event concerns.';
COMMENT ON COLUMN mart_event_trade_context.partner_code IS 'Partner country of the event (Comtrade area code); 0 = all partners.';
COMMENT ON COLUMN mart_event_trade_context.partner_name IS 'Partner name, or All partners.';
COMMENT ON COLUMN mart_event_trade_context.imports_12m_before_usd IS 'Imports of the mineral from the partner in the 12 months before the event month, US dollars.';
COMMENT ON COLUMN mart_event_trade_context.months_before_with_data IS 'How many of those 12 months have data.';
COMMENT ON COLUMN mart_event_trade_context.imports_12m_after_usd IS 'Imports in the event month and the 11 months after it, US dollars.';
COMMENT ON COLUMN mart_event_trade_context.months_after_with_data IS 'How many of those 12 months have data.';
COMMENT ON COLUMN mart_event_trade_context.imports_year_before_usd IS 'Imports in the calendar year before the event (annual data).';
COMMENT ON COLUMN mart_event_trade_context.imports_year_after_usd IS 'Imports in the calendar year after the event (annual data).';
