# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Daily-receipts book: who sees and does what. The receipts clerk adds today's entries of
its books and sees nothing else (no history, no other book, no invoice, no journal, no
accounting menu); an accountant of another company sees nothing of this one."""

from datetime import timedelta

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .receipts_common import START, ReceiptsCommon

TODAY = START + timedelta(days=2)


@tagged("post_install", "-at_install")
class TestReceiptsClerk(ReceiptsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.clerk = cls.env["res.users"].create(
            {
                "name": "Kassierster Lien",
                "login": "lien_security",
                "company_id": cls.company.id,
                "company_ids": [Command.set(cls.company.ids)],
                "groups_id": [
                    Command.set([cls.env.ref("scrada_exact_bridge.group_exact_receipts_clerk").id])
                ],
            }
        )
        cls.book.exact_receipts_clerk_ids = cls.clerk
        cls.other_book = cls.env["account.journal"].create(
            {
                "name": "Tweede winkel",
                "code": "WNK2",
                "type": "sale",
                "company_id": cls.company.id,
                "exact_receipts_book": True,
                "exact_receipts_partner_id": cls.customer.id,
                "exact_receipts_start_date": TODAY,
            }
        )

    def _clerk_entry(self, day, amount=50.0, journal=None):
        journal = journal or self.book
        return (
            self.Entry.with_user(self.clerk)
            .with_context(default_journal_id=journal.id)
            .create(
                {
                    "journal_id": journal.id,
                    "date": day,
                    "amount_ids": [
                        Command.create(
                            {
                                "category_id": journal.exact_receipts_category_ids[0].id,
                                "amount": amount,
                            }
                        )
                    ],
                    "payment_ids": [
                        Command.create(
                            {
                                "method_id": journal.exact_receipts_method_ids[0].id,
                                "amount": amount,
                            }
                        )
                    ],
                }
            )
        )

    def test_clerk_adds_todays_entries_only(self):
        self.fill(START, START + timedelta(days=1))
        self.end_of_day(START + timedelta(days=1))  # run at each midnight: yesterday is final
        with self.on(TODAY):
            Entry = self.Entry.with_user(self.clerk)
            defaults = Entry.default_get(["journal_id", "date", "amount_ids", "payment_ids"])
            self.assertEqual(defaults["journal_id"], self.book.id)
            self.assertEqual(defaults["date"], TODAY)
            self.assertEqual(len(defaults["amount_ids"]) - 1, 4)  # clear + one per category
            self.assertEqual(len(defaults["payment_ids"]) - 1, 3)
            entry = self._clerk_entry(TODAY)
            self.assertEqual(entry.state, "open")
            entry.with_user(self.clerk).note = "kassa 1"
            # the form's data reads without any accounting right
            data = entry.with_user(self.clerk).web_read(
                {
                    "journal_id": {"fields": {"display_name": {}}},
                    "amount_ids": {
                        "fields": {"category_id": {"fields": {"display_name": {}}}, "amount": {}}
                    },
                    "payment_ids": {
                        "fields": {"method_id": {"fields": {"display_name": {}}}, "amount": {}}
                    },
                    "book_last_date": {},
                    "book_today_total": {},
                    "book_warning": {},
                }
            )
            self.assertEqual(data[0]["book_today_total"], 50.0)
            self.assertEqual(data[0]["journal_id"]["display_name"], self.book.display_name)
            # no history, no other book
            with self.refused("only enter today's receipts"):
                self._clerk_entry(START + timedelta(days=1))
            with self.refused("only enter today's receipts"):
                self._clerk_entry(TODAY, journal=self.other_book)
            visible = Entry.search([])
            self.assertEqual(visible, entry)
            old = self.Entry.search([("date", "=", START)])
            with self.assertRaises(AccessError):
                old.with_user(self.clerk).read(["amount_total"])
            with self.assertRaises(AccessError):
                entry.with_user(self.clerk).unlink()
            with self.assertRaises(AccessError):
                entry.with_user(self.clerk).read(["entry_hash"])
            with self.assertRaises(AccessError):
                self.env["account.move"].with_user(self.clerk).search([])
            with self.assertRaises(AccessError):
                self.book.with_user(self.clerk).read(["name"])
            with self.assertRaises(AccessError):
                self.env["exact.receipts.book.report"].with_user(self.clerk).create(
                    {"journal_id": self.book.id}
                )
        # after midnight the entry is history for the clerk too
        self.end_of_day(TODAY)
        with self.on(TODAY + timedelta(days=1)):
            self.assertFalse(self.Entry.with_user(self.clerk).search([]))

    def test_clerk_menus(self):
        menus = self.env["ir.ui.menu"].with_user(self.clerk)._visible_menu_ids()
        ref = self.env.ref
        self.assertIn(ref("scrada_exact_bridge.menu_exact_receipts_root").id, menus)
        self.assertIn(ref("scrada_exact_bridge.menu_exact_receipts_enter").id, menus)
        self.assertIn(ref("scrada_exact_bridge.menu_exact_receipts_entries").id, menus)
        for xmlid in (
            "scrada_exact_bridge.menu_exact_receipts_book_report",
            "scrada_exact_bridge.menu_exact_receipts_books",
            "account.menu_finance",
            "scrada_exact_bridge.menu_exact_cash",
        ):
            self.assertNotIn(ref(xmlid).id, menus, xmlid)

    def test_other_company_sees_nothing(self):
        self.fill(START, START)
        other = self.setup_other_company(name="Andere BV")["company"]
        accountant = self.env["res.users"].create(
            {
                "name": "Boekhouder B",
                "login": "boekhouder_b",
                "company_id": other.id,
                "company_ids": [Command.set(other.ids)],
                "groups_id": [Command.set([self.env.ref("account.group_account_manager").id])],
            }
        )
        entry = self.Entry.search([("journal_id", "=", self.book.id)])
        self.assertTrue(entry)
        for model, records in (
            ("exact.receipts.entry", entry),
            ("exact.receipts.entry.amount", entry.amount_ids),
            ("exact.receipts.entry.payment", entry.payment_ids),
            ("exact.receipts.category", self.book.exact_receipts_category_ids),
            ("exact.receipts.payment.method", self.book.exact_receipts_method_ids),
        ):
            as_b = self.env[model].with_user(accountant).with_context(allowed_company_ids=other.ids)
            self.assertFalse(as_b.search([]), model)
            with self.assertRaises(AccessError, msg=model):
                records.with_env(as_b.env).read(["id"])
