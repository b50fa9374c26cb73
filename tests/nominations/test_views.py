"""Nominating through the pages: the form, the rules' messages, access, uploads, the queue."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select

from prizes.accounts.models import Role
from prizes.core.clock import now
from prizes.nominations.models import Nomination, NominationStatus
from tests.factories import (
    get_category,
    make_edition,
    make_entry,
    make_nomination,
    make_user,
    words,
)


def _form(category_number: int = 4, **overrides) -> dict:
    data = {
        "category": str(get_category(category_number).id),
        "short_description": words(170),
        "impact": "Reached 12,000 learners.",
        "partnerships": "Two universities.",
        "challenges": "Power cuts; next, two more regions.",
        "project_stage": "completed",
        "link": "https://example.org/p",
        "sdg_4": "Teachers trained in digital skills.",
        "action": "submit",
    }
    data.update(overrides)
    return data


@pytest.fixture
def open_edition(db):
    edition = make_edition()
    db.commit()
    return edition


def test_a_stakeholder_nominates_a_project_through_the_form(client, db, login_as, open_edition):
    nominator = login_as("stakeholder")
    entry = make_entry()
    db.commit()
    page = client.get(f"/projects/{entry.id}/nominate")
    assert page.status_code == 200 and "Short description" in page.get_data(as_text=True)
    response = client.post_form(f"/projects/{entry.id}/nominate", _form())
    assert response.status_code == 302, response.get_data(as_text=True)
    nomination = db.scalar(select(Nomination).where(Nomination.entry_id == entry.id))
    assert (
        nomination.status == NominationStatus.SUBMITTED and nomination.nominator_id == nominator.id
    )
    assert "submitted" in client.get(response.location).get_data(as_text=True).lower()


def test_a_draft_can_be_saved_incomplete(client, db, login_as, open_edition):
    login_as("stakeholder")
    entry = make_entry()
    db.commit()
    response = client.post_form(
        f"/projects/{entry.id}/nominate", _form(short_description="Too short", action="save")
    )
    assert response.status_code == 302
    nomination = db.scalar(select(Nomination).where(Nomination.entry_id == entry.id))
    assert nomination.status == NominationStatus.DRAFT
    edit = client.get(response.location).get_data(as_text=True)
    assert "has 2 words" in edit  # the rules check shows what is missing


@pytest.mark.parametrize("count", [120, 250])
def test_a_submission_with_a_bad_word_count_is_refused_and_nothing_is_written(
    client, db, login_as, open_edition, count
):
    login_as("stakeholder")
    entry = make_entry()
    db.commit()
    response = client.post_form(
        f"/projects/{entry.id}/nominate", _form(short_description=words(count))
    )
    assert response.status_code == 422
    assert f"has {count} words" in response.get_data(as_text=True)
    assert db.scalar(select(func.count(Nomination.id))) == 0


def test_a_category_that_does_not_match_is_not_offered_and_is_refused(
    client, db, login_as, open_edition
):
    login_as("stakeholder")
    entry = make_entry()  # C4 only
    db.commit()
    page = client.get(f"/projects/{entry.id}/nominate").get_data(as_text=True)
    assert "e-health" not in page
    response = client.post_form(f"/projects/{entry.id}/nominate", _form(category_number=10))
    assert response.status_code == 422
    assert db.scalar(select(func.count(Nomination.id))) == 0


def test_a_second_nomination_for_the_organisation_and_category_is_refused(
    client, db, login_as, open_edition
):
    login_as("stakeholder")
    first = make_entry(organisation="Open Knowledge Lab")
    second = make_entry(organisation="Open Knowledge Lab")
    db.commit()
    assert client.post_form(f"/projects/{first.id}/nominate", _form()).status_code == 302
    response = client.post_form(f"/projects/{second.id}/nominate", _form())
    assert response.status_code == 422
    assert "already has a nomination in this category" in response.get_data(as_text=True)


def test_after_the_deadline_the_form_says_so_and_changes_nothing(client, db, login_as):
    nominator = login_as("stakeholder")
    edition = make_edition(start=now() - timedelta(days=30))
    nomination = make_nomination(
        edition=edition, nominator=nominator, status=NominationStatus.SUBMITTED
    )
    edition.submission_closes_at = now() - timedelta(minutes=1)
    db.commit()
    response = client.post_form(f"/nominations/{nomination.id}/edit", _form(impact="changed late"))
    assert response.status_code == 302
    detail = client.get(response.location).get_data(as_text=True)
    assert "deadline has passed" in detail
    db.refresh(nomination)
    assert nomination.impact != "changed late"
    assert client.post_form(f"/nominations/{nomination.id}/withdraw").status_code == 302
    db.refresh(nomination)
    assert nomination.status == NominationStatus.SUBMITTED


def test_other_people_cannot_see_or_change_a_private_nomination(client, db, login_as, open_edition):
    owner = make_user(roles=(Role.STAKEHOLDER,))
    nomination = make_nomination(
        edition=open_edition, nominator=owner, status=NominationStatus.SUBMITTED
    )
    db.commit()
    assert client.get(f"/nominations/{nomination.id}").status_code == 404  # anonymous
    login_as("stakeholder")
    assert client.get(f"/nominations/{nomination.id}").status_code == 404
    assert client.get(f"/nominations/{nomination.id}/edit").status_code == 404
    assert client.post_form(f"/nominations/{nomination.id}/edit", _form()).status_code == 404
    assert client.post_form(f"/nominations/{nomination.id}/withdraw").status_code == 404
    db.refresh(nomination)
    assert nomination.status == NominationStatus.SUBMITTED


def test_the_reviews_comment_is_shown_to_the_nominator_only(client, db, login_as, open_edition):
    nominator = login_as("stakeholder")
    nomination = make_nomination(
        edition=open_edition,
        nominator=nominator,
        status=NominationStatus.RETURNED,
        status_reason="Please shorten the description.",
    )
    db.commit()
    page = client.get(f"/nominations/{nomination.id}").get_data(as_text=True)
    assert "Please shorten the description." in page
    login_as("secretariat")  # a reviewer sees the nomination, not the note meant for its author
    page = client.get(f"/nominations/{nomination.id}")
    assert page.status_code == 200
    assert "Please shorten the description." not in page.get_data(as_text=True)


def test_nominated_projects_are_public(client, db, open_edition):
    nomination = make_nomination(edition=open_edition, short_description="Public words here")
    db.commit()
    page = client.get(f"/nominations/{nomination.id}")
    assert page.status_code == 200 and "Public words here" in page.get_data(as_text=True)
    listing = client.get(f"/editions/{open_edition.year}/nominated").get_data(as_text=True)
    assert nomination.entry.title in listing
    assert client.get("/editions/1899/nominated").status_code == 404


def _image(kind: str = "PNG", size=(40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 80, 140)).save(buffer, format=kind)
    return buffer.getvalue()


def test_an_image_is_checked_reencoded_and_served_safely(client, db, login_as, open_edition):
    login_as("stakeholder")
    entry = make_entry()
    db.commit()
    data = _form(image=(io.BytesIO(_image() + b"<script>alert(1)</script>"), "p.png"))
    response = client.post_form(
        f"/projects/{entry.id}/nominate", data, content_type="multipart/form-data"
    )
    assert response.status_code == 302
    nomination = db.scalar(select(Nomination).where(Nomination.entry_id == entry.id))
    served = client.get(f"/nominations/{nomination.id}/image")
    assert served.status_code == 200 and served.mimetype == "image/png"
    assert b"<script>" not in served.data
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    served.close()


@pytest.mark.parametrize(
    ("payload", "name"),
    [
        (b"GIF89a not really", "x.png"),
        (b"%PDF-1.4", "doc.pdf"),
        (b"\x89PNG" + b"0" * (3 * 1024 * 1024), "big.png"),
    ],
)
def test_bad_uploads_are_refused(client, db, login_as, open_edition, payload, name):
    login_as("stakeholder")
    entry = make_entry()
    db.commit()
    data = _form(image=(io.BytesIO(payload), name))
    response = client.post_form(
        f"/projects/{entry.id}/nominate", data, content_type="multipart/form-data"
    )
    assert response.status_code == 422
    assert "PNG, JPEG or WebP" in response.get_data(as_text=True)
    assert db.scalar(select(func.count(Nomination.id))) == 0
    response.request.input_stream.close()  # the test client spooled the large body to a file


def test_the_review_queue_and_decision(client, db, login_as, open_edition, outbox):
    nomination = make_nomination(
        edition=open_edition, status=NominationStatus.SUBMITTED, submitted_at=now()
    )
    db.commit()
    login_as("voter")
    assert client.get("/review/").status_code == 403
    client.post_form("/logout")
    login_as("expert")  # not assigned to the category
    assert client.get(f"/review/queue/{nomination.category_id}").status_code == 403
    assert client.get(f"/review/nominations/{nomination.id}").status_code == 403
    client.post_form("/logout")
    login_as("secretariat")
    queue = client.get(f"/review/queue/{nomination.category_id}").get_data(as_text=True)
    assert nomination.entry.title in queue
    page = client.get(f"/review/nominations/{nomination.id}").get_data(as_text=True)
    assert "Automatic checks" in page
    refused = client.post_form(
        f"/review/nominations/{nomination.id}", {"outcome": "rejected", "reason": ""}
    )
    assert refused.status_code == 422
    done = client.post_form(
        f"/review/nominations/{nomination.id}", {"outcome": "rejected", "reason": "Out of scope."}
    )
    assert done.status_code == 302
    db.refresh(nomination)
    assert nomination.status == NominationStatus.REJECTED
    assert "Out of scope." in outbox()[0].get_content()


def test_the_review_queue_costs_the_same_for_any_length(
    client, db, login_as, open_edition, count_queries
):
    login_as("secretariat")
    category_id = get_category(4).id

    def queue_queries(extra: int) -> int:
        for _ in range(extra):
            make_nomination(
                edition=open_edition, status=NominationStatus.SUBMITTED, submitted_at=now()
            )
        db.commit()
        with count_queries() as statements:
            assert client.get(f"/review/queue/{category_id}").status_code == 200
        return statements

    few, many = queue_queries(2), queue_queries(10)
    assert len(few) == len(many), "\n---\n".join(few) + "\n=====\n" + "\n---\n".join(many)


@pytest.mark.parametrize("stage", [" ", "\t"])
def test_a_blank_stage_of_the_project_is_no_answer_not_a_500(
    client, db, login_as, open_edition, stage
):
    """Found by the API fuzzer: a stage of spaces passed Optional and reached ProjectStage()."""
    login_as("stakeholder")
    entry = make_entry()
    db.commit()
    response = client.post_form(
        f"/projects/{entry.id}/nominate", _form(project_stage=stage, action="save")
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    nomination = db.scalar(select(Nomination).where(Nomination.entry_id == entry.id))
    assert nomination.project_stage is None


def test_a_stage_that_is_not_offered_is_refused(client, db, login_as, open_edition):
    login_as("stakeholder")
    entry = make_entry()
    db.commit()
    response = client.post_form(
        f"/projects/{entry.id}/nominate", _form(project_stage=" completed", action="save")
    )
    assert response.status_code == 422
    assert db.scalar(select(func.count()).select_from(Nomination)) == 0
