-- India's own trade statistics (Ministry of Commerce TradeStat, DGCI&S data) at ITC-HS 8 digits.

CREATE TABLE fact_trade_flow_hs8 (
    period_key          VARCHAR NOT NULL,
    freq                VARCHAR NOT NULL,
    period              VARCHAR NOT NULL,
    ref_year            INTEGER NOT NULL,
    ref_month           TINYINT NOT NULL,
    fiscal_year         VARCHAR NOT NULL,
    fiscal_month        TINYINT NOT NULL,
    flow_code           VARCHAR NOT NULL,
    hs8                 VARCHAR NOT NULL,
    hs6                 VARCHAR NOT NULL,
    hs_edition          VARCHAR NOT NULL,
    mineral_id          VARCHAR NOT NULL,
    partner_dgcis_code  INTEGER NOT NULL,
    partner_name        VARCHAR NOT NULL,
    partner_code        INTEGER NOT NULL,
    value_usd           DOUBLE,
    value_inr           DOUBLE,
    quantity            DOUBLE,
    quantity_unit       VARCHAR,
    usd_rounded_to_zero BOOLEAN NOT NULL,
    revision_status     VARCHAR,
    year_basis          VARCHAR NOT NULL,
    report              VARCHAR NOT NULL,
    report_date         DATE,
    is_sample_data      BOOLEAN NOT NULL,
    _source             VARCHAR NOT NULL,
    _source_url         VARCHAR NOT NULL,
    _fetched_at         TIMESTAMPTZ,
    _raw_sha256         VARCHAR NOT NULL,
    _raw_sha256_inr     VARCHAR,
    _raw_sha256_qty     VARCHAR,
    _run_id             VARCHAR,
    _loaded_at          TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (period_key, flow_code, hs8, partner_dgcis_code)
);
COMMENT ON TABLE fact_trade_flow_hs8 IS 'India''s trade in critical-mineral ITC-HS 8-digit lines by partner country and month, as India''s Ministry of Commerce publishes it (TradeStat MEIDB report "Commodity-wise all Countries", DGCI&S data): one row per month x flow x HS8 x partner. Values in US dollars and rupees and the quantity, each read from the page in that unit. Imports are CIF, exports FOB; the partner is the country of consignment (imports) or destination (exports), not of origin. Months with no trade are absent. Compare with UN Comtrade in mart_tradestat_vs_comtrade.';
COMMENT ON COLUMN fact_trade_flow_hs8.period_key IS 'Partition key: M:YYYYMM (the month, as in fact_trade_flow).';
COMMENT ON COLUMN fact_trade_flow_hs8.freq IS 'Always M (monthly).';
COMMENT ON COLUMN fact_trade_flow_hs8.period IS 'Month as YYYYMM (calendar), joinable to fact_trade_flow.period.';
COMMENT ON COLUMN fact_trade_flow_hs8.ref_year IS 'Calendar year of the month.';
COMMENT ON COLUMN fact_trade_flow_hs8.ref_month IS 'Calendar month 1-12.';
COMMENT ON COLUMN fact_trade_flow_hs8.fiscal_year IS 'Indian fiscal year of the month (April to March), e.g. 2024-25.';
COMMENT ON COLUMN fact_trade_flow_hs8.fiscal_month IS 'Month of the fiscal year: April = 1 ... March = 12.';
COMMENT ON COLUMN fact_trade_flow_hs8.flow_code IS 'M = imports into India, X = exports from India.';
COMMENT ON COLUMN fact_trade_flow_hs8.hs8 IS 'ITC-HS 8-digit code (India''s national subdivision of HS6); join dim_hs8_code on (hs8, hs_edition).';
COMMENT ON COLUMN fact_trade_flow_hs8.hs6 IS 'HS 6-digit code of the line (its first six digits); join dim_hs_code on (hs6, hs_edition).';
COMMENT ON COLUMN fact_trade_flow_hs8.hs_edition IS 'HS edition of the period (H5 = HS 2017 up to 2021, H6 = HS 2022 from 2022).';
COMMENT ON COLUMN fact_trade_flow_hs8.mineral_id IS 'Critical mineral of the HS8 line (dim_mineral.mineral_id), from warehouse/reference/hs8_mineral_map.csv.';
COMMENT ON COLUMN fact_trade_flow_hs8.partner_dgcis_code IS 'Partner country, DGCI&S country code (as in TradeStat''s country lists, e.g. 77 = CHINA P RP).';
COMMENT ON COLUMN fact_trade_flow_hs8.partner_name IS 'Partner country as TradeStat prints it (e.g. U S A, KOREA RP).';
COMMENT ON COLUMN fact_trade_flow_hs8.partner_code IS 'Partner country, Comtrade area code (dim_country.area_code), via warehouse/reference/dgcis_country_crosswalk.csv.';
COMMENT ON COLUMN fact_trade_flow_hs8.value_usd IS 'Value in US dollars: the page''s US $ Million figure x 1,000,000 (two decimals: under about US$ 5,000 prints as 0). NULL when the US$ page does not list the partner.';
COMMENT ON COLUMN fact_trade_flow_hs8.value_inr IS 'Value in rupees: the page''s Rs crore figure x 10,000,000 (a Rs lakh page x 100,000). DGCI&S converts each transaction at its own rate, so this is read, not computed from value_usd.';
COMMENT ON COLUMN fact_trade_flow_hs8.quantity IS 'Quantity in quantity_unit, as printed by the monthly report (x 1,000 only when a page says "Quantity (in thousands)").';
COMMENT ON COLUMN fact_trade_flow_hs8.quantity_unit IS 'Unit of quantity as TradeStat prints it for the line (KGS, TON, NOS...). Units may change from April 2024 and April 2026 (TradeStat''s footnotes).';
COMMENT ON COLUMN fact_trade_flow_hs8.usd_rounded_to_zero IS 'True when the US$ figure printed 0.00 (under about US$ 5,000) while the rupee value or the quantity shows trade.';
COMMENT ON COLUMN fact_trade_flow_hs8.revision_status IS 'TradeStat''s flag of the month''s column: R = revised final, F = final. Months are restated during the fiscal year; reload to get the latest.';
COMMENT ON COLUMN fact_trade_flow_hs8.year_basis IS 'Year basis of the request: FY (Financial Year, cumulative columns from April) or CY.';
COMMENT ON COLUMN fact_trade_flow_hs8.report IS 'TradeStat report the row comes from, e.g. meidb/commodity_wise_all_countries_import.';
COMMENT ON COLUMN fact_trade_flow_hs8.report_date IS 'The page''s "Report Dated" date.';
COMMENT ON COLUMN fact_trade_flow_hs8.is_sample_data IS 'True when the row comes from the bundled offline snapshot, whose TradeStat figures are SAMPLE DATA and not official statistics.';
COMMENT ON COLUMN fact_trade_flow_hs8._source IS 'Provenance: source name (tradestat).';
COMMENT ON COLUMN fact_trade_flow_hs8._source_url IS 'Provenance: URL of the US$ page (a form post; the form fields are in the raw store''s index).';
COMMENT ON COLUMN fact_trade_flow_hs8._fetched_at IS 'Provenance: when the US$ page was fetched (UTC).';
COMMENT ON COLUMN fact_trade_flow_hs8._raw_sha256 IS 'Provenance: sha256 of the US$ page (raw store key).';
COMMENT ON COLUMN fact_trade_flow_hs8._raw_sha256_inr IS 'Provenance: sha256 of the rupee page of the same table.';
COMMENT ON COLUMN fact_trade_flow_hs8._raw_sha256_qty IS 'Provenance: sha256 of the quantity page of the same table.';
COMMENT ON COLUMN fact_trade_flow_hs8._run_id IS 'Provenance: Dagster run id that loaded the row.';
COMMENT ON COLUMN fact_trade_flow_hs8._loaded_at IS 'Provenance: when the row was loaded (UTC).';

CREATE TABLE tradestat_page (
    period_key      VARCHAR NOT NULL,
    flow_code       VARCHAR NOT NULL,
    hs8             VARCHAR NOT NULL,
    report          VARCHAR NOT NULL,
    value_kind      VARCHAR NOT NULL,
    unit_label      VARCHAR NOT NULL,
    url             VARCHAR NOT NULL,
    report_date     DATE,
    revision_status VARCHAR,
    partner_rows    INTEGER,
    stated_total    DOUBLE,
    india_total     DOUBLE,
    raw_sha256      VARCHAR NOT NULL,
    _fetched_at     TIMESTAMPTZ,
    _run_id         VARCHAR,
    _loaded_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (period_key, flow_code, hs8, report, value_kind)
);
COMMENT ON TABLE tradestat_page IS 'Every TradeStat page a load read and checked: per month, flow and HS8, the partner table in US$, rupees and quantity and the national control page. Proves what each loaded month was checked against.';
COMMENT ON COLUMN tradestat_page.period_key IS 'Month the page belongs to (M:YYYYMM).';
COMMENT ON COLUMN tradestat_page.flow_code IS 'M = imports, X = exports.';
COMMENT ON COLUMN tradestat_page.hs8 IS 'ITC-HS 8-digit code asked for.';
COMMENT ON COLUMN tradestat_page.report IS 'TradeStat report, e.g. meidb/commodity_wise_all_countries_import or meidb/commoditywise_import (the control page).';
COMMENT ON COLUMN tradestat_page.value_kind IS 'usd, inr or qty: the unit asked for.';
COMMENT ON COLUMN tradestat_page.unit_label IS 'The unit the page says it is in ("US $ Million", "₹ Crore", "Quantity").';
COMMENT ON COLUMN tradestat_page.url IS 'Report URL (the form is posted to it).';
COMMENT ON COLUMN tradestat_page.report_date IS 'The page''s "Report Dated" date.';
COMMENT ON COLUMN tradestat_page.revision_status IS 'R (revised final) or F (final), from the month''s column header.';
COMMENT ON COLUMN tradestat_page.partner_rows IS 'Partner rows in the table (NULL for the control page).';
COMMENT ON COLUMN tradestat_page.stated_total IS 'The month''s total the page states: the Total row (partner table) or the HS8''s national total (control page), in the page''s unit.';
COMMENT ON COLUMN tradestat_page.india_total IS 'Control page only: India''s total trade of the flow in the month, US$ million.';
COMMENT ON COLUMN tradestat_page.raw_sha256 IS 'sha256 of the page (raw store key).';
COMMENT ON COLUMN tradestat_page._fetched_at IS 'Provenance: when the page was fetched (UTC).';
COMMENT ON COLUMN tradestat_page._run_id IS 'Provenance: Dagster run id that loaded the row.';
COMMENT ON COLUMN tradestat_page._loaded_at IS 'Provenance: when the row was loaded (UTC).';

CREATE TABLE dim_hs8_code (
    hs8            VARCHAR NOT NULL,
    hs_edition     VARCHAR NOT NULL,
    hs6            VARCHAR NOT NULL,
    mineral_id     VARCHAR NOT NULL,
    description    VARCHAR NOT NULL,
    unit           VARCHAR NOT NULL,
    evidence       VARCHAR NOT NULL,
    note           VARCHAR,
    validated      BOOLEAN NOT NULL,
    _source        VARCHAR NOT NULL,
    _raw_sha256    VARCHAR NOT NULL,
    _run_id        VARCHAR,
    _loaded_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (hs8, hs_edition)
);
COMMENT ON TABLE dim_hs8_code IS 'ITC-HS 8-digit lines fetched from TradeStat -> HS6 -> critical mineral, one row per HS edition, from warehouse/reference/hs8_mineral_map.csv; validated when (hs6, edition, mineral) is a validated dim_hs_code row.';
COMMENT ON COLUMN dim_hs8_code.hs8 IS 'ITC-HS 8-digit code.';
COMMENT ON COLUMN dim_hs8_code.hs_edition IS 'HS edition the line is used in (H5 = HS 2017 periods, H6 = HS 2022 periods).';
COMMENT ON COLUMN dim_hs8_code.hs6 IS 'HS 6-digit code (first six digits); join dim_hs_code on (hs6, hs_edition).';
COMMENT ON COLUMN dim_hs8_code.mineral_id IS 'Critical mineral the line carries (one per line).';
COMMENT ON COLUMN dim_hs8_code.description IS 'Description of the line, as TradeStat prints it.';
COMMENT ON COLUMN dim_hs8_code.unit IS 'Quantity unit expected for the line (the page''s own unit is what fact_trade_flow_hs8 stores).';
COMMENT ON COLUMN dim_hs8_code.evidence IS 'How sure the line exists: V = checked against TradeStat by a public tracker, D = listed by a public DGCI&S scraper, U = Customs Tariff structure, not checked.';
COMMENT ON COLUMN dim_hs8_code.note IS 'Where the evidence comes from, and which lines of the HS6 are not mapped.';
COMMENT ON COLUMN dim_hs8_code.validated IS 'True when (hs6, hs_edition, mineral_id) is a validated row of dim_hs_code.';
COMMENT ON COLUMN dim_hs8_code._source IS 'Provenance: the file the rows come from.';
COMMENT ON COLUMN dim_hs8_code._raw_sha256 IS 'Provenance: sha256 of that file.';
COMMENT ON COLUMN dim_hs8_code._run_id IS 'Provenance: Dagster run id that loaded the row.';
COMMENT ON COLUMN dim_hs8_code._loaded_at IS 'Provenance: when the row was loaded (UTC).';
