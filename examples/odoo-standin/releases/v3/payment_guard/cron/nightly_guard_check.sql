-- Scheduled action "Payment Guard: nightly guard check".
-- BROKEN ON PURPOSE (the rollback demo): guard_reviewed_by does not exist, so the job
-- fails with an ERROR and a Traceback in the Odoo log every time the server starts,
-- while the update (-u) itself succeeds and /web/health stays green.
SELECT count(*) AS unreviewed FROM account_payment WHERE guard_locked AND guard_reviewed_by IS NULL;
