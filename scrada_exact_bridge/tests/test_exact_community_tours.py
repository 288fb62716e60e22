# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Browser proof (headless Chromium, ``HttpCase``) for a billing administrator of Odoo 18
Community (Invoicing, without "Show Full Accounting Features"), in Dutch and in French
(issue 12 #10):

* the set-up wizard's connection step against the stand-in of Exact Online: Connect through the
  stand-in's sign-in and Odoo's real callback, back into the wizard, postboxes picked from the
  list, the set-up saved, test documents through the connection (each arrives once);
* Invoicing > Exact Online > Deliveries: a delivery that really failed (the SMTP server refused
  the address) shows its text in the user's language, and Resend sends it;
* the cash book: a new line with the new defaults.

Named ``test_exact_*`` so that it runs after the cash-book tests (see ``api_common.py``).
"""

from datetime import date

from odoo import Command, fields
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .api_common import CASH_POSTBOX, QUIET, SALES_POSTBOX
from .common import CASH_IBAN, CASH_MAILBOX, SALES_MAILBOX, SENDER
from .smtp_server import SmtpSink, make_mail_server, real_smtp
from .test_exact_setup_connection import ExactFromScratchCommon

LANGS = ("nl_BE", "fr_BE")
MAIL_QUIET = (*QUIET, "odoo.addons.mail.models.mail_mail")
BILLING_ADMIN = "base.group_user,base.group_partner_manager,account.group_account_manager"


class CommunityToursCommon(ExactFromScratchCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for lang in LANGS:
            cls.env["res.lang"]._activate_lang(lang)
        cls.env["ir.module.module"]._load_module_terms(
            ["base", "web", "account", "scrada_exact_bridge"], list(LANGS)
        )

    def _billing_admin(self, lang):
        login = f"facturatie_{lang.lower()}"
        user = new_test_user(
            self.env, login=login, password=login, groups=BILLING_ADMIN, lang=lang,
            company_id=self.company.id, company_ids=[Command.set(self.company.ids)],
        )
        self.assertFalse(user.has_group("account.group_account_user"), "as on Community")
        # the reader of the stored texts: the company's responsible accountant
        self.company.write({"exact_responsible_id": user.id})
        self.company.partner_id.lang = lang
        return user


@tagged("post_install", "-at_install")
class TestExactCommunityTours(CommunityToursCommon):

    # ------------------------------------------------------------------
    # the wizard's connection step
    # ------------------------------------------------------------------

    def _connection_tour(self, lang):
        user = self._billing_admin(lang)
        self.env["exact.online.connection"].create(
            {"company_id": self.company.id, "region": "custom", "base_url": self.standin.url}
        )
        self.start_tour("/odoo", "exact_setup_connection_tour", login=user.login)
        self.env.invalidate_all()
        connection = self.company.exact_connection_id
        self.assertEqual(connection.state, "connected")
        self.assertEqual(connection.connected_user_id, user)
        self.assertEqual(connection.sudo().client_secret, self.standin.client_secret)
        self.assertEqual(len(self.standin.auth_requests), 1, "one sign-in at Exact Online")
        self.assertTrue(self.company.exact_enabled)
        for journal, postbox in ((self.sale_journal, SALES_POSTBOX),
                                 (self.cash_journal, CASH_POSTBOX)):
            self.assertEqual(journal.exact_transport, "api")
            self.assertEqual(journal.exact_mailbox, postbox)
        self.assertTrue(self.sale_journal.exact_send_invoices)
        self.assertTrue(self.cash_journal.exact_send_coda)
        self.assertEqual(self.cash_journal.bank_account_id.sanitized_acc_number, CASH_IBAN)
        tests = self.Delivery.search(
            [("company_id", "=", self.company.id), ("document_type", "=", "test")]
        )
        self.assertEqual(len(tests), 2)
        self.assertEqual(set(tests.mapped("transport")), {"api"})
        self._run_cron()
        self.assertEqual(set(tests.mapped("state")), {"sent"}, tests.mapped("error_message"))
        received = self.standin.received()
        self.assertEqual(len(received), 2, "each test document arrives once")
        self.assertEqual(
            sorted(message["RecipientMailboxID"] for message, _files in received),
            sorted(self.standin.mailbox_id(name) for name in (SALES_POSTBOX, CASH_POSTBOX)),
        )

    def test_connection_tour_nl(self):
        self._connection_tour("nl_BE")

    def test_connection_tour_fr(self):
        self._connection_tour("fr_BE")

    # ------------------------------------------------------------------
    # a failed delivery, its text, Resend
    # ------------------------------------------------------------------

    def _resend_tour(self, lang):
        user = self._billing_admin(lang)
        self.company.write({"exact_enabled": True, "exact_sender_email": SENDER})
        self.sale_journal.write(
            {"exact_transport": "email", "exact_mailbox": SALES_MAILBOX,
             "exact_send_invoices": True}
        )
        delivery = self._test_document(name="TEST_Odoo_Exact_Online_INV.txt", raw=b"TEST\n")
        with SmtpSink() as sink:
            make_mail_server(self.env, sink)
            sink.reject_with = (550, "5.1.1 mailbox unknown")
            self.env.flush_all()
            with real_smtp(), mute_logger(*MAIL_QUIET):
                # the stored texts are written in the reader's language (the responsible
                # accountant's); the context says it too, for the worker that reads it so
                self.Delivery.sudo().with_context(lang=lang)._cron_process()
            self.env.invalidate_all()
            self.assertEqual(delivery.state, "failed")
            error = delivery.error_message
            self.assertIn("550", error)
            self.assertIn(SALES_MAILBOX, error)
            self.assertNotIn("refused", error, f"stored in {lang}, not in English: {error}")

            self.start_tour("/odoo", "exact_deliveries_resend_tour", login=user.login)
            self.env.invalidate_all()
            self.assertEqual(delivery.state, "pending")
            sink.reject_with = None
            self._make_due(delivery)
            self.env.flush_all()
            with real_smtp(), mute_logger(*MAIL_QUIET):
                self.Delivery.sudo()._cron_process()
            self.env.invalidate_all()
            self.assertEqual(delivery.state, "sent", delivery.error_message)
            self.assertEqual(len(sink.messages), 1, "the resent document arrives once")
            self.assertEqual(sink.envelopes[0]["rcpt_tos"], [SALES_MAILBOX])

    def test_resend_tour_nl(self):
        self._resend_tour("nl_BE")

    def test_resend_tour_fr(self):
        self._resend_tour("fr_BE")

    # ------------------------------------------------------------------
    # the cash book
    # ------------------------------------------------------------------

    def _cash_line_tour(self, lang):
        user = self._billing_admin(lang)
        self.company.write({"exact_enabled": True, "exact_sender_email": SENDER})
        self.cash_journal.write(
            {"bank_acc_number": CASH_IBAN, "exact_transport": "email",
             "exact_mailbox": CASH_MAILBOX, "exact_send_coda": True}
        )
        Line = self.env["account.bank.statement.line"]
        Line.create(
            {"journal_id": self.cash_journal.id, "date": date(2025, 3, 3),
             "exact_cash_type": "bank_to_cash", "exact_amount_in": 100}
        )
        self.start_tour("/odoo", "exact_cash_book_tour", login=user.login)
        line = Line.search(
            [("journal_id", "=", self.cash_journal.id), ("exact_remark", "=", "tour")]
        )
        self.assertEqual(len(line), 1)
        self.assertEqual(line.date, fields.Date.context_today(line))
        self.assertEqual(line.amount, 12)
        self.assertEqual(line.exact_cash_type, "cash_receipt")

    def test_cash_line_tour_nl(self):
        self._cash_line_tour("nl_BE")

    def test_cash_line_tour_fr(self):
        self._cash_line_tour("fr_BE")


@tagged("post_install", "-at_install", "-standard", "exact_screenshots")
class TestExactConnectionScreenshots(CommunityToursCommon):
    """The connection step's documentation screenshots (tools/screenshots.py), in English."""

    browser_size = "1280x1000"

    def test_screenshots_connection_en(self):
        from .test_tours import _screenshots

        user = self._billing_admin("en_US")
        self.env["exact.online.connection"].create(
            {"company_id": self.company.id, "region": "custom", "base_url": self.standin.url}
        )
        with _screenshots("en_US"):
            self.start_tour("/odoo", "exact_setup_connection_tour_screenshots", login=user.login)
        self.assertEqual(self.company.exact_connection_id.state, "connected")
