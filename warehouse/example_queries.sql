-- 1. How dependent is India on China for each critical mineral? (latest year with data)
SELECT mineral_name, period, round(total_import_value_usd / 1e6, 1) AS imports_usd_million,
       round(china_share * 100, 1) AS china_share_pct, top_supplier, hhi
FROM mart_supplier_concentration
WHERE freq = 'A' AND period = (SELECT max(period) FROM mart_supplier_concentration WHERE freq = 'A')
ORDER BY china_share DESC;

-- 2. India's lithium suppliers by year, with shares and ranks
SELECT period, partner_name, round(import_value_usd / 1e6, 2) AS usd_million,
       round(share_of_mineral_imports * 100, 1) AS share_pct, supplier_rank
FROM mart_import_dependence
WHERE mineral_id = 'lithium' AND freq = 'A' AND supplier_rank <= 5
ORDER BY period, supplier_rank;

-- 3. The policy timeline for rare earths
SELECT posted_at, event_type, status, title, country_name, actor_role, amounts
FROM mart_policy_timeline
WHERE mineral_id = 'ree'
ORDER BY posted_at;

-- 4. Did the events change anything? Imports before and after each event
SELECT event_id, title, mineral_id, partner_name, imports_12m_before_usd, months_before_with_data,
       imports_12m_after_usd, months_after_with_data
FROM mart_event_trade_context
ORDER BY posted_at, mineral_id, partner_code;

-- 5. Partner profiles: India's critical-mineral trade with its partners and China
SELECT partner_name, ref_year, round(cm_imports_usd / 1e6, 1) AS imports_usd_million,
       round(share_of_india_cm_imports * 100, 1) AS share_pct, top_mineral, policy_events
FROM mart_partner_profile
ORDER BY partner_name, ref_year;

-- 6. India's heading totals (natural graphite 2504, cobalt oxides 2822) against the HS6 rows under them
SELECT h.heading, h.mineral_id, w.period, round(w.primary_value_usd / 1e6, 2) AS heading_usd_million,
       round(sum(s.primary_value_usd) / 1e6, 2) AS hs6_rows_usd_million, bool_and(NOT w.is_sample_data) AS heading_is_real
FROM fact_trade_world_total w
JOIN dim_hs_heading h ON h.heading = w.hs6 AND h.hs_edition = w.hs_edition
LEFT JOIN fact_trade_world_total s
  ON s.period_key = w.period_key AND s.flow_code = w.flow_code AND s.hs_level = 6 AND left(s.hs6, 4) = w.hs6
WHERE w.hs_level = 4 AND w.flow_code = 'M' AND w.freq = 'A'
GROUP BY ALL ORDER BY 1, 3;

-- 7. Mirror flows: India's CIF imports vs what partners say they shipped to India (FOB), annual
SELECT mineral_name, partner_name, period, round(india_reported_usd / 1e6, 2) AS india_usd_million,
       round(partner_reported_usd / 1e6, 2) AS partner_usd_million, round(cif_fob_ratio, 2) AS ratio,
       reconciliation_status
FROM mart_trade_reconciliation
WHERE india_flow = 'M' AND freq = 'A'
ORDER BY abs(gap_usd) DESC LIMIT 20;

-- 8. India's own statistics (TradeStat, HS8) against Comtrade for the same mineral, partner, month
SELECT mineral_name, flow_code, period, partner_name, tradestat_value_usd, comtrade_value_usd, gap_share
FROM mart_tradestat_vs_comtrade
ORDER BY abs(gap_usd) DESC NULLS LAST LIMIT 20;
