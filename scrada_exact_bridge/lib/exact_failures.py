"""Failures of the Exact Online API transport, classified.

Plain Python (no ``odoo`` import). Exact blocks an app that causes more than ten 4xx errors per
hour on one endpoint, so the rule is strict:

* **transient** (retried with the back-off of ``delivery_policy``): timeouts, refused or
  dropped connections, 5xx answers: nothing was refused, Exact may simply be busy;
* **permanent** (the delivery fails at once, a person acts): every other 4xx answer (401 and
  429 are handled before: refresh once and retry once; wait for the reset), and what is missing
  before a call can even be made (no postbox found for the name, no sender postbox).

The kinds below are turned into sentences that say what to do by the API transport.
"""

import requests

from . import exact_codes as codes
from .delivery_policy import KIND_CONFIGURATION, KIND_UNKNOWN, Failure

KIND_CONNECTION = "api_connection"  # refused / unreachable / dropped connection
KIND_TIMEOUT = "api_timeout"
KIND_SERVER = "api_server"  # 5xx
KIND_UNAUTHORIZED = "api_unauthorized"  # 401 even after a refresh
KIND_SCOPE = "api_scope"  # the app lacks the scope "Communication mailboxes"
KIND_FEATURE = "api_feature"  # the licence has no Mailbox feature
KIND_DIVISION = "api_division"  # division blocked / no access / wrong division
KIND_ACCOUNT = "api_account"  # user or customer blocked, inactive, licence expired
KIND_FORBIDDEN = "api_forbidden"  # another 403
KIND_UNKNOWN_POSTBOX = "api_unknown_postbox"  # no postbox with the journal's name
KIND_RECIPIENT_REFUSED = "api_recipient_refused"  # Exact does not accept the recipient ID
KIND_NO_SENDER_POSTBOX = "api_no_sender_postbox"  # the division's own postbox is unknown
KIND_NOT_FOUND = "api_not_found"  # 404
KIND_REFUSED = "api_refused"  # another 4xx (400 bad request, 409, 413, ...)
KIND_NOT_CONNECTED = "api_not_connected"  # no connection for the company
KIND_TOO_EARLY = "api_too_early"  # a token renewal Exact found too early (clock skew)
# Waits (not failures): see delivery_policy.Wait
WAIT_RATE_LIMIT = "api_rate_limit"
WAIT_CONNECTION_EXPIRED = "api_connection_expired"

TRANSIENT_KINDS = frozenset(
    {KIND_CONNECTION, KIND_TIMEOUT, KIND_SERVER, KIND_TOO_EARLY, KIND_UNKNOWN}
)

_FEATURE_WORDS = ("feature", "not licensed", "no license", "no licence", "module")
_RECIPIENT_WORDS = ("recipientmailbox", "recipient mailbox", "recipient")


def failure(kind, code=None, detail=""):
    """A :class:`Failure` of ``kind``: transient only for network trouble and 5xx."""
    return Failure(kind, code, detail, permanent=kind not in TRANSIENT_KINDS)


def _forbidden_kind(reason, lowered):
    if reason in codes.REASONS_SCOPE or "scope" in lowered:
        return KIND_SCOPE
    if reason in codes.REASONS_DIVISION or "division" in lowered:
        return KIND_DIVISION
    if reason in codes.REASONS_ACCOUNT:
        return KIND_ACCOUNT
    if any(word in lowered for word in _FEATURE_WORDS):
        return KIND_FEATURE
    return KIND_FORBIDDEN


_KIND_OF_STATUS = {401: KIND_UNAUTHORIZED, 404: KIND_NOT_FOUND}


def _kind_of(status, reason, lowered):
    if status >= 500:
        return KIND_SERVER
    if status == 403:
        return _forbidden_kind(reason, lowered)
    if status in _KIND_OF_STATUS:
        return _KIND_OF_STATUS[status]
    if 400 <= status < 500:
        if any(word in lowered for word in _RECIPIENT_WORDS):
            return KIND_RECIPIENT_REFUSED
        return KIND_REFUSED
    return KIND_UNKNOWN


def classify_error(error):
    """Classify Exact's error answer (an ``exact_api.ApiError``) other than 401-then-retry and
    429, which the transport handles itself."""
    reason = (error.reason or "").strip()
    lowered = f"{reason} {error.code} {error.message}".lower()
    return failure(_kind_of(error.status, reason, lowered), error.status, error.text())


def classify_exception(exc):
    """Classify an exception raised while talking to Exact Online (``requests``)."""
    text = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, requests.Timeout | TimeoutError):
        return failure(KIND_TIMEOUT, None, text)
    if isinstance(exc, requests.ConnectionError | ConnectionError | OSError):
        return failure(KIND_CONNECTION, None, text)
    if isinstance(exc, requests.RequestException):
        return failure(KIND_CONNECTION, None, text)
    return failure(KIND_UNKNOWN, None, text)


def is_recipient_refused(failure_):
    return failure_.kind == KIND_RECIPIENT_REFUSED


def configuration(detail=""):
    """A configuration problem found before any call (permanent)."""
    return Failure(KIND_CONFIGURATION, None, detail, permanent=True)
