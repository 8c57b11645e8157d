CREATE OR REPLACE VIEW mart_policy_timeline AS
WITH amounts AS (
    SELECT event_id,
           string_agg(kind || ': ' || CAST(value AS VARCHAR) || ' ' || unit, '; ' ORDER BY kind, value) AS amounts
    FROM event_amount GROUP BY event_id
)
SELECT e.event_id, e.posted_at, e.release_date, e.event_type, e.status, e.title, e.ministry,
       em.mineral_id, m.name AS mineral_name, em.basis AS mineral_basis,
       ec.area_code, c.name AS country_name, ec.actor_name, ec.role AS actor_role,
       a.amounts, e.source_prids, e.source_urls
FROM policy_event e
LEFT JOIN event_mineral em USING (event_id)
LEFT JOIN dim_mineral m ON m.mineral_id = em.mineral_id
LEFT JOIN event_country ec USING (event_id)
LEFT JOIN dim_country c ON c.area_code = ec.area_code
LEFT JOIN amounts a USING (event_id);

COMMENT ON VIEW mart_policy_timeline IS 'The policy timeline: one row per event x mineral x country/actor (events without minerals or actors keep one row with NULLs), with type, status, dates, amounts and source links.';
COMMENT ON COLUMN mart_policy_timeline.event_id IS 'policy_event.event_id.';
COMMENT ON COLUMN mart_policy_timeline.posted_at IS 'Posting time of the primary release.';
COMMENT ON COLUMN mart_policy_timeline.release_date IS 'IST day of the primary release.';
COMMENT ON COLUMN mart_policy_timeline.event_type IS 'Instrument (scheme, mission, mou_agreement...).';
COMMENT ON COLUMN mart_policy_timeline.status IS 'Lifecycle step stated in the text.';
COMMENT ON COLUMN mart_policy_timeline.title IS 'Title of the primary release.';
COMMENT ON COLUMN mart_policy_timeline.ministry IS 'Ministry of the primary release.';
COMMENT ON COLUMN mart_policy_timeline.mineral_id IS 'Mineral concerned (NULL when none was found).';
COMMENT ON COLUMN mart_policy_timeline.mineral_name IS 'Mineral name.';
COMMENT ON COLUMN mart_policy_timeline.mineral_basis IS 'title, body or inferred.';
COMMENT ON COLUMN mart_policy_timeline.area_code IS 'Country of the actor (Comtrade area code).';
COMMENT ON COLUMN mart_policy_timeline.country_name IS 'Country name.';
COMMENT ON COLUMN mart_policy_timeline.actor_name IS 'Actor as named in the release.';
COMMENT ON COLUMN mart_policy_timeline.actor_role IS 'implementer, counterparty, signatory, beneficiary, target or approver.';
COMMENT ON COLUMN mart_policy_timeline.amounts IS 'All typed amounts of the event, as "kind: value unit" separated by semicolons.';
COMMENT ON COLUMN mart_policy_timeline.source_prids IS 'PIB PRIDs merged into the event.';
COMMENT ON COLUMN mart_policy_timeline.source_urls IS 'Release page URLs of the source PRIDs.';
