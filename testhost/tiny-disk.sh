#!/usr/bin/env bash
# Mounts a 1 MiB tmpfs at $1 (idempotent) for the "backup disk too small" test: the
# molecule scenario bind-mounts it into the test host as /var/backups/tiny. Needs root.
# podman 4.3's tmpfs volumes ("--opt type=tmpfs") refuse a size on this storage, and
# molecule's podman driver cannot pass --tmpfs options, hence a host tmpfs.
set -euo pipefail
dir=${1:?usage: tiny-disk.sh DIR}
mkdir -p "$dir"
if ! mountpoint -q "$dir"; then
  mount -t tmpfs -o size=1m,mode=0755 guarded-tiny-disk "$dir"
fi
df -B1 --output=target,size,avail "$dir"
