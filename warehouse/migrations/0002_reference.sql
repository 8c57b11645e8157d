-- Reference dimensions: minerals, HS codes, Comtrade areas.

CREATE TABLE dim_mineral (
    mineral_id       VARCHAR PRIMARY KEY,
    name             VARCHAR NOT NULL,
    symbol_or_group  VARCHAR NOT NULL,
    mineral_group    VARCHAR NOT NULL,
    in_mmdr_part_d   BOOLEAN NOT NULL,
    in_list_since    DATE NOT NULL,
    notes            VARCHAR,
    _source          VARCHAR NOT NULL,
    _source_url      VARCHAR,
    _fetched_at      TIMESTAMPTZ,
    _raw_sha256      VARCHAR NOT NULL,
    _run_id          VARCHAR,
    _loaded_at       TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE dim_mineral IS 'India''s 30 critical minerals as listed by the Ministry of Mines in June 2023 ("Critical Minerals for India"). One row per mineral.';
COMMENT ON COLUMN dim_mineral.mineral_id IS 'Stable slug used as the key everywhere (e.g. lithium, ree, pge).';
COMMENT ON COLUMN dim_mineral.name IS 'Name as written in the Ministry of Mines list.';
COMMENT ON COLUMN dim_mineral.symbol_or_group IS 'Chemical symbol, or the group abbreviation (REE, PGE).';
COMMENT ON COLUMN dim_mineral.mineral_group IS 'Broad family used for grouping in reports (battery, rare earths, base metal...).';
COMMENT ON COLUMN dim_mineral.in_mmdr_part_d IS 'True when the mineral is in Part D of the First Schedule of the MMDR Act (critical and strategic minerals auctioned by the Centre since the 2023 amendment).';
COMMENT ON COLUMN dim_mineral.in_list_since IS 'Date the mineral entered India''s critical-mineral list.';
COMMENT ON COLUMN dim_mineral.notes IS 'Free-text notes on the mineral or its listing.';
COMMENT ON COLUMN dim_mineral._source IS 'Provenance: which input produced the row (file or source name).';
COMMENT ON COLUMN dim_mineral._source_url IS 'Provenance: URL the input was fetched from, if any.';
COMMENT ON COLUMN dim_mineral._fetched_at IS 'Provenance: when the input was fetched (UTC), if fetched.';
COMMENT ON COLUMN dim_mineral._raw_sha256 IS 'Provenance: sha256 of the raw input bytes.';
COMMENT ON COLUMN dim_mineral._run_id IS 'Provenance: Dagster run id that loaded the row.';
COMMENT ON COLUMN dim_mineral._loaded_at IS 'Provenance: when the row was loaded (UTC).';

CREATE TABLE dim_hs_code (
    hs6               VARCHAR NOT NULL,
    hs_edition        VARCHAR NOT NULL,
    mineral_id        VARCHAR NOT NULL,
    stage             VARCHAR NOT NULL,
    specificity       VARCHAR NOT NULL,
    description       VARCHAR NOT NULL,
    official_description VARCHAR,
    standard_unit     VARCHAR,
    validated         BOOLEAN NOT NULL,
    map_note          VARCHAR,
    _source           VARCHAR NOT NULL,
    _source_url       VARCHAR,
    _fetched_at       TIMESTAMPTZ,
    _raw_sha256       VARCHAR NOT NULL,
    _run_id           VARCHAR,
    _loaded_at        TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (hs6, hs_edition, mineral_id)
);
COMMENT ON TABLE dim_hs_code IS 'Which HS 6-digit codes carry which critical mineral, per HS edition (H5 = HS 2017, H6 = HS 2022). A code shared by several minerals (specificity = mixed) has one row per mineral: never sum trade across minerals for mixed codes. Every row is checked against Comtrade''s official code list for its edition.';
COMMENT ON COLUMN dim_hs_code.hs6 IS 'HS 6-digit commodity code, as text with leading zeros kept.';
COMMENT ON COLUMN dim_hs_code.hs_edition IS 'HS edition in Comtrade notation: H5 (HS 2017) or H6 (HS 2022).';
COMMENT ON COLUMN dim_hs_code.mineral_id IS 'Critical mineral the code carries (dim_mineral.mineral_id).';
COMMENT ON COLUMN dim_hs_code.stage IS 'Value-chain stage of the goods: ore, oxide, compound, chemical, metal, alloy, ferroalloy, scrap, articles, magnet, downstream...';
COMMENT ON COLUMN dim_hs_code.specificity IS 'specific: the code holds only this mineral; mixed: the code also holds other materials; downstream: a product that embeds the mineral.';
COMMENT ON COLUMN dim_hs_code.description IS 'Short description from the project''s mapping (warehouse/reference/hs_mineral_map.csv).';
COMMENT ON COLUMN dim_hs_code.official_description IS 'Comtrade''s description of the code in this edition.';
COMMENT ON COLUMN dim_hs_code.standard_unit IS 'Comtrade standard quantity unit for the code (kg for all mineral codes).';
COMMENT ON COLUMN dim_hs_code.validated IS 'True when the code exists in Comtrade''s reference list for this edition. A false value fails a blocking asset check.';
COMMENT ON COLUMN dim_hs_code.map_note IS 'Caveats on the mapping (classification judgements marked unconfirmed).';
COMMENT ON COLUMN dim_hs_code._source IS 'Provenance: mapping file and reference list used.';
COMMENT ON COLUMN dim_hs_code._source_url IS 'Provenance: URL of the Comtrade reference list the code was validated against.';
COMMENT ON COLUMN dim_hs_code._fetched_at IS 'Provenance: when that reference list was fetched (UTC).';
COMMENT ON COLUMN dim_hs_code._raw_sha256 IS 'Provenance: sha256 of that reference list as fetched.';
COMMENT ON COLUMN dim_hs_code._run_id IS 'Provenance: Dagster run id that loaded the row.';
COMMENT ON COLUMN dim_hs_code._loaded_at IS 'Provenance: when the row was loaded (UTC).';

CREATE TABLE dim_country (
    area_code     INTEGER PRIMARY KEY,
    iso3          VARCHAR,
    iso2          VARCHAR,
    name          VARCHAR NOT NULL,
    is_reporter   BOOLEAN NOT NULL,
    is_partner    BOOLEAN NOT NULL,
    is_group      BOOLEAN NOT NULL,
    valid_from    DATE,
    valid_to      DATE,
    _source       VARCHAR NOT NULL,
    _source_url   VARCHAR,
    _fetched_at   TIMESTAMPTZ,
    _raw_sha256   VARCHAR NOT NULL,
    _run_id       VARCHAR,
    _loaded_at    TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE dim_country IS 'Countries and areas as UN Comtrade codes them (reporters and partners). Comtrade area codes are NOT ISO numeric codes: India is 699 (356 is pre-1975 India), the USA is 842, World is 0.';
COMMENT ON COLUMN dim_country.area_code IS 'Comtrade area code (reporterCode / partnerCode in trade data).';
COMMENT ON COLUMN dim_country.iso3 IS 'ISO 3166 alpha-3 code as Comtrade gives it (pseudo-codes such as W00, S19 or _X for groups and special areas).';
COMMENT ON COLUMN dim_country.iso2 IS 'ISO 3166 alpha-2 code as Comtrade gives it.';
COMMENT ON COLUMN dim_country.name IS 'Area name as Comtrade writes it.';
COMMENT ON COLUMN dim_country.is_reporter IS 'True when the area appears in Comtrade''s reporter list.';
COMMENT ON COLUMN dim_country.is_partner IS 'True when the area appears in Comtrade''s partner list.';
COMMENT ON COLUMN dim_country.is_group IS 'True for groups and aggregates (World, EU...).';
COMMENT ON COLUMN dim_country.valid_from IS 'First day the code is valid (entryEffectiveDate).';
COMMENT ON COLUMN dim_country.valid_to IS 'Last day the code is valid (entryExpiredDate); NULL while current.';
COMMENT ON COLUMN dim_country._source IS 'Provenance: reference files used.';
COMMENT ON COLUMN dim_country._source_url IS 'Provenance: URL of the reporter list.';
COMMENT ON COLUMN dim_country._fetched_at IS 'Provenance: when the reference files were fetched (UTC).';
COMMENT ON COLUMN dim_country._raw_sha256 IS 'Provenance: sha256 of the reporter list as fetched.';
COMMENT ON COLUMN dim_country._run_id IS 'Provenance: Dagster run id that loaded the row.';
COMMENT ON COLUMN dim_country._loaded_at IS 'Provenance: when the row was loaded (UTC).';
