"""Alembic environment of the Notes API (online mode only: it needs the database).

PostgreSQL has transactional DDL, so Alembic runs all pending revisions of one
`alembic upgrade` in ONE transaction: a failing revision normally undoes everything. A
revision that leaves the transaction (op.get_context().autocommit_block(), needed for
CREATE INDEX CONCURRENTLY) commits what came before it, and that part stays.
"""
from logging.config import fileConfig

from alembic import context
from sqlalchemy import create_engine, pool

from notes_api.models import Base
from notes_api.settings import DATABASE_URL

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name)

target_metadata = Base.metadata


def run_migrations_online():
    engine = create_engine(DATABASE_URL, poolclass=pool.NullPool, future=True)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("Notes API: offline (--sql) migrations are not supported")
run_migrations_online()
