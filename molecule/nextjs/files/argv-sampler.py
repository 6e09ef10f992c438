"""Samples the argv of every process on the host every 0.02 s until stopped.

Writes each distinct argv once to the file named by argv[1] ("ARGV <argv joined by
spaces>"), and each libpq password file (".*.pgpass") seen in the directory named by
argv[2] once as "PGPASS <path> <octal mode> <owner uid>" (its content is never read).
Another process's environment cannot be read here (podman gives the container no
CAP_SYS_PTRACE), so the argv and the password files are what is sampled.
"""
import glob
import os
import sys
import time


def main(out_path, pgpass_dir):
    seen = set()
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
                if argv and argv not in seen:
                    seen.add(argv)
                    out.write(b"ARGV " + argv.rstrip(b"\0").replace(b"\0", b" ").replace(b"\n", b" ") + b"\n")
            for path in glob.glob(os.path.join(pgpass_dir, ".*.pgpass")):
                try:
                    st = os.stat(path)
                except OSError:
                    continue
                line = ("PGPASS %s %o %d\n" % (path, st.st_mode & 0o7777, st.st_uid)).encode()
                if line not in seen:
                    seen.add(line)
                    out.write(line)
            time.sleep(0.02)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
