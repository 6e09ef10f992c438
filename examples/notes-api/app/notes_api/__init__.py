"""Notes API: the FastAPI + SQLAlchemy + Alembic sample app of guarded.deploy."""
