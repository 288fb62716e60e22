"""The HTTP and OAuth2 rules of Exact Online's REST API, without Odoo.

Plain Python (no ``odoo`` import), unit-tested in the repository's ``tests/`` against the local
stand-in. The models keep the tokens, locks and records; everything that is a *rule* lives here:

* URLs: the authorisation URL, the token URL, API URLs, the redirect URI;
* tokens: what a token answer means (``expires_in`` arrives as a **string**), when a refresh is
  due (at most 30 s left **and** at least 570 s after issue: Exact refuses earlier refreshes),
  when a refresh token has outlived its 30 days, when the chain is broken ("Old refresh token
  used.": only a person can reconnect);
* answers: OData bodies (``{"d": ...}``), Exact's error body and ``Reason`` header, the rate
  limit headers (resets in epoch milliseconds) and what budget is left;
* OData ``$filter`` literals (quotes doubled, GUIDs checked);
* :func:`request`: one HTTP call with ``requests``, nothing else.

Times are naive UTC ``datetime`` objects, as Odoo stores them.
"""

import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode, urlsplit

import requests

from . import exact_codes as codes

ACCESS_TOKEN_LIFETIME = timedelta(seconds=600)  # what Exact gives; the answer says it again
REFRESH_MARGIN = timedelta(seconds=30)  # refresh when this little is left...
MIN_TOKEN_AGE = timedelta(seconds=570)  # ...but never earlier than this after issue
REFRESH_TOKEN_LIFETIME = timedelta(days=30)  # an unused refresh token dies after 30 days
TIMEOUT = (10, 60)  # seconds: connect, read
SUBJECT_MAX = 200
IDS_PER_FILTER = 25  # GUIDs per "ID eq guid'…' or …" status read (keeps URLs short)

_GUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


class ExactApiError(Exception):
    """Base of the errors of this module."""


# ------------------------------------------------------------------------------------------
# URLs
# ------------------------------------------------------------------------------------------


def normalize_base_url(url):
    """``https://start.exactonline.be`` from what a person typed; raises ValueError.

    Any ``http``/``https`` URL with a host is accepted (tests and demos use a local stand-in);
    the path, query and trailing slash are dropped.
    """
    text = (url or "").strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url!r}")
    return f"{parts.scheme}://{parts.netloc}"


def base_url_of_region(region):
    for key, url, _label in codes.BASE_URLS:
        if key == region:
            return url
    return None


def redirect_uri(web_base_url):
    """The redirect URI to declare in Exact's App Center for this Odoo."""
    return (web_base_url or "").rstrip("/") + codes.CALLBACK_PATH


def local_path(url):
    """``url`` when it is a path inside this Odoo (``/odoo/...``), else ``None``.

    Where the OAuth callback sends the user back to: never another host (``//host``, a
    scheme, a backslash or a control character make it ``None``).
    """
    if not url or not isinstance(url, str) or not url.startswith("/") or url.startswith("//"):
        return None
    if "\\" in url or any(ord(char) < 32 or ord(char) == 127 for char in url):
        return None
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        return None
    return url


def auth_url(base_url, client_id, redirect, state, force_login=False):
    query = {
        "client_id": client_id,
        "redirect_uri": redirect,
        "response_type": "code",
        "state": state,
    }
    if force_login:
        query["force_login"] = "1"
    return normalize_base_url(base_url) + codes.AUTH_PATH + "?" + urlencode(query)


def token_url(base_url):
    return normalize_base_url(base_url) + codes.TOKEN_PATH


def me_url(base_url):
    return normalize_base_url(base_url) + codes.ME_PATH


def api_url(base_url, division, endpoint):
    if not division:
        raise ValueError("no Exact Online division")
    return normalize_base_url(base_url) + codes.API_PATH.format(
        division=int(division), endpoint=endpoint
    )


def code_form(code, redirect, client_id, client_secret):
    return {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect,
        "client_id": client_id,
        "client_secret": client_secret,
    }


def refresh_form(refresh_token, client_id, client_secret):
    return {
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
        "client_id": client_id,
        "client_secret": client_secret,
    }


# ------------------------------------------------------------------------------------------
# Answers
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """One HTTP answer: status, headers (case-insensitive mapping), body text."""

    status: int
    headers: dict
    text: str

    def json(self):
        try:
            return json.loads(self.text) if self.text else {}
        except ValueError:
            return {}

    def header(self, name):
        for key, value in (self.headers or {}).items():
            if key.lower() == name.lower():
                return value
        return None

    @property
    def ok(self):
        return 200 <= self.status < 300


def request(method, url, *, token=None, params=None, json_body=None, form=None, timeout=TIMEOUT,
            session=None):
    """One HTTP call with ``requests``; returns an :class:`Answer`.

    Network problems (timeouts, refused or dropped connections) raise ``requests``
    exceptions, which ``exact_failures.classify_exception`` understands.
    """
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if json_body is not None:
        headers["Content-Type"] = "application/json"
    caller = session or requests
    response = caller.request(
        method, url, params=params, json=json_body, data=form, headers=headers,
        timeout=timeout, allow_redirects=False,
    )
    return Answer(response.status_code, dict(response.headers), response.text)


def results(body):
    """The records of an OData answer: ``{"d": {"results": [...]}}``, ``{"d": [...]}`` or
    ``{"d": {...}}`` (one record) -> list of dicts."""
    data = (body or {}).get("d", body or {})
    if isinstance(data, dict) and "results" in data:
        data = data["results"]
    if isinstance(data, dict):
        return [data] if data else []
    return list(data or [])


def record(body):
    """The one record of an OData answer (a created entity), or ``{}``."""
    found = results(body)
    return found[0] if found else {}


@dataclass(frozen=True)
class ApiError:
    """Exact's error: HTTP status, ``error.code``, ``error.message.value`` and ``Reason``."""

    status: int
    code: str = ""
    message: str = ""
    reason: str = ""

    def text(self):
        parts = [f"HTTP {self.status}"]
        if self.reason:
            parts.append(self.reason)
        if self.message:
            parts.append(self.message)
        return ": ".join(parts)


def parse_error(answer):
    """The :class:`ApiError` of a failed answer (OData error body, OAuth error or plain text)."""
    body = answer.json()
    code = message = ""
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        code = str(error.get("code") or "")
        value = error.get("message")
        message = str(value.get("value") if isinstance(value, dict) else value or "")
    elif isinstance(error, str):  # OAuth: {"error": "...", "error_description": "..."}
        code = error
        message = str(body.get("error_description") or "")
    elif answer.text and not body:
        message = answer.text.strip()[:500]
    return ApiError(answer.status, code, message, answer.header(codes.HEADER_REASON) or "")


# ------------------------------------------------------------------------------------------
# Tokens
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TokenAnswer:
    """A token endpoint's answer. The tokens never appear in ``repr`` (logs, tracebacks)."""

    access_token: str | None = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_in: int | None
    error: str = ""
    description: str = ""
    reason: str = ""
    status: int = 200

    @property
    def ok(self):
        return bool(self.access_token) and not self.error

    @property
    def chain_broken(self):
        """The refresh token is spent or revoked: only a person can reconnect."""
        return self.error == codes.ERROR_UNAUTHORIZED_CLIENT or (
            codes.OLD_REFRESH_TOKEN.lower() in self.description.lower()
        ) or self.error == "invalid_grant"

    @property
    def too_early(self):
        return self.reason == codes.REASON_TOO_EARLY or "not expired" in self.description.lower()

    @property
    def rate_limited(self):
        return self.status == 429 or "rate limit" in self.description.lower()


def parse_token_answer(answer):
    """A token endpoint's answer. ``expires_in`` arrives as a string ("600")."""
    body = answer.json() if isinstance(answer.json(), dict) else {}
    expires_in = body.get("expires_in")
    try:
        expires_in = int(str(expires_in).strip()) if expires_in not in (None, "") else None
    except ValueError:
        expires_in = None
    error = str(body.get("error") or "")
    if not answer.ok and not error:
        error = f"http_{answer.status}"
    return TokenAnswer(
        access_token=body.get("access_token") or None,
        refresh_token=body.get("refresh_token") or None,
        expires_in=expires_in,
        error=error,
        description=str(body.get("error_description") or ""),
        reason=answer.header(codes.HEADER_REASON) or "",
        status=answer.status,
    )


def expiry(now, expires_in):
    """When an access token issued ``now`` expires (600 s when the answer says nothing)."""
    if not expires_in or expires_in <= 0:
        return now + ACCESS_TOKEN_LIFETIME
    return now + timedelta(seconds=expires_in)


def refresh_due(now, issued_at, expires_at):
    """True when the access token must be refreshed before the next call.

    Only when at most 30 s are left, and never earlier than 570 s after issue (Exact answers
    ``TooEarlyToRefreshTokens`` and counts it as an error). No token at all: a refresh is due.
    """
    if not expires_at:
        return True
    if expires_at - now > REFRESH_MARGIN:
        return False
    return not issued_at or now - issued_at >= MIN_TOKEN_AGE


def refresh_token_outlived(now, refresh_issued_at):
    """An unused refresh token dies after 30 days: a person must reconnect."""
    return bool(refresh_issued_at) and now - refresh_issued_at >= REFRESH_TOKEN_LIFETIME


# ------------------------------------------------------------------------------------------
# Rate limits
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RateLimits:
    """What the last answer said about the app's budget for the company (None: not said)."""

    daily_limit: int | None = None
    daily_remaining: int | None = None
    daily_reset: datetime | None = None
    minutely_limit: int | None = None
    minutely_remaining: int | None = None
    minutely_reset: datetime | None = None

    @property
    def empty(self):
        return all(value is None for value in self.__dict__.values())


def _int(value):
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def from_epoch_ms(value):
    """Naive UTC datetime of an epoch-milliseconds header value, or None."""
    number = _int(value)
    if number is None:
        return None
    return datetime.fromtimestamp(number / 1000, tz=timezone.utc).replace(tzinfo=None)


def parse_rate_limits(answer):
    """The ``X-RateLimit-*`` headers of an answer (a 429 for the minute has only those)."""
    return RateLimits(
        daily_limit=_int(answer.header(codes.HEADER_DAILY_LIMIT)),
        daily_remaining=_int(answer.header(codes.HEADER_DAILY_REMAINING)),
        daily_reset=from_epoch_ms(answer.header(codes.HEADER_DAILY_RESET)),
        minutely_limit=_int(answer.header(codes.HEADER_MINUTELY_LIMIT)),
        minutely_remaining=_int(answer.header(codes.HEADER_MINUTELY_REMAINING)),
        minutely_reset=from_epoch_ms(answer.header(codes.HEADER_MINUTELY_RESET)),
    )


def budget_wait(now, limits, needed=1):
    """When calls may resume if fewer than ``needed`` are left, else None.

    A reset in the past means a fresh budget. With no reset time known, one minute.
    """
    wait = None
    for remaining, reset, fallback in (
        (limits.minutely_remaining, limits.minutely_reset, timedelta(minutes=1)),
        (limits.daily_remaining, limits.daily_reset, timedelta(days=1)),
    ):
        if remaining is None or remaining >= needed:
            continue
        until = reset or now + fallback
        if until > now and (wait is None or until > wait):
            wait = until
    return wait


def retry_at_after_429(now, limits):
    """When to try again after a 429: the minutely reset, else the daily one, else in a
    minute (a 429 for the minute carries only the minutely headers)."""
    for reset in (limits.minutely_reset, limits.daily_reset):
        if reset and reset > now:
            return reset
    return now + timedelta(minutes=1)


# ------------------------------------------------------------------------------------------
# OData literals and subjects
# ------------------------------------------------------------------------------------------


def odata_string(value):
    """``'O''Brien'``: an OData string literal (quotes doubled)."""
    return "'" + str(value).replace("'", "''") + "'"


def guid_literal(value):
    """``guid'…'``; raises ValueError for anything that is not a GUID."""
    text = str(value or "").strip().strip("{}")
    if not _GUID_RE.match(text):
        raise ValueError(f"not a GUID: {value!r}")
    return f"guid'{text.lower()}'"


def is_guid(value):
    return bool(_GUID_RE.match(str(value or "").strip().strip("{}")))


def filter_equals(field, value):
    return f"{field} eq {odata_string(value)}"


def filter_ids(ids, field="ID"):
    return " or ".join(f"{field} eq {guid_literal(value)}" for value in ids)


def chunks(items, size=IDS_PER_FILTER):
    items = list(items)
    return [items[index:index + size] for index in range(0, len(items), size)]


def _plain(text):
    """One line of printable ASCII (no CR/LF: the subject is also a filter literal)."""
    text = unicodedata.normalize("NFKD", str(text or ""))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.encode("ascii", "ignore").decode()
    return " ".join(text.split())


def message_subject(company, document, delivery_id, send_number=1):
    """The unique subject of a message: company, document and ``[Odoo <delivery>-<n>]``.

    The tail names the delivery and the send (a person's Resend makes a new one), so that
    ``$filter=Subject eq '…'`` finds exactly this message after a crash. Company and document
    are shortened first so that the tail always fits in :data:`SUBJECT_MAX`.
    """
    tail = f"[Odoo {int(delivery_id)}-{int(send_number)}]"
    head = " - ".join(part for part in (_plain(company), _plain(document)) if part)
    room = SUBJECT_MAX - len(tail) - 1
    if len(head) > room:
        head = head[: max(0, room - 3)].rstrip() + "..."
    return f"{head} {tail}".strip()


def file_name(name, default="document"):
    """An ASCII file name Exact stores as it is (letters, digits, ``._-``)."""
    text = _plain(name).replace(" ", "_")
    text = re.sub(r"[^A-Za-z0-9._-]", "_", text).strip("._") or default
    return text[:120]
