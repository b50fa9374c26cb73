"""Bulk import of stocktaking entries in the browser, for the secretariat: upload, read the
dry run's report, confirm, and follow the worker's progress (see
``prizes.stocktaking.uploads``)."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, jsonify, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from prizes.accounts.models import Role
from prizes.accounts.permissions import roles_required, signed_in_user
from prizes.admin.forms import ImportUploadForm
from prizes.core.forms import SiteForm
from prizes.core.unit_of_work import on_refusal_go_to
from prizes.db import db
from prizes.jobs import run_import
from prizes.stocktaking import importer, uploads

bp = Blueprint("imports", __name__, url_prefix="/admin/imports")


@bp.before_request
@roles_required(Role.SECRETARIAT)
def _secretariat_only() -> None:
    """Only the secretariat imports entries."""


def _page(form: ImportUploadForm, status: int = 200) -> tuple[str, int]:
    runs = db.session.scalars(
        select(uploads.ImportRun).order_by(uploads.ImportRun.id.desc()).limit(30)
    )
    return render_template("admin/imports.html", form=form, runs=list(runs)), status


@bp.route("/")
def index() -> ResponseReturnValue:
    return _page(ImportUploadForm())


@bp.route("/", methods=["POST"])
def upload() -> ResponseReturnValue:
    form = ImportUploadForm()
    if not form.validate_on_submit():
        return _page(form, 422)
    storage = form.file.data
    try:
        run = uploads.check_upload(
            storage.read(),
            source_name=storage.filename or "upload.csv",
            folder=Path(current_app.config["IMPORT_FOLDER"]),
            by=signed_in_user(),
        )
    except importer.ImportFileError as error:
        form.file.errors = [*form.file.errors, str(error)]
        return _page(form, 422)
    return redirect(url_for("imports.detail", run_id=run.id))


def _run(run_id: int) -> uploads.ImportRun:
    return db.session.get(uploads.ImportRun, run_id) or abort(404)


@bp.route("/<int:run_id>")
def detail(run_id: int) -> ResponseReturnValue:
    """The run's report: every bad row of the dry run, or the import's progress and result."""
    return render_template("admin/import_run.html", run=_run(run_id), form=SiteForm())


@bp.route("/<int:run_id>/status.json")
def status(run_id: int) -> ResponseReturnValue:
    """What the progress bar polls."""
    run = _run(run_id)
    response = jsonify(
        status=run.status.value,
        done=run.done_count,
        total=run.row_count,
        percent=run.percent,
        moving=run.is_moving,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<int:run_id>/start", methods=["POST"])
def start(run_id: int) -> ResponseReturnValue:
    run = _run(run_id)
    if not SiteForm().validate_on_submit():
        abort(400)
    on_refusal_go_to(url_for("imports.detail", run_id=run.id))
    uploads.queue_import(run, by=signed_in_user())
    db.session.commit()
    run_import(run.id)  # after the commit, so that the worker finds the run queued
    return redirect(url_for("imports.detail", run_id=run.id))
