"""The API's contract: the error format, caching headers and 304, CORS, its own rate limit,
cursor pages over the site's search and filters, labels by language."""

from __future__ import annotations

from prizes.core.vocabulary import ActionLine
from tests.factories import make_edition, make_entry


def test_errors_have_one_format(client, db):
    for url, status in [
        ("/api/v1/entries?limit=500", 400),
        ("/api/v1/entries?sdg=x", 400),
        ("/api/v1/entries?cursor=%%%", 400),
        ("/api/v1/editions/2999", 404),
        ("/api/v1/no-such-thing", 404),
    ]:
        answer = client.get(url)
        assert answer.status_code == status, url
        body = answer.get_json()
        assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, url
        assert body["error"]["message"]
        assert answer.headers["Cache-Control"] and answer.headers["ETag"]
    assert client.post("/api/v1/entries").get_json()["error"]["code"] == "method_not_allowed"
    # The site's own pages keep their HTML errors.
    assert client.get("/no-such-page").mimetype == "text/html"


def test_etag_and_304(client, db):
    make_entry()
    db.commit()
    first = client.get("/api/v1/entries")
    assert first.headers["Cache-Control"].startswith("public")
    again = client.get("/api/v1/entries", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and not again.data
    make_entry()
    db.commit()
    changed = client.get("/api/v1/entries", headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200


def test_cors_is_open_for_get_and_no_cookie_is_set(client, db):
    answer = client.get("/api/v1/editions", headers={"Origin": "https://example.net"})
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert "Set-Cookie" not in answer.headers
    preflight = client.options("/api/v1/editions", headers={"Origin": "https://example.net"})
    assert preflight.headers["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"


def test_the_api_has_its_own_rate_limit(app, client, db, monkeypatch):
    monkeypatch.setitem(app.config, "LIMIT_API", "2 per minute")
    statuses = [client.get("/api/v1/vocabulary").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    refused = client.get("/api/v1/vocabulary")
    assert refused.get_json()["error"]["code"] == "too_many_requests"
    assert int(refused.headers["Retry-After"]) > 0
    assert client.get("/").status_code == 200  # the site's pages are not counted


def test_cursor_pages_give_every_match_once(client, db):
    made = {make_entry(action_lines=(ActionLine.C4,)).id for _ in range(7)}
    make_entry(action_lines=(ActionLine.C9,))
    db.commit()
    for sort in ("newest", "title"):
        seen: list[int] = []
        url = f"/api/v1/entries?limit=3&action_line=C4&sort={sort}"
        while url:
            page = client.get(url).get_json()
            seen += [e["id"] for e in page["entries"]]
            url = page["next_cursor"] and (
                f"/api/v1/entries?limit=3&action_line=C4&sort={sort}&cursor={page['next_cursor']}"
            )
        assert sorted(seen) == sorted(made), sort
    other = client.get("/api/v1/entries?limit=3&sort=title").get_json()["next_cursor"]
    assert client.get(f"/api/v1/entries?sort=newest&cursor={other}").status_code == 400


def test_entries_use_the_sites_search(client, db):
    wanted = make_entry(title="Solar kiosks for rural schools", country="KE")
    make_entry(title="Harbour logistics", country="KE")
    db.commit()
    found = client.get("/api/v1/entries?q=kiosk&sort=relevance").get_json()["entries"]
    assert [e["id"] for e in found] == [wanted.id]
    assert found[0]["created_at"].endswith("Z")
    kenya = client.get("/api/v1/entries?country=ke").get_json()["entries"]
    assert {e["country"] for e in kenya} == {"KE"} and len(kenya) == 2


def test_vocabulary_has_the_18_categories_and_11_action_lines(client, db):
    body = client.get("/api/v1/vocabulary", headers={"Accept-Language": "fr"}).get_json()
    assert body["lang"] == "fr"
    assert [c["number"] for c in body["categories"]] == list(range(1, 19))
    assert [a["code"] for a in body["action_lines"]] == [f"C{i}" for i in range(1, 12)]
    assert client.get("/api/v1/vocabulary?lang=xx").status_code == 400


def test_an_edition_shows_its_phase_and_timeline(client, db):
    edition = make_edition(year=2044)
    db.commit()
    body = client.get("/api/v1/editions/2044").get_json()
    assert body["phase"] == "submission"
    assert body["timeline"]["submission_opens_at"].endswith("Z")
    assert body["nominated_list_public"] is False and "nominated" not in body["links"]
    assert client.get("/api/v1/editions/2044/nominated").status_code == 404
    assert edition.id == body["id"]


def test_the_openapi_document_is_3_1_and_the_page_is_ours(client, db):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    assert "/api/v1/entries" in document["paths"]
    page = client.get("/api/v1/docs").get_data(as_text=True)
    assert "/api/v1/entries" in page and "<script" not in page and "https://" not in page


def test_a_page_of_entries_costs_the_same_few_queries_at_any_size(client, db, count_queries):
    """The page, then one batch per link table (action lines, SDGs, countries): no query
    per entry."""
    counts = []
    for size in (5, 50):
        for _ in range(size):
            make_entry()
        db.commit()
        with count_queries() as statements:
            assert client.get(f"/api/v1/entries?limit={size}").status_code == 200
        counts.append(sum(s.lstrip().upper().startswith("SELECT") for s in statements))
    assert counts == [4, 4]


def test_an_unexpected_error_is_answered_in_the_api_format(app, client, db, monkeypatch):
    from prizes.api import views

    def broken():
        raise RuntimeError("boom")

    monkeypatch.setattr(views, "moment", broken)
    answer = client.get("/api/v1/editions")
    assert answer.status_code == 500
    assert answer.get_json() == {
        "error": {"code": "internal_error", "message": "Something went wrong on our side."}
    }
    assert client.get("/").status_code == 200
