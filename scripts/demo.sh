#!/usr/bin/env bash
# The bundled demo: a fresh podman container with real systemd and PostgreSQL 15 plays
# the production host running Ledger v1 with data; then deploy v1 (same release again),
# v2 (a new column and its migration) and v3 (a migration that deletes counted rows,
# which the baselines catch and the pipeline rolls back). Prints the execution logs.
set -euo pipefail
cd "$(dirname "$0")/.."
. testhost/podman-env.sh
export PATH="$PWD/.venv/bin:$PATH"
name=guarded-deploy-demo
image=localhost/guarded-deploy/host:latest

echo "== demo: starting the production host (container $name)"
podman rm -f "$name" >/dev/null 2>&1 || true
podman run -d --name "$name" --hostname ledger-demo --systemd=always "$image" >/dev/null
for _ in $(seq 60); do
  state=$(podman exec "$name" systemctl is-system-running 2>/dev/null || true)
  case "$state" in running|degraded) break ;; esac
  sleep 1
done

echo "== demo: provisioning Ledger v1 with data (examples/ledger/provision.yml)"
ansible-playbook -i inventories/demo examples/ledger/provision.yml > .cache/demo-provision.log \
  || { tail -30 .cache/demo-provision.log; exit 1; }

logs=()
for version in v1 v2 v3; do
  echo "== demo: ansible-playbook playbooks/deploy.yml -i inventories/demo -e deploy_version=$version"
  set +e
  ansible-playbook playbooks/deploy.yml -i inventories/demo -e "deploy_version=$version" | tee ".cache/demo-$version.log" \
    | grep -E '^TASK \[guarded\.deploy\.pipeline : Start phase |^guarded\.deploy:' \
    | sed -E 's/^TASK \[[^]]*Start phase ([a-z_]+)\].*/   phase \1/'
  rc=${PIPESTATUS[0]}
  set -e
  status=$(sed -n 's/^guarded\.deploy: run [0-9TZ]*-[0-9a-f]* //p' ".cache/demo-$version.log" | tail -1)
  log=$(sed -n 's/^guarded\.deploy: execution log: //p' ".cache/demo-$version.log" | tail -1)
  logs+=("$version  $status  $log")
  if [ "$version" = v3 ]; then
    if [ "$rc" -eq 0 ] || [ "$status" != "ROLLED BACK" ]; then
      echo "demo: v3 should have been rolled back (rc=$rc, status=$status)" >&2; exit 1
    fi
  elif [ "$rc" -ne 0 ]; then
    echo "demo: deploy of $version failed (rc=$rc); see .cache/demo-$version.log" >&2; exit 1
  fi
done

echo
echo "== demo: done. The host runs $(podman exec "$name" curl -s http://127.0.0.1/health/)"
echo "Execution logs (version, status, path):"
printf '  %s\n' "${logs[@]}"
echo "The container $name is left running: podman exec -it $name bash"
