# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""SMTP failures of the e-mail transport: what Odoo's mail queue left behind, classified.

Plain Python (no ``odoo`` import) so that it is unit-tested without a database. The neutral
retry policy (back-off, attempts, the :class:`~.delivery_policy.Failure` record) lives in
``delivery_policy.py``; this module only knows SMTP.

A document that reached the SMTP server once must never be mailed again automatically, so a
failure is

* **transient** when the server could not be reached, timed out, dropped the connection or
  answered with a 4xx code ("try later"): nothing was accepted, trying again is safe;
* **permanent** when the server refused the mail for good (5xx: unknown recipient, sender not
  allowed, authentication failed, message refused), or the mail cannot even be built (no sender,
  invalid recipient): retrying cannot help, a person must act.

Unknown errors are treated as transient: the number of attempts is bounded, and nothing was
accepted by the server.

The inputs are what Odoo's ``mail.mail`` leaves behind (``failure_type`` and the text of
``failure_reason``) or the exception raised while sending.
"""

import re
import smtplib

from .delivery_policy import KIND_CONFIGURATION, KIND_UNKNOWN, Failure

# Kinds of failure; the e-mail transport turns each into a translated sentence.
KIND_CONNECTION = "connection"  # refused / unreachable / DNS / dropped connection
KIND_TIMEOUT = "timeout"
KIND_SMTP_TEMPORARY = "smtp_temporary"  # 4xx
KIND_RECIPIENT_REFUSED = "recipient_refused"  # 5xx on RCPT / recipient
KIND_SENDER_REFUSED = "sender_refused"  # 5xx on MAIL FROM / sender
KIND_AUTHENTICATION = "authentication"  # 5xx on AUTH (534/535)
KIND_SMTP_REFUSED = "smtp_refused"  # other 5xx
KIND_INVALID_RECIPIENT = "invalid_recipient"  # Odoo found no valid recipient
KIND_MISSING_RECIPIENT = "missing_recipient"
KIND_INVALID_SENDER = "invalid_sender"  # Odoo found no valid From
KIND_MISSING_SENDER = "missing_sender"
KIND_MESSAGE_INVALID = "message_invalid"  # the mail cannot be built (e.g. a header with CR/LF)
# KIND_CONFIGURATION (delivery_policy): no SMTP server configured, archived server, bad cert

PERMANENT_KINDS = frozenset(
    {
        KIND_RECIPIENT_REFUSED,
        KIND_SENDER_REFUSED,
        KIND_AUTHENTICATION,
        KIND_SMTP_REFUSED,
        KIND_INVALID_RECIPIENT,
        KIND_MISSING_RECIPIENT,
        KIND_INVALID_SENDER,
        KIND_MISSING_SENDER,
        KIND_MESSAGE_INVALID,
        KIND_CONFIGURATION,
    }
)

# Odoo ``mail.mail.failure_type`` values that are decided before the SMTP dialogue.
_ODOO_FAILURE_TYPES = {
    "mail_email_invalid": KIND_INVALID_RECIPIENT,
    "mail_email_missing": KIND_MISSING_RECIPIENT,
    "mail_from_invalid": KIND_INVALID_SENDER,
    "mail_from_missing": KIND_MISSING_SENDER,
}

# "(550, b'5.1.1 unknown')" as printed by smtplib exceptions (also inside dicts of
# SMTPRecipientsRefused), and bare "451 4.3.0 try later" / "550-5.1.1" replies.
_CODE_IN_TUPLE_RE = re.compile(r"\(\s*([245]\d\d)\s*,")
_CODE_AT_START_RE = re.compile(r"(?:^|\n)\s*([245]\d\d)[ -]")
_ENHANCED_RE = re.compile(r"\b([245])\.\d{1,3}\.\d{1,3}\b")

_TIMEOUT_WORDS = ("timed out", "timeout")
_CONNECTION_WORDS = (
    "connection refused",
    "connection reset",
    "connection unexpectedly closed",
    "server not connected",
    "serverdisconnected",
    "please run connect() first",
    "network is unreachable",
    "no route to host",
    "name or service not known",
    "temporary failure in name resolution",
    "nodename nor servname",
    "broken pipe",
    "errno 111",
    "errno 104",
    "errno 101",
    "errno 113",
    "unable to connect",
)
_CONFIGURATION_WORDS = (
    "missing smtp server",
    "cannot be used because it is archived",
    "certificate",
    "private key",
    "does not support smtp-over-ssl",
)
# Python's e-mail package refusing to build the message: the same mail fails every time.
_MESSAGE_INVALID_WORDS = (
    "header values may not contain",
    "linefeed or carriage return",
    "invalid header",
    "header injection",
)
_RECIPIENT_WORDS = ("recipient", "rcpt", "mailbox unavailable", "user unknown", "no such user")
_SENDER_WORDS = ("sender", "mail from", "senderrefused", "not allowed to send", "spoof")


def failure(kind, code=None, detail=""):
    """A :class:`Failure` of ``kind``, permanent when the kind is in :data:`PERMANENT_KINDS`."""
    return Failure(kind, code, detail, permanent=kind in PERMANENT_KINDS)


def _smtp_code(text):
    """The first SMTP reply code in ``text`` (int), or None."""
    for regex in (_CODE_IN_TUPLE_RE, _CODE_AT_START_RE):
        match = regex.search(text)
        if match:
            return int(match.group(1))
    match = _ENHANCED_RE.search(text)
    if match:
        # enhanced status "5.1.1" / "4.3.0": only the class is known
        return int(match.group(1)) * 100
    return None


def _kind_of_code(code, lowered):
    if 400 <= code < 500:
        return KIND_SMTP_TEMPORARY
    if code < 500:  # 2xx/3xx in an error text: nothing to conclude
        return None
    if code in (530, 534, 535, 538) or "smtpauthenticationerror" in lowered:
        return KIND_AUTHENTICATION
    if "smtprecipientsrefused" in lowered or any(w in lowered for w in _RECIPIENT_WORDS):
        return KIND_RECIPIENT_REFUSED
    if any(w in lowered for w in _SENDER_WORDS):
        return KIND_SENDER_REFUSED
    return KIND_SMTP_REFUSED


_TEXT_RULES = (
    (_MESSAGE_INVALID_WORDS, KIND_MESSAGE_INVALID),
    (_TIMEOUT_WORDS, KIND_TIMEOUT),
    (_CONNECTION_WORDS, KIND_CONNECTION),
    (_CONFIGURATION_WORDS, KIND_CONFIGURATION),
    (("smtpauthenticationerror", "authentication failed"), KIND_AUTHENTICATION),
)


def classify(failure_type=None, reason=""):
    """Classify what ``mail.mail`` recorded after a failed send.

    :param failure_type: ``mail.mail.failure_type`` (``mail_smtp``, ``mail_email_invalid``,
        ``unknown``, ... or empty; Odoo leaves it empty when it cannot connect)
    :param reason: ``mail.mail.failure_reason`` (free text, e.g.
        ``"Mail Delivery Failed\\n... SMTPRecipientsRefused: {'a@b': (550, b'5.1.1 ...')}"``
        or ``"[Errno 111] Connection refused"``)
    :return: :class:`Failure`
    """
    reason = str(reason or "").strip()
    lowered = reason.lower()
    if failure_type in _ODOO_FAILURE_TYPES:
        return failure(_ODOO_FAILURE_TYPES[failure_type], None, reason)
    code = _smtp_code(reason)
    kind = _kind_of_code(code, lowered) if code else None
    if kind is None:
        code = None
        kind = next(
            (kind for words, kind in _TEXT_RULES if any(word in lowered for word in words)),
            KIND_UNKNOWN,
        )
    return failure(kind, code, reason)


def _exception_text(exc):
    return f"{type(exc).__name__}: {exc}"


def _smtp_exception_kind(exc):
    """(kind, code) for ``smtplib`` exceptions that carry reply codes, else None."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [value[0] for value in exc.recipients.values() if value]
        if codes and all(400 <= code < 500 for code in codes):
            return KIND_SMTP_TEMPORARY, min(codes)
        return KIND_RECIPIENT_REFUSED, (max(codes) if codes else None)
    if not isinstance(exc, smtplib.SMTPResponseException):
        return None
    code = exc.smtp_code
    if isinstance(exc, smtplib.SMTPAuthenticationError) and code >= 500:
        return KIND_AUTHENTICATION, code
    if isinstance(exc, smtplib.SMTPSenderRefused) and code >= 500:
        return KIND_SENDER_REFUSED, code
    return (_kind_of_code(code, _exception_text(exc).lower()) or KIND_UNKNOWN), code


def classify_exception(exc):
    """Classify an exception raised while connecting or talking to the SMTP server.

    Handles the ``smtplib`` exceptions with their reply codes, socket errors and timeouts, and
    wrappers (Odoo's ``MailDeliveryException``, ``UserError``) through their text.
    """
    text = _exception_text(exc)
    found = _smtp_exception_kind(exc)
    if found:
        return failure(found[0], found[1], text)
    if isinstance(exc, TimeoutError):  # socket.timeout is TimeoutError
        return failure(KIND_TIMEOUT, None, text)
    if isinstance(exc, (OSError, smtplib.SMTPServerDisconnected)):
        # ConnectionRefusedError, socket.gaierror, dropped connection...
        return failure(KIND_CONNECTION, None, text)
    return classify(None, text)
