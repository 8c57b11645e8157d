-- PIB press releases: the day listings, parsed releases and parse failures.
-- All three are partitioned by release_date (the IST day of the listing) and swapped together.

CREATE TABLE pib_listing (
    release_date      DATE NOT NULL,
    prid              BIGINT NOT NULL,
    ministry_heading  VARCHAR NOT NULL,
    title             VARCHAR NOT NULL,
    is_candidate      BOOLEAN NOT NULL,
    selected_by       VARCHAR,
    _source_url       VARCHAR NOT NULL,
    _fetched_at       TIMESTAMPTZ,
    _raw_sha256       VARCHAR NOT NULL,
    _run_id           VARCHAR,
    _loaded_at        TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (release_date, prid)
);
COMMENT ON TABLE pib_listing IS 'Every English PIB Delhi release listed on allRel.aspx for a day (all ministries), and whether it was selected for fetching.';
COMMENT ON COLUMN pib_listing.release_date IS 'IST day whose listing showed the release (partition key).';
COMMENT ON COLUMN pib_listing.prid IS 'PIB release id (PRID); each language version has its own.';
COMMENT ON COLUMN pib_listing.ministry_heading IS 'Ministry heading the release was listed under.';
COMMENT ON COLUMN pib_listing.title IS 'Title as shown in the listing.';
COMMENT ON COLUMN pib_listing.is_candidate IS 'True when the selection rule picked the release for fetching.';
COMMENT ON COLUMN pib_listing.selected_by IS 'Why it was picked: ministry (on the allow-list) or title_term (title names a mineral or partner); NULL when not picked.';
COMMENT ON COLUMN pib_listing._source_url IS 'Provenance: listing URL.';
COMMENT ON COLUMN pib_listing._fetched_at IS 'Provenance: when the listing was fetched (UTC).';
COMMENT ON COLUMN pib_listing._raw_sha256 IS 'Provenance: sha256 of the listing page as fetched (raw store key).';
COMMENT ON COLUMN pib_listing._run_id IS 'Provenance: Dagster run id that loaded the row.';
COMMENT ON COLUMN pib_listing._loaded_at IS 'Provenance: when the row was loaded (UTC).';

CREATE TABLE pib_release (
    prid              BIGINT PRIMARY KEY,
    release_date      DATE NOT NULL,
    ministry          VARCHAR NOT NULL,
    title             VARCHAR NOT NULL,
    subtitles         VARCHAR[] NOT NULL,
    posted_at         TIMESTAMPTZ,
    office            VARCHAR,
    language          VARCHAR NOT NULL,
    body_text         VARCHAR NOT NULL,
    tables_html       VARCHAR[] NOT NULL,
    images            VARCHAR[] NOT NULL,
    translations      STRUCT(prid BIGINT, language VARCHAR)[] NOT NULL,
    template          VARCHAR,
    url               VARCHAR NOT NULL,
    selected_by       VARCHAR,
    _source           VARCHAR NOT NULL,
    _source_url       VARCHAR NOT NULL,
    _fetched_at       TIMESTAMPTZ,
    _raw_sha256       VARCHAR NOT NULL,
    _run_id           VARCHAR,
    _loaded_at        TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE pib_release IS 'Press Information Bureau releases selected as possibly about critical minerals (ministry allow-list or mineral/partner title match), parsed from the release page. One row per PRID.';
COMMENT ON COLUMN pib_release.prid IS 'PIB release id (PRID). Translations have their own PRIDs (see translations).';
COMMENT ON COLUMN pib_release.release_date IS 'IST day whose listing showed the release (partition key).';
COMMENT ON COLUMN pib_release.ministry IS 'Issuing ministry or body as printed on the page (e.g. Ministry of Mines, Cabinet).';
COMMENT ON COLUMN pib_release.title IS 'Release title.';
COMMENT ON COLUMN pib_release.subtitles IS 'Highlight lines under the title, in order (often empty).';
COMMENT ON COLUMN pib_release.posted_at IS 'Posting time, to the minute, from the page (IST; stored as an absolute timestamp). NULL for event-layout pages that print no time.';
COMMENT ON COLUMN pib_release.office IS 'PIB office that posted it (e.g. PIB Delhi).';
COMMENT ON COLUMN pib_release.language IS 'Language of the release (ISO 639-1, inferred from the title''s script).';
COMMENT ON COLUMN pib_release.body_text IS 'Clean body text: no hidden PDF copy, visitor counter, sign-off codes, pasted footers or embedded tweets. Tables flattened one row per line.';
COMMENT ON COLUMN pib_release.tables_html IS 'HTML of each table in the body, kept as published.';
COMMENT ON COLUMN pib_release.images IS 'URLs of body images (campaign logo excluded).';
COMMENT ON COLUMN pib_release.translations IS 'Other language versions listed on the page: their PRID and language label.';
COMMENT ON COLUMN pib_release.template IS 'Page template the parser recognised (2026 h1, older h2, mobile, iframe, event).';
COMMENT ON COLUMN pib_release.url IS 'Canonical release page URL.';
COMMENT ON COLUMN pib_release.selected_by IS 'Why the release was fetched: ministry or title_term.';
COMMENT ON COLUMN pib_release._source IS 'Provenance: source name (pib).';
COMMENT ON COLUMN pib_release._source_url IS 'Provenance: final URL fetched after redirects.';
COMMENT ON COLUMN pib_release._fetched_at IS 'Provenance: when the page was fetched (UTC).';
COMMENT ON COLUMN pib_release._raw_sha256 IS 'Provenance: sha256 of the page as fetched (raw store key).';
COMMENT ON COLUMN pib_release._run_id IS 'Provenance: Dagster run id that loaded the row.';
COMMENT ON COLUMN pib_release._loaded_at IS 'Provenance: when the row was loaded (UTC).';

CREATE TABLE pib_parse_failure (
    prid            BIGINT PRIMARY KEY,
    release_date    DATE NOT NULL,
    url             VARCHAR NOT NULL,
    error_type      VARCHAR NOT NULL,
    error           VARCHAR NOT NULL,
    raw_sha256      VARCHAR,
    _fetched_at     TIMESTAMPTZ,
    _run_id         VARCHAR,
    _loaded_at      TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE pib_parse_failure IS 'Selected releases that could not be fetched or parsed. Their neighbours still load; the raw body is kept in the raw store (raw_sha256) for a re-parse. Non-empty means the pib_release failures check is red.';
COMMENT ON COLUMN pib_parse_failure.prid IS 'PRID of the release that failed.';
COMMENT ON COLUMN pib_parse_failure.release_date IS 'IST day whose listing showed the release (partition key).';
COMMENT ON COLUMN pib_parse_failure.url IS 'URL requested.';
COMMENT ON COLUMN pib_parse_failure.error_type IS 'Error class (e.g. PibParseError, PibErrorPage, GaveUpError).';
COMMENT ON COLUMN pib_parse_failure.error IS 'Error message, naming the PRID, the URL and the missing element.';
COMMENT ON COLUMN pib_parse_failure.raw_sha256 IS 'sha256 of the body as fetched (NULL when nothing was received).';
COMMENT ON COLUMN pib_parse_failure._fetched_at IS 'Provenance: when the page was fetched (UTC).';
COMMENT ON COLUMN pib_parse_failure._run_id IS 'Provenance: Dagster run id that loaded the row.';
COMMENT ON COLUMN pib_parse_failure._loaded_at IS 'Provenance: when the row was loaded (UTC).';
