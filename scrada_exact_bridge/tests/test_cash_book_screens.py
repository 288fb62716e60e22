# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Issue 12 #6: the cash book prevents the common mistakes.

A new line is dated today; a line with both In and Out is refused; a customer or
supplier payment needs a partner; "Close and send now" closes the current period today
(the next one starts tomorrow); "Download CODA" gives the statement's file. The browser
tour enters a line with the new defaults as a billing user.
"""

from datetime import date, timedelta
from unittest.mock import patch

from odoo import Command, fields
from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon
from odoo.exceptions import ValidationError
from odoo.tests import new_test_user, tagged

from ..models.account_bank_statement import AccountBankStatement
from .common import CASH_IBAN, CASH_MAILBOX, COMPANY_VALUES, SENDER, ExactCommon
from .refusals import RefusalMixin
from .test_cash_book import parse_strict


@tagged("post_install", "-at_install")
class TestCashBookScreens(RefusalMixin, ExactCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Line = cls.env["account.bank.statement.line"]
        cls.Statement = cls.env["account.bank.statement"]
        cls.customer = cls.env["res.partner"].create({"name": "Klant Janssens"})

    def _cash_book(self):
        """The cash book's context, as the menu opens it."""
        action = self.cash_journal.action_exact_cash_book()
        return self.Line.with_context(**action["context"])

    # ------------------------------------------------------------------
    # defaults and refusals
    # ------------------------------------------------------------------

    def test_new_line_defaults_to_today(self):
        old = self.Line.create(
            {"journal_id": self.cash_journal.id, "date": date(2025, 3, 3),
             "exact_cash_type": "bank_to_cash", "exact_amount_in": 10}
        )
        self.assertEqual(old.date, date(2025, 3, 3))
        today = fields.Date.context_today(self.Line)
        defaults = self._cash_book().default_get(["date", "journal_id"])
        self.assertEqual(defaults["journal_id"], self.cash_journal.id)
        self.assertEqual(defaults["date"], today, "not the last line's date")
        # Odoo's own behaviour stays for bank journals
        bank = self.company_data["default_journal_bank"]
        self.Line.create({"journal_id": bank.id, "date": date(2025, 3, 3), "amount": 5,
                          "payment_ref": "x"})
        bank_defaults = self.Line.with_context(default_journal_id=bank.id).default_get(
            ["date", "journal_id"]
        )
        self.assertEqual(bank_defaults["date"], date(2025, 3, 3))

    def test_line_with_in_and_out_is_refused(self):
        with self.assertRefused(ValidationError, "not both"):
            self.Line.create(
                {"journal_id": self.cash_journal.id, "date": date(2025, 3, 3),
                 "exact_cash_type": "cash_difference",
                 "exact_amount_in": 10, "exact_amount_out": 4}
            )
        line = self.Line.create(
            {"journal_id": self.cash_journal.id, "date": date(2025, 3, 3),
             "exact_cash_type": "cash_difference", "exact_amount_in": 10}
        )
        with self.assertRefused(ValidationError, "not both"):
            line.write({"exact_amount_in": 10, "exact_amount_out": 4})
        self.assertEqual(line.amount, 10)
        # the screen warns at once and does not net the two amounts (the web client's call)
        spec = {name: {} for name in ("journal_id", "amount", "exact_amount_in",
                                      "exact_amount_out")}
        result = self._cash_book().onchange(
            {"journal_id": self.cash_journal.id, "amount": 10, "exact_amount_in": 10,
             "exact_amount_out": 4},
            ["exact_amount_out"],
            spec,
        )
        self.assertIn("not both", result["warning"]["message"])
        self.assertNotIn("amount", result["value"])
        # one of them: fine, signed amount
        line.write({"exact_amount_in": 0, "exact_amount_out": 4})
        self.assertEqual(line.amount, -4)

    def test_customer_and_supplier_payments_need_a_partner(self):
        base = {"journal_id": self.cash_journal.id, "date": date(2025, 3, 3)}
        with self.assertRefused(ValidationError, "choose the customer"):
            self.Line.create(dict(base, exact_cash_type="customer_payment", exact_amount_in=5))
        with self.assertRefused(ValidationError, "choose the supplier"):
            self.Line.create(dict(base, exact_cash_type="supplier_payment", exact_amount_out=5))
        line = self.Line.create(
            dict(base, exact_cash_type="customer_payment", exact_amount_in=5,
                 partner_id=self.customer.id, exact_invoice_ref="INV/1")
        )
        self.assertEqual(line.payment_ref, "CB/CLIE/Klant Janssens/INV-1")
        with self.assertRefused(ValidationError, "choose the customer"):
            line.partner_id = False
        # other types need none
        self.Line.create(dict(base, exact_cash_type="cash_receipt", exact_amount_in=5))

    # ------------------------------------------------------------------
    # Close and send now
    # ------------------------------------------------------------------

    def _at(self, today):
        return patch.object(AccountBankStatement, "_exact_today", lambda self, journal: today)

    def test_close_and_send_now_ends_the_period_today(self):
        journal = self.cash_journal
        journal.exact_coda_period = "week"
        monday, wednesday = date(2025, 3, 3), date(2025, 3, 5)
        base = {"journal_id": journal.id, "exact_cash_type": "cash_receipt"}
        l_mon = self.Line.create(dict(base, date=monday, exact_amount_in=10))
        l_wed = self.Line.create(dict(base, date=wednesday, exact_amount_in=5))
        with self._at(wednesday):
            action = self._cash_book().action_exact_close_now()
        self.assertEqual(action["params"]["type"], "success")
        statement = l_mon.statement_id
        self.assertEqual(statement, l_wed.statement_id)
        self.assertEqual((statement.exact_period_start, statement.exact_period_end),
                         (monday, wednesday))
        self.assertEqual(statement.exact_coda_number, 1)
        self.assertEqual(statement.name, f"{journal.code} 2025-03-03/2025-03-05")
        delivery = statement.exact_delivery_ids
        self.assertEqual((len(delivery), delivery.state), (1, "pending"))
        parsed = parse_strict(statement._exact_prepare_file()["raw"])
        self.assertEqual(parsed.new_balance_date, wednesday)
        # the closed days take no more lines; the next period starts tomorrow
        with self.assertRefused(Exception, "later period"):
            self.Line.create(dict(base, date=wednesday, exact_amount_in=1))
        l_thu = self.Line.create(dict(base, date=wednesday + timedelta(days=1),
                                      exact_amount_in=2))
        l_sun = self.Line.create(dict(base, date=date(2025, 3, 9), exact_amount_in=3))
        self.Statement._cron_exact_close_periods(today=date(2025, 3, 10))
        second = l_thu.statement_id
        self.assertEqual(second, l_sun.statement_id)
        self.assertEqual((second.exact_period_start, second.exact_period_end),
                         (date(2025, 3, 6), date(2025, 3, 9)))
        self.assertEqual(second.exact_coda_number, 2)
        self.assertEqual(second.exact_old_date, wednesday)
        self.assertEqual(second.balance_start, 15)
        parsed = parse_strict(second._exact_prepare_file()["raw"])
        self.assertEqual(parsed.old_balance_date, wednesday)
        # pressing it again with nothing waiting says so
        with self._at(date(2025, 3, 10)):
            action = self._cash_book().action_exact_close_now()
        self.assertEqual(action["params"]["type"], "info")

    def test_close_and_send_now_by_a_billing_user(self):
        cashier = new_test_user(
            self.env, login="kassier_nu", groups="account.group_account_invoice",
            company_id=self.company.id, company_ids=[Command.set(self.company.ids)],
        )
        today = fields.Date.context_today(self.Line)
        line = self.Line.with_user(cashier).create(
            {"journal_id": self.cash_journal.id, "date": today,
             "exact_cash_type": "cash_receipt", "exact_amount_in": 12}
        )
        self.cash_journal.with_user(cashier).action_exact_close_now()
        self.assertEqual(line.statement_id.exact_period_end, today)
        self.assertEqual(line.statement_id.exact_delivery_state, "pending")
        # not for a cash journal that does not send CODA files
        self.cash_journal.exact_send_coda = False
        with self.assertRefused(Exception, "does not send CODA"):
            self.cash_journal.with_user(cashier).action_exact_close_now()

    # ------------------------------------------------------------------
    # Download CODA
    # ------------------------------------------------------------------

    def test_download_coda(self):
        self.Line.create(
            {"journal_id": self.cash_journal.id, "date": date(2025, 3, 3),
             "exact_cash_type": "bank_to_cash", "exact_amount_in": 50}
        )
        unclosed = self.Statement.create(
            {"name": "Open", "line_ids": [Command.create(
                {"journal_id": self.cash_journal.id, "date": date(2025, 3, 4), "amount": 1,
                 "payment_ref": "x"})]}
        )
        with self.assertRefused(Exception, "no CODA number"):
            unclosed.action_exact_download_coda()
        self.Statement._cron_exact_close_periods(today=date(2025, 3, 4))
        statement = self.Statement.search(
            [("journal_id", "=", self.cash_journal.id), ("exact_coda_number", "=", 1)]
        )
        action = statement.action_exact_download_coda()
        self.assertEqual(action["type"], "ir.actions.act_url")
        name = f"CODA_{self.cash_journal.code}_2025_001.cod"
        self.assertIn(f"/exact_coda_file/{name}", action["url"])
        self.assertEqual(statement.exact_coda_file_name, name)
        self.assertEqual(
            parse_strict(statement._exact_coda_file_values()[1]).new_balance, 50
        )


@tagged("post_install", "-at_install")
class TestCommunityBrowser(AccountTestInvoicingHttpCommon):
    """In the browser, as on Community: a billing user keeps the cash book and downloads a
    CODA file; a billing administrator and a billing user find the deliveries."""

    @classmethod
    @AccountTestInvoicingHttpCommon.setup_country("be")
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls.company.write(
            {**COMPANY_VALUES, "exact_enabled": True, "exact_sender_email": SENDER}
        )
        cls.cash_journal = cls.company_data["default_journal_cash"]
        cls.cash_journal.write(
            {"bank_acc_number": CASH_IBAN, "exact_mailbox": CASH_MAILBOX, "exact_send_coda": True}
        )
        cls.cashier = new_test_user(
            cls.env, login="kassier_tour", password="kassier_tour",
            groups="account.group_account_invoice",
            company_id=cls.company.id, company_ids=[Command.set(cls.company.ids)],
        )

    def test_download_over_http(self):
        line = self.env["account.bank.statement.line"].create(
            {"journal_id": self.cash_journal.id, "date": date(2025, 3, 3),
             "exact_cash_type": "bank_to_cash", "exact_amount_in": 75}
        )
        self.env["account.bank.statement"]._cron_exact_close_periods(today=date(2025, 3, 4))
        statement = line.statement_id
        url = statement.with_user(self.cashier).action_exact_download_coda()["url"]
        self.authenticate("kassier_tour", "kassier_tour")
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, statement._exact_prepare_file()["raw"])
        self.assertIn("attachment", response.headers.get("Content-Disposition", ""))
        self.assertEqual(parse_strict(response.content).new_balance, 75)

    def test_tour_cash_book_new_line(self):
        """Menu Invoicing > Cash > Cash book: a new line is dated today; In and Out
        together are refused; the line is saved with one of them."""
        self.env["account.bank.statement.line"].create(
            {"journal_id": self.cash_journal.id, "date": date(2025, 3, 3),
             "exact_cash_type": "bank_to_cash", "exact_amount_in": 100}
        )
        self.start_tour("/odoo", "exact_cash_book_tour", login="kassier_tour")
        today = fields.Date.context_today(self.env["account.bank.statement.line"])
        line = self.env["account.bank.statement.line"].search(
            [("journal_id", "=", self.cash_journal.id), ("exact_remark", "=", "tour")]
        )
        self.assertEqual(len(line), 1)
        self.assertEqual(line.date, today)
        self.assertEqual(line.amount, 12)
        self.assertEqual(line.exact_cash_type, "cash_receipt")

    def test_tour_menus_as_on_community(self):
        """Issue 12 #1: Invoicing > Exact Online > Deliveries without full accounting."""
        self.env["exact.mailbox.delivery"].sudo().create(
            {
                "company_id": self.company.id,
                "journal_id": self.cash_journal.id,
                "document_type": "coda",
                "mailbox": CASH_MAILBOX,
                "state": "failed",
                "error_message": "The outgoing mail server could not be reached.",
            }
        )
        admin = new_test_user(
            self.env, login="facturatie_admin", password="facturatie_admin",
            groups="base.group_user,base.group_partner_manager,account.group_account_manager",
            company_id=self.company.id, company_ids=[Command.set(self.company.ids)],
        )
        for user in (admin, self.cashier):
            with self.subTest(user=user.login):
                self.assertFalse(user.has_group("account.group_account_user"))
                if user == admin:
                    self.start_tour("/odoo", "exact_menu_tour", login=user.login)
                else:
                    self.start_tour("/odoo", "exact_menu_billing_tour", login=user.login)
