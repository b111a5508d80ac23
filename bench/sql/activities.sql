-- (d) A page of activities: the first 100 workshops overlapping March to August 2024, by start
-- date, with their grant's reference and grantee and their participation rows, and how many
-- there are: one statement, the JSON built by PostgreSQL.
SELECT json_build_object(
    'totalCount', (SELECT count(*) FROM activities
                   WHERE kind = 'WORKSHOP' AND end_date >= DATE '2024-03-01' AND start_date <= DATE '2024-08-31'),
    'activities', COALESCE((
        SELECT json_agg(json_build_object(
            'title', a.title, 'kind', a.kind, 'startDate', a.start_date, 'endDate', a.end_date,
            'grant', g.reference, 'grantee', o.name,
            'participation', (
                SELECT COALESCE(json_agg(json_build_object(
                    'mode', p.mode, 'total', p.total, 'female', p.female,
                    'male', p.male, 'withDisability', p.with_disability)
                    ORDER BY p.mode), '[]')
                FROM activity_participation p WHERE p.activity_id = a.id))
            ORDER BY a.start_date, a.id)
        FROM (SELECT * FROM activities
              WHERE kind = 'WORKSHOP' AND end_date >= DATE '2024-03-01' AND start_date <= DATE '2024-08-31'
              ORDER BY start_date, id LIMIT 100) a
        JOIN grants g ON g.id = a.grant_id
        JOIN organisations o ON o.id = g.grantee_id), '[]'));
