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
NOBODY = dict.fromkeys(ROLES, 404)  # no such object, for anyone
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
    "disputes.mine": ("/disputes/mine", VERIFIED),
    "disputes.admin_index": ("/admin/disputes/", only("secretariat")),
    "disputes.referred": ("/review/disputes/", only("expert")),
    "stocktaking.mine": ("/projects/mine", only("stakeholder")),
    "stocktaking.search": ("/projects/", PUBLIC),
    "stocktaking.create": ("/projects/new", only("stakeholder")),
    "nominations.nominated": ("/nominated", PUBLIC),
    "review.home": ("/review/", only("expert", "secretariat")),
    "voting.index": ("/vote/", PUBLIC),
    "voting.check_receipt": ("/vote/receipt", PUBLIC),
    "transparency.public_key": ("/.well-known/wsis-prizes-log-key", PUBLIC),
    "rounds.index": ("/admin/rounds/", only("secretariat")),
    "exports.index": ("/admin/exports/", only("secretariat")),
    "editions.index": ("/admin/editions/", only("secretariat")),
    "editions.create": ("/admin/editions/new", only("secretariat")),
    "admin.dashboard": ("/admin/", only("secretariat")),
    "results.archive": ("/results", PUBLIC),
    "review.scoring_list": ("/review/score/nomination/", only("expert")),
    "admin.users": ("/admin/users", only("secretariat")),
    "admin.outbox": ("/admin/outbox", only("secretariat")),
    "admin.jobs": ("/admin/jobs", only("secretariat")),
    "admin.audit": ("/admin/audit", only("secretariat")),
    "admin.audit_csv": ("/admin/audit.csv", only("secretariat")),
    "admin.user": ("/admin/users/{user_id}", only("secretariat")),
    "admin.mail_domains": ("/admin/mail-domains", only("secretariat")),
    # The public API: the same answer whoever asks (signing in changes nothing); its
    # routes about one object are walked with real ids in tests/api/test_privacy.py.
    "imports.index": ("/admin/imports/", only("secretariat")),
    "api.index": ("/api/v1/", PUBLIC),
    "api.editions": ("/api/v1/editions", PUBLIC),
    "api.vocabulary": ("/api/v1/vocabulary", PUBLIC),
    "api.entries": ("/api/v1/entries", PUBLIC),
    "api.archive": ("/api/v1/archive", PUBLIC),
    "api.docs": ("/api/v1/docs", PUBLIC),
    "api-docs.openapi_json": ("/api/v1/openapi.json", PUBLIC),
    "api.edition": ("/api/v1/editions/1999", NOBODY),
    "api.entry": ("/api/v1/entries/999999", NOBODY),
    "api.nominated": ("/api/v1/editions/1999/nominated", NOBODY),
    "api.results": ("/api/v1/editions/1999/results", NOBODY),
}
# Routes that only take POST, need a token, or are about one object; each is tested in its
# own domain's tests (tests/nominations, tests/stocktaking). The object rules of reviews,
# scores, nominations, entries, results and flags are in OBJECT_ROUTES below.
NOT_PAGES = {
    "static",
    # Pages about one object not in OBJECT_ROUTES below: tested in their own domains.
    "voting.ballot",
    "voting.category",
    "voting.cast",
    "voting.confirm",  # tests/voting/test_views.py
    "voting.after",
    "voting.finish",
    "rounds.create",
    "rounds.detail",
    "rounds.invalidate",
    "rounds.advance",
    "rounds.proof_of_work",
    "editions.edit",
    "editions.rubric",
    "rounds.compute_flags",
    "review.accept_invitation",
    "results.edition",
    "results.export",
    "exports.edition_tables",  # tests/test_edition_exports.py
    "exports.edition_archive",  # tests/test_edition_exports.py
    "imports.upload",  # the import runs: tests/stocktaking/test_uploads.py
    "imports.detail",
    "imports.status",
    "imports.start",
    "experts.index",
    "experts.invite",
    "experts.assign",
    "experts.rules",
    "experts.reopen",
    "experts.apply_stage_one",
    "experts.publish",
    "accounts.verify_email",
    "accounts.resend_verification",
    "accounts.logout",
    "accounts.reset_password",
    "accounts.become_stakeholder",
    "accounts.set_language",  # POST only, anyone: tests/test_languages.py
    "accounts.confirm_email_change",
    "accounts.login_code",
    "accounts.two_factor_qr",
    "admin.change_role",
    "admin.change_status",
    # POST only (tests/accounts/test_blocked_domains.py checks who may).
    "admin.unblock_mail_domain",
    # POST only (tests/test_outbox_console.py checks who may).
    "admin.resend_mail",
    # POST only, and a download per export (tests/test_exports.py checks who gets it).
    "exports.request_export",
    "exports.download",
}


def test_every_route_is_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - set(ROUTES) - _object_endpoints() - NOT_PAGES == set()
    assert not NOT_PAGES & _object_endpoints(), "a route with an object rule is not a NOT_PAGE"


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


# --- Object rules ---------------------------------------------------------------------------
# Who may open or act on one object, in a seeded contest (tests/seeded.py) where each person
# plays one part: the owner of entries and nominations against another stakeholder; the
# expert assigned to category 4, the one recused from ``submitted`` and the one assigned
# to category 9 only. A POST is sent with only the CSRF token (refused by the form, so a
# permitted actor gets 422 and nothing is written); a refusal must write nothing either.
ACTORS = [
    "anonymous",
    "voter",
    "owner",
    "other_stakeholder",
    "expert",
    "recused_expert",
    "unassigned_expert",
    "secretariat",
]


def allow(*actors: str, ok: int = 200, denied: int = 403) -> dict[str, int]:
    """``ok`` for ``actors``, sign-in for the anonymous, ``denied`` for everyone else."""
    return {
        actor: 302 if actor == "anonymous" else ok if actor in actors else denied
        for actor in ACTORS
    }


def hidden(*actors: str) -> dict[str, int]:
    """A private object: 200 for ``actors``, 404 (not even its existence) for the others."""
    return {actor: 200 if actor in actors else 404 for actor in ACTORS}


EXPERTS = ("expert", "recused_expert", "unassigned_expert")
# (rule, method, URL from the seeded contest, expected status per actor)
OBJECT_ROUTES = {
    "review.queue[assigned category]": (
        "GET",
        lambda s: f"/review/queue/{s.category.id}",
        allow("expert", "recused_expert", "secretariat"),
    ),
    "review.queue[other category]": (
        "GET",
        lambda s: f"/review/queue/{s.other_category.id}",
        allow("unassigned_expert", "secretariat"),
    ),
    "review.decide[page]": (
        "GET",
        lambda s: f"/review/nominations/{s.submitted.id}",
        allow("expert", "secretariat"),
    ),
    "review.decide[post]": (
        "POST",
        lambda s: f"/review/nominations/{s.submitted.id}",
        allow("expert", "secretariat", ok=422),
    ),
    "review.score[stage 1, assigned]": (
        "GET",
        lambda s: f"/review/score/nomination/{s.submitted.id}",
        # The recused expert sees the page saying so, without the scoring form.
        allow("expert", "recused_expert"),
    ),
    "review.score[stage 2, other category]": (
        "GET",
        lambda s: f"/review/score/selection/{s.other_shortlisted.id}",
        allow("unassigned_expert"),
    ),
    "review.score[post, other category]": (
        "POST",
        lambda s: f"/review/score/selection/{s.other_shortlisted.id}",
        # The expert of category 9 has not declared conflicts yet: the page again, unsaved.
        allow("unassigned_expert"),
    ),
    "review.declare[other category]": (
        "POST",
        lambda s: f"/review/score/selection/{s.other_shortlisted.id}/conflict",
        # The expert of category 9 sends an empty declaration: the page again, unsaved.
        allow("unassigned_expert", ok=422),
    ),
    "experts.scores": (
        "GET",
        lambda s: f"/admin/experts/{s.edition.id}/scores/selection/{s.category.id}",
        allow("secretariat"),
    ),
    "experts.decide[page]": (
        "GET",
        lambda s: f"/admin/experts/{s.edition.id}/decisions/{s.category.id}",
        allow("secretariat"),
    ),
    "experts.decide[post]": (
        "POST",
        lambda s: f"/admin/experts/{s.edition.id}/decisions/{s.category.id}",
        allow("secretariat", ok=422),
    ),
    "nominations.detail[draft]": (
        "GET",
        lambda s: f"/nominations/{s.draft.id}",
        # A draft is the nominator's alone, even for the experts of its category.
        hidden("owner"),
    ),
    "nominations.detail[submitted]": (
        "GET",
        lambda s: f"/nominations/{s.submitted.id}",
        hidden("owner", "expert", "secretariat"),
    ),
    "nominations.detail[public]": (
        "GET",
        lambda s: f"/nominations/{s.ballot[0].id}",
        hidden(*ACTORS),
    ),
    "nominations.image": ("GET", lambda s: f"/nominations/{s.draft.id}/image", hidden()),
    "nominations.edit[page]": (
        "GET",
        lambda s: f"/nominations/{s.draft.id}/edit",
        {**allow("owner", denied=403), "other_stakeholder": 404},
    ),
    "nominations.edit[post]": (
        "POST",
        lambda s: f"/nominations/{s.draft.id}/edit",
        {**allow("owner", ok=422), "other_stakeholder": 404},
    ),
    "nominations.start": (
        "GET",
        # A project free to nominate (the draft's: a draft holds no place). Anyone who
        # nominates may nominate any project: the submitter need not own it.
        lambda s: f"/projects/{s.draft.entry.id}/nominate",
        allow("owner", "other_stakeholder"),
    ),
    "stocktaking.detail[private]": (
        "GET",
        lambda s: f"/projects/{s.private_entry.id}",
        hidden("owner", "secretariat"),
    ),
    "stocktaking.edit[page]": (
        "GET",
        lambda s: f"/projects/{s.private_entry.id}/edit",
        allow("owner", "secretariat"),
    ),
    "stocktaking.edit[post]": (
        "POST",
        lambda s: f"/projects/{s.private_entry.id}/edit",
        allow("owner", "secretariat", ok=422),
    ),
    "voting.results[round not final]": (
        "GET",
        lambda s: f"/vote/rounds/{s.voting_round.id}/results",
        {**hidden("secretariat")},
    ),
    "voting.export[round not final]": (
        "GET",
        lambda s: f"/vote/rounds/{s.voting_round.id}/results.csv",
        {**hidden("secretariat")},
    ),
    "editions.timeline_page": (
        "GET",
        lambda s: f"/admin/editions/{s.edition.id}/timeline",
        allow("secretariat"),
    ),
    # The seeded edition is still open for submissions: the secretariat's step is refused
    # (back to the timeline, which names what is missing) and nothing is written.
    "editions.announce_nominated_list": (
        "POST",
        lambda s: f"/admin/editions/{s.edition.id}/nominated-list/announce",
        allow("secretariat", ok=302),
    ),
    "editions.announce_champions": (
        "POST",
        lambda s: f"/admin/editions/{s.edition.id}/champions/announce",
        allow("secretariat", ok=302),
    ),
    # The console's next step, sent with only the CSRF token: the console again (422) for
    # the secretariat, unchanged.
    "admin.take_next_step": (
        "POST",
        lambda s: f"/admin/editions/{s.edition.id}/next-step",
        allow("secretariat", ok=422),
    ),
    "admin.nominations": (
        "GET",
        lambda s: f"/admin/nominations?edition={s.edition.id}&status=submitted",
        allow("secretariat"),
    ),
    # Closing a round early asks for the reason: without one, the page again, unchanged.
    "rounds.close_early": (
        "POST",
        lambda s: f"/admin/rounds/{s.voting_round.id}/close",
        allow("secretariat", ok=422),
    ),
    "rounds.flags": (
        "GET",
        lambda s: f"/admin/rounds/{s.voting_round.id}/flags",
        allow("secretariat"),
    ),
    "rounds.integrity_page": (
        "GET",
        lambda s: f"/admin/rounds/{s.voting_round.id}/integrity",
        allow("secretariat"),
    ),
    # The seeded round is open: the check is refused (back to the page), nothing written.
    "rounds.check_integrity": (
        "POST",
        lambda s: f"/admin/rounds/{s.voting_round.id}/integrity/check",
        allow("secretariat", ok=302),
    ),
    "rounds.decide_integrity": (
        "POST",
        lambda s: f"/admin/rounds/{s.voting_round.id}/integrity/{s.ballot[0].id}",
        allow("secretariat", ok=422),
    ),
    "rounds.decide_flag": (
        "POST",
        lambda s: f"/admin/rounds/flags/{s.flag.id}/action",
        allow("secretariat", ok=422),
    ),
    # The vote log: its heads are public from the round's start; the seeded round has no
    # signed head yet (the batch has not run), and its leaves stay hidden while it is open.
    "transparency.heads": (
        "GET",
        lambda s: f"/transparency/rounds/{s.voting_round.id}/heads.json",
        dict.fromkeys(ACTORS, 200),
    ),
    "transparency.latest_head": (
        "GET",
        lambda s: f"/transparency/rounds/{s.voting_round.id}/heads/latest.json",
        dict.fromkeys(ACTORS, 404),
    ),
    "transparency.consistency": (
        "GET",
        lambda s: f"/transparency/rounds/{s.voting_round.id}/consistency.json?first=1&second=1",
        dict.fromkeys(ACTORS, 404),
    ),
    "transparency.receipt_proof": (
        "GET",
        lambda s: f"/transparency/receipt.json?code={s.vote.receipt_code}",
        dict.fromkeys(ACTORS, 404),
    ),
    "transparency.log_file": (
        "GET",
        lambda s: f"/transparency/rounds/{s.voting_round.id}/log.json",
        hidden("secretariat"),
    ),
    "transparency.report_page": (
        "GET",
        lambda s: f"/transparency/rounds/{s.voting_round.id}/report",
        hidden("secretariat"),
    ),
    "transparency.report_json": (
        "GET",
        lambda s: f"/transparency/rounds/{s.voting_round.id}/report.json",
        hidden("secretariat"),
    ),
    # The API shows the public only: the open round's report is hidden from the secretariat
    # too (the site's own page shows it to them).
    "api.transparency": (
        "GET",
        lambda s: f"/api/v1/rounds/{s.voting_round.id}/transparency",
        dict.fromkeys(ACTORS, 404),
    ),
    # The results record of a published edition is public; of the open one, it is not.
    "transparency.results_record[published]": (
        "GET",
        lambda s: f"/editions/{s.past_edition.year}/results/record.json",
        dict.fromkeys(ACTORS, 200),
    ),
    "transparency.results_record[not published]": (
        "GET",
        lambda s: f"/editions/{s.edition.year}/results/record.json",
        dict.fromkeys(ACTORS, 404),
    ),
    "transparency.results_record_signature": (
        "GET",
        lambda s: f"/editions/{s.past_edition.year}/results/record.sig.json",
        dict.fromkeys(ACTORS, 200),
    ),
    # A dispute is about one's own vote, a nomination one may see, or a final round's result.
    "disputes.open_dispute[own vote]": (
        "GET",
        lambda s: f"/disputes/new?vote={s.vote.id}",
        {**hidden("voter"), "anonymous": 302},
    ),
    "disputes.open_dispute[post, own vote]": (
        "POST",
        lambda s: f"/disputes/new?vote={s.vote.id}",
        {**dict.fromkeys(ACTORS, 404), "anonymous": 302, "voter": 422},
    ),
    "disputes.open_dispute[public nomination]": (
        "GET",
        lambda s: f"/disputes/new?nomination={s.ballot[0].id}",
        {**dict.fromkeys(ACTORS, 200), "anonymous": 302},
    ),
    "disputes.open_dispute[draft]": (
        "GET",
        lambda s: f"/disputes/new?nomination={s.draft.id}",
        {**hidden("owner"), "anonymous": 302},
    ),
    "disputes.open_dispute[round not final]": (
        "GET",
        lambda s: f"/disputes/new?round={s.voting_round.id}",
        {**dict.fromkeys(ACTORS, 404), "anonymous": 302},
    ),
    "disputes.admin_detail": (
        "GET",
        lambda s: f"/admin/disputes/{s.dispute.id}",
        allow("secretariat"),
    ),
    "disputes.admin_step": (
        "POST",
        lambda s: f"/admin/disputes/{s.dispute.id}/answer",
        allow("secretariat", ok=422),
    ),
    "disputes.opinion": (
        "POST",
        lambda s: f"/review/disputes/{s.dispute.id}/opinion",
        allow(*EXPERTS, ok=422),
    ),
    # Last: the owner's withdrawal succeeds and changes the nomination.
    "nominations.withdraw": (
        "POST",
        lambda s: f"/nominations/{s.submitted.id}/withdraw",
        {**allow("owner", ok=302), "other_stakeholder": 404},
    ),
}


def _object_endpoints() -> set[str]:
    return {name.split("[")[0] for name in OBJECT_ROUTES}


def test_object_rules_name_real_routes(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert _object_endpoints() <= endpoints
    assert not _object_endpoints() & set(ROUTES)


@pytest.mark.parametrize("actor", ACTORS)
def test_object_access_matrix(client, db, actor):
    from tests.dbstate import database_state
    from tests.seeded import seed_contest

    seeded = seed_contest()
    if actor != "anonymous":
        client.login(getattr(seeded, actor).email)
    for name, (method, url, expected) in OBJECT_ROUTES.items():
        path = url(seeded)
        before = database_state(db)
        response = client.get(path) if method == "GET" else client.post_form(path)
        assert response.status_code == expected[actor], (name, actor, response.status_code)
        if response.status_code == 302 and actor == "anonymous":
            assert "/login" in response.location
        if method == "POST" and response.status_code != 302:
            assert database_state(db).changed_tables(before) == [], (name, actor)


def test_my_votes_shows_only_ones_own(client, db):
    from tests.seeded import seed_contest

    seeded = seed_contest()
    client.login(seeded.voter.email)
    page = client.get("/vote/mine").get_data(as_text=True)
    assert seeded.vote.receipt_code in page
    assert seeded.other_vote.receipt_code not in page
    assert seeded.ballot[1].entry.title not in page  # what the other voter chose


@pytest.mark.parametrize("viewer", ["anonymous", "voter"])
def test_a_receipt_tells_what_was_voted_but_nothing_about_who(client, db, viewer):
    from tests.seeded import seed_contest

    seeded = seed_contest()
    if viewer == "voter":
        client.login(seeded.voter.email)
    page = client.get("/vote/receipt", query_string={"code": seeded.other_vote.receipt_code})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and seeded.ballot[1].entry.title in text
    person = seeded.other_voter
    for personal in (person.email, person.organisation_name, seeded.other_vote.network_hash):
        assert personal not in text
    assert f"/admin/users/{person.id}" not in text


def test_account_forms_change_only_the_signed_in_account(client, db):
    """Profile and two-factor pages act on the session's user: an id in the form is ignored."""
    from sqlalchemy import select

    from prizes.accounts.models import User
    from tests.dbstate import database_state
    from tests.seeded import seed_contest

    seeded = seed_contest()
    victim = seeded.other_voter
    client.login(seeded.voter.email)
    victim_row = select(User.__table__).where(User.id == victim.id)
    victim_before = db.execute(victim_row).one()
    response = client.post_form(
        "/account",
        {
            "organisation_name": "Renamed Org",
            "organisation_type": "other",
            "country": "CH",
            "id": str(victim.id),
            "user_id": str(victim.id),
            "email": "taken.over@example.org",
            "roles": "secretariat",
        },
    )
    assert response.status_code == 302
    db.expire_all()
    assert db.get(User, seeded.voter.id).organisation_name == "Renamed Org"
    assert db.get(User, seeded.voter.id).email == seeded.voter.email
    assert not db.get(User, seeded.voter.id).role_names
    before = database_state(db)
    for path in ("/account/two-factor", "/account/password", "/account/email"):
        client.post_form(path, {"user_id": str(victim.id), "code": "123456", "current": "x"})
    assert database_state(db).changed_tables(before) == []
    assert db.execute(victim_row).one() == victim_before
