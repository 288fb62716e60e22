"""Unit tests of the e-mail transport's SMTP failure classification (transient or permanent)."""

import smtplib
import socket

import pytest

from scrada_lib import delivery_policy as policy
from scrada_lib import smtp_failures as smtp

# failure_reason texts as Odoo 18's mail.mail writes them (see mail_mail.py / ir_mail_server.py)
REFUSED_RECIPIENT = (
    "Mail Delivery Failed\nMail delivery failed via SMTP server 'None'.\n"
    "SMTPRecipientsRefused: {'x55i@verkoop.exactonline.be': (550, b'5.1.1 unknown recipient')}"
)
TEMPORARY_RECIPIENT = (
    "Mail Delivery Failed\nMail delivery failed via SMTP server 'None'.\n"
    "SMTPRecipientsRefused: {'x55i@verkoop.exactonline.be': (451, b'4.3.0 try later')}"
)
DATA_REFUSED = (
    "Mail Delivery Failed\nMail delivery failed via SMTP server 'None'.\n"
    "SMTPDataError: (554, b'5.6.0 message refused')"
)
DATA_TEMPORARY = (
    "Mail Delivery Failed\nMail delivery failed via SMTP server 'None'.\n"
    "SMTPDataError: (452, b'4.3.1 insufficient system storage')"
)
SENDER_REFUSED = (
    "Mail Delivery Failed\nMail delivery failed via SMTP server 'None'.\n"
    "SMTPSenderRefused: (553, b'5.7.1 sender not allowed', 'boekhouding@lab.example')"
)


@pytest.mark.parametrize(
    ("failure_type", "reason", "kind", "code"),
    [
        ("mail_smtp", "111\nConnection refused", smtp.KIND_CONNECTION, None),
        (None, "[Errno 111] Connection refused", smtp.KIND_CONNECTION, None),
        ("unknown", "Connection unexpectedly closed", smtp.KIND_CONNECTION, None),
        ("mail_smtp", "timed out", smtp.KIND_TIMEOUT, None),
        ("mail_smtp", "[Errno -3] Temporary failure in name resolution", smtp.KIND_CONNECTION,
         None),
        ("unknown", TEMPORARY_RECIPIENT, smtp.KIND_SMTP_TEMPORARY, 451),
        ("unknown", DATA_TEMPORARY, smtp.KIND_SMTP_TEMPORARY, 452),
        ("unknown", "421 4.7.0 too many connections, try later", smtp.KIND_SMTP_TEMPORARY, 421),
        ("unknown", "something odd happened", policy.KIND_UNKNOWN, None),
        ("", "", policy.KIND_UNKNOWN, None),
    ],
)
def test_transient_failures(failure_type, reason, kind, code):
    failure = smtp.classify(failure_type, reason)
    assert failure.kind == kind
    assert failure.code == code
    assert failure.transient
    assert failure.severity == policy.TRANSIENT


@pytest.mark.parametrize(
    ("failure_type", "reason", "kind", "code"),
    [
        ("unknown", REFUSED_RECIPIENT, smtp.KIND_RECIPIENT_REFUSED, 550),
        ("unknown", DATA_REFUSED, smtp.KIND_SMTP_REFUSED, 554),
        ("unknown", SENDER_REFUSED, smtp.KIND_SENDER_REFUSED, 553),
        ("mail_smtp", "SMTPAuthenticationError: (535, b'5.7.8 bad credentials')",
         smtp.KIND_AUTHENTICATION, 535),
        ("mail_email_invalid", "", smtp.KIND_INVALID_RECIPIENT, None),
        ("mail_email_missing", "", smtp.KIND_MISSING_RECIPIENT, None),
        ("mail_from_invalid", "Malformed 'Return-Path' or 'From' address",
         smtp.KIND_INVALID_SENDER, None),
        ("mail_from_missing", "", smtp.KIND_MISSING_SENDER, None),
        ("mail_smtp", "Missing SMTP Server\nPlease define at least one SMTP server",
         policy.KIND_CONFIGURATION, None),
        ("unknown", "550 5.1.1 <x@y>: Recipient address rejected", smtp.KIND_RECIPIENT_REFUSED,
         550),
        ("unknown", "refused: 5.7.1 relaying denied", smtp.KIND_SMTP_REFUSED, 500),
    ],
)
def test_permanent_failures(failure_type, reason, kind, code):
    failure = smtp.classify(failure_type, reason)
    assert failure.kind == kind
    assert failure.code == code
    assert not failure.transient
    assert failure.severity == policy.PERMANENT
    assert failure.detail == reason.strip()


@pytest.mark.parametrize(
    ("exc", "kind", "transient"),
    [
        (ConnectionRefusedError(111, "Connection refused"), smtp.KIND_CONNECTION, True),
        (socket.gaierror(-2, "Name or service not known"), smtp.KIND_CONNECTION, True),
        (TimeoutError("timed out"), smtp.KIND_TIMEOUT, True),
        (smtplib.SMTPServerDisconnected("Connection unexpectedly closed"),
         smtp.KIND_CONNECTION, True),
        (smtplib.SMTPConnectError(421, b"4.3.2 busy"), smtp.KIND_SMTP_TEMPORARY, True),
        (smtplib.SMTPDataError(451, b"4.3.0 try later"), smtp.KIND_SMTP_TEMPORARY, True),
        (smtplib.SMTPDataError(554, b"5.6.0 refused"), smtp.KIND_SMTP_REFUSED, False),
        (smtplib.SMTPSenderRefused(553, b"5.7.1 not allowed", "a@b.be"),
         smtp.KIND_SENDER_REFUSED, False),
        (smtplib.SMTPAuthenticationError(535, b"5.7.8 bad credentials"),
         smtp.KIND_AUTHENTICATION, False),
        (smtplib.SMTPRecipientsRefused({"a@b.be": (550, b"5.1.1 unknown")}),
         smtp.KIND_RECIPIENT_REFUSED, False),
        (smtplib.SMTPRecipientsRefused({"a@b.be": (450, b"4.2.0 greylisted")}),
         smtp.KIND_SMTP_TEMPORARY, True),
        (RuntimeError("Mail Delivery Failed ... SMTPDataError: (554, b'5.6.0 no')"),
         smtp.KIND_SMTP_REFUSED, False),
    ],
)
def test_classify_exception(exc, kind, transient):
    failure = smtp.classify_exception(exc)
    assert failure.kind == kind
    assert failure.transient is transient
    assert type(exc).__name__ in failure.detail


# issue 10 #8: a mail that Python's e-mail package cannot build fails the same way every time
@pytest.mark.parametrize(
    "reason",
    [
        "Header values may not contain linefeed or carriage return characters",
        "ValueError: Header values may not contain linefeed or carriage return characters",
    ],
)
def test_a_mail_that_cannot_be_built_is_permanent(reason):
    failure = smtp.classify("unknown", reason)
    assert failure.kind == smtp.KIND_MESSAGE_INVALID
    assert failure.permanent
    assert policy.next_state(failure, attempts=1, max_attempts=5) == "failed"


def test_building_error_raised_while_sending_is_permanent():
    error = ValueError("Header values may not contain linefeed or carriage return characters")
    failure = smtp.classify_exception(error)
    assert failure.kind == smtp.KIND_MESSAGE_INVALID
    assert failure.permanent
