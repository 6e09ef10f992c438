#!/bin/sh
# Plays a user during a deploy: asks for /notes/ through nginx every 0.2 s and appends one
# line per answer to $1:  <unix time> <HTTP status> <v1|v2|v3|maintenance|other>
out=$1
while :; do
    answer=$(curl -s -m 5 -w '\n%{http_code}' 'http://127.0.0.1/notes/?limit=1')
    code=$(printf '%s\n' "$answer" | tail -n 1)
    case "$answer" in
        *"Notes API is under maintenance"*) kind=maintenance ;;
        *'"version":"v'*) kind=$(printf '%s' "$answer" | grep -o '"version":"v[0-9]*"' | head -n 1 | cut -d '"' -f 4) ;;
        *) kind=other ;;
    esac
    echo "$(date +%s.%N) ${code:-000} $kind" >> "$out"
    sleep 0.2
done
