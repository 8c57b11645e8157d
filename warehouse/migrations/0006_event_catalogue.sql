-- One policy_event model for two origins: events tagged from PIB releases ('pib') and the
-- curated event catalogue ('catalogue', warehouse/reference/event_catalogue.yaml).
--
-- Load slices: every event table gets load_slice, the unit an asset swaps. PIB rows live in
-- 'pib:<YYYY-MM-DD>' (one slice per IST day, swapped by the policy_event asset), catalogue rows
-- in 'catalogue' (swapped whole by the event_catalogue asset). A PIB day's swap therefore never
-- touches catalogue rows, even when a catalogue event falls on that day.

ALTER TABLE policy_event ADD COLUMN origin VARCHAR DEFAULT 'pib';
ALTER TABLE policy_event ADD COLUMN load_slice VARCHAR;
ALTER TABLE policy_event ADD COLUMN jurisdiction VARCHAR DEFAULT 'IN';
ALTER TABLE policy_event ADD COLUMN event_date DATE;
ALTER TABLE policy_event ADD COLUMN date_precision VARCHAR DEFAULT 'day';
ALTER TABLE policy_event ADD COLUMN effective_date DATE;
ALTER TABLE policy_event ADD COLUMN end_date DATE;
ALTER TABLE policy_event ADD COLUMN direction VARCHAR;
ALTER TABLE policy_event ADD COLUMN description VARCHAR;
ALTER TABLE policy_event ADD COLUMN confidence DOUBLE;
ALTER TABLE policy_event ADD COLUMN note VARCHAR;
ALTER TABLE policy_event ADD COLUMN related_event_ids VARCHAR[];
ALTER TABLE policy_event ADD COLUMN relation VARCHAR;
ALTER TABLE policy_event ALTER COLUMN primary_prid DROP NOT NULL;
UPDATE policy_event
   SET load_slice = 'pib:' || strftime(release_date, '%Y-%m-%d'), event_date = release_date;

ALTER TABLE event_mineral ADD COLUMN load_slice VARCHAR;
ALTER TABLE event_country ADD COLUMN load_slice VARCHAR;
ALTER TABLE event_amount ADD COLUMN load_slice VARCHAR;
UPDATE event_mineral SET load_slice = 'pib:' || strftime(release_date, '%Y-%m-%d');
UPDATE event_country SET load_slice = 'pib:' || strftime(release_date, '%Y-%m-%d');
UPDATE event_amount SET load_slice = 'pib:' || strftime(release_date, '%Y-%m-%d');

COMMENT ON TABLE policy_event IS 'One critical-mineral policy event per decision, from two origins: tagged from PIB releases (origin pib; a Cabinet decision and its line-ministry repost, and a release and its translations, are one event that keeps all source PRIDs) and the curated event catalogue (origin catalogue: India''s measures, partners'' initiatives and China''s export controls since 2017, with sources and confidence). The type names the instrument (scheme, mission, mou_agreement, export_control...), the status the lifecycle step, and event_country the actors. A PIB event that is the same decision as a catalogue event is linked in event_catalogue_link.';
COMMENT ON COLUMN policy_event.event_id IS 'Stable id: pib-<primary PRID> for PIB events, cat-<catalogue id> for catalogue events.';
COMMENT ON COLUMN policy_event.release_date IS 'PIB events: IST day of the primary release. Catalogue events: the event date (first day of the month/year when date_precision is month/year).';
COMMENT ON COLUMN policy_event.title IS 'Title of the primary release (PIB) or the catalogue''s title.';
COMMENT ON COLUMN policy_event.ministry IS 'Ministry of the primary release (Cabinet for Cabinet decisions); for catalogue events the first implementing, approving or signing actor.';
COMMENT ON COLUMN policy_event.posted_at IS 'Posting time of the primary release (IST on the page; stored as an absolute timestamp); NULL for catalogue events.';
COMMENT ON COLUMN policy_event.primary_prid IS 'PRID of the primary release (the English Cabinet release, else the earliest English one); for catalogue events the first PRID announcing it, NULL when none is known.';
COMMENT ON COLUMN policy_event.source_prids IS 'Every PRID merged into the event (reposts and translations); for catalogue events the PIB releases that announce it (may be empty).';
COMMENT ON COLUMN policy_event.source_urls IS 'Source links: release pages of the source PRIDs (PIB) or the catalogue''s PIB pages and public sources.';
COMMENT ON COLUMN policy_event.origin IS 'pib (tagged from PIB releases by the policy_event asset) or catalogue (from warehouse/reference/event_catalogue.yaml, event_catalogue asset).';
COMMENT ON COLUMN policy_event.load_slice IS 'Slice an asset swaps as a unit: pib:<YYYY-MM-DD> for PIB events of that IST day, catalogue for catalogue events.';
COMMENT ON COLUMN policy_event.jurisdiction IS 'Who acts: ISO 3166 alpha-2 code (IN, CN, US, AU...), bilateral or multilateral. IN for every PIB event.';
COMMENT ON COLUMN policy_event.event_date IS 'Date of the event (announcement, approval, signing, launch); read it with date_precision.';
COMMENT ON COLUMN policy_event.date_precision IS 'day, month or year: how much of event_date is known (month and year dates are the first day of the period).';
COMMENT ON COLUMN policy_event.effective_date IS 'Day a measure takes effect when it differs from event_date (export controls); NULL otherwise.';
COMMENT ON COLUMN policy_event.end_date IS 'Day a measure or a suspension ends, when stated; NULL otherwise.';
COMMENT ON COLUMN policy_event.direction IS 'For catalogue events: restrictive (e.g. an export control), liberalising (a suspension, a duty cut), supportive (schemes, deals) or neutral. NULL for PIB events.';
COMMENT ON COLUMN policy_event.description IS 'Catalogue events: what happened, in the catalogue''s words. NULL for PIB events (see pib_release.body_text).';
COMMENT ON COLUMN policy_event.confidence IS 'Catalogue events: confidence in the row''s facts, 0 to 1 (lower when a date or figure is unconfirmed). NULL for PIB events.';
COMMENT ON COLUMN policy_event.note IS 'Catalogue events: where sources disagree (dates, amounts), both values and which one is used; other caveats.';
COMMENT ON COLUMN policy_event.related_event_ids IS 'Catalogue events this one relates to (see relation), as event_ids.';
COMMENT ON COLUMN policy_event.relation IS 'How this event relates to related_event_ids: amends, implements, part_of, reoffers, results_of, reviews, supersedes or suspends.';

COMMENT ON COLUMN event_mineral.release_date IS 'release_date of the event (PIB: primary release day; catalogue: event date).';
COMMENT ON COLUMN event_mineral.basis IS 'title (named in the title), body (named in the body), inferred (from a form or product, e.g. REPM magnets -> REE), or catalogue (curated).';
COMMENT ON COLUMN event_mineral.load_slice IS 'Slice of the event (policy_event.load_slice), swapped with it.';
COMMENT ON COLUMN event_country.release_date IS 'release_date of the event (PIB: primary release day; catalogue: event date).';
COMMENT ON COLUMN event_country.evidence IS 'The text that matched (NULL for catalogue events).';
COMMENT ON COLUMN event_country.load_slice IS 'Slice of the event (policy_event.load_slice), swapped with it.';
COMMENT ON COLUMN event_amount.release_date IS 'release_date of the event (PIB: primary release day; catalogue: event date).';
COMMENT ON COLUMN event_amount.raw_text IS 'The text the amount was read from (catalogue: the figure as the source states it).';
COMMENT ON COLUMN event_amount.load_slice IS 'Slice of the event (policy_event.load_slice), swapped with it.';

CREATE TABLE event_hs_code (
    event_id        VARCHAR NOT NULL,
    load_slice      VARCHAR NOT NULL,
    mineral_id      VARCHAR NOT NULL,
    hs_code         VARCHAR NOT NULL,
    hs_prefix       VARCHAR NOT NULL,
    basis           VARCHAR NOT NULL,
    _run_id         VARCHAR,
    _loaded_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (event_id, mineral_id, hs_code)
);
COMMENT ON TABLE event_hs_code IS 'Customs codes a measure itself names (China''s export-control announcements list 10-digit codes), per event and mineral. mart_event_trade_context matches them to HS6 trade data through hs_prefix; a mineral without named codes falls back to its dim_hs_code codes.';
COMMENT ON COLUMN event_hs_code.event_id IS 'policy_event.event_id.';
COMMENT ON COLUMN event_hs_code.load_slice IS 'Slice of the event (policy_event.load_slice), swapped with it.';
COMMENT ON COLUMN event_hs_code.mineral_id IS 'Mineral the code is named for (dim_mineral.mineral_id).';
COMMENT ON COLUMN event_hs_code.hs_code IS 'Code as the measure names it, digits only (China: 10-digit customs code; 8-digit tariff lines also occur).';
COMMENT ON COLUMN event_hs_code.hs_prefix IS 'The first 6 digits (HS6, internationally harmonised), used to match fact_trade_flow.hs6; shorter codes match every HS6 under them.';
COMMENT ON COLUMN event_hs_code.basis IS 'named_by_measure: the code appears in the measure''s text.';
COMMENT ON COLUMN event_hs_code._run_id IS 'Provenance: Dagster run id that loaded the row.';
COMMENT ON COLUMN event_hs_code._loaded_at IS 'Provenance: when the row was loaded (UTC).';

-- Linking: a PIB-tagged event that is the same decision as a catalogue event. Rule, in order:
--   1. prid: the catalogue event lists one of the PIB event's source PRIDs; or
--   2. rule (catalogue dates of day or month precision only; a year is too vague to call two
--      events one decision): same event_type, the PIB day within the catalogue date's window
--      (the day or month, widened by 7 days each side), no contradiction (when both sides
--      name minerals they share one; when both name foreign countries they share one), and
--      some positive agreement: a shared mineral, a shared foreign country, or the same status
--      within one day.
-- Each PIB event links to at most one catalogue event: PRID matches first, then the smallest
-- day gap, then the most shared minerals.
CREATE VIEW event_catalogue_link AS
WITH pib AS (
    SELECT event_id, release_date, event_type, status, source_prids
    FROM policy_event WHERE origin = 'pib'
),
cat AS (
    SELECT event_id, event_type, status, source_prids,
           coalesce(event_date, release_date) AS event_date,
           coalesce(event_date, release_date) - INTERVAL 7 DAY AS window_start,
           CASE date_precision
               WHEN 'month' THEN coalesce(event_date, release_date) + INTERVAL 1 MONTH
               ELSE coalesce(event_date, release_date) + INTERVAL 1 DAY
           END + INTERVAL 6 DAY AS window_end,
           coalesce(date_precision, 'day') IN ('day', 'month') AS rule_matchable
    FROM policy_event WHERE origin = 'catalogue'
),
minerals AS (
    SELECT event_id, list(DISTINCT mineral_id ORDER BY mineral_id) AS ids
    FROM event_mineral GROUP BY event_id
),
countries AS (
    SELECT event_id, list(DISTINCT area_code ORDER BY area_code) AS codes
    FROM event_country WHERE area_code NOT IN (0, 699) GROUP BY event_id
),
candidates AS (
    SELECT p.event_id AS pib_event_id, c.event_id AS catalogue_event_id,
           CASE WHEN list_has_any(p.source_prids, c.source_prids) THEN 'prid' ELSE 'rule' END
               AS match_basis,
           abs(date_diff('day', c.event_date, p.release_date)) AS day_gap,
           p.status = c.status AS same_status,
           coalesce(pm.ids, []) AS pib_minerals, coalesce(cm.ids, []) AS cat_minerals,
           coalesce(pc.codes, []) AS pib_countries, coalesce(cc.codes, []) AS cat_countries
    FROM pib p
    JOIN cat c
      ON list_has_any(p.source_prids, c.source_prids)
      OR (c.rule_matchable AND p.event_type = c.event_type
          AND p.release_date BETWEEN c.window_start AND c.window_end)
    LEFT JOIN minerals pm ON pm.event_id = p.event_id
    LEFT JOIN minerals cm ON cm.event_id = c.event_id
    LEFT JOIN countries pc ON pc.event_id = p.event_id
    LEFT JOIN countries cc ON cc.event_id = c.event_id
),
scored AS (
    SELECT *,
           list_intersect(pib_minerals, cat_minerals) AS shared_minerals,
           list_intersect(pib_countries, cat_countries) AS shared_countries
    FROM candidates
)
SELECT pib_event_id, catalogue_event_id, match_basis, day_gap,
       list_sort(shared_minerals) AS shared_minerals,
       list_sort(shared_countries) AS shared_countries
FROM scored
WHERE match_basis = 'prid'
   OR ((len(pib_minerals) = 0 OR len(cat_minerals) = 0 OR len(shared_minerals) > 0)
       AND (len(pib_countries) = 0 OR len(cat_countries) = 0 OR len(shared_countries) > 0)
       AND (len(shared_minerals) > 0 OR len(shared_countries) > 0
            OR (same_status AND day_gap <= 1)))
QUALIFY row_number() OVER (
    PARTITION BY pib_event_id
    ORDER BY match_basis = 'prid' DESC, day_gap, len(shared_minerals) DESC, catalogue_event_id
) = 1;

COMMENT ON VIEW event_catalogue_link IS 'Which PIB-tagged events are the same decision as a catalogue event (one catalogue event per PIB event). Marts show such a decision once, as the catalogue event with the PIB sources added. Matching: a shared PRID, or (catalogue dates of day or month precision) the same event_type within the catalogue date''s window (its day or month, plus 7 days either side) with no conflicting minerals or foreign countries and at least one shared mineral or foreign country (or the same status within a day).';
COMMENT ON COLUMN event_catalogue_link.pib_event_id IS 'policy_event.event_id of the PIB event (origin pib).';
COMMENT ON COLUMN event_catalogue_link.catalogue_event_id IS 'policy_event.event_id of the catalogue event it is the same decision as.';
COMMENT ON COLUMN event_catalogue_link.match_basis IS 'prid (the catalogue lists one of the PIB event''s PRIDs) or rule (type, date window, minerals and countries).';
COMMENT ON COLUMN event_catalogue_link.day_gap IS 'Days between the PIB release day and the catalogue event date.';
COMMENT ON COLUMN event_catalogue_link.shared_minerals IS 'Minerals both events name.';
COMMENT ON COLUMN event_catalogue_link.shared_countries IS 'Foreign countries (not India) both events name, Comtrade area codes.';
