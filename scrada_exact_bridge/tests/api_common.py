# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Shared set-up of the API transport tests: the Belgian test company of ``common.py``, a
local stand-in of Exact Online on 127.0.0.1 (``exact_standin.py``) and the company's Exact
Online connection pointing at it.

``HttpCase`` (through ``AccountTestInvoicingHttpCommon``): the OAuth callback is called
through Odoo's real HTTP layer, and in the registry's test mode the connection's own short
transactions (token refresh under a row lock) are savepoints of the test transaction.

The classes and files are named ``TestExact*`` / ``test_exact_*`` so that odoo-bin (classes in
alphabetical order) and pytest (files in alphabetical order) run them after the cash-book tests:
the invoices they post are rolled back, autovacuum then vacuums ``account_move_line`` down to
zero estimated rows, and Odoo's payment-state query in
``TestCashBook.test_large_day_in_one_statement`` (1 200 lines in one transaction) turns from
seconds into half an hour. That test depends on running on never-vacuumed tables.
"""

from datetime import timedelta

from odoo import fields
from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon
from odoo.tools import mute_logger

from .common import CASH_IBAN, COMPANY_VALUES, SENDER
from .exact_standin import ExactStandin

SALES_POSTBOX = "dagontvangsten-lab@exactonline.be"
CASH_POSTBOX = "kasboek-lab@exactonline.be"
OWN_POSTBOX = "lab-bv@exactonline.be"
QUIET = (
    "odoo.addons.scrada_exact_bridge.models.exact_mailbox_delivery",
    "odoo.addons.scrada_exact_bridge.models.exact_transport_api",
    "odoo.addons.scrada_exact_bridge.controllers.oauth",
)


class ExactApiCommon(AccountTestInvoicingHttpCommon):
    @classmethod
    @AccountTestInvoicingHttpCommon.setup_country("be")
    def setUpClass(cls):
        super().setUpClass()
        cls.standin = ExactStandin(
            sender_mailbox=OWN_POSTBOX, mailboxes=[SALES_POSTBOX, CASH_POSTBOX]
        ).start()
        cls.addClassCleanup(cls.standin.stop)
        cls.company = cls.company_data["company"]
        cls.company.write(
            {
                **COMPANY_VALUES,
                "country_id": cls.env.ref("base.be").id,
                "exact_enabled": True,
                "exact_sender_email": SENDER,
            }
        )
        cls.env["ir.config_parameter"].sudo().set_param("scrada_exact_bridge.api_timeout", "2")
        cls.connection = cls.env["exact.online.connection"].create(
            {
                "company_id": cls.company.id,
                "region": "custom",
                "base_url": cls.standin.url,
                "client_id": cls.standin.client_id,
                "new_client_secret": cls.standin.client_secret,
            }
        )
        cls.sale_journal = cls.company_data["default_journal_sale"]
        cls.sale_journal.write(
            {"exact_transport": "api", "exact_mailbox": SALES_POSTBOX,
             "exact_send_invoices": True}
        )
        cls.cash_journal = cls.company_data["default_journal_cash"]
        cls.cash_journal.write(
            {"bank_acc_number": CASH_IBAN, "exact_transport": "api",
             "exact_mailbox": CASH_POSTBOX, "exact_send_coda": True}
        )
        cls.Delivery = cls.env["exact.mailbox.delivery"]

    def setUp(self):
        super().setUp()
        self.standin.reset()
        self.standin.freeze()
        self.standin.set_limits(minutely=60, daily=5000)

    # helpers ------------------------------------------------------------

    def _connect(self):
        """Consent as a person would (code from the stand-in), then the real token exchange
        and account reads over HTTP; counters start from zero afterwards."""
        code = self.standin.issue_code(self.connection.redirect_uri)
        ok, message = self.connection._exact_finish_connect(code)
        self.assertTrue(ok, message)
        self.env.invalidate_all()
        self.assertEqual(self.connection.state, "connected")
        self.standin.counters.clear()
        return self.connection

    def _run_cron(self):
        self.env.flush_all()
        with mute_logger(*QUIET):
            self.Delivery.sudo()._cron_process()
        self.env.invalidate_all()

    def _make_due(self, deliveries):
        deliveries.sudo().write(
            {"next_attempt_date": fields.Datetime.now() - timedelta(seconds=1)}
        )

    def _test_document(self, name="TEST_0001.xml", raw=b"<doc/>", journal=None, **vals):
        attachment = self.env["ir.attachment"].create(
            {"name": name, "raw": raw, "mimetype": "application/xml"}
        )
        values = {
            "document_type": "test",
            "company_id": self.company.id,
            "journal_id": (journal or self.sale_journal).id,
            "attachment_id": attachment.id,
        }
        values.update(vals)
        return self.Delivery._exact_enqueue([values])

    def _invoice(self, move_type="out_invoice", post=True):
        return self.init_invoice(
            move_type, partner=self.partner_a, products=self.product_a,
            journal=self.sale_journal, post=post,
        )

    def _raises(self, exception, function, *args):
        """Call ``function`` and return the ``exception`` it raises. Unlike ``assertRaises``
        (which rolls back to a savepoint), what was written before the exception stays, as
        the connection's own transactions commit it in production."""
        try:
            function(*args)
        except exception as error:
            return error
        self.fail(f"{exception.__name__} not raised")
        return None

    def _minute_passes(self):
        """A minute passes for Exact (new rate-limit window) and for Odoo (stored reset)."""
        self.standin.advance(60)
        self.connection.sudo().write(
            {"rate_minutely_reset": fields.Datetime.now() - timedelta(seconds=1)}
        )

    def _expire_token(self):
        """Odoo and the stand-in both see an access token issued ten minutes ago."""
        now = fields.Datetime.now()
        self.connection.sudo().write(
            {"token_issued_at": now - timedelta(seconds=601),
             "token_expires_at": now - timedelta(seconds=1)}
        )
        self.standin.advance(601)
