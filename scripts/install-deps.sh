#!/usr/bin/env bash
# Installs what the demo and the tests need on a Debian 12 machine, as root, from
# Debian's packages: podman + runc + debootstrap (test hosts), PostgreSQL 15 (the
# real-server tests), git, rsync (backup_copy_to: host), chromium (the report.html
# screenshot test), shellcheck (ansible-test sanity), python3-venv, openssh-client (ssh and
# ssh-keygen: the fleet scenario reaches its containers over SSH), procps (pgrep: the
# rolling-reload test of the Ledger unit). Does nothing for packages already installed.
set -euo pipefail
pkgs=(podman runc debootstrap acl git rsync python3-venv postgresql-15 ca-certificates chromium shellcheck openssh-client procps)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "install-deps: need root to install: ${missing[*]}" >&2
    exit 1
  fi
  echo "install-deps: apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
