# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Shared set-up of the daily-receipts book tests: the flagged sale journal of ``ExactCommon``
becomes a book with a customer, a start date, the linked cash journal and three payment
methods (cash, Bancontact, Payconiq)."""

from contextlib import contextmanager
from datetime import date, datetime, time, timedelta

import pytz
from freezegun import freeze_time
from odoo import Command
from odoo.exceptions import UserError

from .common import ExactCommon

START = date(2026, 3, 1)
BRUSSELS = pytz.timezone("Europe/Brussels")


def _utc(day, at):
    return BRUSSELS.localize(datetime.combine(day, at)).astimezone(pytz.utc).replace(tzinfo=None)


def at_noon(day):
    """Noon in Brussels on ``day`` (as the naive UTC time Odoo uses)."""
    return _utc(day, time(12, 0))


def after_midnight(day):
    """00:30 in Brussels just after ``day`` ended."""
    return _utc(day + timedelta(days=1), time(0, 30))


def setup_book(env, book, cash_journal, start):
    """Make ``book`` (a sale journal) a daily-receipts book with the customer
    "Dagontvangsten / Recettes journalières", linked to ``cash_journal``, with the methods
    Contant geld (cash), Bancontact and Payconiq. Returns the customer."""
    be = env.ref("base.be")
    customer = env["res.partner"].create(
        {"name": "Dagontvangsten / Recettes journalières", "country_id": be.id, "is_company": True}
    )
    book.company_id.partner_id.tz = "Europe/Brussels"
    book.write(
        {
            "exact_receipts_book": True,
            "exact_receipts_partner_id": customer.id,
            "exact_receipts_start_date": start,
            "exact_receipts_cash_journal_id": cash_journal.id,
            "exact_receipts_period": "month",
            "exact_receipts_user_id": env.user.id,
        }
    )
    Method = env["exact.receipts.payment.method"]
    book.exact_receipts_method_ids.filtered(lambda m: m.kind == "cash").name = "Contant geld"
    Method.create({"journal_id": book.id, "name": "Bancontact", "sequence": 2})
    Method.create({"journal_id": book.id, "name": "Payconiq", "sequence": 3})
    return customer


class ReceiptsCommon(ExactCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.book = cls.sale_journal
        cls.customer = setup_book(cls.env, cls.book, cls.cash_journal, START)
        cls.env.user.email = "zaakvoerder@lab.example"
        categories = cls.book.exact_receipts_category_ids
        cls.cat21 = categories.filtered(lambda c: c.tax_id.amount == 21)
        cls.cat12 = categories.filtered(lambda c: c.tax_id.amount == 12)
        cls.cat6 = categories.filtered(lambda c: c.tax_id.amount == 6)
        cls.cat0 = categories.filtered(lambda c: c.tax_id.amount == 0)
        methods = cls.book.exact_receipts_method_ids
        cls.cash = methods.filtered(lambda m: m.kind == "cash")
        cls.bancontact = methods.filtered(lambda m: m.name == "Bancontact")
        cls.payconiq = methods.filtered(lambda m: m.name == "Payconiq")
        cls.Entry = cls.env["exact.receipts.entry"]
        cls.Book = cls.env["exact.receipts.book"]

    # ------------------------------------------------------------------
    # helpers
    # ------------------------------------------------------------------

    @contextmanager
    def on(self, day):
        """Run the block at noon (Brussels) of ``day``."""
        with freeze_time(at_noon(day)):
            yield

    @contextmanager
    def refused(self, message):
        """The block raises a UserError (or ValidationError) matching ``message``; what it
        wrote is rolled back, as in a real request."""
        with self.assertRaisesRegex(UserError, message), self.env.cr.savepoint():
            yield

    def entry(self, day, amounts=None, split=None, entry_type="general", lang=None, **values):
        """Create an entry; ``amounts`` {category: amount}, ``split`` {method: amount} (default:
        everything in cash); ``lang``: the user's language (messages)."""
        amounts = amounts or {}
        if split is None:
            split = {self.cash: sum(amounts.values())} if amounts else {}
        Entry = self.Entry.with_context(lang=lang) if lang else self.Entry
        return Entry.create(
            {
                "journal_id": self.book.id,
                "date": day,
                "entry_type": entry_type,
                "amount_ids": [
                    Command.create({"category_id": category.id, "amount": amount})
                    for category, amount in amounts.items()
                ],
                "payment_ids": [
                    Command.create({"method_id": method.id, "amount": amount})
                    for method, amount in split.items()
                ],
                **values,
            }
        )

    def end_of_day(self, day):
        """The scheduled action just after midnight at the end of ``day``."""
        with freeze_time(after_midnight(day)):
            self.env.ref(
                "scrada_exact_bridge.ir_cron_exact_receipts"
            ).sudo().method_direct_trigger()

    def fill(self, first, last, amount=100.0):
        """A General entry (cash only, 21 %) on every day from ``first`` to ``last``."""
        day = first
        while day <= last:
            with self.on(day):
                self.entry(day, {self.cat21: amount})
            day += timedelta(days=1)
