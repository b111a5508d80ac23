-- (b) The portfolio summary: participation totals by activity kind and by grantee, and over
-- everything, each joint event counted once, with the first 100 grantees by name: one
-- statement, the JSON built by PostgreSQL.
WITH excluded AS (
    SELECT ma.activity_id
    FROM joint_memberships ma
    WHERE EXISTS (
        SELECT 1
        FROM joint_memberships mb
        CROSS JOIN LATERAL (SELECT COALESCE(SUM(pt.total), 0) AS total
                            FROM activity_participation pt WHERE pt.activity_id = ma.activity_id) ta
        CROSS JOIN LATERAL (SELECT COALESCE(SUM(pt.total), 0) AS total
                            FROM activity_participation pt WHERE pt.activity_id = mb.activity_id) tb
        WHERE mb.group_id = ma.group_id
          AND mb.activity_id <> ma.activity_id
          AND ((mb.counting AND NOT ma.counting)
               OR (mb.counting = ma.counting
                   AND (tb.total > ta.total OR (tb.total = ta.total AND mb.activity_id < ma.activity_id)))))
), cells AS (
    SELECT g.grantee_id, a.kind,
           count(DISTINCT a.id) AS activity_count,
           COALESCE(sum(p.total) FILTER (WHERE x.activity_id IS NULL), 0) AS total,
           COALESCE(sum(p.female) FILTER (WHERE x.activity_id IS NULL), 0) AS female,
           COALESCE(sum(p.total) FILTER (WHERE x.activity_id IS NULL AND p.female IS NOT NULL), 0) AS female_recorded_of,
           COALESCE(sum(p.male) FILTER (WHERE x.activity_id IS NULL), 0) AS male,
           COALESCE(sum(p.total) FILTER (WHERE x.activity_id IS NULL AND p.mode = 'IN_PERSON'), 0) AS in_person,
           COALESCE(sum(p.total) FILTER (WHERE x.activity_id IS NULL AND p.mode = 'ONLINE'), 0) AS online
    FROM activities a
    JOIN grants g ON g.id = a.grant_id
    LEFT JOIN activity_participation p ON p.activity_id = a.id
    LEFT JOIN excluded x ON x.activity_id = a.id
    GROUP BY g.grantee_id, a.kind
), money AS (
    SELECT grantee_id, currency, count(*) AS grants, sum(total_funding_minor) AS minor
    FROM grants
    GROUP BY grantee_id, currency
), grantees AS (
    SELECT m.grantee_id, sum(m.grants) AS grant_count,
           json_agg(json_build_object('currency', m.currency, 'minor', m.minor) ORDER BY m.currency) AS funding
    FROM money m
    GROUP BY m.grantee_id
)
SELECT json_build_object(
    'grantCount', (SELECT COALESCE(sum(grant_count), 0) FROM grantees),
    'granteeCount', (SELECT count(*) FROM grantees),
    'activityCount', (SELECT COALESCE(sum(activity_count), 0) FROM cells),
    'participation', (
        SELECT json_build_object(
            'total', COALESCE(sum(total), 0), 'female', COALESCE(sum(female), 0),
            'femaleRecordedOf', COALESCE(sum(female_recorded_of), 0), 'male', COALESCE(sum(male), 0),
            'inPerson', COALESCE(sum(in_person), 0), 'online', COALESCE(sum(online), 0))
        FROM cells),
    'byActivityKind', (
        SELECT COALESCE(json_agg(json_build_object(
            'kind', k.kind, 'activityCount', k.activity_count,
            'participation', json_build_object(
                'total', k.total, 'female', k.female, 'femaleRecordedOf', k.female_recorded_of,
                'male', k.male, 'inPerson', k.in_person, 'online', k.online))
            ORDER BY k.kind), '[]')
        FROM (SELECT kind, sum(activity_count) AS activity_count, sum(total) AS total,
                     sum(female) AS female, sum(female_recorded_of) AS female_recorded_of,
                     sum(male) AS male, sum(in_person) AS in_person, sum(online) AS online
              FROM cells GROUP BY kind) k),
    'byGrantee', (
        -- The first page of 100 grantees by name, as both services are asked for.
        SELECT COALESCE(json_agg(page.row ORDER BY page.name, page.grantee_id), '[]')
        FROM (
            SELECT o.name, gr.grantee_id, json_build_object(
                'grantee', o.name, 'grantCount', gr.grant_count, 'funding', gr.funding,
                'activityCount', COALESCE(c.activity_count, 0),
                'participation', json_build_object(
                    'total', COALESCE(c.total, 0), 'female', COALESCE(c.female, 0),
                    'femaleRecordedOf', COALESCE(c.female_recorded_of, 0), 'male', COALESCE(c.male, 0),
                    'inPerson', COALESCE(c.in_person, 0), 'online', COALESCE(c.online, 0))) AS row
            FROM grantees gr
            JOIN organisations o ON o.id = gr.grantee_id
            LEFT JOIN (SELECT grantee_id, sum(activity_count) AS activity_count, sum(total) AS total,
                              sum(female) AS female, sum(female_recorded_of) AS female_recorded_of,
                              sum(male) AS male, sum(in_person) AS in_person, sum(online) AS online
                       FROM cells GROUP BY grantee_id) c ON c.grantee_id = gr.grantee_id
            ORDER BY o.name, gr.grantee_id
            LIMIT 100) page));
