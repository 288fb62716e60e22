"""Unit tests of the Exact Online HTTP/OAuth rules (lib/exact_api.py, lib/exact_codes.py)."""

from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from scrada_lib import exact_api as api
from scrada_lib import exact_codes as codes

NOW = datetime(2026, 3, 2, 10, 0, 0)


def answer(status=200, body="", **headers):
    return api.Answer(status, headers, body)


def test_urls():
    assert api.normalize_base_url(" https://start.exactonline.be/ ") == (
        "https://start.exactonline.be"
    )
    assert api.normalize_base_url("http://127.0.0.1:8123/some/path?x=1") == (
        "http://127.0.0.1:8123"
    )
    for bad in ("", "start.exactonline.be", "ftp://start.exactonline.be", "https://"):
        with pytest.raises(ValueError):
            api.normalize_base_url(bad)
    assert api.base_url_of_region("be") == "https://start.exactonline.be"
    assert api.base_url_of_region("uk") == "https://start.exactonline.co.uk"
    assert api.base_url_of_region("xx") is None
    assert {key for key, _url, _label in codes.BASE_URLS} == {
        "be", "nl", "de", "fr", "uk", "com", "es"
    }
    redirect = api.redirect_uri("https://odoo.example.be/")
    assert redirect == "https://odoo.example.be/scrada_exact_bridge/oauth/callback"
    url = api.auth_url("https://start.exactonline.be", "my-app", redirect, "s t&8")
    parts = urlsplit(url)
    assert parts.path == "/api/oauth2/auth"
    assert parse_qs(parts.query) == {
        "client_id": ["my-app"], "redirect_uri": [redirect], "response_type": ["code"],
        "state": ["s t&8"],
    }
    assert "force_login=1" in api.auth_url("https://x.be", "a", redirect, "s", force_login=True)
    assert api.token_url("https://start.exactonline.nl/") == (
        "https://start.exactonline.nl/api/oauth2/token"
    )
    assert api.me_url("https://x.be") == "https://x.be/api/v1/current/Me"
    assert api.api_url("https://x.be", "123", codes.ENDPOINT_MESSAGES) == (
        "https://x.be/api/v1/123/mailbox/MailMessagesSent"
    )
    with pytest.raises(ValueError):
        api.api_url("https://x.be", 0, codes.ENDPOINT_MESSAGES)


def test_token_forms():
    assert api.code_form("c", "r", "id", "secret") == {
        "grant_type": "authorization_code", "code": "c", "redirect_uri": "r",
        "client_id": "id", "client_secret": "secret",
    }
    assert api.refresh_form("rt", "id", "secret")["grant_type"] == "refresh_token"


def test_token_answer_expires_in_is_a_string():
    parsed = api.parse_token_answer(answer(200, (
        '{"access_token": "acc-secret-1", "token_type": "bearer", "expires_in": "600", '
        '"refresh_token": "ref-secret-2"}'
    )))
    assert parsed.ok
    assert parsed.expires_in == 600
    assert (parsed.access_token, parsed.refresh_token) == ("acc-secret-1", "ref-secret-2")
    assert "secret" not in repr(parsed), "tokens never in logs"
    assert api.parse_token_answer(answer(200, '{"access_token": "A", "expires_in": ""}')) \
        .expires_in is None


def test_token_errors():
    too_early = api.parse_token_answer(answer(
        400, '{"error": "access_denied", "error_description": '
             '"Rate limit exceeded: access_token not expired"}',
        Reason="TooEarlyToRefreshTokens",
    ))
    assert not too_early.ok and too_early.too_early and not too_early.chain_broken
    old = api.parse_token_answer(answer(
        401, '{"error": "unauthorized_client", "error_description": "Old refresh token used."}'
    ))
    assert old.chain_broken and not old.too_early
    # a refresh that "fails" on a rate limit may still bring a new refresh token
    limited = api.parse_token_answer(answer(
        400, '{"error": "access_denied", "error_description": "Rate limit exceeded", '
             '"access_token": "A2", "refresh_token": "R2", "expires_in": "600"}'
    ))
    assert not limited.ok and limited.refresh_token == "R2" and limited.rate_limited
    broken = api.parse_token_answer(answer(502, "<html>bad gateway</html>"))
    assert broken.error == "http_502" and not broken.ok


def test_refresh_timing():
    issued = NOW
    expires = api.expiry(issued, 600)
    assert expires == issued + timedelta(seconds=600)
    assert api.expiry(issued, None) == issued + api.ACCESS_TOKEN_LIFETIME
    # plenty of time left: no refresh
    assert not api.refresh_due(issued + timedelta(seconds=300), issued, expires)
    # 31 s left: not yet
    assert not api.refresh_due(issued + timedelta(seconds=569), issued, expires)
    # 30 s left and 570 s old: refresh
    assert api.refresh_due(issued + timedelta(seconds=570), issued, expires)
    assert api.refresh_due(issued + timedelta(seconds=900), issued, expires)
    # a token that claims to expire soon but is young is never refreshed early
    short = issued + timedelta(seconds=20)
    assert not api.refresh_due(issued + timedelta(seconds=5), issued, short)
    # no token yet
    assert api.refresh_due(NOW, None, None)


def test_refresh_token_lifetime():
    assert not api.refresh_token_outlived(NOW, NOW - timedelta(days=29, hours=23))
    assert api.refresh_token_outlived(NOW, NOW - timedelta(days=30))
    assert not api.refresh_token_outlived(NOW, None)


def test_rate_limit_headers_and_budget():
    reset_ms = int((NOW - datetime(1970, 1, 1)).total_seconds() * 1000) + 42_000
    limits = api.parse_rate_limits(answer(
        200, "",
        **{"X-RateLimit-Limit": "5000", "X-RateLimit-Remaining": "4000",
           "X-RateLimit-Reset": str(reset_ms + 86_000_000),
           "X-RateLimit-Minutely-Limit": "60", "x-ratelimit-minutely-remaining": "1",
           "X-RateLimit-Minutely-Reset": str(reset_ms)},
    ))
    assert limits.minutely_limit == 60 and limits.minutely_remaining == 1
    assert limits.minutely_reset == NOW + timedelta(seconds=42)
    assert limits.daily_remaining == 4000
    assert api.budget_wait(NOW, limits, needed=1) is None
    assert api.budget_wait(NOW, limits, needed=2) == NOW + timedelta(seconds=42)
    # a reset in the past is a fresh budget
    assert api.budget_wait(NOW + timedelta(minutes=5), limits, needed=2) is None
    assert api.parse_rate_limits(answer(200)).empty
    assert api.budget_wait(NOW, api.RateLimits(), 2) is None
    # 429 for the minute: only the minutely headers
    only_minute = api.RateLimits(minutely_remaining=0, minutely_reset=NOW + timedelta(seconds=9))
    assert api.retry_at_after_429(NOW, only_minute) == NOW + timedelta(seconds=9)
    assert api.retry_at_after_429(NOW, api.RateLimits()) == NOW + timedelta(minutes=1)
    daily = api.RateLimits(daily_remaining=0, daily_reset=NOW + timedelta(hours=5))
    assert api.budget_wait(NOW, daily) == NOW + timedelta(hours=5)


def test_odata_bodies_and_errors():
    assert api.results({"d": {"results": [{"ID": 1}, {"ID": 2}]}}) == [{"ID": 1}, {"ID": 2}]
    assert api.results({"d": [{"ID": 1}]}) == [{"ID": 1}]
    assert api.record({"d": {"ID": "x"}}) == {"ID": "x"}
    assert api.results({"d": {}}) == [] and api.record({}) == {}
    error = api.parse_error(answer(
        403, '{"error": {"code": "", "message": {"lang": "", "value": "Forbidden"}}}',
        Reason="DivisionBlocked",
    ))
    assert (error.status, error.message, error.reason) == (403, "Forbidden", "DivisionBlocked")
    assert error.text() == "HTTP 403: DivisionBlocked: Forbidden"
    oauth = api.parse_error(answer(400, '{"error": "invalid_grant", "error_description": "x"}'))
    assert (oauth.code, oauth.message) == ("invalid_grant", "x")
    assert api.parse_error(answer(500, "Internal error")).message == "Internal error"


def test_filters_and_literals():
    assert api.odata_string("L'Atelier") == "'L''Atelier'"
    assert api.filter_equals("Mailbox", "shop@exactonline.be") == (
        "Mailbox eq 'shop@exactonline.be'"
    )
    guid = "1D3B6E0A-4F7C-4E34-9C2B-0F5D0E7A1B2C"
    assert api.guid_literal(guid) == f"guid'{guid.lower()}'"
    assert api.guid_literal("{" + guid + "}") == f"guid'{guid.lower()}'"
    with pytest.raises(ValueError):
        api.guid_literal("1' or 1 eq 1 or ID eq '")
    assert api.is_guid(guid) and not api.is_guid("nope")
    literal = f"guid'{guid.lower()}'"
    assert api.filter_ids([guid, guid]) == f"ID eq {literal} or ID eq {literal}"
    assert [len(chunk) for chunk in api.chunks(range(60), 25)] == [25, 25, 10]


def test_subject_is_unique_ascii_and_bounded():
    subject = api.message_subject("Café L'Étoile\r\nBV", "INV/2026/00001", 42, 1)
    assert subject == "Cafe L'Etoile BV - INV/2026/00001 [Odoo 42-1]"
    assert "\n" not in subject and subject.isascii()
    assert api.message_subject("A", "B", 42, 2) != api.message_subject("A", "B", 42, 1)
    long = api.message_subject("X" * 500, "Y" * 500, 123456, 3)
    assert len(long) <= api.SUBJECT_MAX and long.endswith("[Odoo 123456-3]")


def test_file_names():
    assert api.file_name("INV_2026_00001_ubl_bis3.xml") == "INV_2026_00001_ubl_bis3.xml"
    assert api.file_name("Kassa é 1/2.cod") == "Kassa_e_1_2.cod"
    assert api.file_name("///") == "document"


def test_codes_table():
    assert codes.types_for("invoice") == (1100, 130)
    assert codes.types_for("credit_note") == (1100, 130)
    assert codes.types_for("coda") == (2000, 70)
    assert codes.types_for("test") == (0, None)
    assert codes.status_key(50) == "processed" and codes.status_key("5") == "rejected"
    assert codes.status_key(None) is None and codes.status_key(999) is None
    assert {"rejected", "error", "blocked"} == codes.PROBLEM_STATUSES
    assert codes.FINAL_STATUSES <= {key for key, _label in codes.STATUS_SELECTION}
    assert [code for code, _k, _l in codes.RECIPIENT_STATUSES] == sorted(
        code for code, _k, _l in codes.RECIPIENT_STATUSES
    )


def test_local_path_only_inside_this_odoo():
    wizard = "/odoo/action-scrada_exact_bridge.action_exact_setup_wizard/7"
    assert api.local_path(wizard) == wizard
    assert api.local_path("/odoo?x=1#y") == "/odoo?x=1#y"
    for refused in (None, "", "odoo", "//evil.example/odoo", "/\\evil.example",
                    "https://evil.example/odoo", "/odoo\r\nLocation: x", 42):
        assert api.local_path(refused) is None, refused
