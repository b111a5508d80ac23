-- (c) One grant with everything under it: tranches, objectives with their indicators, reports
-- with their activities (participation rows and outcomes), indicator results, lessons and case
-- studies, each list in the service's order: one statement, the JSON built by PostgreSQL.
-- :grant_id is replaced by the grant's id (a quoted UUID) before it runs.
SELECT json_build_object(
    'reference', g.reference, 'title', g.title, 'status', g.status,
    'totalFunding', json_build_object('currency', g.currency, 'minor', g.total_funding_minor),
    'startDate', g.start_date, 'endDate', g.end_date,
    'grantee', (SELECT o.name FROM organisations o WHERE o.id = g.grantee_id),
    'scheme', (SELECT s.name FROM schemes s WHERE s.id = g.scheme_id),
    'fundingPeriods', (
        SELECT COALESCE(json_agg(json_build_object(
            'label', f.label, 'startDate', f.start_date, 'endDate', f.end_date,
            'amount', json_build_object('currency', f.currency, 'minor', f.amount_minor))
            ORDER BY f.start_date, f.id), '[]')
        FROM funding_periods f WHERE f.grant_id = g.id),
    'objectives', (
        SELECT COALESCE(json_agg(json_build_object(
            'number', ob.number, 'statement', ob.statement,
            'indicators', (
                SELECT COALESCE(json_agg(json_build_object(
                    'statement', i.statement, 'unit', i.unit,
                    'baseline', i.baseline, 'target', i.target)
                    ORDER BY i.created_at, i.id), '[]')
                FROM indicators i WHERE i.objective_id = ob.id))
            ORDER BY ob.number), '[]')
        FROM objectives ob WHERE ob.grant_id = g.id),
    'reports', (
        SELECT COALESCE(json_agg(json_build_object(
            'kind', r.kind, 'status', r.status,
            'periodStart', r.period_start, 'periodEnd', r.period_end, 'dueDate', r.due_date,
            'preparedBy', json_build_object('name', r.prepared_by_name, 'role', r.prepared_by_role),
            'activities', (
                SELECT COALESCE(json_agg(json_build_object(
                    'title', a.title, 'kind', a.kind,
                    'startDate', a.start_date, 'endDate', a.end_date,
                    'venue', a.venue, 'location', a.location, 'narrative', a.narrative,
                    'participation', (
                        SELECT COALESCE(json_agg(json_build_object(
                            'mode', p.mode, 'total', p.total, 'female', p.female,
                            'male', p.male, 'withDisability', p.with_disability)
                            ORDER BY p.mode), '[]')
                        FROM activity_participation p WHERE p.activity_id = a.id),
                    'outcomes', (
                        SELECT COALESCE(json_agg(json_build_object(
                            'kind', oc.kind, 'statement', oc.statement, 'actor', oc.actor,
                            'institution', oc.institution, 'date', oc.date)
                            ORDER BY oc.created_at, oc.id), '[]')
                        FROM outcomes oc WHERE oc.activity_id = a.id))
                    ORDER BY a.start_date, a.id), '[]')
                FROM activities a WHERE a.report_id = r.id),
            'indicatorResults', (
                SELECT COALESCE(json_agg(json_build_object(
                    'indicator', i.statement, 'actual', ir.actual, 'narrative', ir.narrative)
                    ORDER BY ir.created_at, ir.id), '[]')
                FROM indicator_results ir JOIN indicators i ON i.id = ir.indicator_id
                WHERE ir.report_id = r.id),
            'lessons', (
                SELECT COALESCE(json_agg(json_build_object('kind', l.kind, 'text', l.text)
                    ORDER BY l.kind, l.position, l.id), '[]')
                FROM lessons l WHERE l.report_id = r.id),
            'caseStudies', (
                SELECT COALESCE(json_agg(json_build_object('title', cs.title, 'narrative', cs.narrative)
                    ORDER BY cs.position, cs.id), '[]')
                FROM case_studies cs WHERE cs.report_id = r.id))
            ORDER BY r.period_start, r.due_date, r.id), '[]')
        FROM reports r WHERE r.grant_id = g.id))
FROM grants g
WHERE g.id = :grant_id;
