"""The schema of release v3 (Alembic revisions 0001_initial .. 0003_note_slugs)."""
from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Integer, String, Text, false
from sqlalchemy.orm import declarative_base, relationship

Base = declarative_base()


class Notebook(Base):
    __tablename__ = "notebooks"

    id = Column(Integer, primary_key=True)
    name = Column(String(100), nullable=False, unique=True)

    notes = relationship("Note", back_populates="notebook")


class Note(Base):
    __tablename__ = "notes"

    id = Column(Integer, primary_key=True)
    notebook_id = Column(Integer, ForeignKey("notebooks.id"), nullable=False, index=True)
    title = Column(String(200), nullable=False)
    body = Column(Text, nullable=False, default="")
    created_at = Column(DateTime(timezone=True), nullable=False)
    pinned = Column(Boolean, nullable=False, default=False, server_default=false())
    slug = Column(String(220), nullable=False, unique=True)

    notebook = relationship("Notebook", back_populates="notes")
