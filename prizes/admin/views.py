"""The secretariat's screens: overview, accounts and roles, the outbox, the jobs and the
audit trail."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from prizes.accounts import services as accounts
from prizes.accounts.emails import PACKAGE_DOMAINS
from prizes.accounts.models import BlockedMailDomain, Role, User
from prizes.accounts.permissions import roles_required, signed_in_user
from prizes.accounts.queries import count_users, list_blocked_domains, users_matching
from prizes.admin import audit_trail, console, figures
from prizes.admin.forms import (
    MANAGED_ROLES,
    BlockedDomainForm,
    NextStepForm,
    ResendMailForm,
    RoleChangeForm,
    UserSearchForm,
)
from prizes.contest.models import Edition
from prizes.contest.queries import list_categories
from prizes.core import outbox as mail_outbox
from prizes.core import runs as job_runs
from prizes.core.audit import record
from prizes.core.clock import now
from prizes.core.errors import render_error_page
from prizes.core.forms import form_page, given
from prizes.core.mail import MailStatus, OutgoingMail, read_outbox
from prizes.core.pagination import paginate
from prizes.core.params import int_arg
from prizes.core.unit_of_work import on_refusal, on_refusal_show
from prizes.db import db
from prizes.nominations.models import NominationStatus
from prizes.nominations.queries import list_editions

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@roles_required(Role.SECRETARIAT)
def _secretariat_only() -> None:
    """Every screen here is for the secretariat: checked once for the whole blueprint."""


@bp.route("/")
def dashboard() -> ResponseReturnValue:
    """The console: an edition's phase, its next step with a button, and its figures (the
    newest edition, or the one chosen with ``?edition=``)."""
    editions = list_editions()
    edition_id = int_arg("edition")
    if edition_id is None:
        return _dashboard_page(editions, editions[0] if editions else None, NextStepForm())
    edition = next((e for e in editions if e.id == edition_id), None)
    if edition is None:
        return render_error_page(404, _("There is no edition number %(id)d.", id=edition_id))
    return _dashboard_page(editions, edition, NextStepForm())


def _dashboard_page(
    editions: list[Edition],
    edition: Edition | None,
    form: NextStepForm,
    status: int = 200,
    refusal: str | None = None,
) -> ResponseReturnValue:
    moment = now()
    context: dict[str, object] = {
        "users": count_users(),
        "editions": editions,
        "voting_editions": console.open_edition_ids(moment),
        "edition": edition,
        "form": form,
        "refusal": refusal,
        "moment": moment,
        "phase_labels": console.PHASE_LABELS,
        "step_buttons": {kind.value: label for kind, label in console.STEP_BUTTONS.items()},
        "stage_labels": {stage.value: label for stage, label in console.STAGE_LABELS.items()},
    }
    if edition is not None:
        standing = console.standing(edition, now=moment)
        context.update(standing=standing, figures=figures.figures_of(standing, now=moment))
    return render_template("admin/dashboard.html", **context), status


@bp.route("/editions/<int:edition_id>/next-step", methods=["POST"])
def take_next_step(edition_id: int) -> ResponseReturnValue:
    """The console's button: the edition's next step, by the service that owns it. A
    refusal shows the console again, with the reason and the refusal's status."""
    edition = db.session.get(Edition, edition_id) or abort(404)
    form = NextStepForm()
    if not form.validate_on_submit():
        # A step the page did not name reads as a page out of date; the reason's own
        # error shows under its field.
        stale = str(console.StepMoved.message) if form.step.errors else None
        return _dashboard_page(list_editions(), edition, form, 422, refusal=stale)
    on_refusal(
        lambda error: _dashboard_page(
            list_editions(), edition, form, error.status_code, refusal=error.message
        )
    )
    message = console.take_next_step(
        edition,
        step=given(form.step.data),
        by=signed_in_user(),
        now=now(),
        reason=form.reason.data,
    )
    flash(message, "success")
    return redirect(url_for("admin.dashboard", edition=edition.id))


@bp.route("/nominations")
def nominations() -> ResponseReturnValue:
    """The nominations behind the console's counts: an edition's, by category and status."""
    edition = db.session.get(Edition, int_arg("edition") or 0)
    if edition is None:
        return render_error_page(400, _("Choose an edition: “edition” names none."))
    category_id = int_arg("category")
    status_name = request.args.get("status", "").strip()
    if status_name and status_name not in {s.value for s in NominationStatus}:
        return render_error_page(400, _("“status” is not a status of a nomination."))
    status = NominationStatus(status_name) if status_name else None
    query = figures.nominations_query(edition, category_id=category_id, status=status)
    page = paginate(query, page=int_arg("page", 1))
    return render_template(
        "admin/nominations.html",
        edition=edition,
        category=next((c for c in list_categories() if c.id == category_id), None),
        status=status,
        page=page,
    )


@bp.route("/users")
def users() -> ResponseReturnValue:
    form = UserSearchForm(request.args)
    if not form.validate():
        return render_template("admin/users.html", form=form, page=None), 422
    role = Role(form.role.data) if form.role.data else None
    page = paginate(users_matching(form.q.data or "", role), page=int_arg("page", 1))
    return render_template("admin/users.html", form=form, page=page)


@bp.route("/users/<int:user_id>")
def user(user_id: int) -> ResponseReturnValue:
    account = db.session.get(User, user_id) or abort(404)
    return _user_page(account, RoleChangeForm())


def _user_page(account: User, role_form: RoleChangeForm, status: int = 200) -> ResponseReturnValue:
    revocable = [r for r in MANAGED_ROLES if r in account.role_names]
    page = render_template(
        "admin/user.html", account=account, role_form=role_form, revocable_roles=revocable
    )
    return page, status


@bp.route("/users/<int:user_id>/roles", methods=["POST"])
def change_role(user_id: int) -> ResponseReturnValue:
    account = db.session.get(User, user_id) or abort(404)
    form = RoleChangeForm()
    if not form.validate_on_submit():
        return _user_page(account, form, 422)
    role = Role(form.role.data)
    if form.action.data == "revoke" and account.id == current_user.id and role == Role.SECRETARIAT:
        flash(_("You cannot remove your own secretariat role."), "error")
        return redirect(url_for("admin.user", user_id=account.id))
    if form.action.data == "grant":
        accounts.grant_role(account, role, by=signed_in_user())
    else:
        accounts.revoke_role(account, role, by=signed_in_user())
    flash(_("Roles updated."), "success")
    return redirect(url_for("admin.user", user_id=account.id))


@bp.route("/users/<int:user_id>/status", methods=["POST"])
def change_status(user_id: int) -> ResponseReturnValue:
    account = db.session.get(User, user_id) or abort(404)
    if account.id == current_user.id:
        flash(_("You cannot disable your own account."), "error")
    elif account.is_active:
        accounts.disable_user(account, by=signed_in_user(), now=now())
        flash(_("The account is disabled and signed out everywhere."), "success")
    else:
        accounts.enable_user(account, by=signed_in_user())
        flash(_("The account is enabled."), "success")
    return redirect(url_for("admin.user", user_id=account.id))


@bp.route("/outbox")
def outbox() -> ResponseReturnValue:
    """Every mail's state (waiting, sent, unconfirmed, failed), or one state's (``?state=``),
    and without a mail server the demo's offline mailbox. With a mail server no message is
    shown: they hold other people's sign-in links (and a sent mail's body is erased)."""
    state = mail_outbox.parse_status(request.args.get("state"))
    offline = not current_app.config.get("MAIL_URL")
    return render_template(
        "admin/outbox.html",
        counts=mail_outbox.counts(db.session),
        mails=mail_outbox.recent(db.session, status=state),
        state=state,
        messages=read_outbox() if offline else [],
        offline=offline,
        statuses=list(MailStatus),
        resend_form=ResendMailForm(),
        resendable=mail_outbox.resendable,
        may_have_arrived=mail_outbox.may_have_arrived,
    )


@bp.route("/outbox/<int:mail_id>/resend", methods=["POST"])
def resend_mail(mail_id: int) -> ResponseReturnValue:
    """A failed mail goes back to waiting; one that may have arrived is sent again as a copy
    only after a confirmation page; one whose text is erased is refused (409), saying why."""
    mail = db.session.get(OutgoingMail, mail_id) or abort(404)
    form = ResendMailForm()
    if not form.validate_on_submit():
        return render_template("admin/outbox_resend.html", mail=mail, form=form), 400
    on_refusal(
        lambda refusal: (
            render_template("admin/outbox_resend.html", mail=mail, form=form, refusal=refusal),
            refusal.status_code,
        )
    )
    done = mail_outbox.resend(
        mail, session=db.session, by=signed_in_user(), confirmed=form.confirm.data == "yes"
    )
    if done is mail_outbox.Resend.ASK_FIRST:
        return render_template("admin/outbox_resend.html", mail=mail, form=form)
    if done is mail_outbox.Resend.REQUEUED:
        flash(_("The mail is waiting to be sent again."), "success")
    else:
        flash(_("A copy of the mail is waiting to be sent."), "success")
    return redirect(url_for("admin.outbox"))


@bp.route("/audit")
def audit() -> ResponseReturnValue:
    """The audit trail, newest first, filtered by actor, action, object and day."""
    on_refusal(
        lambda refusal: (_audit_page(page=None, refusal=refusal.message), refusal.status_code)
    )
    filters = audit_trail.parse_filters(request.args)
    page = audit_trail.list_events(
        filters,
        size=audit_trail.page_size(request.args),
        before=int_arg("before"),
        after=int_arg("after"),
    )
    return _audit_page(page=page, filters=filters)


def _audit_page(**context: object) -> str:
    return render_template(
        "admin/audit.html",
        actions=sorted(audit_trail.KNOWN_ACTIONS),
        object_types=audit_trail.object_types(),
        describe=audit_trail.describe_data,
        args=request.args,
        **context,
    )


@bp.route("/audit.csv")
def audit_csv() -> ResponseReturnValue:
    """The filtered trail as CSV, streamed in batches; the download is itself audited."""
    filters = audit_trail.parse_filters(request.args)
    record(
        db.session, "audit.exported", actor=signed_in_user(), filters=audit_trail.summary(filters)
    )
    db.session.commit()
    response = current_app.response_class(
        stream_with_context(audit_trail.csv_lines(filters)),
        content_type="text/csv; charset=utf-8",
    )
    response.headers["Content-Disposition"] = 'attachment; filename="wsis-audit-trail.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/jobs")
def jobs() -> ResponseReturnValue:
    """The jobs that matter (fraud checks, exports) and how far each got, on any host."""
    return render_template("admin/jobs.html", runs=job_runs.recent(db.session))


@bp.route("/mail-domains", methods=["GET", "POST"])
def mail_domains() -> ResponseReturnValue:
    """The throw-away mail domains: the package's list is the base (its size is shown), and
    the secretariat adds the ones it meets."""
    form = BlockedDomainForm()
    if form.validate_on_submit():
        on_refusal_show("admin/mail_domains.html", form, field=form.domain, **_domain_lists())
        accounts.block_mail_domain(
            given(form.domain.data), reason=form.reason.data, by=signed_in_user()
        )
        flash(_("The domain is refused from now on."), "success")
        return redirect(url_for("admin.mail_domains"))
    return form_page("admin/mail_domains.html", form, **_domain_lists())


def _domain_lists() -> dict[str, object]:
    return {"blocked": list_blocked_domains(), "package_count": len(PACKAGE_DOMAINS)}


@bp.route("/mail-domains/<int:domain_id>/remove", methods=["POST"])
def unblock_mail_domain(domain_id: int) -> ResponseReturnValue:
    blocked = db.session.get(BlockedMailDomain, domain_id) or abort(404)
    accounts.unblock_mail_domain(blocked, by=signed_in_user())
    flash(_("The domain is no longer refused."), "success")
    return redirect(url_for("admin.mail_domains"))
