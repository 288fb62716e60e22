# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""A stand-in of Exact Online's OAuth2 and Mailbox REST API on 127.0.0.1, for tests and demos.

Plain Python (no ``odoo`` import): a real HTTP server (``http.server``) that follows the contract
described in ``shared/domain/exact-online.md``:

* OAuth2: ``GET /api/oauth2/auth`` consents at once and redirects to the ``redirect_uri`` with a
  single-use ``code``; ``POST /api/oauth2/token`` (form) answers ``expires_in`` as a **string**,
  refuses an early refresh (400, ``Reason: TooEarlyToRefreshTokens``: less than 570 s after the
  access token was issued), rotates single-use refresh tokens (a spent one: 401
  ``unauthorized_client`` "Old refresh token used.") and lets refresh tokens die after 30 days;
* REST: ``/api/v1/current/Me``, ``/api/v1/{division}/read/mailbox/DefaultMailbox``,
  ``mailbox/Mailboxes`` (``$filter=Mailbox eq '…'``), ``mailbox/MailMessagesSent`` (POST; GET
  with ``$filter`` on ``Subject`` or ``ID eq guid'…' or …``, with ``RecipientStatus``),
  ``mailbox/MailMessageAttachments`` (POST with base64 ``Attachment``; GET by ``MailMessageID``);
  OData JSON bodies (``{"d": …}``), Exact's error body with a ``Reason`` header, a bearer token
  checked on every call;
* limits: ``X-RateLimit-*`` and ``X-RateLimit-Minutely-*`` headers (resets in epoch
  milliseconds) on every API answer, 429 with only the minutely headers once the minute's
  budget is spent;
* switches for tests: answer a status (5xx, 4xx with a ``Reason``), hang, drop the connection
  before or after doing the work, answer a token call with an error that still carries new
  tokens; a clock tests can move (token expiry, rate-limit windows); counters of calls per
  endpoint; the messages and the exact bytes of their attachments.

Tests use it in-process (``ExactStandin().start()``); the demo and the benchmark start it as a
script and drive it over HTTP (``/_standin/state``, ``/_standin/control``)::

    python3 scrada_exact_bridge/tests/exact_standin.py --port 18110
    Exact Online stand-in listening on http://127.0.0.1:18110

Nothing here contacts any other host; the server only binds 127.0.0.1.
"""

import argparse
import base64
import binascii
import collections
import json
import re
import secrets
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

HOST = "127.0.0.1"
ACCESS_TOKEN_SECONDS = 600
EARLIEST_REFRESH_SECONDS = 570
REFRESH_TOKEN_SECONDS = 30 * 24 * 3600
CODE_SECONDS = 180

_FILTER_EQ = re.compile(r"(\w+)\s+eq\s+(guid)?'((?:[^']|'')*)'", re.I)


def odata_error(message, code=""):
    return {"error": {"code": code, "message": {"lang": "en-US", "value": message}}}


class _Reply(Exception):
    """Raised by a handler to answer at once (status, body, extra headers)."""

    def __init__(self, status, body=None, headers=None):
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


class ExactStandin:
    """The stand-in's state and rules; :meth:`start` serves it on 127.0.0.1."""

    def __init__(self, *, client_id="standin-client-id", client_secret="standin-client-secret",
                 division=123456, sender_mailbox="lab-bv@exactonline.be", mailboxes=(),
                 minutely_limit=60, daily_limit=5000):
        self.client_id = client_id
        self.client_secret = client_secret
        self.division = division
        self.minutely_limit = minutely_limit
        self.daily_limit = daily_limit
        self.lock = threading.RLock()
        self._stop = threading.Event()
        self.server = None
        self.thread = None
        self.clock_offset = 0.0
        self.frozen_at = None
        self.auto_consent = True
        self.mailboxes = {}
        self.default_mailbox_id = self.add_mailbox(sender_mailbox, description="Own postbox")
        for name in mailboxes:
            self.add_mailbox(name)
        self.reset()

    # ------------------------------------------------------------------
    # Life cycle
    # ------------------------------------------------------------------

    def start(self, port=0):
        if self.server:
            return self
        self._stop.clear()
        standin = self

        class Handler(_Handler):
            pass

        Handler.standin = standin
        self.server = ThreadingHTTPServer((HOST, port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self._stop.set()
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    @property
    def port(self):
        return self.server.server_address[1]

    @property
    def url(self):
        return f"http://{HOST}:{self.port}"

    def reset(self):
        """Forget tokens, messages, counters, switches and clock moves (mailboxes stay)."""
        with self.lock:
            self.clock_offset = 0.0
            self.frozen_at = None
            self.auto_consent = True
            self.codes = {}
            self.access_tokens = {}  # token -> {"expires": t, "issued": t, "refresh": token}
            self.refresh_tokens = {}  # token -> {"issued": t, "spent": bool, "access": token}
            self.messages = collections.OrderedDict()
            self.attachments = collections.OrderedDict()
            self.counters = collections.Counter()
            self.faults = []
            self.forbidden = {}
            self.token_answers = []  # what the token endpoint did, for tests
            self.auth_requests = []
            self.window_start = None
            self.window_count = 0
            self.day_count = 0
            self.slow_token_seconds = 0.0

    # ------------------------------------------------------------------
    # Clock, mailboxes, switches
    # ------------------------------------------------------------------

    def now(self):
        base = self.frozen_at if self.frozen_at is not None else time.time()
        return base + self.clock_offset

    def advance(self, seconds):
        with self.lock:
            self.clock_offset += seconds

    def freeze(self):
        """Stop the clock (only :meth:`advance` moves it) one second into a minute about ten
        minutes ahead: rate-limit windows and token lifetimes then depend on the test alone,
        and every reset time the stand-in announces lies in the caller's future."""
        with self.lock:
            self.frozen_at = float((int(time.time()) // 60 + 10) * 60 + 1)
            self.clock_offset = 0.0

    def set_limits(self, minutely=None, daily=None):
        """New limits, with the minute's and the day's counts back at zero."""
        with self.lock:
            if minutely is not None:
                self.minutely_limit = minutely
            if daily is not None:
                self.daily_limit = daily
            self.window_start = None
            self.window_count = 0
            self.day_count = 0

    def add_mailbox(self, name, description="", for_division=None):
        mailbox_id = str(uuid.uuid4())
        self.mailboxes[mailbox_id] = {
            "ID": mailbox_id,
            "Mailbox": name,
            "Description": description or name,
            "ForDivision": for_division if for_division is not None else self.division,
            "Publish": True,
            "Type": 1,
        }
        return mailbox_id

    def mailbox_id(self, name):
        return next(
            (key for key, box in self.mailboxes.items() if box["Mailbox"].lower() == name.lower()),
            None,
        )

    def fault(self, match, action="status", *, status=500, times=1, reason="", message="",
              seconds=30.0):
        """Answer the next ``times`` calls whose ``"<METHOD> <endpoint>"`` contains ``match``
        with ``action``: ``status`` (an Exact error), ``hang`` (no answer for ``seconds``, then
        the connection is closed), ``drop`` (close the connection at once, nothing done),
        ``drop_after`` (do the work, then close the connection without answering),
        ``token_error_with_tokens`` (token calls: an error answer that still carries new
        tokens, as Exact does on a rate limit)."""
        with self.lock:
            self.faults.append(
                {"match": match, "action": action, "status": status, "times": times,
                 "reason": reason, "message": message, "seconds": seconds}
            )

    def forbid(self, match, status=403, reason="", message="Forbidden"):
        """Answer every call matching ``match`` with an error until :meth:`allow`."""
        with self.lock:
            self.forbidden[match] = (status, reason, message)

    def allow(self, match=None):
        with self.lock:
            if match is None:
                self.forbidden.clear()
            else:
                self.forbidden.pop(match, None)

    def set_status(self, message_id, status):
        with self.lock:
            self.messages[message_id]["RecipientStatus"] = int(status)

    def issue_code(self, redirect_uri):
        """A code as if a person had consented (what ``/api/oauth2/auth`` hands out)."""
        with self.lock:
            code = secrets.token_urlsafe(16)
            self.codes[code] = {"redirect_uri": redirect_uri, "expires": self.now() + CODE_SECONDS}
            return code

    def issue_tokens(self):
        """A fresh token pair, as after a consent (for tests that start connected)."""
        with self.lock:
            return self._issue()

    def refreshes(self, outcome=None):
        """How many refresh calls (with ``outcome``: "ok", "old", "too_early", ...)."""
        with self.lock:
            return sum(
                1 for grant, result in self.token_answers
                if grant == "refresh" and (outcome is None or result == outcome)
            )

    def expire_access_tokens(self):
        """Every issued access token expires now (as after ten idle minutes)."""
        with self.lock:
            for token in self.access_tokens.values():
                token["expires"] = self.now() - 1
                token["issued"] = min(token["issued"], self.now() - ACCESS_TOKEN_SECONDS)

    def calls(self, key=None):
        """Number of calls, all or those whose key (``"POST mailbox/MailMessagesSent"``)
        contains ``key``."""
        with self.lock:
            if key is None:
                return sum(self.counters.values())
            return sum(count for name, count in self.counters.items() if key in name)

    def received(self):
        """[(message dict, [attachment dicts with ``raw`` bytes])] in arrival order."""
        with self.lock:
            return [
                (dict(message),
                 [dict(att) for att in self.attachments.values()
                  if att["MailMessageID"] == message["ID"]])
                for message in self.messages.values()
            ]

    def snapshot(self):
        """The state as JSON-able data (for ``GET /_standin/state``)."""
        with self.lock:
            return {
                "url": self.url if self.server else None,
                "division": self.division,
                "mailboxes": list(self.mailboxes.values()),
                "messages": [
                    dict(message, Attachments=[
                        {key: (base64.b64encode(value).decode() if key == "raw" else value)
                         for key, value in att.items()}
                        for att in attachments
                    ])
                    for message, attachments in self.received()
                ],
                "counters": dict(self.counters),
                "refreshes": sum(1 for answer in self.token_answers if answer[0] == "refresh"),
            }

    # ------------------------------------------------------------------
    # Request handling (called by the HTTP handler, under no lock)
    # ------------------------------------------------------------------

    def _take_fault(self, key):
        with self.lock:
            for fault in self.faults:
                if fault["match"] in key and fault["times"] > 0:
                    fault["times"] -= 1
                    if fault["times"] == 0:
                        self.faults.remove(fault)
                    return fault
            for match, (status, reason, message) in self.forbidden.items():
                if match in key:
                    return {"action": "status", "status": status, "reason": reason,
                            "message": message}
        return None

    def _rate_headers(self, minutely_only=False):
        now = self.now()
        reset_minute = int((self.window_start + 60) * 1000)
        headers = {
            "X-RateLimit-Minutely-Limit": str(self.minutely_limit),
            "X-RateLimit-Minutely-Remaining": str(max(0, self.minutely_limit - self.window_count)),
            "X-RateLimit-Minutely-Reset": str(reset_minute),
        }
        if not minutely_only:
            day_start = now - now % 86400
            headers.update(
                {
                    "X-RateLimit-Limit": str(self.daily_limit),
                    "X-RateLimit-Remaining": str(max(0, self.daily_limit - self.day_count)),
                    "X-RateLimit-Reset": str(int((day_start + 86400) * 1000)),
                }
            )
        return headers

    def _count_rate(self):
        """Spend one call of the budget; raise a 429 when the minute's budget is spent."""
        with self.lock:
            now = self.now()
            start = now - now % 60
            if self.window_start != start:
                self.window_start, self.window_count = start, 0
            if self.window_count >= self.minutely_limit or self.day_count >= self.daily_limit:
                raise _Reply(
                    429, odata_error("API rate limit exceeded."),
                    dict(self._rate_headers(minutely_only=True)),
                )
            self.window_count += 1
            self.day_count += 1
            return self._rate_headers()

    def _check_token(self, headers):
        auth = headers.get("Authorization") or ""
        token = auth[7:] if auth.startswith("Bearer ") else ""
        with self.lock:
            info = self.access_tokens.get(token)
            if not info or info["expires"] <= self.now():
                raise _Reply(401, odata_error("Unauthorized"), {"Reason": "Unauthorized"})

    # token endpoint ----------------------------------------------------

    def _issue(self):
        now = self.now()
        access, refresh = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        self.access_tokens[access] = {
            "expires": now + ACCESS_TOKEN_SECONDS, "issued": now, "refresh": refresh,
        }
        self.refresh_tokens[refresh] = {"issued": now, "spent": False, "access": access}
        return {
            "access_token": access,
            "token_type": "bearer",
            "expires_in": str(ACCESS_TOKEN_SECONDS),
            "refresh_token": refresh,
        }

    def token(self, form, fault=None):
        if self.slow_token_seconds:
            self._stop.wait(self.slow_token_seconds)
        grant = form.get("grant_type")
        with self.lock:
            if form.get("client_id") != self.client_id or (
                form.get("client_secret") != self.client_secret
            ):
                self.token_answers.append((grant, "invalid_client"))
                raise _Reply(400, {"error": "invalid_client",
                                   "error_description": "Unknown client or wrong secret."})
            if grant == "authorization_code":
                code = self.codes.pop(form.get("code") or "", None)
                if not code or code["expires"] < self.now() or (
                    code["redirect_uri"] != form.get("redirect_uri")
                ):
                    self.token_answers.append(("code", "invalid_grant"))
                    raise _Reply(400, {"error": "invalid_grant",
                                       "error_description": "Invalid authorization code."})
                self.token_answers.append(("code", "ok"))
                return 200, self._issue()
            if grant != "refresh_token":
                raise _Reply(400, {"error": "unsupported_grant_type"})
            refresh = form.get("refresh_token") or ""
            info = self.refresh_tokens.get(refresh)
            if info is None:
                self.token_answers.append(("refresh", "unknown"))
                raise _Reply(400, {"error": "invalid_grant",
                                   "error_description": "Invalid refresh token."})
            if info["spent"]:
                self.token_answers.append(("refresh", "old"))
                raise _Reply(401, {"error": "unauthorized_client",
                                   "error_description": "Old refresh token used."})
            if self.now() - info["issued"] >= REFRESH_TOKEN_SECONDS:
                self.token_answers.append(("refresh", "outlived"))
                raise _Reply(401, {"error": "unauthorized_client",
                                   "error_description": "Refresh token expired."})
            access = self.access_tokens.get(info["access"])
            if access and self.now() - access["issued"] < EARLIEST_REFRESH_SECONDS:
                self.token_answers.append(("refresh", "too_early"))
                raise _Reply(
                    400,
                    {"error": "access_denied",
                     "error_description": "Rate limit exceeded: access_token not expired"},
                    {"Reason": "TooEarlyToRefreshTokens"},
                )
            info["spent"] = True
            self.access_tokens.pop(info["access"], None)
            issued = self._issue()
            self.token_answers.append(("refresh", "ok"))
            if fault and fault["action"] == "token_error_with_tokens":
                return 400, dict(issued, error="access_denied",
                                 error_description="Rate limit exceeded")
            return 200, issued

    def authorize(self, query):
        client_id = (query.get("client_id") or [""])[0]
        redirect = (query.get("redirect_uri") or [""])[0]
        state = (query.get("state") or [""])[0]
        with self.lock:
            self.auth_requests.append({"client_id": client_id, "redirect_uri": redirect,
                                       "state": state})
            if client_id != self.client_id or not redirect:
                raise _Reply(400, odata_error("Unknown client."))
            if (query.get("response_type") or [""])[0] != "code":
                raise _Reply(400, odata_error("response_type must be code."))
            if not self.auto_consent:
                params = {"error": "access_denied", "state": state}
            else:
                code = secrets.token_urlsafe(16)
                self.codes[code] = {"redirect_uri": redirect, "expires": self.now() + CODE_SECONDS}
                params = {"code": code, "state": state}
        separator = "&" if "?" in redirect else "?"
        raise _Reply(302, None, {"Location": redirect + separator + urlencode(params)})

    # REST --------------------------------------------------------------

    @staticmethod
    def _filters(query):
        text = (query.get("$filter") or [""])[0]
        found = collections.defaultdict(list)
        for field, guid, value in _FILTER_EQ.findall(text):
            found[field.lower()].append(value.replace("''", "'").lower() if guid else
                                        value.replace("''", "'"))
        return text, found

    @staticmethod
    def _select(records, query):
        fields = [f.strip() for f in (query.get("$select") or [""])[0].split(",") if f.strip()]
        if not fields:
            return records
        return [{key: value for key, value in rec.items() if key in fields} for rec in records]

    def api(self, method, endpoint, query, body):
        """Handle ``/api/v1/{division}/{endpoint}``; returns (status, body)."""
        with self.lock:
            if endpoint == "read/mailbox/DefaultMailbox":
                return 200, {"d": {"results": [self.mailboxes[self.default_mailbox_id]]}}
            if endpoint == "mailbox/Mailboxes" and method == "GET":
                _text, filters = self._filters(query)
                boxes = list(self.mailboxes.values())
                if "mailbox" in filters:
                    names = {name.lower() for name in filters["mailbox"]}
                    boxes = [box for box in boxes if box["Mailbox"].lower() in names]
                return 200, {"d": {"results": self._select(boxes, query)}}
            if endpoint == "mailbox/MailMessagesSent" and method == "POST":
                return self._create_message(body)
            if endpoint == "mailbox/MailMessagesSent" and method == "GET":
                _text, filters = self._filters(query)
                found = list(self.messages.values())
                if "subject" in filters:
                    found = [m for m in found if m["Subject"] in filters["subject"]]
                if "id" in filters:
                    found = [m for m in found if m["ID"] in filters["id"]]
                return 200, {"d": {"results": self._select(found, query)}}
            if endpoint == "mailbox/MailMessageAttachments" and method == "POST":
                return self._create_attachment(body)
            if endpoint == "mailbox/MailMessageAttachments" and method == "GET":
                _text, filters = self._filters(query)
                found = [
                    {key: value for key, value in att.items() if key != "raw"}
                    for att in self.attachments.values()
                    if not filters.get("mailmessageid")
                    or att["MailMessageID"] in filters["mailmessageid"]
                ]
                return 200, {"d": {"results": self._select(found, query)}}
        raise _Reply(404, odata_error(f"Unknown endpoint {method} {endpoint}."))

    def _create_message(self, body):
        missing = [
            field for field in ("SenderMailboxID", "RecipientMailboxID", "Subject")
            if not body.get(field)
        ]
        if missing:
            raise _Reply(400, odata_error(f"Mandatory: {', '.join(missing)}"))
        sender = str(body["SenderMailboxID"]).lower()
        recipient = str(body["RecipientMailboxID"]).lower()
        if sender not in self.mailboxes:
            raise _Reply(400, odata_error("SenderMailboxID: mailbox not found."))
        if recipient not in self.mailboxes:
            raise _Reply(400, odata_error("RecipientMailboxID: mailbox not found."))
        message_id = str(uuid.uuid4())
        message = {
            "ID": message_id,
            "SenderMailboxID": sender,
            "SenderMailbox": self.mailboxes[sender]["Mailbox"],
            "RecipientMailboxID": recipient,
            "RecipientMailbox": self.mailboxes[recipient]["Mailbox"],
            "Subject": body["Subject"],
            "Type": int(body.get("Type") or 0),
            "RecipientStatus": 20,
            "Created": self.now(),
        }
        for extra in ("Bank", "BankAccount", "ForDivision", "Operation", "SenderDateSent"):
            if extra in body:
                message[extra] = body[extra]
        self.messages[message_id] = message
        return 201, {"d": dict(message)}

    def _create_attachment(self, body):
        message_id = str(body.get("MailMessageID") or "").lower()
        if message_id not in self.messages:
            raise _Reply(400, odata_error("MailMessageID: message not found."))
        if not body.get("AttachmentFileName") or not body.get("Attachment"):
            raise _Reply(400, odata_error("Mandatory: AttachmentFileName, Attachment"))
        try:
            raw = base64.b64decode(body["Attachment"], validate=True)
        except (binascii.Error, ValueError) as error:
            raise _Reply(400, odata_error("Attachment: not base64.")) from error
        attachment_id = str(uuid.uuid4())
        self.attachments[attachment_id] = {
            "ID": attachment_id,
            "MailMessageID": message_id,
            "AttachmentFileName": body["AttachmentFileName"],
            "AttachmentFileSize": len(raw),
            "Type": int(body.get("Type") or 0),
            "raw": raw,
        }
        return 201, {"d": {key: value for key, value in self.attachments[attachment_id].items()
                           if key != "raw"}}

    def control(self, payload):
        """``POST /_standin/control`` for scripts: the same switches as the Python API."""
        action = payload.get("action")
        if action == "set_status":
            self.set_status(payload["message_id"], payload["status"])
        elif action == "fault":
            self.fault(payload["match"], payload.get("fault", "status"),
                       status=int(payload.get("status", 500)),
                       times=int(payload.get("times", 1)), reason=payload.get("reason", ""),
                       message=payload.get("message", ""),
                       seconds=float(payload.get("seconds", 30)))
        elif action == "advance":
            self.advance(float(payload["seconds"]))
        elif action == "add_mailbox":
            return {"ID": self.add_mailbox(payload["name"], payload.get("description", ""))}
        elif action == "expire_access_tokens":
            self.expire_access_tokens()
        elif action == "reset":
            self.reset()
        else:
            raise _Reply(400, odata_error(f"unknown action {action!r}"))
        return {"ok": True}


class _Handler(BaseHTTPRequestHandler):
    standin = None
    protocol_version = "HTTP/1.1"
    server_version = "ExactOnlineStandin/1.0"

    def log_message(self, format, *args):  # quiet: tests read counters, not logs
        return

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _answer(self, status, body=None, headers=None):
        payload = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        if body is not None:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _drop(self):
        self.close_connection = True
        try:
            self.connection.shutdown(2)
        except OSError:
            return  # the client left already

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def do_PUT(self):
        self._dispatch("PUT")

    def do_DELETE(self):
        self._dispatch("DELETE")

    @staticmethod
    def _key(method, path):
        """``"POST mailbox/MailMessagesSent"``: the counter and fault key of a request."""
        if path == "/api/oauth2/auth" and method == "GET":
            return "GET oauth2/auth"
        if path == "/api/oauth2/token" and method == "POST":
            return "POST oauth2/token"
        if path == "/api/v1/current/Me":
            return f"{method} current/Me"
        match = re.match(r"^/api/v1/(\d+)/(.+)$", path)
        if not match:
            raise _Reply(404, odata_error(f"Unknown path {path}"))
        return f"{method} {match.group(2)}"

    def _rest(self, method, key, path, query, raw):
        """A REST call (token and rate limit checked): (status, body, rate headers)."""
        standin = self.standin
        extra = standin._count_rate()
        try:
            standin._check_token(self.headers)
            if key.endswith("current/Me"):
                return 200, {"d": {"results": [
                    {"CurrentDivision": standin.division, "FullName": "Stand-in user",
                     "UserID": "00000000-0000-0000-0000-000000000001"}]}}, extra
            division = int(re.match(r"^/api/v1/(\d+)/", path).group(1))
            if division != standin.division:
                raise _Reply(403, odata_error("No access to this division."),
                             {"Reason": "NoDivisionAccess"})
            body_json = json.loads(raw) if raw else {}
            status, body = standin.api(method, key.split(" ", 1)[1], query, body_json)
            return status, body, extra
        except _Reply as reply:
            reply.headers = {**extra, **reply.headers}
            raise

    def _control(self, method, path, raw):
        if path == "/_standin/state" and method == "GET":
            raise _Reply(200, self.standin.snapshot())
        if path == "/_standin/control" and method == "POST":
            raise _Reply(200, self.standin.control(json.loads(raw or b"{}")))
        raise _Reply(404, odata_error("unknown control path"))

    def _dispatch(self, method):
        standin = self.standin
        parts = urlsplit(self.path)
        path, query = parts.path, parse_qs(parts.query)
        raw = self._body()
        try:
            if path.startswith("/_standin/"):
                self._control(method, path, raw)
            key = self._key(method, path)
            with standin.lock:
                standin.counters[key] += 1
            fault = standin._take_fault(key)
            action = fault["action"] if fault else None
            if action in ("drop", "hang"):
                if action == "hang":
                    standin._stop.wait(fault["seconds"])
                self._drop()
                return
            if action == "status":
                headers = {"Reason": fault["reason"]} if fault["reason"] else {}
                raise _Reply(fault["status"], odata_error(fault["message"] or "Server error"),
                             headers)
            extra = {}
            if key == "GET oauth2/auth":
                standin.authorize(query)
            if key == "POST oauth2/token":
                form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
                status, body = standin.token(form, fault)
            else:
                status, body, extra = self._rest(method, key, path, query, raw)
            if action == "drop_after":
                self._drop()
                return
            self._answer(status, body, extra)
        except _Reply as reply:
            self._answer(reply.status, reply.body, reply.headers)
        except (ValueError, KeyError) as error:
            self._answer(400, odata_error(f"Bad request: {error}"))


def main(argv=None):
    parser = argparse.ArgumentParser(description="A stand-in of Exact Online on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--client-id", default="standin-client-id")
    parser.add_argument("--client-secret", default="standin-client-secret")
    parser.add_argument("--division", type=int, default=123456)
    parser.add_argument("--sender-mailbox", default="lab-bv@exactonline.be")
    parser.add_argument("--mailbox", action="append", default=[],
                        help="a postbox name the subscription has (repeatable)")
    parser.add_argument("--minutely-limit", type=int, default=60)
    parser.add_argument("--daily-limit", type=int, default=5000)
    args = parser.parse_args(argv)
    standin = ExactStandin(
        client_id=args.client_id, client_secret=args.client_secret, division=args.division,
        sender_mailbox=args.sender_mailbox, mailboxes=args.mailbox,
        minutely_limit=args.minutely_limit, daily_limit=args.daily_limit,
    ).start(args.port)
    sys.stdout.write(f"Exact Online stand-in listening on {standin.url}\n")
    sys.stdout.flush()
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        standin.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
