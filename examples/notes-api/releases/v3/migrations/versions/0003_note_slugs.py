"""notes.slug: a unique URL slug per note (BROKEN ON PURPOSE: fails half way)

The rollback demo of guarded.deploy. The author assumed titles are unique; they are not
(the seed data repeats a few topics, as real notes do). What happens on PostgreSQL:

1. add the column and fill it from the title       - in Alembic's transaction
2. CREATE UNIQUE INDEX CONCURRENTLY (so a big table stays writable). PostgreSQL refuses
   that inside a transaction, so autocommit_block() COMMITS steps 1 first, then builds
   the index, which fails on the duplicate slugs and leaves an INVALID index behind
3. never reached; alembic_version is never moved to 0003_note_slugs

The database is left half migrated: `alembic current` still says 0002_note_pinned, but
notes.slug exists, is filled, and an invalid index ix_notes_slug exists. `alembic
downgrade` cannot undo this (it believes 0003 never ran); restoring the pre-deploy backup
does.

Revision ID: 0003_note_slugs
Revises: 0002_note_pinned
Create Date: 2024-03-11 10:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = "0003_note_slugs"
down_revision = "0002_note_pinned"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("notes", sa.Column("slug", sa.String(220), nullable=True))
    op.execute(
        "UPDATE notes SET slug = trim(both '-' from lower(regexp_replace(title, '[^A-Za-z0-9]+', '-', 'g')))"
    )
    with op.get_context().autocommit_block():
        op.create_index("ix_notes_slug", "notes", ["slug"], unique=True, postgresql_concurrently=True)
    op.alter_column("notes", "slug", nullable=False)


def downgrade():
    op.drop_index("ix_notes_slug", table_name="notes")
    op.drop_column("notes", "slug")
