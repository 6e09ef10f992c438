# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run every benchmark of bench/ in one go (`make bench`) and print, after each one's own
tables, one summary table of ratios with the raw medians side by side.

Settings (environment):
  BENCH_ONLY             comma list of callback,baseline,host,scale,strategy (default: all five)
  BENCH_REPEAT           repeats of the host cycle (default 3)
  BENCH_DB_MB            padding of the Ledger database in MiB (default 200)
  BENCH_TABLES           padding tables (default 40)
  BENCH_CALLBACK_ROUNDS  rounds of the callback benchmark (default 5)
  BENCH_CALLBACK_TASKS   tasks of its playbook (default 500)
  BENCH_PAYMENT_ROWS     account_payment rows of the baseline benchmark (default 1000000)
  BENCH_BASELINE_ROUNDS  captures of the baseline benchmark (default 3)
  BENCH_STRATEGY_REPEAT  repeats of the four connection + strategy variants (default 2)
  BENCH_KEEP             non-empty: keep the guarded-bench-ledger container and work dir

Asserts nothing: a benchmark measures.
"""

from __future__ import annotations

import os
import platform
import subprocess
import time

import baseline_bench
import benchlib as B
import callback_overhead
import host_bench
import scale_bench
import strategy_bench


def machine():
    """One line about the machine the numbers come from."""
    with open("/proc/meminfo", encoding="utf-8") as handle:
        mem_kib = int(handle.readline().split()[1])
    debian = ""
    if os.path.exists("/etc/debian_version"):
        with open("/etc/debian_version", encoding="utf-8") as handle:
            debian = "Debian " + handle.read().strip() + ", "
    ansible = subprocess.run([os.path.join(B.BIN, "ansible"), "--version"], check=False, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout.splitlines()
    return "%d cores, %.0f GiB RAM, load %s at start, %sPython %s, %s" % (
        os.cpu_count() or 0, mem_kib / 1048576.0, " ".join("%.2f" % v for v in os.getloadavg()), debian,
        platform.python_version(), ansible[0] if ansible else "ansible ?")


def main():
    only = [item.strip() for item in os.environ.get("BENCH_ONLY", "callback,baseline,host,scale,strategy").split(",") if item.strip()]
    print("# guarded.deploy benchmarks, %s\n" % time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))
    print("Machine: %s\n" % machine())
    summary = []
    if "callback" in only:
        rounds, tasks = B.env_int("BENCH_CALLBACK_ROUNDS", 5), B.env_int("BENCH_CALLBACK_TASKS", 500)
        B.log("callback overhead: %d tasks, %d rounds" % (tasks, rounds))
        times = callback_overhead.measure(rounds, tasks)
        on, off = B.median(times[True]), B.median(times[False])
        print("## Callback overhead (5): %d tasks, %d rounds each, local connection\n" % (tasks, rounds))
        print(B.table(["variant", "median (s)", "runs (s)"],
                      [("deploy_log off", B.fmt(off), ", ".join(B.fmt(t) for t in times[False])),
                       ("deploy_log on", B.fmt(on), ", ".join(B.fmt(t) for t in times[True]))]))
        print()
        summary.append(("callback on / off, %d tasks (5)" % tasks, on, off, "<= 1.05"))
    if "baseline" in only:
        summary += baseline_bench.measure()
    if "host" in only:
        cycle, settings = host_bench.measure()
        print("PostgreSQL %s in the container\n" % settings["postgresql"])
        summary += host_bench.report(cycle, settings)
    if "scale" in only:
        summary += scale_bench.measure()
    if "strategy" in only:
        summary += strategy_bench.measure()
    print("## Summary: ratios and raw medians\n")
    rows = []
    for label, value, base, target in summary:
        rows.append((label, B.fmt(value), B.fmt(base), B.fmt(B.ratio(value, base), 3), target))
    print(B.table(["bench", "median A", "median B", "ratio A/B", "target"], rows))


if __name__ == "__main__":
    main()
