"""Who may open what: every role against every protected page, and the admin actions.

A route missing from ROUTES fails ``test_every_route_is_in_the_matrix``: default deny is
kept by the test, so a new page cannot ship without its rule.
"""

from __future__ import annotations

import pytest

from prizes.accounts.models import Role
from tests.factories import make_user

ROLES = ["anonymous", "unverified", "voter", "stakeholder", "expert", "secretariat"]
PUBLIC = dict.fromkeys(ROLES, 200)
SIGNED_IN = {"anonymous": 302, **dict.fromkeys(ROLES[1:], 200)}
VERIFIED = {"anonymous": 302, "unverified": 302, **dict.fromkeys(ROLES[2:], 200)}


def only(*allowed: str) -> dict[str, int]:
    return {role: 302 if role == "anonymous" else 200 if role in allowed else 403 for role in ROLES}


# (method, path, expected status per role); GET pages and their rules.
ROUTES = {
    "contest.home": ("/", PUBLIC),
    "contest.categories": ("/categories", PUBLIC),
    "health.healthz": ("/healthz", PUBLIC),
    "health.readyz": ("/readyz", PUBLIC),
    "proof_of_work.challenge": ("/pow/challenge", PUBLIC),
    "accounts.register": ("/register", PUBLIC),
    "accounts.login": ("/login", PUBLIC),
    "accounts.unverified": ("/verify", PUBLIC),
    "accounts.forgot_password": ("/password/forgot", PUBLIC),
    "accounts.profile": ("/account", SIGNED_IN),
    "accounts.change_password": ("/account/password", SIGNED_IN),
    "accounts.change_email": ("/account/email", SIGNED_IN),
    "accounts.two_factor_setup": ("/account/two-factor", SIGNED_IN),
    "voting.my_votes": ("/vote/mine", VERIFIED),
    "stocktaking.mine": ("/projects/mine", only("stakeholder")),
    "stocktaking.search": ("/projects/", PUBLIC),
    "stocktaking.create": ("/projects/new", only("stakeholder")),
    "nominations.nominated": ("/nominated", PUBLIC),
    "review.home": ("/review/", only("expert", "secretariat")),
    "voting.index": ("/vote/", PUBLIC),
    "voting.check_receipt": ("/vote/receipt", PUBLIC),
    "rounds.index": ("/admin/rounds/", only("secretariat")),
    "exports.index": ("/admin/exports/", only("secretariat")),
    "editions.index": ("/admin/editions/", only("secretariat")),
    "editions.create": ("/admin/editions/new", only("secretariat")),
    "admin.dashboard": ("/admin/", only("secretariat")),
    "results.archive": ("/results", PUBLIC),
    "review.scoring_list": ("/review/score/nomination/", only("expert")),
    "admin.users": ("/admin/users", only("secretariat")),
    "admin.outbox": ("/admin/outbox", only("secretariat")),
    "admin.user": ("/admin/users/{user_id}", only("secretariat")),
}
# Routes that only take POST, need a token, or are about one object; each is tested in its
# own domain's tests (tests/nominations, tests/stocktaking).
NOT_PAGES = {
    "static",
    # Pages about one object: their object-level rules are tested in their own domains.
    "stocktaking.detail",
    "stocktaking.edit",
    "nominations.detail",
    "nominations.image",
    "nominations.start",
    "nominations.edit",
    "nominations.withdraw",
    "review.queue",
    "review.decide",
    "voting.ballot",
    "voting.category",
    "voting.after",
    "voting.finish",
    "voting.results",
    "voting.export",
    "rounds.create",
    "rounds.detail",
    "rounds.invalidate",
    "rounds.advance",
    "rounds.proof_of_work",
    "rounds.flags",
    "editions.edit",
    "editions.rubric",
    "rounds.compute_flags",
    "rounds.decide_flag",
    "review.accept_invitation",
    "review.score",
    "results.edition",
    "results.export",
    "experts.index",
    "experts.invite",
    "experts.assign",
    "experts.rules",
    "experts.scores",
    "experts.reopen",
    "experts.apply_stage_one",
    "experts.decide",
    "experts.publish",
    "accounts.verify_email",
    "accounts.resend_verification",
    "accounts.logout",
    "accounts.reset_password",
    "accounts.become_stakeholder",
    "accounts.confirm_email_change",
    "accounts.login_code",
    "accounts.two_factor_qr",
    "admin.change_role",
    "admin.change_status",
    # POST only, and a download per export (tests/test_exports.py checks who gets it).
    "exports.request_export",
    "exports.download",
}


def test_every_route_is_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - set(ROUTES) - NOT_PAGES == set()


def _sign_in(client, db, role: str):
    if role == "anonymous":
        return None
    roles = {
        "stakeholder": (Role.STAKEHOLDER,),
        "expert": (Role.EXPERT,),
        "secretariat": (Role.SECRETARIAT,),
    }
    user = make_user(verified=role != "unverified", roles=roles.get(role, ()))
    db.commit()
    client.login(user.email)
    return user


@pytest.mark.parametrize("role", ROLES)
def test_page_access_matrix(client, db, role):
    user = _sign_in(client, db, role)
    target = make_user()
    db.commit()
    for endpoint, (path, expected) in ROUTES.items():
        url = path.format(user_id=target.id)
        response = client.get(url)
        assert response.status_code == expected[role], (endpoint, role, response.status_code)
        if response.status_code == 302 and role == "anonymous":
            assert "/login" in response.location
    del user


@pytest.mark.parametrize("role", ["voter", "stakeholder", "expert"])
def test_only_the_secretariat_changes_roles_or_disables_accounts(client, db, role):
    _sign_in(client, db, role)
    target = make_user()
    db.commit()
    grant = client.post_form(
        f"/admin/users/{target.id}/roles", {"role": "secretariat", "action": "grant"}
    )
    disable = client.post_form(f"/admin/users/{target.id}/status")
    assert grant.status_code == disable.status_code == 403
    db.refresh(target)
    assert not target.has_role(Role.SECRETARIAT) and target.is_active


def test_the_secretariat_grants_roles_but_never_expert(client, db):
    _sign_in(client, db, "secretariat")
    target = make_user()
    db.commit()
    response = client.post_form(
        f"/admin/users/{target.id}/roles", {"role": "stakeholder", "action": "grant"}
    )
    assert response.status_code == 302
    expert = client.post_form(
        f"/admin/users/{target.id}/roles", {"role": "expert", "action": "grant"}
    )
    assert expert.status_code == 422
    db.refresh(target)
    assert target.role_names == {Role.STAKEHOLDER}


def test_disabling_an_account_ends_its_sessions(app, client, db):
    _sign_in(client, db, "secretariat")
    target = make_user()
    db.commit()
    victim = app.test_client()
    victim.login(target.email)
    assert victim.get("/account").status_code == 200
    assert client.post_form(f"/admin/users/{target.id}/status").status_code == 302
    assert victim.get("/account").status_code == 302


def test_unknown_user_is_a_404_for_the_secretariat(client, db):
    _sign_in(client, db, "secretariat")
    assert client.get("/admin/users/999999").status_code == 404
    assert (
        client.post_form(
            "/admin/users/999999/roles", {"role": "stakeholder", "action": "grant"}
        ).status_code
        == 404
    )
