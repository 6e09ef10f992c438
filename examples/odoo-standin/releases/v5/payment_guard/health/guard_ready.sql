-- Health check of payment_guard 17.0.1.1.2, run by /web/health (read-only). BROKEN ON
-- PURPOSE (fault-matrix row 3): it waits an hour, so /web/health accepts the connection
-- and never answers within any sane timeout.
SELECT pg_sleep(3600);
