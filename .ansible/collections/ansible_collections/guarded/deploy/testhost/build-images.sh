#!/usr/bin/env bash
# Builds the test-host images once per machine and reuses them when present:
#   localhost/guarded-deploy/debian12-systemd  debootstrap minbase + systemd
#   localhost/guarded-deploy/host              + PostgreSQL 15, git, nginx, Django stack
# No registry is used: the Debian mirror is read from this machine's apt sources.
# Set GD_REBUILD=1 to rebuild both.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=testhost/podman-env.sh
. "$here/podman-env.sh"

base=localhost/guarded-deploy/debian12-systemd:latest
host=localhost/guarded-deploy/host:latest
# The host layer's inputs: rebuild it when the Containerfile changes.
host_tag=localhost/guarded-deploy/host:$(sha256sum "$here/Containerfile" | cut -c1-12)

mirror() {
  local f url
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    url=$(awk '/^URIs:/ {print $2; exit}' "$f")
    [ -n "$url" ] && { echo "$url"; return; }
  done
  awk '/^deb / && $0 !~ /security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null
}

if [ "${GD_REBUILD:-0}" = 1 ] || ! podman image exists "$base"; then
  url=$(mirror)
  [ -n "$url" ] || { echo "build-images: no Debian mirror found in /etc/apt/sources.list*" >&2; exit 1; }
  rootfs=$(mktemp -d /var/tmp/gd-rootfs.XXXXXX)
  trap 'rm -rf "$rootfs"' EXIT
  echo "build-images: debootstrap bookworm from the machine's apt mirror (about a minute)"
  debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus,python3,sudo,iproute2 \
    bookworm "$rootfs" "$url" > "$here/../.cache/debootstrap.log" 2>&1 \
    || { tail -20 "$here/../.cache/debootstrap.log" >&2; exit 1; }
  # the container uses the same apt sources as this machine
  rm -f "$rootfs/etc/apt/sources.list"
  cp /etc/apt/sources.list.d/*.sources "$rootfs/etc/apt/sources.list.d/" 2>/dev/null \
    || cp /etc/apt/sources.list "$rootfs/etc/apt/sources.list"
  tar -C "$rootfs" -c . | podman import \
    --change 'CMD ["/sbin/init"]' --change 'STOPSIGNAL SIGRTMIN+3' \
    --change 'ENV container=podman' - "$base" >/dev/null
  rm -rf "$rootfs"; trap - EXIT
fi

if [ "${GD_REBUILD:-0}" = 1 ] || ! podman image exists "$host_tag"; then
  echo "build-images: building $host_tag"
  podman build --network=host -t "$host_tag" -f "$here/Containerfile" "$here" > "$here/../.cache/podman-build.log" 2>&1 \
    || { tail -30 "$here/../.cache/podman-build.log" >&2; exit 1; }
fi
podman tag "$host_tag" "$host"
echo "build-images: ready: $host"
