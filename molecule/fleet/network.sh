#!/usr/bin/env bash
# The fleet scenario's podman network with a fixed subnet, so that the platforms get the
# static addresses of molecule.yml (the podman driver's schema takes no subnet; its create
# step reuses a network that exists, and its destroy step removes it).
set -euo pipefail
name=${1:-guarded-fleet}
subnet=${2:-10.89.77.0/24}
if ! podman network exists "$name"; then
  podman network create --subnet "$subnet" "$name" >/dev/null
fi
echo "podman network $name: $(podman network inspect --format '{{range .Subnets}}{{.Subnet}} {{end}}' "$name")"
