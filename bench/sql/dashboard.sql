-- (a) A dashboard page: the first 100 grants by reference, with the grantee, the reports (by
-- period), their activities (by start date) and each activity's participation rows (by mode:
-- total and women), and how many grants there are: one statement, the JSON built by PostgreSQL.
SELECT json_build_object(
    'totalCount', (SELECT count(*) FROM grants),
    'grants', COALESCE((
        SELECT json_agg(json_build_object(
            'reference', g.reference, 'title', g.title, 'status', g.status,
            'totalFunding', json_build_object('currency', g.currency, 'minor', g.total_funding_minor),
            'startDate', g.start_date, 'endDate', g.end_date,
            'grantee', o.name,
            'reports', (
                SELECT COALESCE(json_agg(json_build_object(
                    'kind', r.kind, 'status', r.status,
                    'periodStart', r.period_start, 'periodEnd', r.period_end,
                    'activities', (
                        SELECT COALESCE(json_agg(json_build_object(
                            'title', a.title, 'kind', a.kind,
                            'startDate', a.start_date, 'endDate', a.end_date,
                            'participation', (
                                SELECT COALESCE(json_agg(json_build_object(
                                    'mode', p.mode, 'total', p.total, 'female', p.female)
                                    ORDER BY p.mode), '[]')
                                FROM activity_participation p WHERE p.activity_id = a.id))
                            ORDER BY a.start_date, a.id), '[]')
                        FROM activities a WHERE a.report_id = r.id))
                    ORDER BY r.period_start, r.due_date, r.id), '[]')
                FROM reports r WHERE r.grant_id = g.id))
            ORDER BY g.reference, g.id)
        FROM (SELECT * FROM grants ORDER BY reference, id LIMIT 100) g
        JOIN organisations o ON o.id = g.grantee_id), '[]'));
