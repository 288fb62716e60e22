# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The set-up wizard's "Exact Online connection" step against the stand-in of Exact Online on
127.0.0.1: Connect through Exact's real sign-in redirect and Odoo's real callback (back into the
wizard), the postboxes listed to pick from, the journals delivered through the connection, and
the test documents going through the API (the stand-in receives them once)."""

import base64
from urllib.parse import parse_qs, urlsplit

import requests
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .api_common import CASH_POSTBOX, OWN_POSTBOX, QUIET, SALES_POSTBOX, ExactApiCommon
from .common import CASH_IBAN, SENDER


class ExactFromScratchCommon(ExactApiCommon):
    """The stand-in of Exact Online and a company with nothing configured yet."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # start from "nothing configured": no connection, no journal sends
        (cls.sale_journal | cls.cash_journal).write(
            {"exact_send_invoices": False, "exact_send_coda": False, "exact_mailbox": False,
             "exact_transport": "email"}
        )
        cls.cash_journal.bank_account_id = False
        cls.connection.unlink()
        cls.company.write({"exact_enabled": False})
        cls.manager = cls.env.user  # accountman: accounting manager, not an administrator


@tagged("post_install", "-at_install")
class TestExactSetupConnection(ExactFromScratchCommon):
    def _wizard(self):
        return self.env["exact.setup.wizard"].with_company(self.company).create({})

    def _line(self, wizard, journal):
        return wizard.line_ids.filtered(lambda line: line.journal_id == journal)

    def _connect(self, wizard):
        """Connect as a person does: Exact's sign-in page (the stand-in consents at once), its
        redirect into Odoo's callback, logged in; returns the callback's answer."""
        action = wizard.action_connect()
        self.assertEqual(action["type"], "ir.actions.act_url")
        self.assertTrue(action["url"].startswith(f"{self.standin.url}/api/oauth2/auth?"))
        consent = requests.get(action["url"], allow_redirects=False, timeout=10)
        self.assertEqual(consent.status_code, 302)
        location = urlsplit(consent.headers["Location"])
        self.assertEqual(location.path, "/scrada_exact_bridge/oauth/callback")
        self.assertTrue(parse_qs(location.query)["code"])
        self.authenticate(self.manager.login, self.manager.login)
        self.env.flush_all()
        with mute_logger(*QUIET):
            response = self.url_open(
                f"{location.path}?{location.query}", allow_redirects=False
            )
        self.env.invalidate_all()
        return response

    # ------------------------------------------------------------------

    def test_connect_pick_postboxes_and_send_tests_through_the_api(self):
        wizard = self._connected_wizard()
        connection = wizard.connection_id
        wizard.action_next()
        self.assertEqual(wizard.step, "journals")
        sale_line = self._line(wizard, self.sale_journal)
        cash_line = self._line(wizard, self.cash_journal)
        self.assertEqual((sale_line | cash_line).mapped("transport"), ["api", "api"],
                         "connected: the connection is proposed")
        boxes = {box.name: box for box in connection.mailbox_ids}
        own = boxes[OWN_POSTBOX]
        sale_line.write({"send": True, "postbox_id": own.id})
        self.assertIn("your own postbox", sale_line.warning)
        sale_line.postbox_id = boxes[SALES_POSTBOX]
        self.assertFalse(sale_line.warning)
        cash_line.write({"send": True, "postbox_id": boxes[CASH_POSTBOX].id})
        self.assertFalse(cash_line.warning, "CODA through the connection: no warning")
        wizard.action_next()
        self.assertEqual(sale_line.mailbox, SALES_POSTBOX)
        self.assertEqual(wizard.step, "iban")
        wizard.coda_line_ids.iban = CASH_IBAN
        wizard.action_next()
        self.assertEqual(wizard.step, "exact")
        checklist = " ".join(wizard.check_ids.mapped("text")) + str(wizard.checklist_html or "")
        self.assertNotIn("Allowed senders", checklist, "nothing is e-mailed")
        self.assertNotIn("unconfirmed", checklist)
        for expected in (SALES_POSTBOX, OWN_POSTBOX, CASH_POSTBOX, "BE83 1388 1173 5115",
                         "to the company (administration) and to this bank account"):
            self.assertIn(expected, checklist)
        wizard.action_next()
        self.assertEqual(wizard.step, "test")
        for journal, postbox in ((self.sale_journal, SALES_POSTBOX),
                                 (self.cash_journal, CASH_POSTBOX)):
            self.assertEqual(journal.exact_transport, "api")
            self.assertEqual(journal.exact_mailbox, postbox)
            self.assertFalse(journal.exact_transport_warning)
        self.assertTrue(self.cash_journal.exact_send_coda)

        wizard.action_send_test()
        tests = wizard.test_delivery_ids
        self.assertEqual(len(tests), 2)
        self.assertEqual(set(tests.mapped("transport")), {"api"})
        self._run_cron()
        self.assertEqual(set(tests.mapped("state")), {"sent"}, tests.mapped("error_message"))
        self.assertTrue(all(tests.mapped("exact_message_id")))
        received = self.standin.received()
        self.assertEqual(len(received), 2, "each test arrives once")
        by_recipient = {message["RecipientMailboxID"]: (message, files)
                        for message, files in received}
        for delivery in tests:
            message, files = by_recipient[self.standin.mailbox_id(delivery.mailbox)]
            self.assertEqual(message["SenderMailboxID"], self.standin.default_mailbox_id)
            self.assertEqual(len(files), 1)
            self.assertEqual(files[0]["raw"], base64.b64decode(delivery.attachment_id.datas))
            self.assertIn(b"TEST - Odoo -> Exact Online", files[0]["raw"])
        self.assertEqual(self.standin.calls("POST mailbox/MailMessagesSent"), 2)

    def _connected_wizard(self):
        wizard = self._wizard()
        wizard.write({"exact_enabled": True, "sender_email": SENDER})
        wizard.action_next()
        self.assertEqual(wizard.step, "connection")
        self.assertEqual(wizard.base_url, "https://start.exactonline.be")
        self.assertTrue(wizard.redirect_uri.endswith("/scrada_exact_bridge/oauth/callback"))
        with self.assertRaisesRegex(UserError, "Client ID and the Client secret"):
            wizard.action_connect()
        wizard.write(
            {"region": "custom", "base_url": self.standin.url,
             "client_id": self.standin.client_id, "client_secret": self.standin.client_secret}
        )
        response = self._connect(wizard)
        self.assertEqual(response.status_code, 303)
        self.assertTrue(
            response.headers["Location"].endswith(
                f"/odoo/action-scrada_exact_bridge.action_exact_setup_wizard/{wizard.id}"
            ),
            "the callback goes back to the wizard",
        )
        self.assertFalse(wizard.client_secret, "the secret is kept on the connection only")
        connection = self.company.exact_connection_id
        self.assertEqual(connection.sudo().client_secret, self.standin.client_secret)
        self.assertEqual(wizard.connection_id, connection)
        self.assertEqual(wizard.connection_state, "connected")
        self.assertEqual(wizard.connection_division, self.standin.division)
        self.assertEqual(wizard.connection_sender_mailbox, OWN_POSTBOX)
        self.assertEqual(
            sorted(wizard.connection_mailbox_ids.mapped("name")),
            sorted([OWN_POSTBOX, SALES_POSTBOX, CASH_POSTBOX]),
        )
        self.assertFalse(self.company.exact_enabled, "only the connection is written")
        return wizard

    def test_a_postbox_is_needed_and_a_connection_for_the_api(self):
        wizard = self._wizard()
        wizard.write({"exact_enabled": True, "sender_email": SENDER})
        wizard.action_next()
        wizard.action_next()
        sale_line = self._line(wizard, self.sale_journal)
        self.assertEqual(sale_line.transport, "email", "not connected: e-mail is proposed")
        sale_line.write({"send": True, "transport": "api"})
        with self.assertRaisesRegex(UserError, "connect to Exact Online"):
            wizard.action_next()
        wizard.action_previous()
        wizard.write({"region": "custom", "base_url": self.standin.url,
                      "client_id": self.standin.client_id,
                      "client_secret": self.standin.client_secret})
        self._connect(wizard)
        wizard.action_next()
        with self.assertRaisesRegex(UserError, "choose the Exact Online postbox"):
            wizard.action_next()
        # a postbox added in Exact Online later: Refresh postboxes lists it
        added = self.standin.add_mailbox("nieuw-lab@exactonline.be")
        self.addCleanup(self.standin.mailboxes.pop, added)
        wizard.action_refresh_postboxes()
        self.assertIn("nieuw-lab@exactonline.be", wizard.connection_mailbox_ids.mapped("name"))
