"""The HTTP API (FastAPI 0.92). Run with gunicorn's uvicorn workers:
    gunicorn -k uvicorn.workers.UvicornWorker notes_api.main:app
"""
import logging

from fastapi import Depends, FastAPI, HTTPException
from fastapi.responses import JSONResponse
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from notes_api.db import SessionLocal, get_session
from notes_api.models import Note, Notebook
from notes_api.version import VERSION

logger = logging.getLogger("notes_api")

app = FastAPI(title="Notes API", version=VERSION)


@app.middleware("http")
async def version_header(request, call_next):
    response = await call_next(request)
    response.headers["X-Notes-Version"] = VERSION
    response.headers["Cache-Control"] = "no-store"
    return response


@app.get("/")
def index():
    """Touches no database: shows which code is serving."""
    return {"app": "Welcome to Notes API", "version": VERSION}


@app.get("/health")
def health():
    """{"status": "ok", "version", "database": "ok", "notes": N}, or HTTP 500 with status "error"."""
    session = SessionLocal()
    try:
        session.execute(text("SELECT 1"))
        notes = session.scalar(select(func.count()).select_from(Note))
    except Exception as exc:  # any database failure makes the app unhealthy
        logger.error("health check failed: %s: %s", exc.__class__.__name__, exc)
        return JSONResponse(
            {"status": "error", "version": VERSION, "database": "error", "detail": exc.__class__.__name__},
            status_code=500,
        )
    finally:
        session.close()
    return {"status": "ok", "version": VERSION, "database": "ok", "notes": notes}


def note_json(note):
    return {
        "id": note.id,
        "notebook": note.notebook_id,
        "title": note.title,
        "body": note.body,
        "created_at": note.created_at.isoformat(),
        "pinned": note.pinned,
    }


@app.get("/notes/")
def list_notes(limit: int = 20, offset: int = 0, session: Session = Depends(get_session)):
    """Summary and one page of notes, pinned first, then oldest first."""
    limit = max(1, min(limit, 200))
    total = session.scalar(select(func.count()).select_from(Note))
    page = session.scalars(
        select(Note).order_by(Note.pinned.desc(), Note.id).limit(limit).offset(offset)
    ).all()
    return {"version": VERSION, "total": total, "notes": [note_json(n) for n in page]}


@app.get("/notes/{note_id}")
def get_note(note_id: int, session: Session = Depends(get_session)):
    note = session.get(Note, note_id)
    if note is None:
        raise HTTPException(status_code=404, detail="note not found")
    return note_json(note)


@app.get("/notebooks/")
def list_notebooks(session: Session = Depends(get_session)):
    """Every notebook with its number of notes."""
    rows = session.execute(
        select(Notebook.id, Notebook.name, func.count(Note.id))
        .outerjoin(Note, Note.notebook_id == Notebook.id)
        .group_by(Notebook.id)
        .order_by(Notebook.id)
    ).all()
    return {
        "version": VERSION,
        "notebooks": [{"id": i, "name": name, "notes": count} for i, name, count in rows],
    }
