#!/bin/sh
# A user of the site during the tests: requests /web/login through nginx every 0.2 s and
# appends "<epoch> <HTTP status> <maintenance|app|other>" to /var/log/odoo-probe.log.
# Run as a transient unit by prepare.yml (systemd-run --unit=odoo-probe), stopped by verify.yml.
body=/run/odoo-probe.body
while :; do
    code=$(curl -s -o "$body" -w '%{http_code}' --max-time 2 http://127.0.0.1/web/login)
    if grep -q 'Odoo is under maintenance' "$body" 2>/dev/null; then
        kind=maintenance
    elif grep -q 'payment_guard' "$body" 2>/dev/null; then
        kind=app
    else
        kind=other
    fi
    echo "$(date +%s.%N) $code $kind" >> /var/log/odoo-probe.log
    sleep 0.2
done
