"""Unit tests of the delivery policy (transient vs permanent failures, back-off)."""

import itertools
import smtplib
import socket
from datetime import timedelta

import pytest

from scrada_lib import delivery_policy as policy

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
        ("mail_smtp", "111\nConnection refused", policy.KIND_CONNECTION, None),
        (None, "[Errno 111] Connection refused", policy.KIND_CONNECTION, None),
        ("unknown", "Connection unexpectedly closed", policy.KIND_CONNECTION, None),
        ("mail_smtp", "timed out", policy.KIND_TIMEOUT, None),
        ("mail_smtp", "[Errno -3] Temporary failure in name resolution", policy.KIND_CONNECTION,
         None),
        ("unknown", TEMPORARY_RECIPIENT, policy.KIND_SMTP_TEMPORARY, 451),
        ("unknown", DATA_TEMPORARY, policy.KIND_SMTP_TEMPORARY, 452),
        ("unknown", "421 4.7.0 too many connections, try later", policy.KIND_SMTP_TEMPORARY, 421),
        ("unknown", "something odd happened", policy.KIND_UNKNOWN, None),
        ("", "", policy.KIND_UNKNOWN, None),
    ],
)
def test_transient_failures(failure_type, reason, kind, code):
    failure = policy.classify(failure_type, reason)
    assert failure.kind == kind
    assert failure.code == code
    assert failure.transient
    assert failure.severity == policy.TRANSIENT


@pytest.mark.parametrize(
    ("failure_type", "reason", "kind", "code"),
    [
        ("unknown", REFUSED_RECIPIENT, policy.KIND_RECIPIENT_REFUSED, 550),
        ("unknown", DATA_REFUSED, policy.KIND_SMTP_REFUSED, 554),
        ("unknown", SENDER_REFUSED, policy.KIND_SENDER_REFUSED, 553),
        ("mail_smtp", "SMTPAuthenticationError: (535, b'5.7.8 bad credentials')",
         policy.KIND_AUTHENTICATION, 535),
        ("mail_email_invalid", "", policy.KIND_INVALID_RECIPIENT, None),
        ("mail_email_missing", "", policy.KIND_MISSING_RECIPIENT, None),
        ("mail_from_invalid", "Malformed 'Return-Path' or 'From' address",
         policy.KIND_INVALID_SENDER, None),
        ("mail_from_missing", "", policy.KIND_MISSING_SENDER, None),
        ("mail_smtp", "Missing SMTP Server\nPlease define at least one SMTP server",
         policy.KIND_CONFIGURATION, None),
        ("unknown", "550 5.1.1 <x@y>: Recipient address rejected", policy.KIND_RECIPIENT_REFUSED,
         550),
        ("unknown", "refused: 5.7.1 relaying denied", policy.KIND_SMTP_REFUSED, 500),
    ],
)
def test_permanent_failures(failure_type, reason, kind, code):
    failure = policy.classify(failure_type, reason)
    assert failure.kind == kind
    assert failure.code == code
    assert not failure.transient
    assert failure.severity == policy.PERMANENT
    assert failure.detail == reason.strip()


@pytest.mark.parametrize(
    ("exc", "kind", "transient"),
    [
        (ConnectionRefusedError(111, "Connection refused"), policy.KIND_CONNECTION, True),
        (socket.gaierror(-2, "Name or service not known"), policy.KIND_CONNECTION, True),
        (TimeoutError("timed out"), policy.KIND_TIMEOUT, True),
        (smtplib.SMTPServerDisconnected("Connection unexpectedly closed"),
         policy.KIND_CONNECTION, True),
        (smtplib.SMTPConnectError(421, b"4.3.2 busy"), policy.KIND_SMTP_TEMPORARY, True),
        (smtplib.SMTPDataError(451, b"4.3.0 try later"), policy.KIND_SMTP_TEMPORARY, True),
        (smtplib.SMTPDataError(554, b"5.6.0 refused"), policy.KIND_SMTP_REFUSED, False),
        (smtplib.SMTPSenderRefused(553, b"5.7.1 not allowed", "a@b.be"),
         policy.KIND_SENDER_REFUSED, False),
        (smtplib.SMTPAuthenticationError(535, b"5.7.8 bad credentials"),
         policy.KIND_AUTHENTICATION, False),
        (smtplib.SMTPRecipientsRefused({"a@b.be": (550, b"5.1.1 unknown")}),
         policy.KIND_RECIPIENT_REFUSED, False),
        (smtplib.SMTPRecipientsRefused({"a@b.be": (450, b"4.2.0 greylisted")}),
         policy.KIND_SMTP_TEMPORARY, True),
        (RuntimeError("Mail Delivery Failed ... SMTPDataError: (554, b'5.6.0 no')"),
         policy.KIND_SMTP_REFUSED, False),
    ],
)
def test_classify_exception(exc, kind, transient):
    failure = policy.classify_exception(exc)
    assert failure.kind == kind
    assert failure.transient is transient
    assert type(exc).__name__ in failure.detail


def test_retry_delay_grows_then_stays_at_the_last_step():
    delays = [policy.retry_delay(n) for n in range(1, 9)]
    assert delays[:6] == [timedelta(minutes=m) for m in policy.BACKOFF_MINUTES]
    assert delays[6] == delays[7] == timedelta(minutes=policy.BACKOFF_MINUTES[-1])
    assert all(a < b for a, b in itertools.pairwise(delays[:6]))
    assert policy.retry_delay(0) == timedelta(0)


def test_next_state():
    transient = policy.Failure(policy.KIND_CONNECTION)
    permanent = policy.Failure(policy.KIND_RECIPIENT_REFUSED, 550)
    assert policy.next_state(transient, 1, 5) == "pending"
    assert policy.next_state(transient, 4, 5) == "pending"
    assert policy.next_state(transient, 5, 5) == "failed"
    assert policy.next_state(transient, 1, 1) == "failed"
    assert policy.next_state(transient, 1, 0) == "failed"  # nonsense setting: no retry
    assert policy.next_state(permanent, 1, 5) == "failed"
