"""Projects: public browse and search, detail pages, and the stakeholder's own entries."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from prizes.accounts.models import Role
from prizes.accounts.permissions import roles_required, signed_in_user, visitor_has_role
from prizes.contest.queries import get_edition_open_for_submissions, list_categories
from prizes.core.clock import now
from prizes.core.forms import form_page
from prizes.core.params import int_arg
from prizes.core.vocabulary import entry_country_choices
from prizes.stocktaking import services
from prizes.stocktaking.forms import EntryForm, SearchForm
from prizes.stocktaking.models import EntryStatus
from prizes.stocktaking.queries import (
    entry_is_locked,
    entry_nominations,
    get_entry,
    list_entries_owned_by,
    nominations_by,
    search_entries,
    why_not_nominable,
)

bp = Blueprint("stocktaking", __name__, url_prefix="/projects")


@bp.route("/")
def search() -> ResponseReturnValue:
    form = SearchForm(request.args, categories=list_categories(), countries=entry_country_choices())
    open_edition = get_edition_open_for_submissions(now())
    context = {"open_edition": open_edition}
    if not form.validate():
        return render_template("stocktaking/search.html", form=form, page=None, **context), 400
    page = search_entries(form.filters(open_edition=open_edition), page=int_arg("page", 1))
    return render_template(
        "stocktaking/search.html",
        form=form,
        page=page,
        may_add_project=visitor_has_role(Role.STAKEHOLDER),
        **context,
    )


@bp.route("/<int:entry_id>")
def detail(entry_id: int) -> ResponseReturnValue:
    entry = get_entry(entry_id) or abort(404)
    can_edit = current_user.is_authenticated and services.can_edit_entry(current_user, entry)
    if entry.status != EntryStatus.PUBLISHED and not can_edit:
        abort(404)
    open_edition = get_edition_open_for_submissions(now())
    nominator = open_edition is not None and visitor_has_role(Role.STAKEHOLDER)
    # Said before any form is written: a project nominated in this edition already, or one
    # that won before, offers no Nominate button but the reason (to nominators only: a
    # submission not yet public is not the public's to know).
    not_nominable = (
        why_not_nominable(entry, open_edition)
        if nominator and open_edition and entry.status == EntryStatus.PUBLISHED
        else None
    )
    return render_template(
        "stocktaking/detail.html",
        entry=entry,
        nominations=entry_nominations(entry.id),
        open_edition=open_edition,
        can_edit=can_edit,
        may_nominate=nominator and not_nominable is None,
        not_nominable=not_nominable,
    )


@bp.route("/mine")
@roles_required(Role.STAKEHOLDER)
def mine() -> ResponseReturnValue:
    return render_template(
        "stocktaking/mine.html",
        entries=list_entries_owned_by(current_user.id),
        nominations=nominations_by(current_user.id),
        open_edition=get_edition_open_for_submissions(now()),
    )


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.STAKEHOLDER)
def create() -> ResponseReturnValue:
    form = EntryForm(countries=entry_country_choices())
    if form.validate_on_submit():
        entry = services.create_entry(form.fields(), by=signed_in_user(), now=now())
        flash(_("The project is added to the stocktaking."), "success")
        return redirect(url_for("stocktaking.detail", entry_id=entry.id))
    return form_page("stocktaking/edit.html", form, entry=None)


@bp.route("/<int:entry_id>/edit", methods=["GET", "POST"])
@roles_required(Role.STAKEHOLDER, Role.SECRETARIAT)
def edit(entry_id: int) -> ResponseReturnValue:
    entry = get_entry(entry_id) or abort(404)
    if not services.can_edit_entry(current_user, entry):
        abort(403)
    if not visitor_has_role(Role.SECRETARIAT) and entry_is_locked(entry):
        flash(str(services.EntryLocked.message), "warning")
        return redirect(url_for("stocktaking.detail", entry_id=entry.id))
    initial = None if request.method == "POST" else EntryForm.data_of(entry)
    form = EntryForm(countries=entry_country_choices(), data=initial)
    if form.validate_on_submit():
        services.update_entry(entry, form.fields(), by=signed_in_user(), now=now())
        flash(_("The project is saved."), "success")
        return redirect(url_for("stocktaking.detail", entry_id=entry.id))
    return form_page("stocktaking/edit.html", form, entry=entry)
