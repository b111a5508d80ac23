-- What a team serving the portfolio with PostGraphile adds to the database for the dashboard
-- summary: three SQL functions, exposed by PostGraphile as `portfolioByActivityKindList`,
-- `portfolioByGranteeList` (by grantee name, paged with `first`) and `portfolioTotalsList`. Generic aggregates (@graphile/pg-aggregates) group only by the
-- aggregated table's own columns, while these totals group participation rows by their
-- activity's kind and by their grant's grantee, and must count each joint event once.
-- Participation is added up exactly as the service adds it: breakdowns over the rows that
-- recorded them, members of a joint group that another member stands for left out.

-- The activities a joint group's counting member stands for (the service's rule: named as
-- counting, else the larger total, else the smaller id).
CREATE OR REPLACE VIEW joint_excluded_activities AS
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
               AND (tb.total > ta.total OR (tb.total = ta.total AND mb.activity_id < ma.activity_id))))
);
COMMENT ON VIEW joint_excluded_activities IS E'@omit';

CREATE OR REPLACE FUNCTION portfolio_by_activity_kind()
RETURNS TABLE (
    kind text,
    activity_count integer,
    total integer,
    female integer,
    female_recorded_of integer,
    male integer,
    in_person integer,
    online integer
)
LANGUAGE sql STABLE AS $$
    SELECT a.kind::text,
           count(DISTINCT a.id)::integer,
           COALESCE(sum(p.total) FILTER (WHERE x.activity_id IS NULL), 0)::integer,
           COALESCE(sum(p.female) FILTER (WHERE x.activity_id IS NULL), 0)::integer,
           COALESCE(sum(p.total) FILTER (WHERE x.activity_id IS NULL AND p.female IS NOT NULL), 0)::integer,
           COALESCE(sum(p.male) FILTER (WHERE x.activity_id IS NULL), 0)::integer,
           COALESCE(sum(p.total) FILTER (WHERE x.activity_id IS NULL AND p.mode = 'IN_PERSON'), 0)::integer,
           COALESCE(sum(p.total) FILTER (WHERE x.activity_id IS NULL AND p.mode = 'ONLINE'), 0)::integer
    FROM activities a
    LEFT JOIN activity_participation p ON p.activity_id = a.id
    LEFT JOIN joint_excluded_activities x ON x.activity_id = a.id
    GROUP BY a.kind
    ORDER BY a.kind
$$;

CREATE OR REPLACE FUNCTION portfolio_by_grantee()
RETURNS TABLE (
    grantee_id uuid,
    grantee_name text,
    grant_count integer,
    funding jsonb,
    activity_count integer,
    total integer,
    female integer,
    female_recorded_of integer,
    male integer,
    in_person integer,
    online integer
)
LANGUAGE sql STABLE AS $$
    WITH money AS (
        SELECT g.grantee_id, g.currency, count(*) AS grants, sum(g.total_funding_minor) AS minor
        FROM grants g
        GROUP BY g.grantee_id, g.currency
    ), funding AS (
        SELECT m.grantee_id,
               sum(m.grants)::integer AS grant_count,
               jsonb_agg(jsonb_build_object('currency', m.currency, 'minor', m.minor) ORDER BY m.currency) AS funding
        FROM money m
        GROUP BY m.grantee_id
    ), people AS (
        SELECT g.grantee_id,
               count(DISTINCT a.id)::integer AS activity_count,
               COALESCE(sum(p.total) FILTER (WHERE x.activity_id IS NULL), 0)::integer AS total,
               COALESCE(sum(p.female) FILTER (WHERE x.activity_id IS NULL), 0)::integer AS female,
               COALESCE(sum(p.total) FILTER (WHERE x.activity_id IS NULL AND p.female IS NOT NULL), 0)::integer AS female_recorded_of,
               COALESCE(sum(p.male) FILTER (WHERE x.activity_id IS NULL), 0)::integer AS male,
               COALESCE(sum(p.total) FILTER (WHERE x.activity_id IS NULL AND p.mode = 'IN_PERSON'), 0)::integer AS in_person,
               COALESCE(sum(p.total) FILTER (WHERE x.activity_id IS NULL AND p.mode = 'ONLINE'), 0)::integer AS online
        FROM activities a
        JOIN grants g ON g.id = a.grant_id
        LEFT JOIN activity_participation p ON p.activity_id = a.id
        LEFT JOIN joint_excluded_activities x ON x.activity_id = a.id
        GROUP BY g.grantee_id
    )
    SELECT f.grantee_id, o.name::text, f.grant_count, f.funding,
           COALESCE(pe.activity_count, 0), COALESCE(pe.total, 0), COALESCE(pe.female, 0),
           COALESCE(pe.female_recorded_of, 0), COALESCE(pe.male, 0),
           COALESCE(pe.in_person, 0), COALESCE(pe.online, 0)
    FROM funding f
    JOIN organisations o ON o.id = f.grantee_id
    LEFT JOIN people pe ON pe.grantee_id = f.grantee_id
    ORDER BY o.name, f.grantee_id
$$;

-- The portfolio's own counts, which a page of grantees cannot add up to.
CREATE OR REPLACE FUNCTION portfolio_totals()
RETURNS TABLE (grant_count integer, grantee_count integer)
LANGUAGE sql STABLE AS $$
    SELECT count(*)::integer, count(DISTINCT grantee_id)::integer FROM grants
$$;
