"""The schema of release v1 (Alembic revision 0001_initial)."""
from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, Text
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

    notebook = relationship("Notebook", back_populates="notes")
