"""Sign-up, verification, sign-in, password reset and the profile."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from prizes.accounts import services, two_factor
from prizes.accounts.forms import (
    ChangeEmailForm,
    ChangePasswordForm,
    CodeForm,
    ConfirmLinkForm,
    EmailForm,
    LoginForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
)
from prizes.accounts.limits import email_key, email_network_key
from prizes.accounts.models import Role, User
from prizes.accounts.permissions import signed_in_user
from prizes.accounts.sessions import start_session
from prizes.core import i18n, proof_of_work
from prizes.core.clock import now
from prizes.core.errors import DomainError
from prizes.core.forms import form_page, given
from prizes.core.limits import closed_during_outage, failed, limiter, setting
from prizes.core.network import keyed_hash, network_hash
from prizes.core.tokens import InvalidToken
from prizes.core.unit_of_work import on_refusal, on_refusal_show
from prizes.core.urls import is_safe_next
from prizes.core.vocabulary import StakeholderType, country_choices
from prizes.db import db

bp = Blueprint("accounts", __name__)

CHECK_MAIL = "accounts/check_mail.html"


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(setting("LIMIT_REGISTER"), methods=["POST"])
@closed_during_outage
def register() -> ResponseReturnValue:
    form = RegisterForm()
    if not form.is_submitted():
        form.start_clock()
    if form.validate_on_submit():
        page = "accounts/register.html"
        proof_asked = current_app.config["REGISTRATION_PROOF_OF_WORK"]
        if proof_asked:
            on_refusal_show(page, form, field=form.altcha, proof_of_work=proof_asked)
            proof_of_work.require_solution(form.altcha.data)
        signal = form.automation_signal(current_app.config["REGISTRATION_MIN_SECONDS"])
        if signal == "script":
            # What no person's browser does: refused without saying why.
            return render_template(CHECK_MAIL, email=form.email.data)
        if signal == "too_fast":
            # Perhaps a password manager: never a false success, the form again with its
            # data (not the passwords) and a fresh clock. A 200, so that the proof of work
            # just spent is recorded as used and asked again.
            form.start_clock()
            return render_template(page, form=form, proof_of_work=proof_asked, recheck=True)
        on_refusal_show(page, form, field=form.email, proof_of_work=proof_asked)
        services.register_user(
            email=given(form.email.data),
            password=given(form.password.data),
            now=now(),
            language=i18n.current_language(),
        )
        # The same answer whether or not the address already had an account.
        return render_template(CHECK_MAIL, email=form.email.data)
    return _register_page(form)


def _register_page(form: RegisterForm) -> ResponseReturnValue:
    return form_page(
        "accounts/register.html",
        form,
        proof_of_work=current_app.config["REGISTRATION_PROOF_OF_WORK"],
    )


@bp.route("/verify/<token>", methods=["GET", "POST"])
def verify_email(token: str) -> ResponseReturnValue:
    """Opening the mailed link shows a button; only pressing it (a POST) verifies."""
    try:
        services.user_for_verify_token(token)
    except InvalidToken:
        flash(_("That confirmation link is expired or was already used."), "error")
        return redirect(url_for("accounts.unverified"))
    form = ConfirmLinkForm()
    if not form.validate_on_submit():
        return render_template("accounts/confirm_email.html", form=form)
    user = services.verify_email(token, now=now())
    flash(_("Thank you: your email address is confirmed."), "success")
    if current_user.is_authenticated and current_user.id == user.id:
        return redirect(url_for("accounts.profile"))
    return redirect(url_for("accounts.login"))


@bp.route("/verify")
def unverified() -> ResponseReturnValue:
    return render_template("accounts/unverified.html", form=EmailForm())


@bp.route("/verify/resend", methods=["POST"])
@limiter.limit(setting("LIMIT_MAIL_ADDRESS"))
@limiter.limit(setting("LIMIT_MAIL_ACCOUNT"), key_func=email_key)
@closed_during_outage
def resend_verification() -> ResponseReturnValue:
    form = EmailForm()
    if not form.validate_on_submit():
        return form_page("accounts/unverified.html", form)
    services.resend_verification(email=given(form.email.data))
    return render_template(CHECK_MAIL, email=form.email.data)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(setting("LIMIT_LOGIN_ADDRESS"), methods=["POST"])
@limiter.limit(
    setting("LIMIT_LOGIN_ACCOUNT"), key_func=email_network_key, methods=["POST"], deduct_when=failed
)
@limiter.limit(
    setting("LIMIT_LOGIN_MAILBOX"), key_func=email_key, methods=["POST"], deduct_when=failed
)
def login() -> ResponseReturnValue:
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(
                email=given(form.email.data),
                password=given(form.password.data),
                now=now(),
                network_hash=network_hash(request.remote_addr),
                device_hash=_device_hash(),
            )
        except DomainError as error:
            db.session.commit()  # keep the record of the failed attempt
            flash(error.message, "error")
            return form_page("accounts/login.html", form)
        session.clear()  # a fresh session at sign-in: nothing set before it carries over
        target = request.args.get("next")
        target = target if is_safe_next(target) else url_for("contest.home")
        if user.totp_enabled_at is not None:
            # The password is right; the second factor comes next, on its own page.
            session["pending_sign_in"] = {
                "id": user.id,
                "version": user.session_version,
                "remember": bool(form.remember.data),
                "next": target,
                "at": int(now().timestamp()),
            }
            return redirect(url_for("accounts.login_code"))
        _sign_in(user, remember=form.remember.data)
        return redirect(target)
    return form_page("accounts/login.html", form)


def _sign_in(user: User, *, remember: bool) -> None:
    login_user(user, remember=remember)
    start_session(remember, now())
    # A language chosen on this device before signing in is the reader's latest choice.
    chosen = i18n.supported(request.cookies.get(i18n.COOKIE))
    if chosen:
        services.set_language(user, chosen)
    i18n.remember_profile_language(user.language)


def _pending_key() -> str:
    return f"sign-in:{session.get('pending_sign_in', {}).get('id')}"


PENDING_SECONDS = 300


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(setting("LIMIT_LOGIN_ADDRESS"), methods=["POST"])
@limiter.limit(setting("LIMIT_LOGIN_ACCOUNT"), key_func=_pending_key, methods=["POST"])
def login_code() -> ResponseReturnValue:
    pending: dict[str, Any] = session.get("pending_sign_in") or {}
    user = db.session.get(User, pending["id"]) if pending else None
    fresh = bool(pending) and int(now().timestamp()) - pending["at"] < PENDING_SECONDS
    if (
        user is None
        or not fresh
        or user.session_version != pending["version"]
        or not user.is_active
    ):
        session.pop("pending_sign_in", None)
        flash(_("Please sign in again."), "info")
        return redirect(url_for("accounts.login"))
    form = CodeForm()
    if not form.validate_on_submit():
        return form_page("accounts/login_code.html", form)
    on_refusal_show("accounts/login_code.html", form, field=form.code)
    two_factor.verify(user, given(form.code.data), now=now())
    session.pop("pending_sign_in")
    _sign_in(user, remember=pending["remember"])
    return redirect(pending["next"])


@bp.route("/account/two-factor", methods=["GET", "POST"])
@login_required
def two_factor_setup() -> ResponseReturnValue:
    user = signed_in_user()
    form = CodeForm()
    if user.totp_enabled_at is not None:
        return _two_factor_status(user, form)
    secret = session.get("totp_setup") or two_factor.new_secret()
    session["totp_setup"] = secret
    context = {"secret": secret}
    if not form.validate_on_submit():
        return form_page("accounts/two_factor_setup.html", form, **context)
    on_refusal_show("accounts/two_factor_setup.html", form, field=form.code, **context)
    codes = two_factor.enable(user, secret=secret, code=given(form.code.data), now=now())
    session.pop("totp_setup", None)
    return render_template("accounts/recovery_codes.html", codes=codes)


@bp.route("/account/two-factor/qr.svg")
@login_required
def two_factor_qr() -> ResponseReturnValue:
    """The QR code of the secret being set up, drawn here (no outside service sees it)."""
    secret = session.get("totp_setup")
    if not secret:
        abort(404)
    svg = two_factor.provisioning_qr_svg(signed_in_user(), secret)
    return Response(svg, mimetype="image/svg+xml", headers={"Cache-Control": "no-store"})


def _two_factor_status(user: User, form: CodeForm) -> ResponseReturnValue:
    """Two-factor sign-in is on: show it; turning it off needs a code, and a role that
    allows it."""
    context = {
        "required": two_factor.requires_two_factor(user),
        "remaining": two_factor.remaining_recovery_codes(user),
    }
    if not form.validate_on_submit():
        return form_page("accounts/two_factor_status.html", form, **context)
    on_refusal_show("accounts/two_factor_status.html", form, field=form.code, **context)
    two_factor.disable(user, code=given(form.code.data), now=now())
    flash(_("Two-factor sign-in is off."), "success")
    return redirect(url_for("accounts.profile"))


def _device_hash() -> str | None:
    device = request.cookies.get("device")
    return keyed_hash(device) if device else None


@bp.route("/logout", methods=["POST"])  # POST only, so a link or image cannot sign anyone out
def logout() -> ResponseReturnValue:
    if current_user.is_authenticated:
        services.sign_out(signed_in_user())
    session.clear()
    logout_user()  # after the clear: it marks the remember-me cookie for deletion
    flash(_("You are signed out, on this device and every other."), "info")
    return redirect(url_for("contest.home"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(setting("LIMIT_MAIL_ADDRESS"), methods=["POST"])
@limiter.limit(setting("LIMIT_MAIL_ACCOUNT"), key_func=email_key, methods=["POST"])
@closed_during_outage
def forgot_password() -> ResponseReturnValue:
    form = EmailForm()
    if form.validate_on_submit():
        services.request_password_reset(email=given(form.email.data))
        return render_template(CHECK_MAIL, email=form.email.data, reset=True)
    return form_page("accounts/forgot_password.html", form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> ResponseReturnValue:
    try:
        services.user_for_reset_token(token)
    except InvalidToken:
        flash(_("That reset link is expired or was already used. Ask for a new one."), "error")
        return redirect(url_for("accounts.forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        services.reset_password(token, password=given(form.password.data), now=now())
        logout_user()
        flash(_("Your password is changed. Please sign in with it."), "success")
        return redirect(url_for("accounts.login"))
    return form_page("accounts/reset_password.html", form)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def profile() -> ResponseReturnValue:
    form = ProfileForm(obj=current_user, countries=country_choices())
    if form.validate_on_submit():
        services.update_profile(
            signed_in_user(),
            organisation_name=given(form.organisation_name.data),
            organisation_type=StakeholderType(form.organisation_type.data),
            country=form.country.data,
        )
        flash(_("Your profile is saved."), "success")
        # On the way to voting, back where the voter was going (a local path only).
        target = request.args.get("next")
        return redirect(target if is_safe_next(target) else url_for("accounts.profile"))
    return form_page(
        "accounts/profile.html",
        form,
        may_become_stakeholder=not current_user.has_role(Role.STAKEHOLDER),
    )


@bp.route("/language", methods=["POST"])
@limiter.limit(setting("LIMIT_LANGUAGE"))
def set_language() -> ResponseReturnValue:
    """The header's switcher: kept in a cookie, and in the profile of a signed-in reader.

    An unknown language is refused with a 400 and changes nothing; the reader goes back to
    the page they were on (only a local path is followed)."""
    language = i18n.supported(request.form.get("language"))
    if language is None or request.form.get("language") != language:
        abort(400)
    if current_user.is_authenticated:
        services.set_language(signed_in_user(), language)
        i18n.remember_profile_language(language)
    target = request.form.get("next")
    response = redirect(target if is_safe_next(target) else url_for("contest.home"), code=303)
    return i18n.remember_choice(response, language)


@bp.route("/account/stakeholder", methods=["POST"])
@login_required
def become_stakeholder() -> ResponseReturnValue:
    if not current_user.is_verified:
        flash(_("Please confirm your email address first."), "warning")
        return redirect(url_for("accounts.unverified"))
    services.become_stakeholder(signed_in_user())
    flash(_("You can now add projects and nominate them."), "success")
    return redirect(url_for("stocktaking.mine"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> ResponseReturnValue:
    form = ChangePasswordForm()
    if not form.validate_on_submit():
        return form_page("accounts/change_password.html", form)
    user = signed_in_user()
    on_refusal_show("accounts/change_password.html", form, field=form.current)
    services.change_password_checked(
        user, current=given(form.current.data), password=given(form.password.data)
    )
    login_user(user)  # this device stays signed in under the new session version
    start_session(False, now())
    flash(_("Your password is changed; other devices are signed out."), "success")
    return redirect(url_for("accounts.profile"))


@bp.route("/account/email", methods=["GET", "POST"])
@login_required
def change_email() -> ResponseReturnValue:
    form = ChangeEmailForm()
    if not form.validate_on_submit():
        return form_page("accounts/change_email.html", form)
    on_refusal(lambda error: _email_change_refused(form, error))
    services.request_email_change(
        signed_in_user(), current=given(form.current.data), new_email=given(form.email.data)
    )
    return render_template(CHECK_MAIL, email=form.email.data)


def _email_change_refused(form: ChangeEmailForm, error: DomainError) -> ResponseReturnValue:
    field = form.current if isinstance(error, services.WrongPassword) else form.email
    field.errors = [*field.errors, error.message]
    return form_page("accounts/change_email.html", form)


@bp.route("/account/email/<token>", methods=["GET", "POST"])
def confirm_email_change(token: str) -> ResponseReturnValue:
    """Opening the mailed link shows the new address and a button; only the POST changes."""
    try:
        _user, new_email = services.email_change_for_token(token)
    except InvalidToken:
        flash(_("That link is expired or was already used."), "error")
        return redirect(url_for("accounts.profile"))
    form = ConfirmLinkForm()
    if not form.validate_on_submit():
        return render_template("accounts/confirm_email.html", form=form, new_email=new_email)
    services.confirm_email_change(token)
    logout_user()
    flash(_("Your email address is changed. Please sign in with the new one."), "success")
    return redirect(url_for("accounts.login"))
