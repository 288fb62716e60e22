# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Cash book (Odoo side): encoding, closing per period, numbering, CODA files
checked with the strict febelfin-coda parser, locks."""

import io
import logging
from datetime import date, timedelta
from decimal import Decimal

from odoo import Command, fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..lib import coda as coda_lib
from ..lib import text as text_lib
from .common import CASH_IBAN, CASH_MAILBOX, SENDER, ExactCommon
from .smtp_server import SmtpSink, make_mail_server, real_smtp

_logger = logging.getLogger(__name__)

try:
    from coda import CODA  # febelfin-coda, the strictest reader
except ImportError:  # pragma: no cover
    CODA = None


def dec(amount):
    """An Odoo float amount as the Decimal a CODA reader returns."""
    return Decimal(f"{amount:.2f}")


def parse_strict(raw):
    """Parse ``raw`` with febelfin-coda and return its only statement."""
    assert CODA is not None, "pip install febelfin-coda==0.5.0"
    parsed = CODA(io.StringIO(raw.decode("cp1252")))
    assert len(parsed.statements) == 1, parsed.statements
    return parsed.statements[0]


def corrupt_iban(journal, number):
    """Write a wrong IBAN behind the ORM's back (the ORM refuses it)."""
    bank = journal.bank_account_id
    journal.env.cr.execute(
        "UPDATE res_partner_bank SET acc_number = %s, sanitized_acc_number = %s WHERE id = %s",
        [number, number, bank.id],
    )
    bank.invalidate_recordset(["acc_number", "sanitized_acc_number"])


@tagged("post_install", "-at_install")
class TestCashBook(ExactCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Statement = cls.env["account.bank.statement"]
        cls.Line = cls.env["account.bank.statement.line"]
        cls.customer = cls.env["res.partner"].create({"name": "Café Señor Ünal & Zoë"})
        cls.supplier = cls.env["res.partner"].create({"name": "Drukkerij De Smet"})

    # ------------------------------------------------------------------
    # helpers
    # ------------------------------------------------------------------

    def _line(self, day, amount, cash_type="other", journal=None, **values):
        vals = {
            "journal_id": (journal or self.cash_journal).id,
            "date": day,
            "exact_cash_type": cash_type,
        }
        if amount >= 0:
            vals["exact_amount_in"] = amount
        else:
            vals["exact_amount_out"] = -amount
        vals.update(values)
        return self.Line.create(vals)

    def _close(self, today):
        return self.Statement._cron_exact_close_periods(today=today)

    def _corrupt_iban(self, journal, number):
        corrupt_iban(journal, number)

    def _statements(self, journal=None):
        return self.Statement.search(
            [("journal_id", "=", (journal or self.cash_journal).id)],
            order="first_line_index",
        )

    def _assert_file_matches(self, statement):
        """Write the file, parse it strictly and compare it with the Odoo data."""
        result = statement._exact_prepare_file()
        raw = result["raw"]
        self.assertEqual(coda_lib.check(raw), [])
        parsed = parse_strict(raw)
        self.assertEqual(parsed.account, CASH_IBAN)
        self.assertEqual(parsed.account_currency, "EUR")
        self.assertEqual(parsed.old_balance, dec(statement.balance_start))
        self.assertEqual(parsed.new_balance, dec(statement.balance_end_real))
        self.assertEqual(parsed.old_balance_date, statement.exact_old_date)
        self.assertEqual(parsed.new_balance_date, statement.exact_period_end)
        self.assertEqual(int(parsed.old_sequence), statement.exact_paper_number)
        self.assertEqual(int(parsed.coda_sequence), statement.exact_coda_number)
        lines = statement.line_ids.sorted("internal_index")
        self.assertEqual(len(parsed.moves), len(lines))
        for move, line in zip(parsed.moves, lines, strict=True):
            self.assertEqual(move.amount, dec(line.amount))
            self.assertEqual(move.entry_date, line.date)
            self.assertEqual(move.communication, text_lib.to_coda_text(line.exact_communication))
        return result, parsed

    # ------------------------------------------------------------------
    # encoding
    # ------------------------------------------------------------------

    def test_communication_codes_and_amounts(self):
        day = date(2025, 3, 3)
        pay = self._line(
            day, 125.5, "customer_payment", partner_id=self.customer.id,
            exact_invoice_ref="INV/2025/00012", exact_remark="rest",
        )
        self.assertEqual(pay.amount, 125.5)
        self.assertEqual(pay.exact_amount_in, 125.5)
        self.assertEqual(
            pay.exact_communication, "CB/CLIE/Cafe Senor Unal & Zoe/INV-2025-00012/rest"
        )
        self.assertEqual(pay.payment_ref, pay.exact_communication)
        self.assertEqual(pay.move_id.line_ids.mapped("name")[0], pay.exact_communication)
        out = self._line(day, -40, "cash_to_bank", exact_remark="storting")
        self.assertEqual(out.amount, -40)
        self.assertEqual(out.exact_amount_out, 40)
        self.assertEqual(out.exact_communication, "CB/CABA/storting")
        receipt = self._line(day, 10, "cash_receipt")
        self.assertEqual(receipt.exact_communication, "CB/DRCA/03.03.2025")
        # a line made elsewhere (no type) keeps its label as communication
        pos = self.Line.create(
            {"journal_id": self.cash_journal.id, "date": day, "amount": 5, "payment_ref": "POS/1"}
        )
        self.assertEqual(pos.exact_communication, "POS/1")
        # the code follows a change of type
        out.write({"exact_cash_type": "private_withdrawal"})
        self.assertEqual(out.payment_ref, "CB/PRTA/storting")

    def test_direction_of_type(self):
        with self.assertRaisesRegex(ValidationError, "coming in"):
            self._line(date(2025, 3, 3), -10, "customer_payment", partner_id=self.customer.id)
        with self.assertRaisesRegex(ValidationError, "going out"):
            self._line(date(2025, 3, 3), 10, "supplier_payment", partner_id=self.supplier.id)
        with self.assertRaises(ValidationError):
            self._line(date(2025, 3, 3), 0, "cash_difference")
        self._line(date(2025, 3, 3), -1, "cash_difference")
        self._line(date(2025, 3, 3), 1, "cash_difference")

    def test_billing_user_can_keep_the_cash_book(self):
        user = self.env["res.users"].create(
            {
                "name": "Kassier",
                "login": "kassier",
                "company_id": self.company.id,
                "company_ids": [Command.set(self.company.ids)],
                "groups_id": [Command.set([self.env.ref("account.group_account_invoice").id])],
            }
        )
        self.assertFalse(user.has_group("account.group_account_basic"))
        Line = self.Line.with_user(user)
        line = Line.create(
            {
                "journal_id": self.cash_journal.id,
                "date": date(2025, 3, 3),
                "exact_cash_type": "bank_to_cash",
                "exact_amount_in": 200,
            }
        )
        line.exact_remark = "wisselgeld"
        self.assertEqual(line.exact_communication, "CB/BACA/wisselgeld")
        self.assertEqual(line.running_balance, 200)
        line.unlink()
        bank = self.company_data["default_journal_bank"]
        with self.assertRaises(UserError):  # AccessError is a UserError
            Line.create({"journal_id": bank.id, "date": date(2025, 3, 3), "amount": 5})

    # ------------------------------------------------------------------
    # closing
    # ------------------------------------------------------------------

    def test_close_per_day_and_numbering(self):
        d1, d2, d4 = date(2025, 3, 3), date(2025, 3, 4), date(2025, 3, 6)
        self._line(d1, 100, "bank_to_cash")
        self._line(d1, -30, "private_withdrawal")
        self._line(d2, 20, "cash_receipt")
        today_line = self._line(d4, 7, "cash_receipt")
        closed = self._close(today=d4)
        statements = self._statements()
        self.assertEqual(len(statements), 2)  # d3 is empty: no statement, no file
        self.assertEqual(closed, statements)
        st1, st2 = statements
        self.assertEqual((st1.exact_period_start, st1.exact_period_end), (d1, d1))
        self.assertEqual((st2.exact_period_start, st2.exact_period_end), (d2, d2))
        self.assertEqual((st1.exact_paper_number, st1.exact_coda_number), (1, 1))
        self.assertEqual((st2.exact_paper_number, st2.exact_coda_number), (2, 2))
        self.assertEqual((st1.balance_start, st1.balance_end_real), (0, 70))
        self.assertEqual((st2.balance_start, st2.balance_end_real), (70, 90))
        self.assertEqual(st1.exact_old_date, d1 - timedelta(days=1))
        self.assertEqual(st2.exact_old_date, d1)
        self.assertTrue(all(st.is_complete and st.is_valid for st in statements))
        self.assertFalse(today_line.statement_id)  # today is not over
        # idempotent
        self.assertFalse(self._close(today=d4))
        self.assertEqual(self._statements(), statements)
        # the next day closes d4 as statement 3
        self._close(today=d4 + timedelta(days=1))
        self.assertEqual(today_line.statement_id.exact_coda_number, 3)
        self.assertEqual(today_line.statement_id.exact_old_date, d2)
        self.assertEqual(today_line.statement_id.balance_start, 90)

    def test_history_before_switching_on_is_never_sent(self):
        """Switching CODA on for a cash journal with history sends no old statements."""
        journal = self.env["account.journal"].create(
            {"name": "Kassa 2", "code": "CSH2", "type": "cash", "company_id": self.company.id}
        )
        d1, d2, d3 = date(2025, 3, 3), date(2025, 3, 4), date(2025, 3, 5)
        self._line(d1, 100, "bank_to_cash", journal=journal)
        self._line(d2, -30, "private_withdrawal", journal=journal)
        journal.write(
            {
                "bank_acc_number": "BE71 0961 2345 6769",
                "exact_mailbox": CASH_MAILBOX,
                "exact_send_coda": True,
            }
        )
        self.assertEqual(journal.exact_coda_start_date, d3)
        new_line = self._line(d3, 20, "cash_receipt", journal=journal)
        closed = self._close(today=d3 + timedelta(days=1))
        self.assertEqual(closed.line_ids, new_line)  # d1 and d2 are history
        self.assertEqual(closed.exact_coda_number, 1)
        # the first file opens with the real cash balance at that day
        self.assertEqual((closed.balance_start, closed.balance_end_real), (70, 90))
        self.assertEqual(closed.exact_old_date, d2)
        statement = parse_strict(closed._exact_prepare_file()["raw"])
        self.assertEqual(statement.old_balance, Decimal("70.00"))
        self.assertEqual(statement.new_balance, Decimal("90.00"))
        # a journal flagged before it has lines keeps sending everything
        self.assertFalse(self.cash_journal.exact_coda_start_date)

    def test_close_per_week(self):
        self.cash_journal.exact_coda_period = "week"
        monday = date(2025, 3, 3)
        self._line(monday, 50, "bank_to_cash")
        self._line(monday + timedelta(days=6), -5, "private_withdrawal")  # Sunday
        self._line(monday + timedelta(days=8), 8, "cash_receipt")  # next Tuesday
        # Wednesday of week 2: only week 1 is over
        self._close(today=monday + timedelta(days=9))
        statements = self._statements()
        self.assertEqual(len(statements), 1)
        self.assertEqual(len(statements.line_ids), 2)
        self.assertEqual(
            (statements.exact_period_start, statements.exact_period_end),
            (monday, monday + timedelta(days=6)),
        )
        self.assertEqual(statements.name, f"{self.cash_journal.code} 2025-W10")
        self._close(today=monday + timedelta(days=14))
        st1, st2 = self._statements()
        self.assertEqual(st2.exact_old_date, st1.exact_period_end)
        self.assertEqual(st2.balance_start, 45)
        self._assert_file_matches(st1)
        self._assert_file_matches(st2)

    def test_close_per_month_and_year_restart(self):
        self.cash_journal.exact_coda_period = "month"
        self._line(date(2024, 11, 5), 10, "bank_to_cash")
        self._line(date(2024, 12, 1), 20, "bank_to_cash")
        self._line(date(2024, 12, 31), -5, "private_withdrawal")
        self._line(date(2025, 1, 2), 3, "private_deposit")
        self._close(today=date(2025, 1, 15))
        statements = self._statements()
        self.assertEqual(len(statements), 2)  # January is not over
        self._close(today=date(2025, 2, 1))
        nov, dec, jan = self._statements()
        self.assertEqual(dec.exact_period_start, date(2024, 12, 1))
        self.assertEqual(dec.exact_period_end, date(2024, 12, 31))
        self.assertEqual([st.exact_coda_number for st in (nov, dec, jan)], [1, 2, 1])
        self.assertEqual(jan.exact_old_date, date(2024, 12, 31))
        self.assertEqual(jan.exact_period_end, date(2025, 1, 31))
        self.assertEqual(jan.balance_start, 25)
        _result, parsed = self._assert_file_matches(jan)
        self.assertEqual(int(parsed.coda_sequence), 1)
        self.assertEqual(_result["name"], f"CODA_{self.cash_journal.code}_2025_001.cod")

    def test_user_statement_and_foreign_lines(self):
        """Lines created elsewhere and statements made by users are exported too."""
        d1 = date(2025, 3, 3)
        lines = self.Line.create(
            [
                {"journal_id": self.cash_journal.id, "date": d1, "amount": 12.5,
                 "payment_ref": "Shop/0001 ticket"},
                {"journal_id": self.cash_journal.id, "date": d1, "amount": -2.5,
                 "payment_ref": "Shop/0002 refund"},
            ]
        )
        statement = self.Statement.create(
            {"name": "My statement", "line_ids": [Command.set(lines.ids)]}
        )
        self.assertTrue(statement.is_complete)
        self._close(today=d1)  # its day is not over yet
        self.assertFalse(statement.exact_coda_number)
        self._close(today=d1 + timedelta(days=1))
        self.assertEqual(self._statements(), statement)
        self.assertEqual(statement.exact_coda_number, 1)
        _result, parsed = self._assert_file_matches(statement)
        self.assertEqual(
            [m.communication for m in parsed.moves], ["Shop/0001 ticket", "Shop/0002 refund"]
        )

    def test_incomplete_statement_blocks_the_following(self):
        d1, d2 = date(2025, 3, 3), date(2025, 3, 4)
        line = self._line(d1, 10, "bank_to_cash")
        statement = self.Statement.create(
            {"name": "Wrong", "line_ids": [Command.set(line.ids)], "balance_end_real": 99}
        )
        self.assertFalse(statement.is_complete)
        self._line(d2, 5, "bank_to_cash")
        self._close(today=d2 + timedelta(days=1))
        later = self._statements() - statement
        self.assertEqual(len(later), 1)
        self.assertFalse(statement.exact_coda_number)
        self.assertFalse(later.exact_coda_number)  # no number before the blocked one
        with self.assertRaises(UserError):
            statement._exact_prepare_file()
        statement.balance_end_real = 10
        self._close(today=d2 + timedelta(days=1))
        self.assertEqual((statement.exact_coda_number, later.exact_coda_number), (1, 2))

    # ------------------------------------------------------------------
    # files
    # ------------------------------------------------------------------

    def test_files_strictly_valid_and_continuous(self):
        d1, d2 = date(2025, 3, 3), date(2025, 3, 4)
        long_remark = "betaling ter plaatse, met wisselgeld terug: €20 biljet, één munt à 2 €"
        self._line(d1, 1_250_000.75, "bank_to_cash", exact_remark="kluis")
        self._line(
            d1, 321.45, "customer_payment", partner_id=self.customer.id,
            exact_invoice_ref="INV/2025/00007", exact_remark=long_remark,
        )
        self._line(d1, -1_250_500, "cash_to_bank")
        self._line(
            d2, -99.99, "supplier_payment", partner_id=self.supplier.id,
            exact_invoice_ref="F-2025-0815",
        )
        self._line(d2, -1000, "private_withdrawal", exact_remark="négatif")  # below zero
        self._close(today=d2 + timedelta(days=1))
        st1, st2 = self._statements()
        self.assertLess(st2.balance_end_real, 0)
        customer_line = st1.line_ids.filtered(
            lambda line: line.exact_cash_type == "customer_payment"
        )
        self.assertGreater(len(customer_line.exact_communication), 53)
        self.assertTrue(customer_line.exact_communication.startswith("CB/CLIE/"))
        result1, parsed1 = self._assert_file_matches(st1)
        result2, parsed2 = self._assert_file_matches(st2)
        self.assertEqual(parsed2.old_balance, parsed1.new_balance)
        self.assertEqual(parsed2.old_balance_date, parsed1.new_balance_date)
        self.assertEqual(parsed1.new_balance, Decimal("321.45") + Decimal("0.75") - 500)
        self.assertEqual(parsed2.new_balance, Decimal("-1277.79"))
        self.assertEqual(
            parsed1.moves[1].communication,
            "CB/CLIE/Cafe Senor Unal & Zoe/INV-2025-00007/betaling ter plaatse, met "
            "wisselgeld terug: EUR20 biljet, een munt a 2 EUR",
        )
        self.assertEqual(result1["name"], f"CODA_{self.cash_journal.code}_2025_001.cod")
        self.assertEqual(result2["name"], f"CODA_{self.cash_journal.code}_2025_002.cod")
        # rebuilding gives the same bytes (duplicate detection downstream)
        self.assertEqual(st1._exact_prepare_file()["raw"], result1["raw"])

    def test_account_number_missing_or_invalid(self):
        d1 = date(2025, 3, 3)
        self._line(d1, 10, "bank_to_cash")
        self._close(today=d1 + timedelta(days=1))
        statement = self._statements()
        # the ORM refuses a wrong IBAN on the cash book's account ...
        with self.assertRaisesRegex(ValidationError, "not a valid IBAN"):
            self.cash_journal.bank_account_id.acc_number = "BE83138811735116"
        # ... one written behind its back (SQL, data from before the addon) stops the file
        self._corrupt_iban(self.cash_journal, "BE83138811735116")
        with self.assertRaisesRegex(UserError, "not a valid IBAN"):
            statement._exact_prepare_file()
        self.env.cr.execute(
            "UPDATE account_journal SET bank_account_id = NULL WHERE id = %s",
            [self.cash_journal.id],
        )
        self.cash_journal.invalidate_recordset(["bank_account_id"])
        with self.assertRaisesRegex(UserError, "has no IBAN"):
            statement._exact_prepare_file()

    def test_large_day_in_one_statement(self):
        """A busy day (300 movements, two create batches) closes into one valid file.

        The sequence-number wrap after 9 999 movements is checked by the plain writer tests
        (tests/test_coda_writer.py); time and memory for 300 and 3 000 lines are measured by
        tools/bench.py, not here.
        """
        day = date(2025, 3, 3)
        count = 300
        chunk = 150
        for first in range(0, count, chunk):
            self.Line.create(
                [
                    {
                        "journal_id": self.cash_journal.id,
                        "date": day,
                        "amount": (index % 50 + 1) * (1 if index % 3 else -1),
                        "payment_ref": f"Ticket {index}",
                    }
                    for index in range(first, min(first + chunk, count))
                ]
            )
            # Inside the test transaction the planner does not know the tables grew;
            # without fresh statistics Odoo's per-line queries get slower and slower.
            self.env.flush_all()
            self.env.cr.execute(
                "ANALYZE account_move, account_move_line, account_bank_statement_line"
            )
        self._close(today=day + timedelta(days=1))
        statement = self._statements()
        self.assertEqual(len(statement), 1)
        result = statement._exact_prepare_file()
        parsed = parse_strict(result["raw"])
        self.assertEqual(len(parsed.moves), count)
        self.assertEqual(parsed.new_balance, dec(statement.balance_end_real))
        self.assertEqual(parsed.moves[0].communication, "Ticket 0")
        self.assertEqual(parsed.moves[-1].communication, f"Ticket {count - 1}")
        self.assertEqual(parsed.moves[-1].sequence, f"{count:04d}")

    # ------------------------------------------------------------------
    # locks
    # ------------------------------------------------------------------

    def test_no_entry_in_a_closed_period(self):
        d1, d2 = date(2025, 3, 3), date(2025, 3, 4)
        line = self._line(d1, 10, "bank_to_cash")
        later = self._line(d2 + timedelta(days=1), 4, "bank_to_cash")
        self._close(today=d2)
        self.assertEqual(line.statement_id.exact_coda_number, 1)
        with self.assertRaisesRegex(UserError, "later period"):
            self._line(d1, 5, "bank_to_cash")
        with self.assertRaisesRegex(UserError, "later period"):
            later.date = d1
        # before sending, the line of the closed statement can still be corrected
        line.exact_remark = "kluis"
        self.assertEqual(line.exact_communication, "CB/BACA/kluis")
        self._line(d2, 5, "bank_to_cash")  # the open day is fine

    def test_lock_after_sending(self):
        d1, d2 = date(2025, 3, 3), date(2025, 3, 4)
        line = self._line(d1, 10, "bank_to_cash")
        self._close(today=d2)
        statement = line.statement_id
        delivery = self.env["exact.mailbox.delivery"].search([("statement_id", "=", statement.id)])
        self.assertEqual(len(delivery), 1)
        self.assertFalse(statement.exact_locked)
        delivery.sudo().state = "sent"
        statement.invalidate_recordset(["exact_locked", "exact_delivery_state"])
        self.assertTrue(statement.exact_locked)
        self.assertEqual(statement.exact_delivery_state, "sent")
        for change in ({"amount": 11}, {"exact_remark": "x"}, {"date": d2}, {"payment_ref": "y"}):
            with self.assertRaisesRegex(UserError, "later period as new lines"):
                line.write(change)
        with self.assertRaisesRegex(UserError, "later period as new lines"):
            line.unlink()
        with self.assertRaisesRegex(UserError, "later period as new lines"):
            line.move_id.button_draft()
        with self.assertRaisesRegex(UserError, "later period as new lines"):
            statement.balance_end_real = 12
        with self.assertRaisesRegex(UserError, "later period"):
            statement.unlink()
        with self.assertRaisesRegex(UserError, "later period"):
            self._line(d1, -1, "cash_difference")
        # the correction goes into the open period
        correction = self._line(d2, -1, "cash_difference", exact_remark="telfout 03.03")
        self.assertFalse(correction.statement_id)
        self.assertEqual(line.amount, 10)


@tagged("post_install", "-at_install")
class TestCashBookEndToEnd(ExactCommon):
    """The acceptance scenario: two past days of cash -> two mails, two strict CODA files."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sink = SmtpSink().start()
        cls.addClassCleanup(cls.sink.stop)
        make_mail_server(cls.env, cls.sink)

    def _run_crons(self):
        with real_smtp(), mute_logger(
            "odoo.addons.mail.models.mail_mail", "odoo.addons.base.models.ir_mail_server"
        ):
            self.env.ref("scrada_exact_bridge.ir_cron_exact_coda").sudo().method_direct_trigger()
            self.env.ref("scrada_exact_bridge.ir_cron_exact_delivery").sudo().method_direct_trigger()

    def test_two_days_two_mails_strict_coda(self):
        today = fields.Date.context_today(self.env.user)
        day1, day2 = today - timedelta(days=3), today - timedelta(days=2)
        customer = self.env["res.partner"].create({"name": "Brasserie Ç'est Été"})
        supplier = self.env["res.partner"].create({"name": "Groothandel Vermeulen"})
        Line = self.env["account.bank.statement.line"]
        base = {"journal_id": self.cash_journal.id}
        Line.create(
            [
                dict(base, date=day1, exact_cash_type="bank_to_cash", exact_amount_in=500,
                     exact_remark="wisselgeld"),
                dict(base, date=day1, exact_cash_type="customer_payment",
                     partner_id=customer.id, exact_invoice_ref="INV/2026/00042",
                     exact_remark="contant betaald aan de toog, €-biljetten, geen wisselgeld "
                     "nodig", exact_amount_in=1234.56),
                dict(base, date=day2, exact_cash_type="supplier_payment",
                     partner_id=supplier.id, exact_invoice_ref="AK-7781", exact_amount_out=310.2),
                dict(base, date=day2, exact_cash_type="cash_to_bank", exact_amount_out=1000),
                dict(base, date=today, exact_cash_type="cash_receipt", exact_amount_in=5),
            ]
        )
        self.sink.clear()
        self._run_crons()
        statements = self.env["account.bank.statement"].search(
            [("journal_id", "=", self.cash_journal.id)], order="first_line_index"
        )
        self.assertEqual(len(statements), 2, "today is not over: two statements")
        self.assertEqual(len(self.sink.messages), 2, "exactly two mails")
        parsed = []
        for message, envelope, statement in zip(
            self.sink.messages, self.sink.envelopes, statements, strict=True
        ):
            self.assertEqual(envelope["rcpt_tos"], [CASH_MAILBOX])
            self.assertEqual(envelope["mail_from"], SENDER)
            attachments = list(message.iter_attachments())
            self.assertEqual(len(attachments), 1)
            self.assertEqual(
                attachments[0].get_filename(),
                f"CODA_{self.cash_journal.code}_{statement.exact_period_end.year}_"
                f"{statement.exact_paper_number:03d}.cod",
            )
            raw = attachments[0].get_payload(decode=True)
            self.assertEqual(coda_lib.check(raw), [])
            coda = parse_strict(raw)
            parsed.append(coda)
            self.assertEqual(coda.account, CASH_IBAN)
            self.assertEqual(coda.account_currency, "EUR")
            self.assertEqual(coda.old_balance, dec(statement.balance_start))
            self.assertEqual(coda.new_balance, dec(statement.balance_end_real))
            self.assertEqual(coda.new_balance_date, statement.exact_period_end)
            lines = statement.line_ids.sorted("internal_index")
            self.assertEqual(
                [(m.amount, m.entry_date, m.communication) for m in coda.moves],
                [
                    (dec(line.amount), line.date,
                     text_lib.to_coda_text(line.exact_communication))
                    for line in lines
                ],
            )
            self.assertEqual(statement.exact_delivery_state, "sent")
            self.assertTrue(statement.exact_locked)
        first, second = parsed
        self.assertEqual((first.old_balance, first.new_balance), (0, Decimal("1734.56")))
        self.assertEqual(first.new_balance_date, day1)
        self.assertEqual(second.old_balance, first.new_balance)
        self.assertEqual(second.old_balance_date, first.new_balance_date)
        self.assertEqual(second.new_balance, Decimal("424.36"))
        self.assertEqual((int(first.coda_sequence), int(second.coda_sequence)), (1, 2))
        communication = first.moves[1].communication
        self.assertGreater(len(communication), 53)
        self.assertEqual(
            communication,
            "CB/CLIE/Brasserie C'est Ete/INV-2026-00042/contant betaald aan de toog, "
            "EUR-biljetten, geen wisselgeld nodig",
        )
        self.assertEqual(second.moves[0].communication, "CB/SUPP/Groothandel Vermeulen/AK-7781")
        # running the scheduled actions again sends nothing new
        self._run_crons()
        self.assertEqual(len(self.sink.messages), 2)
        self.assertEqual(
            self.env["exact.mailbox.delivery"].search_count(
                [("statement_id", "in", statements.ids)]
            ),
            2,
        )

    def test_invalid_iban_fails_delivery_once(self):
        today = fields.Date.context_today(self.env.user)
        self.env["account.bank.statement.line"].create(
            {
                "journal_id": self.cash_journal.id,
                "date": today - timedelta(days=2),
                "exact_cash_type": "bank_to_cash",
                "exact_amount_in": 50,
            }
        )
        corrupt_iban(self.cash_journal, "BE83138811735116")  # bad check digits, behind the ORM
        self.sink.clear()
        self._run_crons()
        delivery = self.env["exact.mailbox.delivery"].search(
            [("journal_id", "=", self.cash_journal.id)]
        )
        self.assertEqual(len(delivery), 1)
        self.assertEqual(delivery.state, "failed")
        self.assertIn("not a valid IBAN", delivery.error_message)
        self.assertFalse(self.sink.messages)
        self._run_crons()  # not queued again automatically: the accountant resends
        self.assertEqual(
            self.env["exact.mailbox.delivery"].search_count(
                [("journal_id", "=", self.cash_journal.id)]
            ),
            1,
        )
        self.assertFalse(delivery.statement_id.exact_locked)
