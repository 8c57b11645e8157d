-- Materialised as a TABLE at refresh time (warehouse/mart_build.py explains the @ lines).
-- Rebuilt whole when an event table changes (event_catalogue_link is a view over policy_event,
-- event_mineral and event_country); a trade load leaves it alone.
-- @inputs policy_event event_mineral event_country event_amount dim_mineral dim_country
CREATE OR REPLACE TABLE mart_policy_timeline AS
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

COMMENT ON TABLE mart_policy_timeline IS 'The policy timeline, both origins: one row per decision x mineral x country/actor (decisions without minerals or actors keep one row with NULLs). A decision is a catalogue event (curated, with sources and confidence) or a PIB-tagged event; a PIB event that is the same decision as a catalogue event (event_catalogue_link) is not shown on its own but folded into the catalogue row (linked_pib_event_ids, its PRIDs and URLs added). Filter on origin or jurisdiction (CN rows are China''s export controls).';
COMMENT ON COLUMN mart_policy_timeline.event_id IS 'policy_event.event_id (cat-... for catalogue events, pib-... for PIB events without a catalogue twin).';
COMMENT ON COLUMN mart_policy_timeline.origin IS 'catalogue or pib.';
COMMENT ON COLUMN mart_policy_timeline.jurisdiction IS 'Who acts: IN, CN, US, AU..., bilateral or multilateral.';
COMMENT ON COLUMN mart_policy_timeline.posted_at IS 'Posting time of the primary PIB release (for a catalogue event, of its earliest linked PIB release); NULL when none.';
COMMENT ON COLUMN mart_policy_timeline.release_date IS 'IST day of the primary release (PIB) or the event date (catalogue).';
COMMENT ON COLUMN mart_policy_timeline.event_date IS 'Date of the event; read with date_precision.';
COMMENT ON COLUMN mart_policy_timeline.date_precision IS 'day, month or year.';
COMMENT ON COLUMN mart_policy_timeline.effective_date IS 'Day the measure takes effect, when it differs (export controls).';
COMMENT ON COLUMN mart_policy_timeline.end_date IS 'Day the measure or suspension ends, when stated.';
COMMENT ON COLUMN mart_policy_timeline.event_type IS 'Instrument (scheme, mission, mou_agreement, export_control...).';
COMMENT ON COLUMN mart_policy_timeline.status IS 'Lifecycle step (announced, approved, signed, launched, in_force...).';
COMMENT ON COLUMN mart_policy_timeline.direction IS 'Catalogue events: restrictive, liberalising, supportive or neutral.';
COMMENT ON COLUMN mart_policy_timeline.title IS 'Title of the primary release or the catalogue title.';
COMMENT ON COLUMN mart_policy_timeline.ministry IS 'Ministry of the primary release, or the catalogue''s first implementing/approving actor.';
COMMENT ON COLUMN mart_policy_timeline.mineral_id IS 'Mineral concerned (NULL when none was found).';
COMMENT ON COLUMN mart_policy_timeline.mineral_name IS 'Mineral name.';
COMMENT ON COLUMN mart_policy_timeline.mineral_basis IS 'title, body, inferred (PIB tagging) or catalogue.';
COMMENT ON COLUMN mart_policy_timeline.area_code IS 'Country of the actor (Comtrade area code).';
COMMENT ON COLUMN mart_policy_timeline.country_name IS 'Country name.';
COMMENT ON COLUMN mart_policy_timeline.actor_name IS 'Actor as named in the release or the catalogue.';
COMMENT ON COLUMN mart_policy_timeline.actor_role IS 'implementer, counterparty, signatory, beneficiary, target or approver.';
COMMENT ON COLUMN mart_policy_timeline.amounts IS 'All typed amounts of the event, as "kind: value unit" separated by semicolons.';
COMMENT ON COLUMN mart_policy_timeline.source_prids IS 'PIB PRIDs of the decision (the event''s own and those of linked PIB events).';
COMMENT ON COLUMN mart_policy_timeline.source_urls IS 'Source links: PIB release pages and, for catalogue events, the public sources.';
COMMENT ON COLUMN mart_policy_timeline.linked_pib_event_ids IS 'PIB events folded into this catalogue event (same decision); empty otherwise.';
COMMENT ON COLUMN mart_policy_timeline.confidence IS 'Catalogue events: confidence in the facts (0-1); NULL for PIB events.';
COMMENT ON COLUMN mart_policy_timeline.note IS 'Catalogue events: conflicting sources and which value is used.';
COMMENT ON COLUMN mart_policy_timeline.description IS 'Catalogue events: what happened.';
COMMENT ON COLUMN mart_policy_timeline.related_event_ids IS 'Catalogue events this one relates to (see relation).';
COMMENT ON COLUMN mart_policy_timeline.relation IS 'amends, implements, part_of, reoffers, results_of, reviews, supersedes or suspends.';
