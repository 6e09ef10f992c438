-- Payment Guard 17.0.1.1.0: an audit table for guard decisions (keeps every row).
CREATE TABLE IF NOT EXISTS payment_guard_audit (
    id serial PRIMARY KEY,
    payment_id integer REFERENCES account_payment (id),
    decision varchar NOT NULL,
    create_date timestamp NOT NULL DEFAULT (now() at time zone 'UTC'));
INSERT INTO payment_guard_audit (payment_id, decision)
SELECT id, 'locked' FROM account_payment WHERE guard_locked ORDER BY id;
