"""The application shell: configuration, pages every visitor sees, errors and headers."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from prizes import create_app


def test_home_and_categories_render(client):
    assert client.get("/").status_code == 200
    page = client.get("/categories").get_data(as_text=True)
    assert "ICT applications: e-agriculture" in page
    assert page.count("<tr>") == 19  # a header row and the 18 categories


def test_home_shows_the_current_edition_timeline(client, db):
    from tests.factories import make_edition

    make_edition(year=2031)
    db.commit()
    page = client.get("/").get_data(as_text=True)
    assert "Test edition" in page
    assert 'aria-current="step"' in page  # the submission phase is the current one


def test_unknown_page_gets_the_styled_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)
    assert '<main id="main"' in response.get_data(as_text=True)


def test_server_error_is_styled_and_shows_no_trace(app: Flask, tmp_path: Path):
    broken = create_app({**app.config, "INSTANCE_PATH": str(tmp_path)})

    @broken.route("/_boom")
    def boom():
        raise RuntimeError("secret internals")

    response = broken.test_client().get("/_boom")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong" in body
    assert "secret internals" not in body and "Traceback" not in body


def test_security_headers_on_every_response(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_private_pages_are_not_cached(client, login_as):
    login_as("voter")
    assert client.get("/account").headers["Cache-Control"] == "no-store"


def test_pages_use_no_external_assets(client):
    body = client.get("/").get_data(as_text=True)
    assert "http://" not in body.replace("http://localhost", "")
    assert "https://" not in body


def test_secret_key_is_generated_once_and_kept_in_the_instance_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.delenv("PRIZES_SECRET_KEY", raising=False)
    monkeypatch.setenv("PRIZES_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    first = create_app({"INSTANCE_PATH": str(tmp_path)})
    second = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert len(first.config["SECRET_KEY"]) >= 40
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_settings_come_from_prizes_environment_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("PRIZES_SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("PRIZES_DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    monkeypatch.setenv("PRIZES_MAIL_URL", "smtp://127.0.0.1:2525")
    monkeypatch.setenv("PRIZES_REDIS_URL", "redis://127.0.0.1:6379/0")
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert app.config["DATABASE_URL"].endswith("env.db")
    assert app.config["MAIL_URL"] == "smtp://127.0.0.1:2525"
    assert app.config["REDIS_URL"] == "redis://127.0.0.1:6379/0"


def test_default_database_is_sqlite_in_the_instance_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.delenv("PRIZES_DATABASE_URL", raising=False)
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'prizes.db'}"
