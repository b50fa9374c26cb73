"""The migrations build exactly the models' schema, and the rules the database enforces."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, insert, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError, StatementError

from prizes.contest.models import Category
from prizes.core.audit import AuditEvent, record
from prizes.core.clock import now
from prizes.db import Base
from prizes.nominations.models import NominationStatus
from prizes.review.models import ReviewStage, RubricCriterion, Score
from prizes.stocktaking.search import include_object
from prizes.voting.models import Vote
from tests.factories import make_edition, make_entry, make_nomination, make_round, make_user


def test_migrations_produce_the_models_schema(db):
    context = MigrationContext.configure(
        db.connection(), opts={"compare_type": True, "include_object": include_object}
    )
    assert compare_metadata(context, Base.metadata) == []


def test_the_eighteen_categories_are_seeded(db):
    categories = db.scalars(select(Category).order_by(Category.number)).all()
    assert [c.number for c in categories] == list(range(1, 19))
    assert [c.action_line.value for c in categories if c.action_line.value == "C7"] == ["C7"] * 8
    assert categories[9].name == "ICT applications: e-health"


def _violates(db, statement_or_callable) -> None:
    with pytest.raises((IntegrityError, DBAPIError)), db.begin_nested():
        if callable(statement_or_callable):
            statement_or_callable()
            db.flush()
        else:
            db.execute(statement_or_callable)


def test_one_nomination_per_entry_per_edition(db):
    edition = make_edition()
    entry = make_entry()
    make_nomination(edition=edition, entry=entry, category_number=4)
    _violates(db, lambda: make_nomination(edition=edition, entry=entry, category_number=9))


def test_one_nomination_per_organisation_per_category_unless_withdrawn(db):
    edition = make_edition()
    first = make_nomination(edition=edition, entry=make_entry(organisation="ACME Ltd."))
    same_org = make_entry(organisation="The Acme")
    _violates(db, lambda: make_nomination(edition=edition, entry=same_org))
    first.status = NominationStatus.WITHDRAWN
    db.flush()
    make_nomination(edition=edition, entry=same_org)  # the place is free again


def test_a_rejected_nomination_needs_a_reason(db):
    edition = make_edition()
    _violates(db, lambda: make_nomination(edition=edition, status=NominationStatus.REJECTED))
    make_nomination(edition=edition, status=NominationStatus.REJECTED, status_reason="Not ICT")


def _vote_row(voting_round, nomination, voter, code) -> dict:
    return {
        "round_id": voting_round.id,
        "category_id": nomination.category_id,
        "nomination_id": nomination.id,
        "voter_id": voter.id,
        "receipt_code": code,
        "cast_at": now(),
        "status": "valid",
    }


def test_one_vote_per_voter_per_category_per_round(db):
    edition = make_edition()
    a = make_nomination(edition=edition)
    b = make_nomination(edition=edition)
    voting_round = make_round(edition=edition, nominations=[a, b])
    voter = make_user()
    db.execute(insert(Vote), [_vote_row(voting_round, a, voter, "R1")])
    _violates(db, insert(Vote).values(_vote_row(voting_round, b, voter, "R2")))
    assert db.scalar(select(func.count(Vote.id))) == 1


def test_a_vote_must_name_a_nomination_on_the_ballot(db):
    edition = make_edition()
    on_ballot = make_nomination(edition=edition)
    off_ballot = make_nomination(edition=edition, category_number=9)
    voting_round = make_round(edition=edition, nominations=[on_ballot])
    _violates(db, insert(Vote).values(_vote_row(voting_round, off_ballot, make_user(), "R3")))


def test_votes_and_audit_events_are_never_deleted(db):
    edition = make_edition()
    nomination = make_nomination(edition=edition)
    voting_round = make_round(edition=edition, nominations=[nomination])
    db.execute(insert(Vote), [_vote_row(voting_round, nomination, make_user(), "R4")])
    vote = db.scalar(select(Vote))
    _violates(db, lambda: db.delete(vote))
    event = record(db, "test.event", actor=None)
    db.flush()
    _violates(db, lambda: db.delete(event))
    _violates(db, update(AuditEvent).where(AuditEvent.id == event.id).values(action="forged"))


def test_an_invalidated_vote_records_why(db):
    edition = make_edition()
    nomination = make_nomination(edition=edition)
    voting_round = make_round(edition=edition, nominations=[nomination])
    db.execute(insert(Vote), [_vote_row(voting_round, nomination, make_user(), "R5")])
    _violates(db, update(Vote).values(status="invalidated"))
    db.execute(
        update(Vote).values(status="invalidated", invalidated_at=now(), invalidation_reason="bot")
    )


def test_one_score_per_expert_nomination_criterion_and_stage(db):
    edition = make_edition()
    nomination = make_nomination(edition=edition)
    criterion = RubricCriterion(edition_id=edition.id, position=1, name="Impact")
    expert = make_user()
    db.add(criterion)
    db.flush()

    def score(stage: ReviewStage) -> None:
        db.add(
            Score(
                expert_id=expert.id,
                nomination_id=nomination.id,
                criterion_id=criterion.id,
                stage=stage,
                value=7,
            )
        )

    score(ReviewStage.NOMINATION)
    score(ReviewStage.SELECTION)
    db.flush()
    _violates(db, lambda: score(ReviewStage.NOMINATION))


def test_enum_columns_refuse_unknown_values(db):
    edition = make_edition()
    nomination = make_nomination(edition=edition)
    statement = text("UPDATE nominations SET status = 'bribed' WHERE id = :id")
    _violates(db, statement.bindparams(id=nomination.id))


def test_edition_phases_must_be_in_order(db):
    edition = make_edition()
    edition.submission_closes_at = edition.submission_opens_at - timedelta(days=1)
    _violates(db, lambda: None)


def test_naive_datetimes_are_refused(db):
    edition = make_edition()
    edition.review_closes_at = datetime(2030, 1, 1)  # noqa: DTZ001 - the point of the test
    with pytest.raises(StatementError):
        db.flush()
    db.rollback()


def test_organisations_without_a_key_never_collide_in_the_unique_index(db):
    """NULL is distinct in a unique index, on SQLite and PostgreSQL alike."""
    edition = make_edition()
    for name in ("***", "+++"):
        entry = make_entry(organisation=name)
        assert entry.organisation_key is None
        make_nomination(edition=edition, entry=entry)
    for name in ("مؤسسة الاتصالات", "هيئة الاتصالات"):
        make_nomination(edition=edition, entry=make_entry(organisation=name))
    _violates(
        db,
        lambda: make_nomination(edition=edition, entry=make_entry(organisation="هيئة الاتصالات")),
    )


def test_datetimes_come_back_aware_in_utc(db):
    edition = make_edition()
    db.commit()
    db.expire_all()
    assert db.get(type(edition), edition.id).submission_opens_at.utcoffset() == timedelta(0)


def test_the_organisation_key_migration_fills_existing_accounts(app, tmp_path):
    """Accounts made before 0008 get the normalised key the vote's statement compares."""
    from sqlalchemy import create_engine

    from prizes.cli import upgrade_database

    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    with engine.begin() as connection:
        upgrade_database(connection, "0007")
        connection.execute(
            text(
                "INSERT INTO users (email, email_canonical, password_hash, created_at,"
                " session_version, organisation_name) VALUES"
                " ('a@example.org', 'a@example.org', 'x', '2026-01-01', 1, 'The ACME Ltd.'),"
                " ('b@example.org', 'b@example.org', 'x', '2026-01-01', 1, NULL)"
            )
        )
        upgrade_database(connection, "head")
        keys = connection.execute(text("SELECT organisation_key FROM users ORDER BY id")).all()
    engine.dispose()
    assert [key for (key,) in keys] == ["acme", None]


def test_the_key_migration_recomputes_every_stored_key_in_every_script(app, tmp_path):
    """0009 gives accounts, entries and nominations the key that keeps every script: the
    Arabic and Chinese names that were one empty key become two, a name with no letter NULL,
    and both nominations can hold their places under the unique index (on SQLite, or on
    PostgreSQL in a schema of its own)."""
    from sqlalchemy import create_engine

    from tests.conftest import separate_database

    day = {f"d{n}": f"2026-01-0{n} 00:00:00+00:00" for n in range(1, 5)}
    with separate_database(tmp_path, "key_migration") as url:
        engine = create_engine(url)
        try:
            _fill_before_0009_and_upgrade(engine, day)
        finally:
            engine.dispose()


def _fill_before_0009_and_upgrade(engine, day):
    from prizes.cli import upgrade_database

    with engine.begin() as connection:
        upgrade_database(connection, "0008")
        connection.execute(
            text(
                "INSERT INTO users (id, email, email_canonical, password_hash, created_at,"
                " session_version, organisation_name) VALUES (:id, :email, :email, 'x', :d1,"
                " 1, :name)"
            ),
            [
                {"id": n, "email": f"{n}@example.org", "name": name, **day}
                for n, name in ((1, "Связь Ltd"), (2, "The ACME Ltd."), (3, "***"))
            ],
        )
        connection.execute(
            text(
                "INSERT INTO editions (id, year, title, submission_opens_at,"
                " submission_closes_at, review_closes_at, selection_closes_at, shortlist_size,"
                " score_min, score_max, show_votes_to_experts, conflict_on_same_country,"
                " created_at) VALUES (1, 2027, 'WSIS Prizes 2027', :d1, :d2, :d3, :d4, 5, 1, 5,"
                " false, false, :d1)"
            ),
            day,
        )
        category = connection.scalar(text("SELECT id FROM categories WHERE number = 4"))
        old = [(1, "中国移动", ""), (2, "مؤسسة الاتصالات", ""), (3, "Acme Inc", "acme")]
        connection.execute(
            text(
                "INSERT INTO stocktaking_entries (id, title, organisation, organisation_key,"
                " stakeholder_type, country, description, status, created_at, updated_at)"
                " VALUES (:id, 'Project', :name, :key, 'business', 'CH', 'About it.',"
                " 'published', :d1, :d1)"
            ),
            [{"id": n, "name": name, "key": key, **day} for n, name, key in old],
        )
        # The two empty keys could not both hold a place before: the second is a draft.
        connection.execute(
            text(
                "INSERT INTO nominations (id, edition_id, category_id, entry_id, nominator_id,"
                " organisation_key, short_description, impact, partnerships, challenges,"
                " status, created_at, updated_at) VALUES (:id, 1, :category, :id, 1, :key,"
                " '', '', '', '', :status, :d1, :d1)"
            ),
            [
                {"id": n, "category": category, "key": key, "status": status, **day}
                for (n, _, key), status in zip(
                    old, ("nominated", "draft", "nominated"), strict=True
                )
            ],
        )
        upgrade_database(connection, "head")
        connection.execute(text("UPDATE nominations SET status = 'nominated' WHERE id = 2"))
        keys = {
            table: [key for (key,) in connection.execute(select(column).order_by(text("id")))]
            for table, column in (
                ("users", text("organisation_key FROM users")),
                ("entries", text("organisation_key FROM stocktaking_entries")),
                ("nominations", text("organisation_key FROM nominations")),
            )
        }
        assert keys == {
            "users": ["связь", "acme", None],
            "entries": ["中国移动", "مؤسسة الاتصالات", "acme"],
            "nominations": ["中国移动", "مؤسسة الاتصالات", "acme"],
        }
        with pytest.raises(IntegrityError), connection.begin_nested():
            connection.execute(
                text(
                    "INSERT INTO nominations (edition_id, category_id, entry_id, nominator_id,"
                    " organisation_key, short_description, impact, partnerships, challenges,"
                    " status, created_at, updated_at) VALUES (1, :category, 3, 2, 'acme',"
                    " '', '', '', '', 'submitted', :d1, :d1)"
                ),
                {"category": category, **day},
            )
