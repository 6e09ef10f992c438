# shellcheck shell=bash
# Source me: points podman at a containers.conf made for this machine (see
# ../shared TEST-HOSTS.md): nofile ulimit = this shell's hard limit, runc + cgroupfs
# (hybrid cgroup hosts), file events. Nothing under /etc is changed.
_gd_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mkdir -p "$_gd_root/.cache"
_gd_nofile=$(ulimit -Hn)
[ "$_gd_nofile" = unlimited ] && _gd_nofile=1048576
cat > "$_gd_root/.cache/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=${_gd_nofile}:${_gd_nofile}", "nproc=32768:32768"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
export CONTAINERS_CONF="$_gd_root/.cache/containers.conf"
unset _gd_root _gd_nofile
