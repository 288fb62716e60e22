"""Unit tests of the Exact Online API failure classification (lib/exact_failures.py)."""

import socket

import pytest
import requests

from scrada_lib import exact_api as api
from scrada_lib import exact_failures as failures


@pytest.mark.parametrize(
    ("status", "reason", "message", "kind"),
    [
        (500, "", "Internal error", failures.KIND_SERVER),
        (503, "", "", failures.KIND_SERVER),
        (403, "Application Scope Violated", "Forbidden", failures.KIND_SCOPE),
        (403, "DivisionBlocked", "Forbidden", failures.KIND_DIVISION),
        (403, "NoDivisionAccess", "", failures.KIND_DIVISION),
        (403, "WrongDivision", "", failures.KIND_DIVISION),
        (403, "BlockedUser", "", failures.KIND_ACCOUNT),
        (403, "LicenseExpired", "", failures.KIND_ACCOUNT),
        (403, "", "This feature is not available in your licence", failures.KIND_FEATURE),
        (403, "", "Forbidden", failures.KIND_FORBIDDEN),
        (404, "", "Not found", failures.KIND_NOT_FOUND),
        (400, "", "RecipientMailboxID: mailbox not found.", failures.KIND_RECIPIENT_REFUSED),
        (400, "", "Attachment: not base64.", failures.KIND_REFUSED),
        (413, "", "Too large", failures.KIND_REFUSED),
        (401, "", "Unauthorized", failures.KIND_UNAUTHORIZED),
    ],
)
def test_classify_error(status, reason, message, kind):
    found = failures.classify_error(api.ApiError(status, "", message, reason))
    assert found.kind == kind
    assert found.code == status
    assert found.transient is (status >= 500), "4xx are never retried blindly"
    assert str(status) in found.detail


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (requests.ReadTimeout("read timed out"), failures.KIND_TIMEOUT),
        (requests.ConnectTimeout("connect timed out"), failures.KIND_TIMEOUT),
        (requests.ConnectionError("Connection aborted. RemoteDisconnected"),
         failures.KIND_CONNECTION),
        (ConnectionRefusedError(111, "Connection refused"), failures.KIND_CONNECTION),
        (socket.gaierror(-2, "Name or service not known"), failures.KIND_CONNECTION),
        (TimeoutError("timed out"), failures.KIND_TIMEOUT),
        (RuntimeError("odd"), failures.KIND_UNKNOWN),
    ],
)
def test_network_trouble_is_transient(exc, kind):
    found = failures.classify_exception(exc)
    assert found.kind == kind
    assert found.transient
    assert type(exc).__name__ in found.detail


def test_configuration_and_postbox_problems_are_permanent():
    assert failures.configuration("no division").permanent
    assert failures.failure(failures.KIND_UNKNOWN_POSTBOX).permanent
    assert failures.failure(failures.KIND_NO_SENDER_POSTBOX).permanent
    assert failures.is_recipient_refused(failures.failure(failures.KIND_RECIPIENT_REFUSED))
