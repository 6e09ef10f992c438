-- Health check of payment_guard 17.0.1.1.1, run by /web/health (read-only). BROKEN ON
-- PURPOSE (fault-matrix row 3): it reads a column no migration creates, so /web/health
-- answers 500 {"status": "fail"} after the restart.
SELECT count(*) FROM account_payment WHERE guard_reviewed_by IS NULL;
