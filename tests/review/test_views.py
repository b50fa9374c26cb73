"""The expert group's pages: invitations, scoring, the secretariat's screens, publication."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from sqlalchemy import select

from prizes.accounts.models import Role
from prizes.core.clock import now
from prizes.core.vocabulary import ActionLine
from prizes.nominations.models import NominationStatus
from prizes.review.models import ExpertAssignment, RubricCriterion, Score, ScoreStatus
from tests.conftest import PASSWORD
from tests.factories import (
    get_category,
    make_edition,
    make_entry,
    make_nomination,
    make_round,
    make_user,
)


def _setup(db, status=NominationStatus.SHORTLISTED):
    edition = make_edition()
    db.add(RubricCriterion(edition_id=edition.id, position=1, name="Impact", weight=1.0))
    expert = make_user(roles=(Role.EXPERT,))
    db.add(
        ExpertAssignment(edition_id=edition.id, expert_id=expert.id, category_id=get_category(4).id)
    )
    nomination = make_nomination(edition=edition, status=status)
    other_category = make_nomination(
        edition=edition,
        category_number=9,
        status=status,
        entry=make_entry(action_lines=(ActionLine.C7,)),
    )
    if status == NominationStatus.SHORTLISTED:  # the public vote that made the shortlist
        voting_round = make_round(edition=edition, nominations=[nomination, other_category])
        voting_round.opens_at, voting_round.closes_at = now() - timedelta(days=9), now()
        voting_round.finalised_at = now()
    db.commit()
    return edition, expert, nomination, other_category


def test_an_invited_expert_accepts_through_the_link(app, client, db, outbox, login_as):
    edition = make_edition()
    db.commit()
    login_as("secretariat")
    response = client.post_form(
        f"/admin/experts/{edition.id}/invite",
        {"email": "new.expert@example.org", "categories": [str(get_category(4).id)]},
    )
    assert response.status_code == 302
    bad = client.post_form(
        f"/admin/experts/{edition.id}/invite", {"email": "nope", "categories": []}
    )
    assert bad.status_code == 422
    link = re.search(
        r"http://127\.0\.0\.1:5000(/review/invitations/\S+)", outbox()[0].get_content()
    ).group(1)
    client.post_form("/logout")
    assert "Sign in with that address" in client.get(link).get_data(as_text=True)
    expert = make_user(email="new.expert@example.org")
    db.commit()
    client.login(expert.email)
    assert client.post_form(link).status_code == 302
    db.refresh(expert)
    assert expert.has_role(Role.EXPERT)
    assert client.get("/review/score/nomination/").status_code == 200


def test_an_expert_declares_then_scores_and_is_locked(client, db):
    edition, expert, nomination, _other = _setup(db)
    client.login(expert.email, PASSWORD)
    page = client.get(f"/review/score/selection/{nomination.id}").get_data(as_text=True)
    assert "Conflict of interest" in page
    criterion = db.scalar(select(RubricCriterion).where(RubricCriterion.edition_id == edition.id))
    early = client.post_form(
        f"/review/score/selection/{nomination.id}",
        {f"value_{criterion.id}": "7", "action": "submit"},
    )
    assert early.status_code == 200 and "Conflict of interest" in early.get_data(as_text=True)
    declared = client.post_form(
        f"/review/score/selection/{nomination.id}/conflict",
        {"conflict-has_conflict": "no"},
    )
    assert declared.status_code == 302
    out_of_scale = client.post_form(
        f"/review/score/selection/{nomination.id}",
        {f"value_{criterion.id}": "42", "action": "save"},
    )
    assert out_of_scale.status_code == 422
    url = f"/review/score/selection/{nomination.id}"
    # "Submit my scores" asks first, without JavaScript: a page with the scores, kept as a
    # draft meanwhile, and a button that posts the same form to lock them.
    asked = client.post_form(
        url, {f"value_{criterion.id}": "8", f"comment_{criterion.id}": "Clear.", "action": "submit"}
    )
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Submit your scores?" in page
    assert "locked" in page and "Confirm and lock my scores" in page and "Clear." in page
    score = db.scalar(select(Score))
    assert score.value == 8 and score.status == ScoreStatus.DRAFT
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page))
    assert fields[f"value_{criterion.id}"] == "8" and fields["csrf_token"]
    back = client.post(url, data={**fields, "action": "save"})
    assert back.status_code == 302
    db.refresh(score)
    assert score.status == ScoreStatus.DRAFT
    done = client.post(url, data={**fields, "action": "confirm"})
    assert done.status_code == 302
    db.refresh(score)
    assert score.value == 8 and score.comment == "Clear." and score.status == ScoreStatus.SUBMITTED
    changed = client.post_form(
        f"/review/score/selection/{nomination.id}",
        {f"value_{criterion.id}": "2", "action": "submit"},
    )
    assert changed.status_code == 409
    confirmed_again = client.post_form(url, {f"value_{criterion.id}": "2", "action": "confirm"})
    assert confirmed_again.status_code == 409
    db.refresh(score)
    assert score.value == 8


def test_an_incomplete_submission_is_refused_before_the_confirmation(client, db):
    edition, expert, nomination, _other = _setup(db)
    db.add(RubricCriterion(edition_id=edition.id, position=2, name="Reach", weight=1.0))
    db.commit()
    client.login(expert.email, PASSWORD)
    url = f"/review/score/selection/{nomination.id}"
    client.post_form(f"{url}/conflict", {"conflict-has_conflict": "no"})
    first = db.scalar(
        select(RubricCriterion).where(
            RubricCriterion.edition_id == edition.id, RubricCriterion.position == 1
        )
    )
    response = client.post_form(url, {f"value_{first.id}": "6", "action": "submit"})
    text = response.get_data(as_text=True)
    assert response.status_code == 422 and "Score every criterion" in text
    assert "Confirm and lock" not in text
    assert db.scalar(select(Score)) is None  # refused: nothing kept


def test_experts_see_only_their_categories(client, db):
    _edition, expert, _nomination, other = _setup(db)
    client.login(expert.email, PASSWORD)
    listing = client.get("/review/score/selection/").get_data(as_text=True)
    assert other.entry.title not in listing
    assert client.get(f"/review/score/selection/{other.id}").status_code == 403
    assert client.get("/admin/experts/").status_code == 403
    assert client.get("/review/score/unknown-stage/").status_code == 404


def test_the_secretariat_decides_and_publishes_and_the_public_sees_it(client, db, login_as, outbox):
    edition, expert, nomination, other = _setup(db)
    login_as("secretariat")
    scores_page = client.get(f"/admin/experts/{edition.id}/scores/selection/{get_category(4).id}")
    assert scores_page.status_code == 200 and expert.email in scores_page.get_data(as_text=True)
    assert client.get(f"/editions/{edition.year}/results").status_code == 404
    refused = client.post_form(
        f"/admin/experts/{edition.id}/decisions/{get_category(4).id}",
        {"winners": [str(nomination.id)], "rationale": "Strong"},
    )
    assert refused.status_code == 409  # the assigned expert has not scored
    for category_id, winner in (
        (get_category(4).id, nomination.id),
        (get_category(9).id, other.id),
    ):
        done = client.post_form(
            f"/admin/experts/{edition.id}/decisions/{category_id}",
            {
                "winners": [str(winner)],
                "rationale": "Strong",
                "override_reason": "Expert unavailable",
                "deviation_reason": "Unscored",
            },
        )
        assert done.status_code == 302, done.get_data(as_text=True)
    refused = client.post_form(f"/admin/experts/{edition.id}/publish", {"reason": "Early"})
    assert "Announce the champions before the winners" in client.get(refused.location).get_data(
        as_text=True
    )
    champions = client.post_form(f"/admin/editions/{edition.id}/champions/announce")
    assert champions.status_code == 302
    assert other.entry.title in client.get(f"/editions/{edition.year}/results").get_data(
        as_text=True
    )
    published = client.post_form(f"/admin/experts/{edition.id}/publish", {"reason": "Forum"})
    assert published.status_code == 302 and "/results" in published.location
    timeline = client.get(f"/admin/editions/{edition.id}/timeline").get_data(as_text=True)
    assert "The champions were announced on" in timeline and "Forum" in timeline
    db.refresh(nomination)
    assert nomination.status == NominationStatus.WINNER
    client.post_form("/logout")
    public = client.get(f"/editions/{edition.year}/results").get_data(as_text=True)
    assert nomination.entry.title in public and "Winner" in public
    data = json.loads(client.get(f"/editions/{edition.year}/results.json").data)
    assert {r["outcome"] for r in data["results"]} == {"winner"}
    assert client.get(f"/editions/{edition.year}/results.csv").status_code == 200
    assert str(edition.year) in client.get("/results").get_data(as_text=True)
    subjects = [m["Subject"] for m in outbox()]
    assert len([s for s in subjects if "is a champion" in s]) == 2  # told when announced
    assert len([s for s in subjects if "the results" in s]) == 2


def test_publishing_twice_is_refused(client, db, login_as):
    edition, _expert, _nomination, _other = _setup(db)
    edition.results_published_at = now()
    db.commit()
    login_as("secretariat")
    response = client.post_form(f"/admin/experts/{edition.id}/publish")
    assert response.status_code == 302
    assert "already published" in client.get(response.location).get_data(as_text=True)
