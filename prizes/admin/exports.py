"""The secretariat's exports: ask for one, watch its status, download the file when done.

Asking only records the export and queues the job; the worker writes the file (see
``prizes.jobs.run_export``), so a round of two million votes never holds a request.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from prizes.accounts.models import Role
from prizes.accounts.permissions import roles_required, signed_in_user
from prizes.admin.forms import NominationExportForm, VoteExportForm
from prizes.contest.models import Edition
from prizes.core import audit
from prizes.core.clock import now
from prizes.db import db
from prizes.exports import archive, queries, services
from prizes.exports import edition as edition_exports
from prizes.exports.models import ExportKind
from prizes.jobs import run_export
from prizes.nominations.queries import list_editions
from prizes.voting import queries as voting_queries
from prizes.voting.models import VotingRound

bp = Blueprint("exports", __name__, url_prefix="/admin/exports")


@bp.before_request
@roles_required(Role.SECRETARIAT)
def _secretariat_only() -> None:
    """Votes and nominations leave the site only through the secretariat."""


def _forms() -> tuple[VoteExportForm, NominationExportForm]:
    editions = list_editions()
    rounds = [
        (r.id, f"{edition.title}: {r.title}")
        for edition in editions
        for r in voting_queries.list_rounds(edition.id)
    ]
    return (
        VoteExportForm(rounds=rounds),
        NominationExportForm(editions=[(e.id, e.title) for e in editions]),
    )


def _page(
    vote_form: VoteExportForm, nomination_form: NominationExportForm, status: int = 200
) -> tuple[str, int]:
    page = render_template(
        "admin/exports.html",
        exports=queries.list_exports(),
        vote_form=vote_form,
        nomination_form=nomination_form,
        editions=list_editions(),
    )
    return page, status


@bp.route("/")
def index() -> ResponseReturnValue:
    return _page(*_forms())


@bp.route("/<any(votes, nominations):kind>", methods=["POST"])
def request_export(kind: str) -> ResponseReturnValue:
    vote_form, nomination_form = _forms()
    form = vote_form if kind == "votes" else nomination_form
    if not form.validate_on_submit():
        return _page(vote_form, nomination_form, 422)
    if kind == "votes":
        voting_round = db.session.get(VotingRound, vote_form.voting_round.data) or abort(404)
        export = services.request_export(
            ExportKind.VOTES, voting_round=voting_round, by=signed_in_user(), now=now()
        )
    else:
        edition = db.session.get(Edition, nomination_form.edition.data) or abort(404)
        export = services.request_export(
            ExportKind.NOMINATIONS, edition=edition, by=signed_in_user(), now=now()
        )
    run_export(export.id)  # recorded with the export; queued once the request commits
    flash(_("The export is queued; it appears below when it is ready."), "success")
    return redirect(url_for("exports.index"))


@bp.route("/<int:export_id>/download")
def download(export_id: int) -> ResponseReturnValue:
    export = queries.get_export(export_id) or abort(404)
    path = services.export_file(export, folder=Path(current_app.config["EXPORT_FOLDER"]))
    if path is None:
        abort(404)
    services.record_download(export, by=signed_in_user())
    db.session.commit()
    response = send_file(
        path,
        mimetype="text/csv",
        as_attachment=True,
        download_name=export.download_name,
        max_age=0,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/editions/<int:edition_id>/edition.json")
def edition_archive(edition_id: int) -> ResponseReturnValue:
    """The whole edition as one JSON document that ``flask import-edition`` reads back."""
    edition = db.session.get(Edition, edition_id) or abort(404)
    audit.record(
        db.session,
        "export.edition_downloaded",
        actor=signed_in_user(),
        target=edition,
        table="archive",
        format="json",
    )
    db.session.commit()
    response = current_app.response_class(
        json.dumps(archive.dump_edition(edition), ensure_ascii=False),
        mimetype="application/json",
    )
    filename = f"wsis-edition-{edition.year}.json"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/editions/<int:edition_id>/tables.<any(csv, xlsx):kind>")
def edition_tables(edition_id: int, kind: str) -> ResponseReturnValue:
    """An edition's tables, written as they are read: one table as CSV (``?table=``), or
    every table as one XLSX workbook. Each download is kept in the audit trail."""
    edition = db.session.get(Edition, edition_id) or abort(404)
    name = request.args.get("table", "nominations")
    if name not in edition_exports.TABLES:
        abort(400, _("There is no such table."))
    audit.record(
        db.session,
        "export.edition_downloaded",
        actor=signed_in_user(),
        target=edition,
        table=name if kind == "csv" else "all",
        format=kind,
    )
    db.session.commit()
    if kind == "xlsx":
        buffer = io.BytesIO()
        edition_exports.write_xlsx(buffer, edition)
        response = current_app.response_class(
            buffer.getvalue(),
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        filename = f"wsis-edition-{edition.year}.xlsx"
    else:
        text = io.StringIO()
        edition_exports.write_table_csv(text, edition, name)
        response = current_app.response_class(text.getvalue(), mimetype="text/csv")
        filename = f"wsis-edition-{edition.year}-{name}.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
