# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Daily-receipts book: every rule of an entry refused with its message (English, Dutch,
French), the book's settings, final entries, planned closings and the hash chain (an entry
changed in SQL is reported)."""

import itertools
from datetime import timedelta

from odoo import Command
from odoo.tests import tagged

from .receipts_common import START, ReceiptsCommon, after_midnight

D = START  # Sunday 1 March 2026


@tagged("post_install", "-at_install")
class TestReceiptsRules(ReceiptsCommon):
    def _refused(self, message, **kwargs):
        """The entry of ``kwargs`` is refused with ``message`` (a regex)."""
        with self.refused(message):
            self.entry(**kwargs)

    def test_rules_of_an_entry(self):
        self.fill(D, D + timedelta(days=3))
        today = D + timedelta(days=5)
        with self.on(today):
            # date rules
            self._refused("starts on", day=D - timedelta(days=1), amounts={self.cat21: 10})
            self._refused(
                "has not come yet", day=today + timedelta(days=1), amounts={self.cat21: 10}
            )
            self._refused(
                "no entry may be dated before the last one",
                day=D + timedelta(days=2),
                amounts={self.cat21: 10},
            )
            self._refused(
                "is over and its receipts are final",
                day=D + timedelta(days=3),
                amounts={self.cat21: 10},
            )
            self._refused(
                "Every day needs an entry, in order: first enter the receipts of",
                day=today,
                amounts={self.cat21: 10},
            )
            # amounts
            self.entry(D + timedelta(days=4), {self.cat21: 10})  # fills the gap (yesterday)
            self._refused(
                "the split per payment method must equal the total",
                day=today,
                amounts={self.cat21: 100, self.cat6: 21.2},
                split={self.cash: 100, self.bancontact: 21.19},
            )
            self._refused("never negative", day=today, amounts={self.cat21: -5})
            # specific
            self._refused(
                "enter the name of the product",
                day=today,
                amounts={self.cat21: 300},
                entry_type="specific",
            )
            self._refused(
                "belongs in the day total",
                day=today,
                amounts={self.cat21: 250},
                entry_type="specific",
                product_name="Taart",
            )
            # correction
            correction = {
                "day": today,
                "amounts": {self.cat21: -12.1},
                "entry_type": "correction",
                "corrected_date": D + timedelta(days=1),
                "reason": "Ticket 12 twice",
            }
            self._refused(
                "registered on the day it is made",
                **dict(correction, day=today - timedelta(days=1)),
            )
            self._refused("needs the day it corrects", **dict(correction, corrected_date=False))
            self._refused(
                "must be a day of the book",
                **dict(correction, corrected_date=D - timedelta(days=1)),
            )
            self._refused("needs its reason", **dict(correction, reason=False))
            self._refused("changes at least one amount", **dict(correction, amounts={}))
            # closed
            self._refused(
                "has no receipts", day=today, amounts={self.cat21: 5}, entry_type="closed"
            )
            self._refused(
                "Only closing days",
                day=today,
                amounts={self.cat21: 5},
                date_to=today + timedelta(days=1),
            )
            self._refused(
                "comes before the first one",
                day=today + timedelta(days=3),
                entry_type="closed",
                date_to=today + timedelta(days=2),
            )
            # what passes
            general = self.entry(
                today, {self.cat21: 100, self.cat6: 21.2}, {self.cash: 100, self.bancontact: 21.2}
            )
            specific = self.entry(
                today,
                {self.cat21: 250.01},
                {self.bancontact: 250.01},
                entry_type="specific",
                product_name="Bruidstaart",
            )
            fix = self.entry(**correction)
            self.assertEqual((general.state, specific.state, fix.state), ("open", "open", "open"))
            self.assertEqual(fix.amount_total, -12.1)

    def test_messages_in_dutch_and_french(self):
        self.env["res.lang"]._activate_lang("nl_BE")
        self.env["res.lang"]._activate_lang("fr_BE")
        self.env["ir.module.module"]._load_module_terms(
            ["scrada_exact_bridge"], ["nl_BE", "fr_BE"], overwrite=True
        )
        self.fill(D, D + timedelta(days=1))
        today = D + timedelta(days=3)
        cases = {
            "nl_BE": [
                ("Elke dag heeft een boeking nodig", {"day": today}),
                (
                    "moet gelijk zijn aan het totaal",
                    {"day": D + timedelta(days=2), "split": {self.cash: 1}},
                ),
                (
                    "de naam van het product",
                    {
                        "day": D + timedelta(days=2),
                        "entry_type": "specific",
                        "amounts": {self.cat21: 300},
                    },
                ),
                ("heeft geen ontvangsten", {"day": D + timedelta(days=2), "entry_type": "closed"}),
            ],
            "fr_BE": [
                ("Chaque jour doit avoir une écriture", {"day": today}),
                ("doit égaler le total", {"day": D + timedelta(days=2), "split": {self.cash: 1}}),
                (
                    "le nom du produit",
                    {
                        "day": D + timedelta(days=2),
                        "entry_type": "specific",
                        "amounts": {self.cat21: 300},
                    },
                ),
                ("n'a pas de recettes", {"day": D + timedelta(days=2), "entry_type": "closed"}),
            ],
        }
        with self.on(today):
            for lang, lang_cases in cases.items():
                Entry = self.Entry.with_context(lang=lang)
                for message, case in lang_cases:
                    values = {"amounts": {self.cat21: 10}, **case}
                    amounts = values.pop("amounts")
                    split = values.pop("split", {self.cash: sum(amounts.values())})
                    if values.get("entry_type") == "closed":
                        split = {}
                    with self.subTest(lang=lang, message=message), self.refused(message):
                        Entry.create(
                            {
                                "journal_id": self.book.id,
                                "date": values.pop("day"),
                                "amount_ids": [
                                    Command.create({"category_id": c.id, "amount": a})
                                    for c, a in amounts.items()
                                ],
                                "payment_ids": [
                                    Command.create({"method_id": m.id, "amount": a})
                                    for m, a in split.items()
                                ],
                                **values,
                            }
                        )

    def test_final_entries_never_change(self):
        with self.on(D):
            entry = self.entry(D, {self.cat21: 121, self.cat6: 10.6})
            self.assertEqual(entry.state, "open")
            line_6 = entry.amount_ids.filtered(lambda a: a.category_id == self.cat6)
            with self.refused("must equal the total"):
                line_6.amount = 0  # alone, it breaks the split
            entry.write(
                {
                    "amount_ids": [Command.update(line_6.id, {"amount": 0})],
                    "payment_ids": [Command.update(entry.payment_ids.id, {"amount": 121})],
                }
            )
            self.assertEqual(entry.amount_total, 121)
            with self.refused("set when it is entered"):
                entry.date = D + timedelta(days=1)
            with self.refused("set when it is entered"):
                entry.entry_type = "specific"
        self.end_of_day(D)
        self.assertEqual(entry.state, "final")
        self.assertEqual(entry.sequence_number, 1)
        self.assertTrue(entry.entry_hash)
        with self.on(D + timedelta(days=1)):
            for change in (
                lambda: entry.write({"note": "x"}),
                lambda: entry.amount_ids[0].write({"amount": 1}),
                entry.payment_ids.unlink,
                lambda: entry.write(
                    {"amount_ids": [Command.create({"category_id": self.cat12.id, "amount": 1})]}
                ),
                entry.unlink,
            ):
                with self.refused("register a correction today"):
                    change()
            self.assertEqual(entry.amount_total, 121)

    def test_open_entry_deleted_and_entered_again(self):
        with self.on(D):
            entry = self.entry(D, {self.cat21: 121})
            entry.unlink()
            self.entry(D, {self.cat21: 120})
            self.assertEqual(self.Entry.search_count([("journal_id", "=", self.book.id)]), 1)

    def test_planned_closing_is_written_at_the_end_of_each_day(self):
        self.fill(D, D + timedelta(days=1))
        holiday, back = D + timedelta(days=3), D + timedelta(days=5)
        with self.on(D + timedelta(days=1)):
            plan = self.entry(holiday, entry_type="closed", date_to=back, reason="Jaarlijks verlof")
            self.assertEqual(plan.state, "planned")
        self.fill(D + timedelta(days=2), D + timedelta(days=2))
        for offset in range(1, 5):
            self.end_of_day(D + timedelta(days=offset))
        # the shop opened on the last planned day after all
        with self.on(back):
            self.entry(back, {self.cat21: 50})
        self.end_of_day(back)
        closed = self.Entry.search([("plan_id", "=", plan.id)], order="date")
        self.assertEqual(closed.mapped("date"), [holiday, holiday + timedelta(days=1)])
        self.assertEqual(set(closed.mapped("state")), {"final"})
        self.assertEqual(set(closed.mapped("entry_type")), {"closed"})
        self.assertEqual(set(closed.mapped("reason")), {"Jaarlijks verlof"})
        self.assertTrue(all(closed.mapped("entry_hash")))
        self.assertEqual(plan.state, "done")
        with self.refused("cannot be deleted"):
            plan.unlink()
        # a closing registered after the fact (all days over) is written at once
        with self.on(back + timedelta(days=4)):
            late = self.entry(
                back + timedelta(days=1),
                entry_type="closed",
                date_to=back + timedelta(days=3),
                reason="ziek",
            )
            self.assertEqual(late.state, "done")
            self.assertEqual(len(self.Entry.search([("plan_id", "=", late.id)])), 3)

    def test_next_run_is_planned_once_just_after_midnight(self):
        cron = self.env.ref("scrada_exact_bridge.ir_cron_exact_receipts")
        Trigger = self.env["ir.cron.trigger"].sudo()
        before = Trigger.search([("cron_id", "=", cron.id)])
        with self.on(START):
            self.Book._cron_end_of_day()
            self.Book._cron_end_of_day()
        triggers = Trigger.search([("cron_id", "=", cron.id)]) - before
        self.assertEqual(len(triggers), 1)
        # one minute past midnight in Brussels (00:30 is the test helper's "after midnight")
        self.assertEqual(triggers.call_at, after_midnight(START) - timedelta(minutes=29))

    def test_planned_closing_waits_for_a_gap(self):
        self.fill(D, D)
        with self.on(D):
            plan = self.entry(D + timedelta(days=2), entry_type="closed", reason="Feestdag")
        self.end_of_day(D + timedelta(days=2))  # D+1 has no entry: D+2 is not written yet
        self.assertFalse(self.Entry.search([("plan_id", "=", plan.id)]))
        with self.on(D + timedelta(days=3)):
            self.entry(D + timedelta(days=1), {self.cat21: 10})  # the gap is filled ...
        written = self.Entry.search([("plan_id", "=", plan.id)])  # ... and the plan follows
        self.assertEqual(written.date, D + timedelta(days=2))
        self.assertEqual(plan.state, "done")


@tagged("post_install", "-at_install")
class TestReceiptsSettings(ReceiptsCommon):
    def test_new_book_gets_cash_and_vat_categories(self):
        journal = self.env["account.journal"].create(
            {
                "name": "Winkel 2",
                "code": "WNK2",
                "type": "sale",
                "company_id": self.company.id,
                "exact_receipts_book": True,
                "exact_receipts_partner_id": self.customer.id,
                "exact_receipts_start_date": START,
            }
        )
        self.assertEqual(journal.exact_receipts_method_ids.mapped("kind"), ["cash"])
        self.assertEqual(
            sorted(journal.exact_receipts_category_ids.mapped("tax_id.amount")), [0, 6, 12, 21]
        )
        self.assertEqual(journal.exact_receipts_period, "month")

    def test_book_settings_are_checked(self):
        with self.refused("only a sales journal"):
            self.cash_journal.write({"exact_receipts_book": True})
        with self.refused("choose the customer"):
            self.book.exact_receipts_partner_id = False
        with self.refused("needs its cash journal"):
            self.book.exact_receipts_cash_journal_id = False
        with self.refused("is not a cash journal"):
            self.book.exact_receipts_cash_journal_id = self.company_data["default_journal_bank"]

    def test_payment_methods(self):
        journal = self.env["account.journal"].create(
            {
                "name": "Winkel 3",
                "code": "WNK3",
                "type": "sale",
                "company_id": self.company.id,
                "exact_receipts_book": True,
                "exact_receipts_partner_id": self.customer.id,
                "exact_receipts_start_date": START,
            }
        )
        Method = self.env["exact.receipts.payment.method"]
        with self.refused("only possible when the book"):
            Method.create({"journal_id": journal.id, "name": "Bancontact"})
        with self.refused("already has its cash method"):
            Method.create({"journal_id": journal.id, "name": "Kas 2", "kind": "cash"})
        cash = journal.exact_receipts_method_ids
        with self.refused("cannot be archived"):
            cash.active = False
        with self.refused("cannot be deleted"):
            cash.unlink()
        # used methods: archived, never renamed nor deleted
        with self.on(START):
            self.entry(START, {self.cat21: 30}, {self.cash: 10, self.bancontact: 20})
        self.assertTrue(self.bancontact.used)
        with self.refused("cannot be renamed"):
            self.bancontact.name = "BC"
        with self.refused("cannot be deleted"):
            self.bancontact.unlink()
        self.bancontact.active = False
        self.assertFalse(self.payconiq.used)
        self.payconiq.name = "Payconiq by Bancontact"
        self.payconiq.unlink()
        # categories likewise
        with self.refused("cannot change any more"):
            self.cat21.tax_id = self.cat6.tax_id
        with self.refused("cannot be deleted"):
            self.cat21.unlink()
        self.cat21.active = False
        self.cat12.unlink()

    def test_start_date_cannot_move_past_entries(self):
        self.fill(START, START + timedelta(days=1))
        with self.refused("cannot start later"):
            self.book.exact_receipts_start_date = START + timedelta(days=1)


@tagged("post_install", "-at_install")
class TestReceiptsHashChain(ReceiptsCommon):
    def test_intact_chain(self):
        self.fill(START, START + timedelta(days=4))
        self.end_of_day(START + timedelta(days=4))
        result = self.Book._exact_check_chain(self.book)
        self.assertTrue(result["ok"], result["message"])
        self.assertEqual(result["count"], 5)
        entries = self.Entry.search([("journal_id", "=", self.book.id)], order="sequence_number")
        self.assertEqual(entries.mapped("sequence_number"), [1, 2, 3, 4, 5])
        for previous, entry in itertools.pairwise(entries):
            self.assertEqual(entry.hash_previous, previous.entry_hash)
        action = self.book.action_exact_receipts_check_chain()
        self.assertEqual(action["params"]["type"], "success")

    def test_entry_changed_in_sql_is_reported(self):
        self.fill(START, START + timedelta(days=4))
        self.end_of_day(START + timedelta(days=4))
        third = self.Entry.search([("journal_id", "=", self.book.id), ("sequence_number", "=", 3)])
        self.env.cr.execute(
            "UPDATE exact_receipts_entry_amount SET amount = amount - 50 WHERE entry_id = %s",
            [third.id],
        )
        result = self.Book._exact_check_chain(self.book)
        self.assertFalse(result["ok"])
        self.assertEqual(len(result["breaks"]), 1)
        self.assertIn("Entry 3", result["breaks"][0])
        self.assertIn("was changed after it was recorded", result["breaks"][0])
        action = self.book.action_exact_receipts_check_chain()
        self.assertEqual(action["params"]["type"], "danger")
        self.assertIn("BROKEN", action["params"]["message"])

    def test_rehashed_or_removed_entry_is_reported(self):
        self.fill(START, START + timedelta(days=4))
        self.end_of_day(START + timedelta(days=4))
        second = self.Entry.search([("journal_id", "=", self.book.id), ("sequence_number", "=", 2)])
        # someone who knows the recipe changes the date and recomputes that entry's hash
        self.env.cr.execute(
            "UPDATE exact_receipts_entry SET date = date + 1, entry_hash = 'f00d' WHERE id = %s",
            [second.id],
        )
        result = self.Book._exact_check_chain(self.book)
        self.assertEqual(len(result["breaks"]), 2, result["breaks"])  # its content, next link
        self.assertIn("Entry 3", result["breaks"][1])
        self.env.cr.execute("DELETE FROM exact_receipts_entry WHERE id = %s", [second.id])
        result = self.Book._exact_check_chain(self.book)
        self.assertFalse(result["ok"])
        self.assertTrue(any("missing" in text for text in result["breaks"]), result["breaks"])

    def test_day_filled_later_is_final_at_once(self):
        self.fill(START, START)
        with self.on(START + timedelta(days=2)):
            late = self.entry(START + timedelta(days=1), {self.cat21: 10})
            self.assertEqual(late.state, "final")
            self.assertEqual(late.sequence_number, 1)  # START is still open in the chain
            # that day takes more entries until the end of today ...
            self.entry(START + timedelta(days=1), {self.cat6: 5}, entry_type="general")
        # ... but not after
        with self.on(START + timedelta(days=3)), self.refused("is over and its receipts are final"):
            self.entry(START + timedelta(days=1), {self.cat6: 5})
        self.assertTrue(self.Book._exact_check_chain(self.book)["ok"])
