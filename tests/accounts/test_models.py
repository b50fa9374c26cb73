"""The account's eligibility rule answers the same in Python and in SQL (the vote's
statement uses the SQL half)."""

from __future__ import annotations

from sqlalchemy import select

from prizes.accounts.models import User
from prizes.core.clock import now
from tests.factories import make_user


def test_the_rule_is_the_same_for_a_loaded_account_and_in_sql(db):
    eligible = make_user()
    unverified = make_user(verified=False)
    no_profile = make_user(profile=False)
    disabled = make_user()
    disabled.disabled_at = now()
    empty_country = make_user()
    empty_country.country = ""
    db.flush()
    accounts = [eligible, unverified, no_profile, disabled, empty_country]
    in_python = {u.id for u in accounts if u.may_vote}
    in_sql = set(
        db.scalars(select(User.id).where(User.id.in_([u.id for u in accounts]), User.may_vote))
    )
    assert in_python == in_sql == {eligible.id}
    for attribute in ("is_active", "is_verified", "has_complete_profile"):
        python_side = {u.id for u in accounts if getattr(u, attribute)}
        sql_side = set(
            db.scalars(
                select(User.id).where(
                    User.id.in_([u.id for u in accounts]), getattr(User, attribute)
                )
            )
        )
        assert python_side == sql_side, attribute
