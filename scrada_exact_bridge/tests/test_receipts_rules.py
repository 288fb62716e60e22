# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Daily-receipts book: every rule of an entry refused with its message (English, Dutch,
French), the book's settings, final entries, planned closings and the hash chain (an entry
changed in SQL is reported)."""

import inspect
import itertools
import re
from datetime import timedelta

from odoo import Command
from odoo.tests import tagged

from ..lib import receipts as receipts_lib
from .receipts_common import START, ReceiptsCommon, after_midnight


def receipts_lib_codes():
    """Every rule code of ``lib/receipts.py`` (each ``Problem("<code>"`` in its source)."""
    return set(re.findall(r'Problem\(\s*"([a-z_]+)"', inspect.getsource(receipts_lib)))


D = START  # Sunday 1 March 2026


@tagged("post_install", "-at_install")
class TestReceiptsRules(ReceiptsCommon):
    #: rule code -> message fragment in English, Dutch and French
    MESSAGES = {
        "before_start": ("starts on", "begint op", "commence le"),
        "future": ("has not come yet", "is nog niet aangebroken", "n'est pas encore arrivé"),
        "before_last": ("before the last one", "voor de laatste", "avant la dernière"),
        "day_closed": (
            "is over and its receipts are final",
            "is voorbij en de ontvangsten ervan zijn definitief",
            "est terminé et ses recettes sont définitives",
        ),
        "gap": (
            "Every day needs an entry, in order",
            "Elke dag heeft een boeking nodig, in volgorde",
            "Chaque jour doit avoir une écriture, dans l'ordre",
        ),
        "invoiced": ("are invoiced", "zijn gefactureerd", "sont facturées"),
        "split_mismatch": (
            "the split per payment method must equal the total",
            "de verdeling per betaalmethode moet gelijk zijn aan het totaal",
            "la répartition par moyen de paiement doit égaler le total",
        ),
        "negative_amount": ("never negative", "nooit negatief", "jamais négatifs"),
        "specific_product": (
            "enter the name of the product",
            "vul de naam van het product in",
            "indiquez le nom du produit",
        ),
        "specific_threshold": (
            "belongs in the day total",
            "hoort in het dagtotaal",
            "va dans le total du jour",
        ),
        "correction_past": (
            "registered on the day it is made",
            "geboekt op de dag dat ze gemaakt wordt",
            "s'encode le jour où elle est faite",
        ),
        "correction_day_missing": (
            "needs the day it corrects",
            "heeft de dag nodig die ze corrigeert",
            "doit indiquer le jour qu'elle corrige",
        ),
        "correction_day_range": (
            "must be a day of the book",
            "moet een dag van het boek zijn",
            "doit être un jour du livre",
        ),
        "correction_reason": ("needs its reason", "heeft een reden nodig", "doit avoir un motif"),
        "correction_empty": (
            "changes at least one amount",
            "wijzigt minstens één bedrag",
            "modifie au moins un montant",
        ),
        "closed_amounts": ("has no receipts", "heeft geen ontvangsten", "n'a pas de recettes"),
        "range_not_closed": ("Only closing days", "Alleen sluitingsdagen", "Seuls les jours"),
        "range_order": ("comes before the first one", "komt voor de eerste", "précède le premier"),
    }
    LANGUAGES = ("en_US", "nl_BE", "fr_BE")

    def _cases(self, today):
        """rule code -> the values of an entry that breaks that rule (on ``today``)."""
        correction = {
            "day": today,
            "amounts": {self.cat21: -12.1},
            "entry_type": "correction",
            "corrected_date": D + timedelta(days=1),
            "reason": "Ticket 12 twice",
        }
        ten = {self.cat21: 10}
        return {
            "before_start": {"day": D - timedelta(days=1), "amounts": ten},
            "before_last": {"day": D + timedelta(days=2), "amounts": ten},
            "split_mismatch": {
                "day": today,
                "amounts": {self.cat21: 100, self.cat6: 21.2},
                "split": {self.cash: 100, self.bancontact: 21.19},
            },
            "negative_amount": {"day": today, "amounts": {self.cat21: -5}},
            "specific_product": {
                "day": today,
                "amounts": {self.cat21: 300},
                "entry_type": "specific",
            },
            "specific_threshold": {
                "day": today,
                "amounts": {self.cat21: 250},
                "entry_type": "specific",
                "product_name": "Taart",
            },
            "correction_past": dict(correction, day=today - timedelta(days=1)),
            "correction_day_missing": dict(correction, corrected_date=False),
            "correction_day_range": dict(correction, corrected_date=D - timedelta(days=1)),
            "correction_reason": dict(correction, reason=False),
            "correction_empty": dict(correction, amounts={}),
            "closed_amounts": {"day": today, "amounts": {self.cat21: 5}, "entry_type": "closed"},
            "range_not_closed": {
                "day": today,
                "amounts": ten,
                "date_to": today + timedelta(days=1),
            },
            "range_order": {
                "day": today + timedelta(days=3),
                "entry_type": "closed",
                "date_to": today + timedelta(days=2),
            },
        }

    def _assert_refused(self, code, values):
        """The entry of ``values`` is refused with the message of ``code``, in each language."""
        for index, lang in enumerate(self.LANGUAGES):
            with self.subTest(rule=code, lang=lang), self.refused(self.MESSAGES[code][index]):
                self.entry(**values, lang=lang)

    def test_every_rule_refused_with_its_message_in_three_languages(self):
        self.env["res.lang"]._activate_lang("nl_BE")
        self.env["res.lang"]._activate_lang("fr_BE")
        self.env["ir.module.module"]._load_module_terms(
            ["scrada_exact_bridge"], ["nl_BE", "fr_BE"], overwrite=True
        )
        self.fill(D, D + timedelta(days=3))
        today = D + timedelta(days=5)
        tested = set()
        with self.on(today):
            # yesterday has no entry yet
            self._assert_refused("gap", {"day": today, "amounts": {self.cat21: 10}})
            self._assert_refused(
                "future", {"day": today + timedelta(days=1), "amounts": {self.cat21: 10}}
            )
            # the last day with entries is over and final (before yesterday is filled in)
            self._assert_refused(
                "day_closed", {"day": D + timedelta(days=3), "amounts": {self.cat21: 10}}
            )
            tested |= {"gap", "future", "day_closed"}
            self.entry(D + timedelta(days=4), {self.cat21: 10})  # yesterday, entered today
            # a period already invoiced (as the end-of-day run leaves it)
            self.book.exact_receipts_invoiced_until = D + timedelta(days=4)
            self._assert_refused(
                "invoiced", {"day": D + timedelta(days=4), "amounts": {self.cat21: 10}}
            )
            tested.add("invoiced")
            self.book.exact_receipts_invoiced_until = False
            for code, values in self._cases(today).items():
                self._assert_refused(code, values)
                tested.add(code)
        self.assertEqual(tested, set(self.MESSAGES))
        self.assertEqual(tested, receipts_lib_codes(), "every rule of lib/receipts.py is tested")

    def test_what_passes(self):
        self.fill(D, D + timedelta(days=4))
        today = D + timedelta(days=5)
        with self.on(today):
            general = self.entry(
                today,
                {self.cat21: 100, self.cat6: 21.2},
                {self.cash: 100, self.bancontact: 21.2},
            )
            specific = self.entry(
                today,
                {self.cat21: 250.01},
                {self.bancontact: 250.01},
                entry_type="specific",
                product_name="Bruidstaart",
            )
            fix = self.entry(
                today,
                {self.cat21: -12.1},
                entry_type="correction",
                corrected_date=D + timedelta(days=1),
                reason="Ticket 12 twice",
            )
            closed = self.entry(today, entry_type="closed", reason="Vroeg dicht")
            self.assertEqual(
                (general.state, specific.state, fix.state, closed.state), ("open",) * 4
            )
            self.assertEqual(fix.amount_total, -12.1)

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
