"""notes.pinned: pin a note to the top (keeps every row; existing notes are not pinned)

Revision ID: 0002_note_pinned
Revises: 0001_initial
Create Date: 2024-02-12 10:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = "0002_note_pinned"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "notes",
        sa.Column("pinned", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_index("ix_notes_pinned", "notes", ["notebook_id"], postgresql_where=sa.text("pinned"))


def downgrade():
    op.drop_index("ix_notes_pinned", table_name="notes")
    op.drop_column("notes", "pinned")
