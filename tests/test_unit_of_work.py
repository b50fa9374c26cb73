"""One unit of work per request: a successful change commits once, a refused or failed one
rolls back and is answered where the view said (prizes/core/unit_of_work.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask, flash, redirect
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from prizes import create_app
from prizes.core import audit
from prizes.core.audit import AuditEvent
from prizes.core.errors import DomainError
from prizes.core.unit_of_work import on_refusal_go_to, on_refusal_show
from prizes.db import db as database


class TooLate(DomainError):
    status_code = 409
    message = "Too late for that."


@pytest.fixture
def uow_app(app: Flask, db: Session, tmp_path: Path) -> Iterator[Flask]:
    """An app with a few routes that write an audit event, on the test's connection."""
    fresh = create_app({**app.config, "INSTANCE_PATH": str(tmp_path), "WTF_CSRF_ENABLED": False})

    def write(action: str) -> None:
        audit.record(database.session, action, actor=None)
        database.session.flush()

    @fresh.post("/_uow/done")
    def done():
        write("uow.done")
        flash("Saved.", "success")
        return redirect("/")

    @fresh.post("/_uow/refused-back")
    def refused_back():
        on_refusal_go_to("/categories")
        write("uow.refused")
        raise TooLate()

    @fresh.post("/_uow/refused-page")
    def refused_page():
        on_refusal_show("errors/error.html", None, code=409, title="Refused", description=None)
        write("uow.refused")
        raise TooLate()

    @fresh.post("/_uow/unprepared")
    def unprepared():
        write("uow.refused")
        raise TooLate()

    @fresh.post("/_uow/invalid")
    def invalid():
        write("uow.invalid")
        return "the form again, with its errors", 422

    with fresh.app_context():
        database.bind_to(fresh, db.connection())
    yield fresh


def _events(db: Session, action: str) -> int:
    return db.scalar(select(func.count()).where(AuditEvent.action == action)) or 0


def test_a_successful_change_is_committed_once_after_the_view(uow_app, db):
    response = uow_app.test_client().post("/_uow/done")
    assert response.status_code == 302
    assert _events(db, "uow.done") == 1


def test_a_refusal_rolls_back_and_goes_where_the_view_said(uow_app, db):
    client = uow_app.test_client()
    back = client.post("/_uow/refused-back")
    assert back.status_code == 302 and back.headers["Location"] == "/categories"
    assert "Too late for that." in client.get("/categories").get_data(as_text=True)
    page = client.post("/_uow/refused-page")
    assert page.status_code == 409 and "Too late for that." in page.get_data(as_text=True)
    assert _events(db, "uow.refused") == 0


def test_an_unprepared_refusal_is_the_error_page_with_its_reason(uow_app, db):
    response = uow_app.test_client().post("/_uow/unprepared")
    assert response.status_code == 409
    assert "Too late for that." in response.get_data(as_text=True)
    assert _events(db, "uow.refused") == 0


def test_a_refusal_asked_for_as_json_is_one_error_object(uow_app, db):
    response = uow_app.test_client().post(
        "/_uow/refused-back", headers={"Accept": "application/json"}
    )
    assert response.status_code == 409
    assert response.get_json() == {"error": {"code": "too_late", "message": "Too late for that."}}
    assert _events(db, "uow.refused") == 0


def test_an_answer_with_an_error_status_rolls_back(uow_app, db):
    assert uow_app.test_client().post("/_uow/invalid").status_code == 422
    assert _events(db, "uow.invalid") == 0
