-- Policy events tagged from PIB releases, with their mineral, country/actor and amount bridges.
-- All four tables are partitioned by release_date (the primary release's IST day) and swapped
-- together with the same daily partitions as pib_release.

CREATE TABLE policy_event (
    event_id        VARCHAR PRIMARY KEY,
    release_date    DATE NOT NULL,
    event_type      VARCHAR NOT NULL,
    status          VARCHAR,
    title           VARCHAR NOT NULL,
    ministry        VARCHAR NOT NULL,
    posted_at       TIMESTAMPTZ,
    primary_prid    BIGINT NOT NULL,
    source_prids    BIGINT[] NOT NULL,
    source_urls     VARCHAR[] NOT NULL,
    _run_id         VARCHAR,
    _loaded_at      TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE policy_event IS 'One critical-mineral policy event per decision, tagged from PIB releases. A Cabinet decision and its line-ministry repost, and a release and its translations, are one event that keeps all source PRIDs. The type names the instrument (scheme, mission, mou_agreement...), the status the lifecycle step, and event_country the actors.';
COMMENT ON COLUMN policy_event.event_id IS 'Stable id: pib-<primary PRID>.';
COMMENT ON COLUMN policy_event.release_date IS 'IST day of the primary release (partition key).';
COMMENT ON COLUMN policy_event.event_type IS 'Instrument, from the controlled vocabulary in assets/events/vocab/event_types.csv.';
COMMENT ON COLUMN policy_event.status IS 'Lifecycle step stated in the text (announced, approved, signed, launched, in_force, concluded...); NULL when not stated.';
COMMENT ON COLUMN policy_event.title IS 'Title of the primary release.';
COMMENT ON COLUMN policy_event.ministry IS 'Ministry of the primary release (Cabinet for Cabinet decisions).';
COMMENT ON COLUMN policy_event.posted_at IS 'Posting time of the primary release (IST on the page; stored as an absolute timestamp).';
COMMENT ON COLUMN policy_event.primary_prid IS 'PRID of the primary release (the English Cabinet release, else the earliest English one).';
COMMENT ON COLUMN policy_event.source_prids IS 'Every PRID merged into the event (reposts and translations).';
COMMENT ON COLUMN policy_event.source_urls IS 'Release page URLs of the source PRIDs, in the same order.';
COMMENT ON COLUMN policy_event._run_id IS 'Provenance: Dagster run id that loaded the row.';
COMMENT ON COLUMN policy_event._loaded_at IS 'Provenance: when the row was loaded (UTC).';

CREATE TABLE event_mineral (
    event_id        VARCHAR NOT NULL,
    release_date    DATE NOT NULL,
    mineral_id      VARCHAR NOT NULL,
    basis           VARCHAR NOT NULL,
    confidence      DOUBLE NOT NULL,
    evidence        VARCHAR,
    _run_id         VARCHAR,
    _loaded_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (event_id, mineral_id)
);
COMMENT ON TABLE event_mineral IS 'Which critical minerals an event concerns, with the evidence for each link.';
COMMENT ON COLUMN event_mineral.event_id IS 'policy_event.event_id.';
COMMENT ON COLUMN event_mineral.release_date IS 'IST day of the event''s primary release (partition key).';
COMMENT ON COLUMN event_mineral.mineral_id IS 'dim_mineral.mineral_id.';
COMMENT ON COLUMN event_mineral.basis IS 'title (named in the title), body (named in the body) or inferred (from a form or product, e.g. REPM magnets -> REE).';
COMMENT ON COLUMN event_mineral.confidence IS 'Confidence of the link, 0 to 1.';
COMMENT ON COLUMN event_mineral.evidence IS 'The text that matched.';
COMMENT ON COLUMN event_mineral._run_id IS 'Provenance: Dagster run id that loaded the row.';
COMMENT ON COLUMN event_mineral._loaded_at IS 'Provenance: when the row was loaded (UTC).';

CREATE TABLE event_country (
    event_id        VARCHAR NOT NULL,
    release_date    DATE NOT NULL,
    area_code       INTEGER NOT NULL,
    actor_name      VARCHAR NOT NULL,
    actor_type      VARCHAR,
    role            VARCHAR NOT NULL,
    evidence        VARCHAR,
    _run_id         VARCHAR,
    _loaded_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (event_id, actor_name, role)
);
COMMENT ON TABLE event_country IS 'Countries and actors (ministries, companies, groups) taking part in an event, each with its country and role. Groups such as the Quad or the MSP appear with one row per member country.';
COMMENT ON COLUMN event_country.event_id IS 'policy_event.event_id.';
COMMENT ON COLUMN event_country.release_date IS 'IST day of the event''s primary release (partition key).';
COMMENT ON COLUMN event_country.area_code IS 'Country of the actor, Comtrade area code (dim_country.area_code; India 699).';
COMMENT ON COLUMN event_country.actor_name IS 'Actor as named (e.g. KABIL, CAMYEN, Australia).';
COMMENT ON COLUMN event_country.actor_type IS 'country, government body, state-owned enterprise, company, group, international organisation.';
COMMENT ON COLUMN event_country.role IS 'implementer, counterparty, signatory, beneficiary, target or approver.';
COMMENT ON COLUMN event_country.evidence IS 'The text that matched.';
COMMENT ON COLUMN event_country._run_id IS 'Provenance: Dagster run id that loaded the row.';
COMMENT ON COLUMN event_country._loaded_at IS 'Provenance: when the row was loaded (UTC).';

CREATE TABLE event_amount (
    event_id        VARCHAR NOT NULL,
    release_date    DATE NOT NULL,
    kind            VARCHAR NOT NULL,
    value           DOUBLE NOT NULL,
    unit            VARCHAR NOT NULL,
    raw_text        VARCHAR NOT NULL,
    _run_id         VARCHAR,
    _loaded_at      TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE event_amount IS 'Typed amounts stated for an event: money (INR crore, USD/AUD million), capacities, areas, block counts; each with the raw text it was read from.';
COMMENT ON COLUMN event_amount.event_id IS 'policy_event.event_id.';
COMMENT ON COLUMN event_amount.release_date IS 'IST day of the event''s primary release (partition key).';
COMMENT ON COLUMN event_amount.kind IS 'outlay, incentive, capex_subsidy, investment, capacity, area, block_count... (assets/events/vocab/amount_kinds.csv).';
COMMENT ON COLUMN event_amount.value IS 'Normalised value in unit (Indian digit grouping and lakh/crore resolved).';
COMMENT ON COLUMN event_amount.unit IS 'INR crore, USD million, AUD million, tonnes per year, tonnes, hectares, blocks...';
COMMENT ON COLUMN event_amount.raw_text IS 'The text the amount was read from.';
COMMENT ON COLUMN event_amount._run_id IS 'Provenance: Dagster run id that loaded the row.';
COMMENT ON COLUMN event_amount._loaded_at IS 'Provenance: when the row was loaded (UTC).';
