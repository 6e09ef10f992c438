"""Samples the argv of every process on the host every 0.02 s until stopped.

Writes each distinct argv once to the file named by argv[1] ("ARGV <argv joined by
spaces>"), and for each pg_dump / pg_restore / psql process whose environment carries
PGPASSWORD one line "PGPASSWORD-IN-ENV <program>" (the value itself is never written).
"""
import os
import sys
import time

PROGRAMS = (b"pg_dump", b"pg_restore", b"psql")


def main(out_path):
    seen = set()
    env_seen = set()
    with open(out_path, "ab", buffering=0) as out:
        while True:
            for pid in os.listdir("/proc"):
                if not pid.isdigit():
                    continue
                try:
                    with open("/proc/%s/cmdline" % pid, "rb") as f:
                        argv = f.read()
                except OSError:
                    continue
                if not argv:
                    continue
                if argv not in seen:
                    seen.add(argv)
                    out.write(b"ARGV " + argv.rstrip(b"\0").replace(b"\0", b" ").replace(b"\n", b" ") + b"\n")
                program = os.path.basename(argv.split(b"\0", 1)[0])
                if program in PROGRAMS and (pid, program) not in env_seen:
                    try:
                        with open("/proc/%s/environ" % pid, "rb") as f:
                            environ = f.read().split(b"\0")
                    except OSError:
                        continue
                    env_seen.add((pid, program))
                    if any(v.startswith(b"PGPASSWORD=") for v in environ):
                        out.write(b"PGPASSWORD-IN-ENV " + program + b"\n")
            time.sleep(0.02)


if __name__ == "__main__":
    main(sys.argv[1])
