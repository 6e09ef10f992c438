-- Payment Guard 17.0.1.0.9: lock every payment with a matched reconciliation line.
-- Adds a column and fills it; no row is deleted or changed otherwise.
ALTER TABLE account_payment ADD COLUMN IF NOT EXISTS guard_locked boolean NOT NULL DEFAULT false;
UPDATE account_payment ap SET guard_locked = true
WHERE EXISTS (SELECT 1 FROM account_bank_reconciliation_line l
              WHERE l.payment_id = ap.id AND l.match_status = 'matched');
