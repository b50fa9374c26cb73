"""Nominating a project, the nominator's edits, and the public nominated lists."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from prizes.accounts.models import Role
from prizes.accounts.permissions import roles_required, signed_in_user
from prizes.contest.queries import (
    get_current_edition,
    get_edition_open_for_submissions,
    list_categories,
)
from prizes.core.clock import now
from prizes.core.forms import form_page
from prizes.core.params import int_arg
from prizes.core.unit_of_work import on_refusal_go_to, on_refusal_show
from prizes.core.vocabulary import country_choices
from prizes.nominations import images, queries, rules, services
from prizes.nominations.forms import NominationForm
from prizes.nominations.models import Nomination, NominationStatus
from prizes.stocktaking.forms import SearchForm
from prizes.stocktaking.queries import get_entry

bp = Blueprint("nominations", __name__)

FORM = "nominations/form.html"


@bp.route("/nominated")
@bp.route("/editions/<int:year>/nominated")
def nominated(year: int | None = None) -> ResponseReturnValue:
    edition = queries.get_edition_by_year(year) if year else get_current_edition(now())
    if edition is None and year is not None:
        abort(404)
    categories = list_categories()
    form = SearchForm(request.args, categories=categories, countries=country_choices())
    if edition is None or not form.validate():
        status = 400 if form.errors else 200
        page = "nominations/nominated.html"
        return render_template(page, form=form, page=None, edition=edition), status
    filters = form.filters()
    return render_template(
        "nominations/nominated.html",
        form=form,
        edition=edition,
        editions=queries.list_editions(),
        categories=categories,
        counts=queries.count_nominated_by_category(edition, filters),
        page=queries.search_nominated(edition, filters, page=int_arg("page", 1)),
    )


def _visible_nomination(nomination_id: int) -> Nomination:
    """The nomination if the visitor may see it; otherwise 404, which does not reveal it."""
    nomination = queries.get_nomination(nomination_id) or abort(404)
    if nomination.is_public:
        return nomination
    if not current_user.is_authenticated:
        abort(404)
    if current_user.id == nomination.nominator_id:
        return nomination
    # A draft is the nominator's alone until submitted; reviewers see what was sent.
    if nomination.status != NominationStatus.DRAFT and services.can_review(
        current_user, nomination
    ):
        return nomination
    abort(404)


@bp.route("/nominations/<int:nomination_id>")
def detail(nomination_id: int) -> ResponseReturnValue:
    nomination = _visible_nomination(nomination_id)
    mine = current_user.is_authenticated and current_user.id == nomination.nominator_id
    return render_template(
        "nominations/detail.html",
        nomination=nomination,
        can_edit=current_user.is_authenticated and nomination.can_edit(current_user, now()),
        # The review's comment, and the integrity decisions, are for the nominator only.
        show_reason=mine,
        integrity_decisions=services.integrity_decisions(nomination) if mine else [],
    )


@bp.route("/nominations/<int:nomination_id>/image")
def image(nomination_id: int) -> ResponseReturnValue:
    nomination = _visible_nomination(nomination_id)
    if not nomination.image_path:
        abort(404)
    suffix = nomination.image_path.rsplit(".", 1)[-1]
    return send_from_directory(
        images.upload_folder(), nomination.image_path, mimetype=images.MIME_BY_SUFFIX.get(suffix)
    )


@bp.route("/projects/<int:entry_id>/nominate", methods=["GET", "POST"])
@roles_required(Role.STAKEHOLDER)
def start(entry_id: int) -> ResponseReturnValue:
    entry = get_entry(entry_id) or abort(404)
    edition = get_edition_open_for_submissions(now())
    if edition is None:
        flash(_("No edition is open for submissions now."), "warning")
        return redirect(url_for("stocktaking.detail", entry_id=entry.id))
    reason = rules.why_not_nominable(entry, edition)
    if reason is not None:  # said before the form is written, not after
        flash(reason, "warning")
        return redirect(url_for("stocktaking.detail", entry_id=entry.id))
    categories = [c for c in list_categories() if c.action_line in entry.action_line_codes]
    form = NominationForm(categories=categories)
    context: dict[str, Any] = {"entry": entry, "edition": edition, "nomination": None}
    if not form.validate_on_submit():
        return form_page(FORM, form, **context)
    on_refusal_show(FORM, form, **context)
    nomination = services.start_nomination(
        entry, edition=edition, category=form.fields().category, by=signed_in_user(), now=now()
    )
    _save(nomination, form)
    return _after_save(nomination)


@bp.route("/nominations/<int:nomination_id>/edit", methods=["GET", "POST"])
@roles_required(Role.STAKEHOLDER)
def edit(nomination_id: int) -> ResponseReturnValue:
    nomination = queries.get_nomination(nomination_id) or abort(404)
    if nomination.nominator_id != current_user.id:
        abort(404)
    categories = [
        c for c in list_categories() if c.action_line in nomination.entry.action_line_codes
    ]
    initial = None if request.method == "POST" else NominationForm.data_of(nomination)
    form = NominationForm(categories=categories, data=initial)
    context: dict[str, Any] = {
        "entry": nomination.entry,
        "edition": nomination.edition,
        "nomination": nomination,
    }
    if not nomination.can_edit(current_user, now()):
        flash(
            str(services.SubmissionClosed.message)
            if not nomination.edition.accepts_submissions(now())
            else str(services.NotEditable.message),
            "warning",
        )
        return redirect(url_for("nominations.detail", nomination_id=nomination.id))
    if not form.validate_on_submit():
        return form_page(FORM, form, checks=rules.automatic_checks(nomination), **context)
    on_refusal_show(FORM, form, **context)
    _save(nomination, form)
    return _after_save(nomination)


def _save(nomination: Nomination, form: NominationForm) -> None:
    """Save the form into the nomination, attach the image, and submit if asked."""
    user, moment = signed_in_user(), now()
    services.update_nomination(nomination, form.fields(), by=user, now=moment)
    upload = form.image.data
    if upload and getattr(upload, "filename", ""):
        images.store_image(nomination, upload.read(images.MAX_BYTES + 1))
    if request.form.get("action") == "submit":
        services.submit_nomination(nomination, by=user, now=moment)


def _after_save(nomination: Nomination) -> ResponseReturnValue:
    if nomination.status == NominationStatus.SUBMITTED and request.form.get("action") == "submit":
        flash(_("Your nomination is submitted. You can change it until the deadline."), "success")
        return redirect(url_for("nominations.detail", nomination_id=nomination.id))
    flash(_("Your draft is saved."), "success")
    return redirect(url_for("nominations.edit", nomination_id=nomination.id))


@bp.route("/nominations/<int:nomination_id>/withdraw", methods=["POST"])
@roles_required(Role.STAKEHOLDER)
def withdraw(nomination_id: int) -> ResponseReturnValue:
    nomination = queries.get_nomination(nomination_id) or abort(404)
    if nomination.nominator_id != current_user.id:
        abort(404)
    on_refusal_go_to(url_for("nominations.detail", nomination_id=nomination.id))
    services.withdraw_nomination(nomination, by=signed_in_user(), now=now())
    flash(_("The nomination is withdrawn."), "success")
    return redirect(url_for("stocktaking.mine"))
