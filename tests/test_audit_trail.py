"""The audit trail in the browser: its filters, its keyset pages and its CSV export."""

from __future__ import annotations

import ast
import csv
import io
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from prizes.admin import audit_trail
from prizes.admin.audit_trail import AuditFilter, BadFilter
from prizes.core.audit import AuditEvent
from tests.factories import make_user

PACKAGE = Path(__file__).resolve().parent.parent / "prizes"
OBJECT = "editions"  # events of the tests are about an edition number no seed uses
OBJECT_ID = 987654


def event(db, action="edition.updated", *, actor=None, at=None, object_id=OBJECT_ID, **data):
    row = AuditEvent(
        action=action,
        actor_id=getattr(actor, "id", None),
        object_type=OBJECT,
        object_id=object_id,
        at=at or datetime(2027, 3, 10, 12, 0, tzinfo=UTC),
        data=data,
    )
    db.add(row)
    db.flush()
    return row


def ours(**more) -> AuditFilter:
    return AuditFilter(object_type=OBJECT, object_id=OBJECT_ID, **more)


# --- the filters, read by the service ----------------------------------------------------


def test_every_recorded_action_is_a_known_one():
    """Each ``audit.record(session, "action", ...)`` in the package names a known action,
    so the filter's list and the 400 for an unknown one stay right as actions are added."""
    recorded, unread = set(), []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if node.func.attr != "record" or not isinstance(node.func.value, ast.Name):
                continue
            if node.func.value.id != "audit" or len(node.args) < 2:
                continue
            names = [c.value for c in ast.walk(node.args[1]) if isinstance(c, ast.Constant)]
            if isinstance(node.args[1], ast.Subscript):
                continue  # REVIEW_OUTCOMES[outcome]: its values are in the list by import
            if not names:
                unread.append(f"{path}:{node.lineno}")
            recorded.update(names)
    # The views record with ``record`` imported by name.
    recorded.add("audit.exported")
    assert unread == [], "an action the test cannot read; name it as a string"
    assert recorded - audit_trail.KNOWN_ACTIONS == set()
    assert {"nomination.nominated", "mail.requeued", "mail.resent"} <= audit_trail.KNOWN_ACTIONS


def test_filters_are_read_from_the_query_string(db):
    person = make_user(email="Auditor@Example.org")
    read = audit_trail.parse_filters(
        {
            "actor": "auditor@example.org",
            "action": "edition.updated",
            "object_type": "editions",
            "object_id": "12",
            "from": "2027-03-01",
            "to": "2027-03-31",
        }
    )
    assert read.actor_id == person.id and read.action == "edition.updated"
    assert (read.object_type, read.object_id) == ("editions", 12)
    assert audit_trail.parse_filters({"actor": str(person.id)}).actor_id == person.id
    assert audit_trail.parse_filters({"actor": "system"}).system_only
    assert audit_trail.parse_filters({"actor": " ", "action": ""}) == AuditFilter()


@pytest.mark.parametrize(
    ("args", "says"),
    [
        ({"action": "vote.stolen"}, "no action named"),
        ({"actor": "nobody@example.org"}, "No account has the address"),
        ({"actor": "2147483000"}, "No account has the number"),
        ({"actor": "99999999999999"}, "No account has the number"),
        ({"object_type": "passwords"}, "no kind of object"),
        ({"object_id": "-3"}, "whole number"),
        ({"from": "31/03/2027"}, "YYYY-MM-DD"),
        ({"from": "20270331"}, "YYYY-MM-DD"),
        ({"to": "2027-02-30"}, "YYYY-MM-DD"),
        ({"to": "\uff12\uff10\uff12\uff17-03-01"}, "YYYY-MM-DD"),  # full-width digits
        ({"from": "2027-04-01", "to": "2027-03-01"}, "start date is after"),
    ],
)
def test_a_filter_that_cannot_be_read_is_refused_with_its_reason(db, args, says):
    with pytest.raises(BadFilter) as refused:
        audit_trail.parse_filters(args)
    assert refused.value.status_code == 400 and says in refused.value.message


@pytest.mark.parametrize("size", ["0", "201", "100000000000", "ten"])
def test_a_page_size_out_of_bounds_is_refused(size):
    with pytest.raises(BadFilter) as refused:
        audit_trail.page_size({"size": size})
    assert refused.value.status_code == 400


def test_page_size_defaults_to_fifty_and_goes_up_to_two_hundred():
    assert audit_trail.page_size({}) == 50
    assert audit_trail.page_size({"size": "200"}) == 200


# --- the rows ----------------------------------------------------------------------------


def test_each_filter_narrows_the_rows(db):
    person, other = make_user(), make_user()
    first = event(db, "edition.created", actor=person, at=datetime(2027, 3, 1, 0, 0, tzinfo=UTC))
    second = event(db, "edition.updated", actor=other, at=datetime(2027, 3, 5, 23, 59, tzinfo=UTC))
    third = event(db, "edition.updated", at=datetime(2027, 3, 6, 0, 0, tzinfo=UTC))
    elsewhere = event(db, "edition.updated", object_id=OBJECT_ID + 1)

    def ids(**more):
        return [row.id for row in audit_trail.list_events(ours(**more)).rows]

    assert ids() == [third.id, second.id, first.id]  # newest first
    assert ids(actor_id=person.id) == [first.id]
    assert ids(system_only=True) == [third.id]
    assert ids(action="edition.updated") == [third.id, second.id]
    # The days are whole UTC days, both ends included.
    assert ids(since=date(2027, 3, 1), until=date(2027, 3, 5)) == [
        second.id,
        first.id,
    ]
    assert ids(since=date(2027, 3, 6)) == [third.id]
    assert ids(until=date(2027, 2, 28)) == []
    by_type = audit_trail.list_events(AuditFilter(object_id=OBJECT_ID + 1)).rows
    assert [row.id for row in by_type] == [elsewhere.id]
    [row] = audit_trail.list_events(ours(actor_id=other.id)).rows
    assert row.actor_email == other.email  # the actor's address comes with the row


def test_keyset_pages_walk_older_and_back_and_do_not_shift(db):
    made = [event(db, at=datetime(2027, 3, 1, hour, tzinfo=UTC)) for hour in range(7)]
    newest_first = [row.id for row in reversed(made)]
    first = audit_trail.list_events(ours(), size=3)
    assert [row.id for row in first.rows] == newest_first[:3]
    assert first.newer is None and first.older == newest_first[2]
    event(db)  # recorded while the secretariat reads: the next page is the same
    second = audit_trail.list_events(ours(), size=3, before=first.older)
    assert [row.id for row in second.rows] == newest_first[3:6]
    last = audit_trail.list_events(ours(), size=3, before=second.older)
    assert [row.id for row in last.rows] == newest_first[6:] and last.older is None
    back = audit_trail.list_events(ours(), size=3, after=last.rows[0].id)
    assert [row.id for row in back.rows] == newest_first[3:6] and back.newer is not None


def test_a_page_costs_one_query_whatever_its_size(db, count_queries):
    for _ in range(30):
        event(db, actor=make_user())
    with count_queries() as statements:
        page = audit_trail.list_events(ours(), size=25)
        emails = [row.actor_email for row in page.rows]
    assert len(statements) == 1 and len(emails) == 25 and all(emails)


# --- the CSV -----------------------------------------------------------------------------


def test_the_csv_is_written_in_batches_with_a_bom_and_safe_cells(db, count_queries):
    person = make_user()
    for number in range(5):
        event(db, actor=person, note=f'=HYPERLINK("http://evil.example")-{number}')
    with count_queries() as statements:
        chunks = list(audit_trail.csv_lines(ours(), batch=2))
    assert len(statements) == 3  # 2 + 2 + 1 rows, one query each: never all in memory
    text = "".join(chunks)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[0] == list(audit_trail.CSV_HEADER)
    assert len(rows) == 6 and [row[3] for row in rows[1:]] == [person.email] * 5
    # The details are JSON, written as one cell that begins with "{", never a formula.
    assert rows[1][7] == '{"note":"=HYPERLINK(\\"http://evil.example\\")-4"}'


@pytest.mark.parametrize("address", ["=cmd@example.org", "-2+3@example.org", "@sum@example.org"])
def test_a_cell_that_starts_like_a_formula_is_quoted(db, address):
    # An address may begin with "=", "-" or "@": its cell must not become a formula.
    event(db, actor=make_user(email=address))
    text = "".join(audit_trail.csv_lines(ours())).removeprefix("\ufeff")
    assert list(csv.reader(io.StringIO(text)))[1][3] == "'" + address


# --- the pages, through the browser's requests -------------------------------------------


def test_the_secretariat_reads_and_filters_the_trail(client, db, login_as):
    login_as("secretariat")
    event(db, "edition.created", note="alpha-111")
    event(db, "edition.updated", note="beta-222")
    db.commit()
    page = client.get(f"/admin/audit?object_type={OBJECT}&object_id={OBJECT_ID}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert body.index("beta-222") < body.index("alpha-111")  # newest first
    only = client.get(f"/admin/audit?object_id={OBJECT_ID}&action=edition.created")
    assert "alpha-111" in only.get_data(as_text=True)
    assert "beta-222" not in only.get_data(as_text=True)


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("action=vote.stolen", "There is no action named"),
        ("from=2027-3-1", "must be a date written YYYY-MM-DD"),
        ("to=yesterday", "must be a date written YYYY-MM-DD"),
        ("actor=ghost@example.org", "No account has the address"),
        ("size=500", "A page holds from 1 to 200 rows"),
        ("object_type=secrets", "There is no kind of object"),
    ],
)
def test_a_bad_filter_is_a_400_that_says_why(client, db, login_as, query, says):
    login_as("secretariat")
    urls = [f"/admin/audit?{query}"]
    if not query.startswith("size="):  # the CSV has every page: it takes no page size
        urls.append(f"/admin/audit.csv?{query}")
    for url in urls:
        response = client.get(url)
        assert response.status_code == 400, url
        assert says in response.get_data(as_text=True), url


def test_a_bad_cursor_is_a_400(client, db, login_as):
    login_as("secretariat")
    assert client.get("/admin/audit?before=abc").status_code == 400
    assert client.get("/admin/audit?after=99999999999").status_code == 400


def test_the_pages_link_older_and_newer(client, db, login_as):
    login_as("secretariat")
    made = [event(db, note=f"row{number:02d}") for number in range(5)]
    db.commit()
    query = f"object_type={OBJECT}&object_id={OBJECT_ID}&size=2"
    first = client.get(f"/admin/audit?{query}").get_data(as_text=True)
    assert "row04" in first and "row03" in first and "row02" not in first
    assert f"before={made[3].id}" in first
    second = client.get(f"/admin/audit?{query}&before={made[3].id}").get_data(as_text=True)
    assert "row02" in second and "row01" in second and "row03" not in second
    assert f"after={made[2].id}" in second and "size=2" in second


def test_the_csv_download_keeps_the_filters_and_is_itself_audited(client, db, login_as):
    secretariat = login_as("secretariat")
    event(db, "edition.created", note="+SUM(A1:A9)")
    event(db, "edition.updated", note="kept")
    db.commit()
    response = client.get(f"/admin/audit.csv?object_id={OBJECT_ID}&action=edition.created")
    assert response.status_code == 200
    assert response.content_type == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == 2 and rows[1][4] == "edition.created"
    assert rows[1][7] == '{"note":"+SUM(A1:A9)"}'
    downloaded = db.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "audit.exported", AuditEvent.actor_id == secretariat.id
        )
    )
    assert downloaded is not None
    assert downloaded.data == {"filters": {"action": "edition.created", "object_id": OBJECT_ID}}


def test_the_csv_through_the_browser_quotes_a_formula(client, db, login_as):
    login_as("secretariat")
    row = event(db, "edition.created", actor=make_user(email="+1-555@example.org"))
    db.commit()
    response = client.get(f"/admin/audit.csv?object_id={OBJECT_ID}")
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert [(r[0], r[3]) for r in rows[1:]] == [(str(row.id), "'+1-555@example.org")]


@pytest.mark.parametrize("role", ["voter", "stakeholder", "expert"])
def test_only_the_secretariat_reads_the_trail(client, db, login_as, role):
    login_as(role)
    assert client.get("/admin/audit").status_code == 403
    assert client.get("/admin/audit.csv").status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    for url in ("/admin/audit", "/admin/audit.csv"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.location


def test_the_dashboard_links_to_the_trail(client, db, login_as):
    login_as("secretariat")
    assert 'href="/admin/audit"' in client.get("/admin/").get_data(as_text=True)


def test_reading_the_trail_changes_no_row(client, db, login_as):
    login_as("secretariat")
    event(db)
    db.commit()
    before = db.scalar(select(func.count()).select_from(AuditEvent))
    assert client.get(f"/admin/audit?object_id={OBJECT_ID}").status_code == 200
    assert db.scalar(select(func.count()).select_from(AuditEvent)) == before
