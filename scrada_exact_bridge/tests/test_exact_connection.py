# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The Exact Online connection: OAuth2 through Odoo's real HTTP layer and a stand-in of Exact
Online on 127.0.0.1, the token rules, and who may read the secrets."""

import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import psycopg2
import requests
from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from ..models.exact_online_connection import ExactCallFailed, ExactConnectionExpired
from .api_common import CASH_POSTBOX, OWN_POSTBOX, QUIET, SALES_POSTBOX, ExactApiCommon

SECRETS = ("client_secret", "access_token", "refresh_token", "oauth_state_hash")


@tagged("post_install", "-at_install")
class TestExactConnection(ExactApiCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = cls.env.user  # accountman: accounting manager, not an administrator
        cls.other_manager = new_test_user(
            cls.env, login="exact_other_manager",
            groups="account.group_account_manager,account.group_account_user",
            company_id=cls.company.id, company_ids=[cls.company.id],
        )

    def _consent(self, connection, user):
        """Press Connect as ``user``; Exact (the stand-in) sends back to the callback URL."""
        action = connection.with_user(user).action_exact_connect()
        self.assertEqual(action["type"], "ir.actions.act_url")
        self.assertTrue(action["url"].startswith(f"{self.standin.url}/api/oauth2/auth?"))
        answer = requests.get(action["url"], allow_redirects=False, timeout=10)
        self.assertEqual(answer.status_code, 302)
        return answer.headers["Location"]

    def _callback(self, location, login):
        """Follow Exact's redirect into Odoo as the logged-in ``login``."""
        parts = urlsplit(location)
        self.assertEqual(parts.path, "/scrada_exact_bridge/oauth/callback")
        self.authenticate(login, login)
        self.env.flush_all()
        with mute_logger(*QUIET):
            response = self.url_open(f"{parts.path}?{parts.query}", allow_redirects=False)
        self.env.invalidate_all()
        return response

    # ------------------------------------------------------------------

    def test_connect_through_the_real_callback(self):
        location = self._consent(self.connection, self.manager)
        query = parse_qs(urlsplit(location).query)
        self.assertEqual(
            self.standin.auth_requests[-1]["redirect_uri"],
            self.connection.redirect_uri,
            "Exact is asked to come back to the callback of this Odoo",
        )
        self.assertTrue(query["code"] and query["state"])
        response = self._callback(location, self.manager.login)
        self.assertEqual(response.status_code, 303)
        self.assertIn(
            f"/odoo/action-scrada_exact_bridge.action_exact_online_connection/"
            f"{self.connection.id}", response.headers["Location"],
        )
        connection = self.connection
        self.assertEqual(connection.state, "connected")
        self.assertFalse(connection.last_error)
        self.assertEqual(connection.division, self.standin.division)
        self.assertEqual(connection.sender_mailbox, OWN_POSTBOX)
        self.assertEqual(connection.sender_mailbox_id, self.standin.default_mailbox_id)
        self.assertEqual(connection.connected_user_id, self.manager)
        self.assertEqual(
            sorted(connection.mailbox_ids.mapped("name")),
            sorted([OWN_POSTBOX, SALES_POSTBOX, CASH_POSTBOX]),
        )
        self.assertTrue(connection.mailbox_ids.filtered("is_own"))
        self.assertTrue(connection.sudo().refresh_token)
        self.assertEqual(
            connection.token_expires_at - connection.token_issued_at, timedelta(seconds=600),
            "expires_in arrived as the string \"600\"",
        )
        self.assertEqual(self.standin.calls("POST oauth2/token"), 1)
        self.assertEqual(self.standin.calls("GET current/Me"), 1)
        chatter = " ".join(connection.message_ids.mapped("body"))
        self.assertIn("Connected to Exact Online", chatter)
        for secret in (connection.sudo().access_token, connection.sudo().refresh_token,
                       self.standin.client_secret):
            self.assertNotIn(secret, chatter, "no secret in the chatter")
        # the state was single use: the same URL again is refused
        replay = self._callback(location, self.manager.login)
        self.assertEqual(replay.status_code, 400)
        self.assertEqual(self.standin.calls("POST oauth2/token"), 1, "the code is not exchanged")

    def test_forged_missing_expired_or_foreign_state_is_refused(self):
        location = self._consent(self.connection, self.manager)
        code = parse_qs(urlsplit(location).query)["code"][0]
        base = "/scrada_exact_bridge/oauth/callback"
        forged = self._callback(f"{base}?code={code}&state=forged-by-someone", self.manager.login)
        self.assertEqual(forged.status_code, 400)
        self.assertIn("not valid", forged.text)
        missing = self._callback(f"{base}?code={code}", self.manager.login)
        self.assertEqual(missing.status_code, 400)
        # a state started by another user is refused (and spent)
        foreign = self._callback(location, self.other_manager.login)
        self.assertEqual(foreign.status_code, 400)
        self.assertEqual(self.standin.calls("POST oauth2/token"), 0, "no code was exchanged")
        self.assertEqual(self.connection.state, "draft")
        # an expired state
        location = self._consent(self.connection, self.manager)
        self.connection.sudo().oauth_state_expires = fields.Datetime.now() - timedelta(minutes=1)
        self.assertEqual(self._callback(location, self.manager.login).status_code, 400)
        self.assertEqual(self.standin.calls("POST oauth2/token"), 0)
        # not logged in: Odoo's login page, nothing happens
        self.authenticate(None, None)
        anonymous = self.url_open(urlsplit(location).path + "?" + urlsplit(location).query,
                                  allow_redirects=False)
        self.assertIn(anonymous.status_code, (302, 303))
        self.assertIn("/web/login", anonymous.headers["Location"])

    def test_refused_consent_and_wrong_secret_are_explained(self):
        self.standin.auto_consent = False
        location = self._consent(self.connection, self.manager)
        self.assertIn("error=access_denied", location)
        self._callback(location, self.manager.login)
        self.assertEqual(self.connection.state, "draft")
        self.assertIn("did not grant access", self.connection.last_error)
        self.standin.auto_consent = True
        self.connection.new_client_secret = "wrong-secret"
        location = self._consent(self.connection, self.manager)
        self._callback(location, self.manager.login)
        self.assertEqual(self.connection.state, "draft")
        self.assertIn("Client secret", self.connection.last_error)

    def test_connect_needs_the_app(self):
        other = self.env["res.company"].create({"name": "Nieuw BV"})
        self.manager.company_ids |= other
        connection = self.env["exact.online.connection"].with_company(other).create(
            {"company_id": other.id}
        )
        self.assertEqual(other.exact_connection_id, connection)
        self.assertEqual(connection.base_url, "https://start.exactonline.be")
        self.assertTrue(connection.redirect_uri.endswith("/scrada_exact_bridge/oauth/callback"))
        with self.assertRaisesRegex(UserError, "Client ID"):
            connection.action_exact_connect()
        with self.assertRaises(UserError):
            connection.copy()
        with self.assertRaises(psycopg2.IntegrityError), mute_logger("odoo.sql_db"), \
                self.env.cr.savepoint():
            self.env["exact.online.connection"].create({"company_id": other.id})

    def test_secrets_are_for_administrators_only(self):
        self._connect()
        manager = self.other_manager
        manager_connection = self.connection.with_user(manager)
        self.assertTrue(manager.has_group("account.group_account_manager"))
        self.assertFalse(manager.has_group("base.group_system"))
        for field in SECRETS:
            with self.assertRaises(AccessError):
                manager_connection.read([field])
        self.assertFalse(set(SECRETS) & set(manager_connection.fields_get()))
        values = manager_connection.read()[0]
        self.assertFalse(set(SECRETS) & set(values))
        self.assertTrue(values["has_client_secret"])
        self.assertFalse(values["new_client_secret"], "the write-only field reads empty")
        # the manager may replace the secret without ever reading it
        manager_connection.new_client_secret = "replaced-secret"
        self.assertEqual(self.connection.sudo().client_secret, "replaced-secret")
        # JSON-RPC, as the web client would ask
        self.authenticate(manager.login, manager.login)

        def rpc(method, args, kwargs):
            response = self.url_open(
                "/web/dataset/call_kw",
                data=json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1, "params": {
                    "model": "exact.online.connection", "method": method, "args": args,
                    "kwargs": kwargs}}),
                headers={"Content-Type": "application/json"},
            )
            return response.json()

        with mute_logger("odoo.http"):
            denied = rpc("read", [[self.connection.id], ["client_secret", "refresh_token"]], {})
        self.assertIn("error", denied)
        found = rpc("search_read", [[("id", "=", self.connection.id)]], {})["result"][0]
        self.assertFalse(set(SECRETS) & set(found))
        self.assertEqual(found["state"], "connected")
        secret_values = {self.connection.sudo().refresh_token, "replaced-secret"}
        self.assertFalse(any(value in json.dumps(found) for value in secret_values))

    def test_refresh_only_when_due_and_rotation_is_stored(self):
        self._connect()
        first_refresh = self.connection.sudo().refresh_token
        token = self.connection._exact_token()
        self.assertEqual(self.standin.refreshes(), 0, "a fresh token is not refreshed")
        self.assertEqual(token, self.connection.sudo().access_token)
        # 5 minutes left: still not (Exact refuses refreshes within 570 s)
        self.connection.sudo().token_expires_at = fields.Datetime.now() + timedelta(minutes=5)
        self.connection._exact_token()
        self.assertEqual(self.standin.refreshes(), 0)
        self._expire_token()
        new_token = self.connection._exact_token()
        self.assertEqual(self.standin.refreshes("ok"), 1)
        self.assertNotEqual(new_token, token)
        connection = self.connection.sudo()
        self.assertNotEqual(connection.refresh_token, first_refresh, "the new one is stored")
        self.assertEqual(connection.access_token, new_token)
        self.assertGreater(connection.token_expires_at, fields.Datetime.now())
        self.connection._exact_token()
        self.assertEqual(self.standin.refreshes(), 1, "and used from then on")

    def test_refresh_token_kept_when_the_refresh_reports_a_rate_limit(self):
        self._connect()
        self._expire_token()
        self.standin.fault("POST oauth2/token", "token_error_with_tokens")
        token = self.connection._exact_token()
        connection = self.connection.sudo()
        self.assertEqual(token, connection.access_token)
        spent = [t for t, info in self.standin.refresh_tokens.items() if info["spent"]]
        self.assertNotIn(connection.refresh_token, spent, "the fresh refresh token is stored")
        self.assertEqual(connection.state, "connected")

    def test_old_refresh_token_used_expires_the_connection(self):
        self._connect()
        self._expire_token()
        # the refresh worked at Exact but its answer was lost: the stored token is spent
        self.standin.fault("POST oauth2/token", "drop_after")
        lost = self._raises(ExactCallFailed, self.connection._exact_token)
        self.assertEqual(lost.failure.kind, "api_connection")
        self.assertEqual(self.connection.state, "connected")
        self._raises(ExactConnectionExpired, self.connection._exact_token)
        self.assertEqual(self.standin.refreshes("old"), 1)
        connection = self.connection
        self.assertEqual(connection.state, "expired")
        self.assertIn("Reconnect", connection.last_error)
        self.assertFalse(connection.sudo().refresh_token)
        activity = connection.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.company._exact_responsible_user())
        # a person reconnects: the to-do is done
        self._connect()
        self.assertFalse(self.connection.activity_ids)

    def test_unused_refresh_token_dies_after_30_days(self):
        self._connect()
        self._expire_token()
        self.connection.sudo().refresh_token_issued_at = fields.Datetime.now() - timedelta(days=31)
        self._raises(ExactConnectionExpired, self.connection._exact_token)
        self.assertEqual(self.standin.refreshes(), 0, "Exact is not even asked")
        self.assertEqual(self.connection.state, "expired")

    def test_401_refreshes_once_and_retries_once(self):
        self._connect()
        self.standin.expire_access_tokens()  # Exact no longer takes the token (e.g. revoked)
        client = self.connection._exact_client()
        answer = client.call("GET", "read/mailbox/DefaultMailbox")
        self.assertEqual(answer.status, 200)
        self.assertEqual(self.standin.refreshes("ok"), 1)
        self.assertEqual(self.standin.calls("GET read/mailbox/DefaultMailbox"), 2)
        # Exact keeps refusing: one refresh, one retry, then a clear failure
        self.standin.forbid("GET mailbox/Mailboxes", status=401, message="Unauthorized")
        self.standin.advance(600)
        failed = self._raises(ExactCallFailed, client.call, "GET", "mailbox/Mailboxes")
        self.assertEqual(failed.failure.kind, "api_unauthorized")
        self.assertEqual(self.standin.calls("GET mailbox/Mailboxes"), 2)
        client.close()
        self.assertTrue(self.connection.rate_minutely_limit, "rate limits were read and kept")

    def test_disconnect_forgets_the_tokens_and_journals_warn(self):
        self._connect()
        self.assertEqual(
            self.env["account.journal"]._exact_default_transport_for(self.company), "api"
        )
        journal = self.env["account.journal"].create(
            {"name": "Winkel 2", "code": "WNK2", "type": "sale", "company_id": self.company.id}
        )
        self.assertEqual(journal.exact_transport, "api", "connected: new journals use the API")
        journal.exact_mailbox = "x55i@verkoop.exactonline.be"
        self.assertIn("linked e-mail address", journal.exact_transport_warning)
        journal.exact_mailbox = "unknown-box@exactonline.be"
        self.assertIn("not among the postboxes", journal.exact_transport_warning)
        journal.exact_mailbox = SALES_POSTBOX
        self.assertFalse(journal.exact_transport_warning)
        self.connection.action_exact_disconnect()
        self.assertEqual(self.connection.state, "draft")
        self.assertFalse(self.connection.sudo().access_token)
        journal.exact_send_invoices = True
        journal.invalidate_recordset()
        self.assertIn("renewed", journal.exact_transport_warning)
        self.assertEqual(
            self.env["account.journal"]._exact_default_transport_for(self.company), "email"
        )
        self.cash_journal.exact_transport = "email"
        self.assertIn("not known to process CODA", self.cash_journal.exact_transport_warning)
        with self.assertRaisesRegex(Exception, "not a valid postbox name"):
            journal.write({"exact_transport": "api", "exact_mailbox": "no postbox"})
