-- Scheduled action "Payment Guard: nightly guard check" (read-only).
SELECT count(*) AS locked_payments FROM account_payment WHERE guard_locked;
