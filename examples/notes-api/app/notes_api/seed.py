"""python3 -m notes_api.seed [--notebooks N] [--notes M] [--force]

Fills the database with deterministic demo data: the same arguments always give the same
rows. Titles repeat on purpose (a few topics per notebook), as real notes do.

Idempotent: when notes exist it changes nothing and prints "seed: skipped ...", unless
--force (deletes every note and notebook first). Prints "seed: created ..." when it wrote.
"""
import argparse
import sys
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, func, select

from notes_api.db import SessionLocal
from notes_api.models import Note, Notebook

EPOCH = datetime(2024, 1, 1, 8, 0, tzinfo=timezone.utc)
TOPICS = ["Meeting notes", "Ideas", "Todo", "Reading list", "Weekly review", "Call summary", "Draft"]


def note_fields(i, notebooks):
    """The deterministic values of note number i (1-based)."""
    return {
        "notebook_id": notebooks[(i - 1) % len(notebooks)].id,
        "title": TOPICS[i % len(TOPICS)],
        "body": "Note %d: %s" % (i, "lorem ipsum " * (i % 7 + 1)),
        "created_at": EPOCH + timedelta(minutes=13 * i),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python3 -m notes_api.seed", description=__doc__.splitlines()[0])
    parser.add_argument("--notebooks", type=int, default=25)
    parser.add_argument("--notes", type=int, default=3000)
    parser.add_argument("--force", action="store_true", help="delete every note and notebook first")
    args = parser.parse_args(argv)
    if args.notebooks < 1 or args.notes < 0:
        parser.error("--notebooks must be >= 1 and --notes >= 0")

    with SessionLocal() as session, session.begin():
        existing = session.scalar(select(func.count()).select_from(Note))
        if existing and not args.force:
            print("seed: skipped, %d notes exist already (use --force to reseed)" % existing)
            return 0
        if args.force:
            session.execute(delete(Note))
            session.execute(delete(Notebook))
        notebooks = [Notebook(name="Notebook %02d" % n) for n in range(1, args.notebooks + 1)]
        session.add_all(notebooks)
        session.flush()
        session.add_all(Note(**note_fields(i, notebooks)) for i in range(1, args.notes + 1))
    print("seed: created %d notebooks and %d notes" % (args.notebooks, args.notes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
