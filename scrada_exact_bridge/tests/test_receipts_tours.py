# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Browser tours (headless Chromium) of the daily-receipts book, in Dutch: a receipts clerk
enters today's receipts in the entry form; the accountant's dashboard card of the book."""

from datetime import timedelta

from odoo import Command
from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon
from odoo.tests import tagged

from .common import COMPANY_VALUES
from .receipts_common import setup_book


@tagged("post_install", "-at_install")
class TestReceiptsTours(AccountTestInvoicingHttpCommon):
    @classmethod
    @AccountTestInvoicingHttpCommon.setup_country("be")
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls.company.write(COMPANY_VALUES)
        cls.book = cls.company_data["default_journal_sale"]
        cls.env["res.lang"]._activate_lang("nl_BE")
        cls.env["ir.module.module"]._load_module_terms(
            ["base", "web", "mail", "account", "scrada_exact_bridge"], ["nl_BE"]
        )
        cls.today = cls.env["exact.receipts.book"]._exact_today(cls.book)

    def _book(self, start):
        setup_book(self.env, self.book, self.company_data["default_journal_cash"], start)
        self.categories = self.book.exact_receipts_category_ids
        self.methods = self.book.exact_receipts_method_ids

    def test_clerk_enters_todays_receipts_nl(self):
        yesterday = self.today - timedelta(days=1)
        self._book(yesterday)
        old = self.env["exact.receipts.entry"].create(
            {
                "journal_id": self.book.id,
                "date": yesterday,
                "amount_ids": [
                    Command.create({"category_id": self.categories[0].id, "amount": 10})
                ],
                "payment_ids": [Command.create({"method_id": self.methods[0].id, "amount": 10})],
            }
        )
        self.assertEqual(old.state, "final")
        clerk = self.env["res.users"].create(
            {
                "name": "Kassierster Lien",
                "login": "lien",
                "password": "lien",
                "lang": "nl_BE",
                "company_id": self.company.id,
                "company_ids": [Command.set(self.company.ids)],
                "groups_id": [
                    Command.set([self.env.ref("scrada_exact_bridge.group_exact_receipts_clerk").id])
                ],
            }
        )
        self.book.exact_receipts_clerk_ids = clerk
        self.start_tour("/odoo", "exact_receipts_entry_tour", login="lien")
        entries = self.env["exact.receipts.entry"].search(
            [("journal_id", "=", self.book.id), ("date", "=", self.today)], order="id"
        )
        self.assertEqual(entries.mapped("entry_type"), ["general", "specific"])
        self.assertEqual(entries.mapped("create_uid"), clerk)
        general, specific = entries
        self.assertEqual(general.amount_total, 131.6)
        split = {p.method_id.name: p.amount for p in general.payment_ids}
        self.assertEqual(split, {"Contant geld": 81.6, "Bancontact": 50.0, "Payconiq": 0.0})
        self.assertEqual(specific.product_name, "Bruidstaart")
        self.assertEqual(
            specific.payment_ids.filtered(lambda p: p.amount).method_id.name, "Contant geld"
        )

    def test_dashboard_card_nl(self):
        self._book(self.today - timedelta(days=3))
        self.env["exact.receipts.entry"].create(
            {
                "journal_id": self.book.id,
                "date": self.today - timedelta(days=3),
                "entry_type": "closed",
            }
        )
        self.env.user.lang = "nl_BE"
        self.assertEqual(self.book.exact_receipts_missing_count, 2)
        self.start_tour(
            "/odoo/action-account.open_account_journal_dashboard_kanban",
            "exact_receipts_dashboard_tour",
            login=self.env.user.login,
        )
