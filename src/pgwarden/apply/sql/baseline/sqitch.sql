-- Sqitch's registry (sqitch(7) "sqitch.changes", "sqitch.events"): the changes deployed now, and the last
-- event of each change of the project (a 'fail' there is a deploy that did not finish cleanly).
SELECT c.change::text AS key, NULL::text AS failed
FROM sqitch.changes c
WHERE c.project = %(project)s
UNION ALL
SELECT e.change::text, e.event::text
FROM (SELECT DISTINCT ON (change) change, event FROM sqitch.events WHERE project = %(project)s
      ORDER BY change, committed_at DESC) e
WHERE e.event = 'fail';
