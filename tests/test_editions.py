"""The secretariat sets up an edition and its rubric."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from prizes.contest.models import Edition
from prizes.core.clock import in_geneva
from prizes.nominations.models import NominationStatus
from prizes.review.models import ReviewStage, RubricCriterion, Score
from tests.factories import make_nomination, make_user

EDITION = {
    "year": "2040",
    "title": "WSIS Prizes 2040",
    "submission_opens": "2039-10-01",
    "submission_closes": "2040-01-31",
    "review_closes": "2040-02-28",
    "selection_closes": "2040-04-30",
    "shortlist_size": "5",
    "score_min": "1",
    "score_max": "10",
}


def test_an_edition_is_set_up_with_the_published_rubric(client, db, login_as):
    login_as("secretariat")
    assert client.post_form("/admin/editions/new", EDITION).status_code == 302
    edition = db.scalar(select(Edition).where(Edition.year == 2040))
    deadline = in_geneva(edition.submission_closes_at)
    assert (deadline.hour, deadline.minute, deadline.date().isoformat()) == (23, 0, "2040-01-31")
    names = db.scalars(
        select(RubricCriterion.name).where(RubricCriterion.edition_id == edition.id)
    ).all()
    assert len(names) == 8 and "Replicability" in names
    again = client.post_form("/admin/editions/new", EDITION)
    assert again.status_code == 422 and "already an edition" in again.get_data(as_text=True)
    backwards = client.post_form(
        "/admin/editions/new", {**EDITION, "year": "2041", "review_closes": "2039-01-01"}
    )
    assert backwards.status_code == 422


def test_the_rubric_changes_but_a_scored_criterion_stays(client, db, login_as):
    login_as("secretariat")
    client.post_form("/admin/editions/new", EDITION)
    edition = db.scalar(select(Edition).where(Edition.year == 2040))
    rows = {
        "criteria-0-name": "Impact",
        "criteria-0-description": "Results",
        "criteria-0-weight": "3",
        "criteria-1-name": "Reach",
        "criteria-1-description": "",
        "criteria-1-weight": "1",
    }
    assert client.post_form(f"/admin/editions/{edition.id}/rubric", rows).status_code == 302
    criteria = db.scalars(
        select(RubricCriterion)
        .where(RubricCriterion.edition_id == edition.id)
        .order_by(RubricCriterion.position)
    ).all()
    assert [(c.name, c.weight) for c in criteria] == [("Impact", 3.0), ("Reach", 1.0)]
    nomination = make_nomination(edition=edition, status=NominationStatus.SHORTLISTED)
    db.add(
        Score(
            expert_id=make_user().id,
            nomination_id=nomination.id,
            criterion_id=criteria[1].id,
            stage=ReviewStage.SELECTION,
            value=5,
        )
    )
    db.commit()
    refused = client.post_form(
        f"/admin/editions/{edition.id}/rubric",
        {"criteria-0-name": "Impact", "criteria-0-weight": "1"},
    )
    assert refused.status_code == 422
    bad_weight = client.post_form(
        f"/admin/editions/{edition.id}/rubric", {**rows, "criteria-0-weight": "0"}
    )
    assert bad_weight.status_code == 422


@pytest.mark.parametrize("role", ["voter", "stakeholder", "expert"])
def test_only_the_secretariat_sets_up_editions(client, db, login_as, role):
    login_as(role)
    assert client.get("/admin/editions/").status_code == 403
    assert client.post_form("/admin/editions/new", EDITION).status_code == 403
