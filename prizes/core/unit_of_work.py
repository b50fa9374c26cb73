"""One unit of work per request, kept here so that no view repeats it.

A request that changes something commits once, after its view has answered with success; a
request answered with an error rolls back. A rule that refuses the action (a ``DomainError``
raised by a service) is answered in one place: the changes are rolled back and the reason is
shown where the view said it should be (``on_refusal_show`` or ``on_refusal_go_to``), or as
JSON to a client that asked for JSON. A view therefore states only what it asks and where
it goes::

    on_refusal_go_to(url_for("nominations.detail", nomination_id=nomination.id))
    services.withdraw_nomination(nomination, by=signed_in_user(), now=now())
    flash(_("The nomination is withdrawn."), "success")
    return redirect(url_for("stocktaking.mine"))
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import (
    Flask,
    Response,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
)
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException
from wtforms import Field, Form

from prizes.core.errors import DomainError, render_error_page, wants_json
from prizes.db import db

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

Answer = Callable[[DomainError], ResponseReturnValue]


def init_app(app: Flask) -> None:
    app.register_error_handler(DomainError, _refused)
    app.after_request(_end_unit_of_work)


def _end_unit_of_work(response: Response) -> Response:
    """Commit what a successful change did; roll back what an answer with an error began.
    GET requests change nothing (a test walks every one), so they are left to the session's
    closing at the end of the request."""
    if request.method in SAFE_METHODS:
        return response
    if response.status_code < 400 and not g.get("_refused"):
        db.session.commit()
    else:
        db.session.rollback()
    return response


def on_refusal_show(
    template: str, form: Form | None = None, *, field: Field | None = None, **context: Any
) -> None:
    """If a rule refuses this request's action, show ``template`` again with the refusal's
    status and the reason: under ``field`` as a form error, or else as a message above the
    page."""

    def answer(error: DomainError) -> ResponseReturnValue:
        if field is not None:
            field.errors = [*field.errors, error.message]
        else:
            flash(error.message, "error")
        return render_template(template, form=form, **context), error.status_code

    g._on_refusal = answer


def on_refusal_go_to(url: str) -> None:
    """If a rule refuses this request's action, say why on the page at ``url``."""

    def answer(error: DomainError) -> ResponseReturnValue:
        flash(error.message, "error")
        return redirect(url)

    g._on_refusal = answer


def on_refusal(answer: Answer) -> None:
    """If a rule refuses this request's action, let ``answer`` respond (after the rollback):
    for the few pages that show a refusal in their own way."""
    g._on_refusal = answer


def _refused(error: DomainError) -> ResponseReturnValue:
    db.session.rollback()
    g._refused = True
    if wants_json():
        return jsonify(error={"code": error.code, "message": error.message}), error.status_code
    answer: Answer | None = g.pop("_on_refusal", None)
    if answer is None:  # a refusal no view prepared for: the error page, with the reason
        return render_error_page(error.status_code, error.message)
    try:
        return answer(error)
    except HTTPException as http_error:  # e.g. the page to show again is itself a 404
        return current_app.handle_http_exception(http_error)
