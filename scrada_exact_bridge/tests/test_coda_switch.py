# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Issue 10 #2: no cash line silently misses Exact Online.

Rule: every posted cash line of a flagged cash journal dated from "Send CODA from" on
ends in exactly one CODA statement (sent, or visibly failed). Switching CODA off and on
again never moves "Send CODA from"; moving it later by hand lists the lines left out
and needs a confirmation; a line dated before it is refused.
"""

from datetime import date, timedelta

from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .common import CASH_MAILBOX, ExactCommon
from .refusals import RefusalMixin

D1, D2, D3, D4, D5 = (date(2025, 3, day) for day in (3, 4, 5, 6, 7))


@tagged("post_install", "-at_install")
class TestCodaSwitch(RefusalMixin, ExactCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Line = cls.env["account.bank.statement.line"]
        cls.Statement = cls.env["account.bank.statement"]

    def _line(self, day, amount, journal=None, **values):
        vals = {
            "journal_id": (journal or self.cash_journal).id,
            "date": day,
            "exact_cash_type": "bank_to_cash" if amount > 0 else "private_withdrawal",
            "exact_amount_in" if amount > 0 else "exact_amount_out": abs(amount),
        }
        vals.update(values)
        return self.Line.create(vals)

    def _close(self, today):
        return self.Statement._cron_exact_close_periods(today=today)

    def _numbered_lines(self, journal=None):
        statements = self.Statement.search(
            [("journal_id", "=", (journal or self.cash_journal).id), ("exact_coda_number", "!=", 0)]
        )
        return statements.line_ids

    def _deliveries(self, journal=None):
        return self.env["exact.mailbox.delivery"].search(
            [("journal_id", "=", (journal or self.cash_journal).id)]
        )

    def test_switch_off_and_on_again_sends_every_line(self):
        """The defect: off and on again moved "Send CODA from" past unclosed lines."""
        journal = self.cash_journal
        self.assertFalse(journal.exact_coda_start_date)  # flagged before it had lines
        self.assertTrue(journal.exact_coda_activated)
        l1 = self._line(D1, 100)
        self._close(today=D2)  # D1 closed and queued
        l2 = self._line(D2, 20)
        l3 = self._line(D3, -5)  # D2 and D3 not closed yet
        journal.exact_send_coda = False
        self.assertTrue(
            any("2 cash line(s) are not in a CODA file yet" in body
                for body in journal.message_ids.mapped("body")),
            "switching off says what waits",
        )
        l4 = self._line(D4, 7)  # entered while switched off
        journal.exact_send_coda = True
        self.assertFalse(journal.exact_coda_start_date, "switching on again moves nothing")
        self._close(today=D5)
        lines = l1 | l2 | l3 | l4
        self.assertEqual(self._numbered_lines(), lines)
        deliveries = self._deliveries()
        self.assertEqual(len(deliveries), 4, "one CODA statement per day, each queued once")
        self.assertEqual(deliveries.statement_id.line_ids, lines)
        for line in lines:
            self.assertEqual(len(line.statement_id.exact_delivery_ids), 1)
        # the balances chain: the first statement after the pause starts where D1 ended
        st_d2 = l2.statement_id
        self.assertEqual(st_d2.balance_start, 100)
        self.assertEqual(st_d2.exact_old_date, D1)

    def test_switch_off_and_on_again_with_history(self):
        """A journal switched on with history keeps its first "Send CODA from"."""
        journal = self.env["account.journal"].create(
            {"name": "Kassa 3", "code": "CSH3", "type": "cash", "company_id": self.company.id}
        )
        self._line(D1, 50, journal=journal)  # history
        journal.write(
            {"bank_acc_number": "BE71 0961 2345 6769", "exact_mailbox": CASH_MAILBOX,
             "exact_send_coda": True}
        )
        self.assertEqual(journal.exact_coda_start_date, D2)
        l2 = self._line(D2, 10, journal=journal)
        journal.exact_send_coda = False
        l3 = self._line(D3, 10, journal=journal)
        journal.exact_send_coda = True
        self.assertEqual(journal.exact_coda_start_date, D2)
        self._close(today=D4)
        self.assertEqual(self._numbered_lines(journal), l2 | l3)

    def test_first_switch_on_never_starts_after_today(self):
        """Lines entered after switching on, today included, are sent."""
        today = self.Statement._exact_today(self.cash_journal)
        journal = self.env["account.journal"].create(
            {"name": "Kassa 4", "code": "CSH4", "type": "cash", "company_id": self.company.id}
        )
        morning = self._line(today, 30, journal=journal)
        journal.write(
            {"bank_acc_number": "BE71 0961 2345 6769", "exact_mailbox": CASH_MAILBOX,
             "exact_send_coda": True}
        )
        self.assertEqual(journal.exact_coda_start_date, today)
        afternoon = self._line(today, 12, journal=journal)
        self._close(today=today + timedelta(days=1))
        self.assertEqual(self._numbered_lines(journal), morning | afternoon)

    def test_line_dated_before_send_coda_from_is_refused(self):
        journal = self.cash_journal
        journal.with_context(exact_confirm_lines_left_out=True).exact_coda_start_date = D3
        with self.assertRefused(UserError, "would never reach Exact Online"):
            self._line(D2, 10)
        line = self._line(D3, 10)
        with self.assertRefused(UserError, "would never reach Exact Online"):
            line.date = D1
        # a journal that never sent CODA keeps its history editable
        other = self.env["account.journal"].create(
            {"name": "Kassa 5", "code": "CSH5", "type": "cash", "company_id": self.company.id,
             "exact_coda_start_date": D3}
        )
        self.assertTrue(self._line(D1, 5, journal=other))

    def test_moving_send_coda_from_later_lists_lines_and_needs_confirmation(self):
        journal = self.cash_journal
        l1 = self._line(D1, 100, exact_remark="kluis")
        l2 = self._line(D2, -40)
        self._close(today=D2)  # D1 numbered: never left out
        with self.assertRaises(UserError) as caught:
            journal.exact_coda_start_date = D3
        message = str(caught.exception)
        self.assertIn("1 cash lines are never sent", message)
        self.assertIn("-40.00", message)
        self.assertIn(l2.payment_ref, message)
        self.assertNotIn("kluis", message)
        self.assertFalse(journal.exact_coda_start_date)
        # the journal form shows the same list and a confirmation box
        with Form(journal) as form:
            form.exact_coda_start_date = D3
            self.assertIn(l2.payment_ref, form.exact_coda_left_out)
            form.exact_coda_skip_confirmed = True
        self.assertEqual(journal.exact_coda_start_date, D3)
        self.assertTrue(
            any("confirmed that these 1 cash lines are never sent" in body
                for body in journal.message_ids.mapped("body"))
        )
        self._close(today=D4)
        self.assertEqual(self._numbered_lines(), l1)
        self.assertFalse(l2.statement_id.exact_coda_number)
        # moving it earlier again leaves nothing out: no confirmation needed
        journal.exact_coda_start_date = D2
        self.assertFalse(journal.exact_coda_left_out)
