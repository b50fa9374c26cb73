"""Every POST route: who can reach it, its URL in the seeded contest, and its fields.

``tests/fuzz/test_post_routes.py`` fails for a POST route missing here, so a new form gets
its fuzz strategy when it is added. Fields map to values the form accepts (sent now and
then, so a request gets past validation) or None for hostile values only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from tests.conftest import PASSWORD
from tests.seeded import Seeded

COUNTRIES = ["CH", "KE", "BR", "XX", "ch"]
TYPES = ["government", "business", "civil_society", "academia", "other", "nobody"]
EMAILS = ["new.person@example.org", "a@b", "x" * 250 + "@example.org", "@", "a@mailinator.com"]
PASSWORDS = [PASSWORD, "a much longer passphrase here", "password", "short"]
DATES = ["2031-01-15", "2031-06-30", "2030-12-31", "1999-01-01", "2031-13-45"]
MOMENTS = ["2031-01-15T10:00", "2031-02-15T23:00", "2031-01-15T09:00", "2031-01-15 10:00"]
WORDS = ["A sound project. " * 12, "word " * 170, "Short."]
BOOLEANS = ["y", "on", "1", "", "false"]
STAGES = ["completed", "major_phase_completed", "unfinished"]


@dataclass(frozen=True)
class Target:
    """How to fuzz one POST route."""

    role: str  # a seeded person's part ("owner", "expert", ...) or "anonymous"
    urls: Callable[[Seeded], list[str]]
    fields: Callable[[Seeded], dict[str, list[str] | None]] = lambda s: {}
    files: tuple[str, ...] = ()
    # Tables a refused request may still write, each for a stated reason.
    writes_when_refused: frozenset[str] = field(default_factory=frozenset)


def _entry_fields(s: Seeded) -> dict[str, list[str] | None]:
    return {
        "title": ["Solar schools", "ab"],
        "organisation": ["Open Farms", "x"],
        "stakeholder_type": TYPES,
        "country": COUNTRIES,
        "description": WORDS,
        "action_lines": ["C4", "C7", "C12", "c4"],
        "sdgs": ["4", "17", "18", "0"],
        "website": ["https://example.org", "ftp://example.org", "http://"],
        "start_date": DATES,
        "end_date": DATES,
    }


def _nomination_fields(s: Seeded) -> dict[str, list[str] | None]:
    categories = [str(s.category.id), str(s.other_category.id), "999999"]
    return {
        "category": categories,
        "short_description": WORDS,
        "impact": WORDS,
        "partnerships": WORDS,
        "challenges": WORDS,
        "project_stage": STAGES,
        "link": ["https://example.org/p", "javascript:alert(1)"],
        "sdg_4": WORDS,
        "sdg_17": WORDS,
        "sdg_18": WORDS,
        "action": ["save", "submit"],
    }


def _edition_fields(s: Seeded) -> dict[str, list[str] | None]:
    return {
        "year": ["2031", str(s.edition.year), "1999"],
        "title": ["WSIS Prizes 2031"],
        "submission_opens": DATES,
        "submission_closes": DATES,
        "review_closes": DATES,
        "selection_closes": DATES,
        "shortlist_size": ["5", "0", "21"],
        "score_min": ["1", "0", "10"],
        "score_max": ["10", "1", "100"],
        "integrity_threshold_percent": ["30", "0", "101", ""],
        "dispute_window_days": ["7", "0", "366", ""],
        "date_change_reason": ["The Forum moved.", ""],
    }


def _score_fields(s: Seeded) -> dict[str, list[str] | None]:
    fields: dict[str, list[str] | None] = {
        "action": ["save", "submit", "confirm"],
        "conflict-has_conflict": ["no", "yes", "maybe"],
        "conflict-reason": ["I advised them.", ""],
    }
    for criterion in s.criteria:
        fields[f"value_{criterion.id}"] = ["1", "7", "10", "11", "0"]
        fields[f"comment_{criterion.id}"] = ["Good."]
    return fields


def _rubric_fields(s: Seeded) -> dict[str, list[str] | None]:
    fields: dict[str, list[str] | None] = {}
    for row in (0, 1, 39, 40):
        fields[f"criteria-{row}-name"] = ["Impact", "Reach", ""]
        fields[f"criteria-{row}-description"] = ["How much changed."]
        fields[f"criteria-{row}-weight"] = ["1", "0", "0.01", "100.5"]
    return fields


def _categories(s: Seeded) -> list[str]:
    return [str(s.category.id), str(s.other_category.id), "999999"]


TARGETS: dict[str, Target] = {
    # --- accounts -----------------------------------------------------------------------
    "accounts.register": Target(
        "anonymous",
        lambda s: ["/register"],
        lambda s: {
            "email": EMAILS,
            "password": PASSWORDS,
            "confirm": PASSWORDS,
            "nickname": [""],
            "altcha": ["e30=", "not base64"],
        },
    ),
    "accounts.verify_email": Target(
        "anonymous", lambda s: [f"/verify/{s.verify_token}", "/verify/forged"]
    ),
    "accounts.confirm_email_change": Target(
        "voter", lambda s: [f"/account/email/{s.email_change_token}", "/account/email/forged"]
    ),
    "accounts.login": Target(
        "anonymous",
        lambda s: ["/login", "/login?next=//evil.example", "/login?next=/account"],
        lambda s: {"email": [s.voter.email, *EMAILS], "password": PASSWORDS, "remember": BOOLEANS},
        # A failed sign-in is kept on purpose: the rate limits and fraud checks count them.
        writes_when_refused=frozenset({"login_events"}),
    ),
    "accounts.login_code": Target(
        "pending_two_factor",
        lambda s: ["/login/code"],
        lambda s: {"code": ["123456", "ABCDEF-123456"]},
    ),
    "accounts.two_factor_setup": Target(
        "voter",
        lambda s: ["/account/two-factor"],
        lambda s: {"code": ["123456", "000000"]},
    ),
    "accounts.forgot_password": Target(
        "anonymous", lambda s: ["/password/forgot"], lambda s: {"email": [s.voter.email, *EMAILS]}
    ),
    "accounts.resend_verification": Target(
        "anonymous",
        lambda s: ["/verify/resend"],
        lambda s: {"email": [s.unverified.email, *EMAILS]},
    ),
    "accounts.reset_password": Target(
        "anonymous",
        lambda s: [f"/password/reset/{s.reset_token}", "/password/reset/forged"],
        lambda s: {"password": PASSWORDS, "confirm": PASSWORDS},
    ),
    "accounts.profile": Target(
        "voter",
        lambda s: ["/account"],
        lambda s: {
            "organisation_name": ["Open Farms"],
            "organisation_type": TYPES,
            "country": COUNTRIES,
        },
    ),
    "accounts.become_stakeholder": Target("voter", lambda s: ["/account/stakeholder"]),
    "accounts.set_language": Target(
        "voter",
        lambda s: ["/language"],
        lambda s: {
            "language": ["ar", "zh", "en", "fr", "ru", "es", "de", "AR", "ar-EG", ""],
            "next": ["/", "/vote/", "//evil.example", "https://evil.example/", "/\\evil", ""],
        },
    ),
    "accounts.change_password": Target(
        "voter",
        lambda s: ["/account/password"],
        lambda s: {"current": PASSWORDS, "password": PASSWORDS, "confirm": PASSWORDS},
    ),
    "accounts.change_email": Target(
        "voter",
        lambda s: ["/account/email"],
        lambda s: {"current": PASSWORDS, "email": [s.owner.email, *EMAILS]},
    ),
    "accounts.logout": Target("voter", lambda s: ["/logout"]),
    # --- stocktaking and nominations ----------------------------------------------------
    "stocktaking.create": Target("owner", lambda s: ["/projects/new"], _entry_fields),
    "stocktaking.edit": Target(
        "owner", lambda s: [f"/projects/{s.private_entry.id}/edit"], _entry_fields
    ),
    "nominations.start": Target(
        "owner",
        lambda s: [f"/projects/{s.private_entry.id}/nominate"],
        _nomination_fields,
        files=("image",),
    ),
    "nominations.edit": Target(
        "owner", lambda s: [f"/nominations/{s.draft.id}/edit"], _nomination_fields, files=("image",)
    ),
    "nominations.withdraw": Target(
        "owner",
        lambda s: [f"/nominations/{s.submitted.id}/withdraw", "/nominations/999999/withdraw"],
    ),
    # --- the expert group ---------------------------------------------------------------
    "review.decide": Target(
        "expert",
        lambda s: [f"/review/nominations/{s.submitted.id}"],
        lambda s: {"outcome": ["nominated", "rejected", "returned", "winner"], "reason": WORDS},
    ),
    "review.accept_invitation": Target(
        "voter",
        lambda s: [f"/review/invitations/{s.invitation_token}", "/review/invitations/forged"],
        lambda s: {"reason": WORDS},
    ),
    "review.score": Target(
        "expert",
        lambda s: [
            f"/review/score/selection/{s.shortlisted.id}",
            f"/review/score/nomination/{s.submitted.id}",
        ],
        _score_fields,
    ),
    "review.declare": Target(
        "expert",
        lambda s: [
            f"/review/score/selection/{s.shortlisted.id}/conflict",
            f"/review/score/nomination/{s.submitted.id}/conflict",
        ],
        _score_fields,
    ),
    # --- voting -------------------------------------------------------------------------
    "voting.cast": Target(
        "voter",
        lambda s: [f"/vote/{s.voting_round.id}/1", f"/vote/{s.voting_round.id}/2"],
        lambda s: {"nomination": [str(n.id) for n in s.ballot] + [str(s.submitted.id)]},
    ),
    "voting.confirm": Target(
        "voter",
        lambda s: [f"/vote/{s.voting_round.id}/1/confirm", f"/vote/{s.voting_round.id}/2/confirm"],
        lambda s: {"nomination": [str(n.id) for n in s.ballot] + [str(s.submitted.id)]},
    ),
    "voting.finish": Target("voter", lambda s: [f"/vote/{s.voting_round.id}/finish"]),
    # --- the secretariat ----------------------------------------------------------------
    "admin.change_role": Target(
        "secretariat",
        lambda s: [f"/admin/users/{s.voter.id}/roles", f"/admin/users/{s.secretariat.id}/roles"],
        lambda s: {"role": ["stakeholder", "secretariat", "expert"], "action": ["grant", "revoke"]},
    ),
    "admin.change_status": Target(
        "secretariat",
        lambda s: [f"/admin/users/{s.voter.id}/status", f"/admin/users/{s.secretariat.id}/status"],
    ),
    "admin.mail_domains": Target(
        "secretariat",
        lambda s: ["/admin/mail-domains"],
        lambda s: {
            "domain": ["burner.example", "mailinator.com", "a..b", "x" * 300],
            "reason": WORDS,
        },
    ),
    "admin.unblock_mail_domain": Target(
        "secretariat", lambda s: ["/admin/mail-domains/2147483647/remove"]
    ),
    "admin.resend_mail": Target(
        "secretariat",
        lambda s: [f"/admin/outbox/{s.failed_mail.id}/resend", "/admin/outbox/2147483647/resend"],
        lambda s: {"confirm": ["yes", "no", ""]},
    ),
    "admin.take_next_step": Target(
        "secretariat",
        lambda s: [
            f"/admin/editions/{s.edition.id}/next-step",
            "/admin/editions/2147483647/next-step",
        ],
        lambda s: {
            "step": ["announce_nominated_list", "close_round", "publish_results", "none"],
            "reason": WORDS,
        },
    ),
    "rounds.create": Target(
        "secretariat",
        lambda s: [f"/admin/rounds/new/{s.edition.id}"],
        lambda s: {
            "title": ["Second round"],
            "opens_at": MOMENTS,
            "closes_at": MOMENTS,
            "requires_complete_ballot": BOOLEANS,
            "public_tally": BOOLEANS,
            "requires_proof_of_work": BOOLEANS,
        },
    ),
    "rounds.invalidate": Target(
        "secretariat",
        lambda s: [f"/admin/rounds/{s.voting_round.id}/invalidate"],
        lambda s: {
            "references": [s.other_vote.receipt_code, str(s.vote.id), "NOPE-NOPE"],
            "reason": ["A burst from one network.", "ab"],
        },
    ),
    "rounds.proof_of_work": Target(
        "secretariat",
        lambda s: [f"/admin/rounds/{s.voting_round.id}/proof-of-work"],
        lambda s: {"required": ["on", "off", "maybe"]},
    ),
    "rounds.close_early": Target(
        "secretariat",
        lambda s: [f"/admin/rounds/{s.voting_round.id}/close"],
        lambda s: {"reason": ["A script voted in bulk overnight.", "", None]},
    ),
    "editions.announce_nominated_list": Target(
        "secretariat",
        lambda s: [f"/admin/editions/{s.edition.id}/nominated-list/announce"],
        lambda s: {"reason": ["The Forum moved a week earlier.", ""]},
    ),
    "editions.announce_champions": Target(
        "secretariat", lambda s: [f"/admin/editions/{s.edition.id}/champions/announce"]
    ),
    "rounds.advance": Target(
        "secretariat", lambda s: [f"/admin/rounds/{s.voting_round.id}/advance"]
    ),
    "rounds.compute_flags": Target(
        "secretariat", lambda s: [f"/admin/rounds/{s.voting_round.id}/flags/compute"]
    ),
    "rounds.decide_flag": Target(
        "secretariat",
        lambda s: [
            f"/admin/rounds/flags/{s.flag.id}/action",
            f"/admin/rounds/flags/{s.flag.id}/dismiss",
        ],
        lambda s: {"reason": ["A burst from one network.", "ab"], "references": [""]},
    ),
    "rounds.check_integrity": Target(
        "secretariat", lambda s: [f"/admin/rounds/{s.voting_round.id}/integrity/check"]
    ),
    "rounds.decide_integrity": Target(
        "secretariat",
        lambda s: [f"/admin/rounds/{s.voting_round.id}/integrity/{s.submitted.id}"],
        lambda s: {"decision": ["keep", "disqualify", "maybe", ""], "reason": ["ab", ""]},
    ),
    "disputes.open_dispute": Target(
        "voter",
        lambda s: [f"/disputes/new?vote={s.vote.id}", f"/disputes/new?round={s.voting_round.id}"],
        lambda s: {"statement": ["My vote was removed without reason.", "", "x" * 5000]},
    ),
    "disputes.admin_step": Target(
        "secretariat",
        lambda s: [
            f"/admin/disputes/{s.dispute.id}/answer",
            f"/admin/disputes/{s.dispute.id}/refer",
            f"/admin/disputes/{s.dispute.id}/close",
        ],
        lambda s: {"text": ["Checked.", ""], "note": ["Please advise.", ""], "outcome": ["x", ""]},
    ),
    "disputes.opinion": Target(
        "expert",
        lambda s: [f"/review/disputes/{s.dispute.id}/opinion"],
        lambda s: {"text": ["The vote looks valid.", "", "x" * 5000]},
    ),
    "editions.create": Target("secretariat", lambda s: ["/admin/editions/new"], _edition_fields),
    "editions.edit": Target(
        "secretariat", lambda s: [f"/admin/editions/{s.edition.id}"], _edition_fields
    ),
    "editions.rubric": Target(
        "secretariat", lambda s: [f"/admin/editions/{s.edition.id}/rubric"], _rubric_fields
    ),
    "experts.invite": Target(
        "secretariat",
        lambda s: [f"/admin/experts/{s.edition.id}/invite"],
        lambda s: {"email": EMAILS, "categories": _categories(s)},
    ),
    "experts.assign": Target(
        "secretariat",
        lambda s: [
            f"/admin/experts/{s.edition.id}/experts/{s.expert.id}/categories",
            f"/admin/experts/{s.edition.id}/experts/{s.voter.id}/categories",
        ],
        lambda s: {"categories": _categories(s)},
    ),
    "experts.rules": Target(
        "secretariat",
        lambda s: [f"/admin/experts/{s.edition.id}/rules"],
        lambda s: {
            "nominated_per_category": ["3", "0", "501"],
            "nomination_cutoff": ["6.5", "nan", "inf"],
            "normalise_scores": BOOLEANS,
            "show_votes_to_experts": BOOLEANS,
            "conflict_on_same_country": BOOLEANS,
        },
    ),
    "experts.reopen": Target(
        "secretariat",
        lambda s: [
            f"/admin/experts/{s.edition.id}/scores/selection/{s.category.id}"
            f"/reopen/{s.expert.id}/{s.shortlisted.id}"
        ],
        lambda s: {"reason": ["Scored the wrong project."]},
    ),
    "experts.apply_stage_one": Target(
        "secretariat",
        lambda s: [f"/admin/experts/{s.edition.id}/nominated-list/{s.category.id}"],
        lambda s: {"reason": ["Two experts were ill."]},
    ),
    "experts.decide": Target(
        "secretariat",
        lambda s: [f"/admin/experts/{s.edition.id}/decisions/{s.category.id}"],
        lambda s: {
            "winners": [str(s.shortlisted.id), str(s.other_shortlisted.id), "999999"],
            "rationale": WORDS,
            "deviation_reason": WORDS,
            "override_reason": WORDS,
        },
    ),
    "experts.publish": Target(
        "secretariat",
        lambda s: [f"/admin/experts/{s.edition.id}/publish"],
        lambda s: {"reason": ["The Forum moved a week earlier.", ""]},
    ),
    "exports.request_export": Target(
        "secretariat",
        lambda s: ["/admin/exports/votes", "/admin/exports/nominations"],
        lambda s: {
            "votes-voting_round": [str(s.voting_round.id), "999999"],
            "nominations-edition": [str(s.edition.id), str(s.past_edition.id), "999999"],
        },
    ),
    "imports.upload": Target(
        "secretariat", lambda s: ["/admin/imports/"], lambda s: {}, files=("file",)
    ),
    # No import run in the seeded contest: the start of a missing one is a 404.
    "imports.start": Target("secretariat", lambda s: ["/admin/imports/1/start"]),
}
