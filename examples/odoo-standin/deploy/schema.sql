-- The Odoo tables and columns that runbook 000 (and guarded.deploy's odoo baseline
-- preset) query, in the shape of Odoo 16/17 (ir_module_module.latest_version), with
-- seed data. Run once as the database owner by provision.yml; the stand-in odoo-bin
-- then installs payment_guard (-i) on top.
--
-- Seed: 3000 payments: 1-1600 posted, 1601-2200 approved, 2201-2600 review,
-- 2601-3000 draft (2801-3000 created 200 days ago, outside step 3.1's window).
-- Reconciliation lines for payments 1-1600: 1-1200 matched (dated), 1201-1400 partial
-- (dated), 1401-1600 unmatched (no date): 1400 reconciliations (step 3.2), 1200
-- reconciled payments (step 3.3). Payment managers: jdoe, asmith, mbrown.
BEGIN;
CREATE TABLE account_payment (
    id serial PRIMARY KEY,
    name varchar NOT NULL,
    approval_state varchar NOT NULL,
    amount numeric(12, 2) NOT NULL,
    create_date timestamp NOT NULL DEFAULT (now() at time zone 'UTC'),
    write_date timestamp);
CREATE TABLE account_bank_reconciliation_line (
    id serial PRIMARY KEY,
    payment_id integer REFERENCES account_payment (id),
    match_status varchar NOT NULL,
    reconciliation_date date);
CREATE TABLE res_users (id serial PRIMARY KEY, login varchar UNIQUE NOT NULL, name varchar);
CREATE TABLE res_groups (id serial PRIMARY KEY, name jsonb NOT NULL);
CREATE TABLE res_groups_users_rel (
    gid integer REFERENCES res_groups (id),
    uid integer REFERENCES res_users (id),
    PRIMARY KEY (gid, uid));
CREATE TABLE ir_module_module (
    id serial PRIMARY KEY,
    name varchar UNIQUE NOT NULL,
    state varchar NOT NULL,
    latest_version varchar,
    write_date timestamp);

INSERT INTO account_payment (name, approval_state, amount, create_date)
SELECT 'PAY/2026/' || lpad(i::text, 5, '0'),
       CASE WHEN i <= 1600 THEN 'posted' WHEN i <= 2200 THEN 'approved'
            WHEN i <= 2600 THEN 'review' ELSE 'draft' END,
       100 + (i % 977) + (i % 7) * 0.25,
       CASE WHEN i > 2800 THEN timestamp '2026-01-01 00:00:00' - interval '200 days'
            ELSE timestamp '2026-01-01 00:00:00' + (i || ' minutes')::interval END
FROM generate_series(1, 3000) AS i ORDER BY i;
INSERT INTO account_bank_reconciliation_line (payment_id, match_status, reconciliation_date)
SELECT i, CASE WHEN i <= 1200 THEN 'matched' WHEN i <= 1400 THEN 'partial' ELSE 'unmatched' END,
       CASE WHEN i <= 1400 THEN date '2026-01-01' + (i % 30) END
FROM generate_series(1, 1600) AS i ORDER BY i;
INSERT INTO res_users (login, name) VALUES
    ('admin', 'Administrator'), ('jdoe', 'Jane Doe'), ('asmith', 'Al Smith'),
    ('mbrown', 'Mo Brown'), ('clerk', 'A Clerk');
INSERT INTO res_groups (name) VALUES
    ('{"en_US": "Payment Manager"}'), ('{"en_US": "Accounting / Billing"}');
INSERT INTO res_groups_users_rel (gid, uid)
SELECT g.id, u.id FROM res_groups g, res_users u
WHERE (g.name ->> 'en_US' = 'Payment Manager' AND u.login IN ('jdoe', 'asmith', 'mbrown'))
   OR (g.name ->> 'en_US' = 'Accounting / Billing' AND u.login IN ('admin', 'clerk'));
INSERT INTO ir_module_module (name, state, latest_version, write_date) VALUES
    ('base', 'installed', '17.0.1.3', timestamp '2026-01-01 00:00:00'),
    ('account', 'installed', '17.0.1.2', timestamp '2026-01-01 00:00:00');
COMMIT;
