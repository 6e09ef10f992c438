"""The SQLAlchemy 1.4 engine and session factory."""
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from notes_api.settings import DATABASE_URL

engine = create_engine(DATABASE_URL, pool_pre_ping=True, pool_size=5, future=True)
SessionLocal = sessionmaker(bind=engine, autoflush=False, future=True)


def get_session():
    """FastAPI dependency: one session per request, always closed."""
    session = SessionLocal()
    try:
        yield session
    finally:
        session.close()
