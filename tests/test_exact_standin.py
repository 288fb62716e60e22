"""The Exact Online stand-in (scrada_exact_bridge/tests/exact_standin.py) follows the contract
of shared/domain/exact-online.md; exercised over real HTTP on 127.0.0.1 with lib/exact_api.py."""

import base64
import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from scrada_lib import exact_api as api
from scrada_lib import exact_codes as codes

STANDIN_PATH = Path(__file__).resolve().parents[1] / "scrada_exact_bridge" / "tests" / (
    "exact_standin.py"
)
REDIRECT = "http://127.0.0.1:9/scrada_exact_bridge/oauth/callback"


def _load():
    spec = importlib.util.spec_from_file_location("exact_standin", STANDIN_PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


standin_module = _load()


@pytest.fixture
def standin():
    server = standin_module.ExactStandin(mailboxes=["shop-gent@exactonline.be"]).start()
    yield server
    server.stop()


def connect(server):
    location = api.request(
        "GET", api.auth_url(server.url, server.client_id, REDIRECT, "state-1")
    ).header("Location")
    query = parse_qs(urlsplit(location).query)
    assert query["state"] == ["state-1"]
    answer = api.request("POST", api.token_url(server.url), form=api.code_form(
        query["code"][0], REDIRECT, server.client_id, server.client_secret))
    return api.parse_token_answer(answer)


def call(server, token, method, endpoint, **kw):
    return api.request(method, api.api_url(server.url, server.division, endpoint), token=token,
                       **kw)


def test_standin_has_no_odoo_import():
    text = STANDIN_PATH.read_text(encoding="utf-8")
    assert "import odoo" not in text and "from odoo" not in text


def test_oauth_code_is_single_use_and_expires_in_is_a_string(standin):
    location = api.request(
        "GET", api.auth_url(standin.url, standin.client_id, REDIRECT, "s")
    ).header("Location")
    code = parse_qs(urlsplit(location).query)["code"][0]
    form = api.code_form(code, REDIRECT, standin.client_id, standin.client_secret)
    first = api.request("POST", api.token_url(standin.url), form=form)
    assert first.status == 200 and first.json()["expires_in"] == "600"
    again = api.request("POST", api.token_url(standin.url), form=form)
    assert again.status == 400 and again.json()["error"] == "invalid_grant"
    wrong = api.request("POST", api.token_url(standin.url), form=dict(form, client_secret="x"))
    assert wrong.json()["error"] == "invalid_client"


def test_refresh_rules(standin):
    tokens = connect(standin)
    form = api.refresh_form(tokens.refresh_token, standin.client_id, standin.client_secret)
    early = api.parse_token_answer(api.request("POST", api.token_url(standin.url), form=form))
    assert early.status == 400 and early.too_early
    standin.advance(570)
    fresh = api.parse_token_answer(api.request("POST", api.token_url(standin.url), form=form))
    assert fresh.ok and fresh.refresh_token != tokens.refresh_token
    spent = api.parse_token_answer(api.request("POST", api.token_url(standin.url), form=form))
    assert spent.status == 401 and spent.chain_broken
    assert spent.description == "Old refresh token used."
    # the old access token died with the refresh
    assert call(standin, tokens.access_token, "GET", codes.ENDPOINT_DEFAULT_MAILBOX).status == 401
    assert call(standin, fresh.access_token, "GET", codes.ENDPOINT_DEFAULT_MAILBOX).status == 200
    # an unused refresh token dies after 30 days
    standin.advance(30 * 24 * 3600)
    outlived = api.parse_token_answer(api.request("POST", api.token_url(standin.url), form=api.
                                                  refresh_form(fresh.refresh_token,
                                                               standin.client_id,
                                                               standin.client_secret)))
    assert outlived.chain_broken


def test_access_token_expires_with_the_clock(standin):
    tokens = connect(standin)
    assert api.request("GET", api.me_url(standin.url), token=tokens.access_token).status == 200
    standin.advance(601)
    assert api.request("GET", api.me_url(standin.url), token=tokens.access_token).status == 401


def test_mailbox_flow_and_exact_bytes(standin):
    token = connect(standin).access_token
    me = api.record(api.request("GET", api.me_url(standin.url), token=token).json())
    assert me["CurrentDivision"] == standin.division
    own = api.record(call(standin, token, "GET", codes.ENDPOINT_DEFAULT_MAILBOX).json())
    found = api.results(call(
        standin, token, "GET", codes.ENDPOINT_MAILBOXES,
        params={"$filter": api.filter_equals("Mailbox", "Shop-Gent@exactonline.be"),
                "$select": "ID,Mailbox,ForDivision"},
    ).json())
    assert [box["Mailbox"] for box in found] == ["shop-gent@exactonline.be"]
    assert set(found[0]) == {"ID", "Mailbox", "ForDivision"}
    subject = api.message_subject("Lab BV", "INV/1", 7)
    created = call(standin, token, "POST", codes.ENDPOINT_MESSAGES, json_body={
        "SenderMailboxID": own["ID"], "RecipientMailboxID": found[0]["ID"],
        "Subject": subject, "Type": 1100,
    })
    assert created.status == 201
    message_id = api.record(created.json())["ID"]
    raw = b"<Invoice>\xe2\x82\xac</Invoice>"
    attached = call(standin, token, "POST", codes.ENDPOINT_ATTACHMENTS, json_body={
        "MailMessageID": message_id, "AttachmentFileName": "INV_1.xml",
        "Attachment": base64.b64encode(raw).decode(), "Type": 130,
    })
    assert attached.status == 201
    ((message, attachments),) = standin.received()
    assert message["Type"] == 1100 and message["RecipientMailboxID"] == found[0]["ID"]
    assert attachments[0]["raw"] == raw and attachments[0]["Type"] == 130
    by_subject = api.results(call(standin, token, "GET", codes.ENDPOINT_MESSAGES, params={
        "$filter": api.filter_equals("Subject", subject), "$select": "ID"}).json())
    assert by_subject == [{"ID": message_id}]
    standin.set_status(message_id, 50)
    statuses = api.results(call(standin, token, "GET", codes.ENDPOINT_MESSAGES, params={
        "$filter": api.filter_ids([message_id]), "$select": "ID,RecipientStatus"}).json())
    assert statuses == [{"ID": message_id, "RecipientStatus": 50}]
    listed = api.results(call(standin, token, "GET", codes.ENDPOINT_ATTACHMENTS, params={
        "$filter": f"MailMessageID eq {api.guid_literal(message_id)}"}).json())
    assert len(listed) == 1 and "raw" not in listed[0]
    assert standin.calls("POST mailbox/MailMessagesSent") == 1


def test_errors_have_exact_bodies_and_reasons(standin):
    token = connect(standin).access_token
    unknown = call(standin, token, "POST", codes.ENDPOINT_MESSAGES, json_body={
        "SenderMailboxID": standin.default_mailbox_id,
        "RecipientMailboxID": "00000000-0000-0000-0000-00000000beef", "Subject": "x"})
    error = api.parse_error(unknown)
    assert error.status == 400 and "RecipientMailboxID" in error.message
    wrong_division = api.request("GET", api.api_url(standin.url, 999, codes.ENDPOINT_MAILBOXES),
                                 token=token)
    assert api.parse_error(wrong_division).reason == "NoDivisionAccess"
    standin.forbid("mailbox/", reason="Application Scope Violated")
    scoped = call(standin, token, "GET", codes.ENDPOINT_MAILBOXES)
    assert scoped.status == 403 and scoped.header("Reason") == "Application Scope Violated"
    standin.allow()
    standin.fault("GET mailbox/Mailboxes", status=503)
    assert call(standin, token, "GET", codes.ENDPOINT_MAILBOXES).status == 503
    assert call(standin, token, "GET", codes.ENDPOINT_MAILBOXES).status == 200


def test_rate_limit_headers_and_429(standin):
    standin.minutely_limit = 3
    token = connect(standin).access_token
    answers = [call(standin, token, "GET", codes.ENDPOINT_MAILBOXES) for _ in range(4)]
    assert [a.status for a in answers] == [200, 200, 200, 429]
    assert [api.parse_rate_limits(a).minutely_remaining for a in answers] == [2, 1, 0, 0]
    limited = api.parse_rate_limits(answers[-1])
    assert limited.daily_remaining is None, "a 429 for the minute carries the minutely headers"
    assert limited.minutely_reset is not None
    standin.advance(60)
    assert call(standin, token, "GET", codes.ENDPOINT_MAILBOXES).status == 200


def test_drop_hang_and_token_error_with_tokens(standin):
    token = connect(standin).access_token
    standin.fault("POST mailbox/MailMessagesSent", "drop_after")
    body = {"SenderMailboxID": standin.default_mailbox_id,
            "RecipientMailboxID": standin.mailbox_id("shop-gent@exactonline.be"),
            "Subject": "dropped"}
    with pytest.raises(requests.ConnectionError):
        call(standin, token, "POST", codes.ENDPOINT_MESSAGES, json_body=body)
    assert len(standin.messages) == 1, "done, but the answer was lost"
    standin.fault("GET mailbox/Mailboxes", "drop")
    with pytest.raises(requests.ConnectionError):
        call(standin, token, "GET", codes.ENDPOINT_MAILBOXES)
    standin.fault("GET mailbox/Mailboxes", "hang", seconds=5)
    with pytest.raises(requests.Timeout):
        call(standin, token, "GET", codes.ENDPOINT_MAILBOXES, timeout=(2, 0.5))
    tokens = connect(standin)
    standin.advance(600)
    standin.fault("POST oauth2/token", "token_error_with_tokens")
    limited = api.parse_token_answer(api.request("POST", api.token_url(standin.url), form=api.
                                                 refresh_form(tokens.refresh_token,
                                                              standin.client_id,
                                                              standin.client_secret)))
    assert not limited.ok and limited.refresh_token and limited.rate_limited


def test_runs_as_a_script_and_is_driven_over_http():
    process = subprocess.Popen(
        [sys.executable, str(STANDIN_PATH), "--port", "0", "--mailbox", "kas@exactonline.be"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        line = process.stdout.readline()
        assert line.startswith("Exact Online stand-in listening on http://127.0.0.1:")
        url = line.split()[-1]
        added = requests.post(f"{url}/_standin/control", timeout=5,
                              json={"action": "add_mailbox", "name": "extra@exactonline.be"})
        assert added.status_code == 200 and api.is_guid(added.json()["ID"])
        state = requests.get(f"{url}/_standin/state", timeout=5).json()
        names = {box["Mailbox"] for box in state["mailboxes"]}
        assert {"kas@exactonline.be", "extra@exactonline.be"} <= names
        assert json.dumps(state)  # JSON all the way
    finally:
        process.terminate()
        process.wait(timeout=10)
