# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Daily-receipts book end to end: a month of entries of all four types with three payment
methods becomes one posted invoice (UBL checked by the shared validator, XSD + EN 16931, with
the totals entered, mailed once to the real SMTP test server), the cash journal receives
``DR/DRIN`` / ``DR/DRPM`` lines with the split (in the CODA file: strict checker, febelfin-coda
and codapy), those lines pay the invoice; the legal book (HTML of the PDF report, XLSX);
reminders; the split of a cash line entered by hand (issue 10, item 10)."""

import io
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from freezegun import freeze_time
from lxml import etree
from odoo import Command
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..lib import coda as coda_lib
from ..lib import communication as communication_lib
from ..lib import text as text_lib
from .common import CASH_IBAN, CASH_MAILBOX, SALES_MAILBOX, missing_dependency
from .receipts_common import START, ReceiptsCommon, after_midnight
from .smtp_server import SmtpSink, make_mail_server, real_smtp
from .test_cash_book import parse_strict
from .test_ubl import NS, validate_ubl

MARCH_END = date(2026, 3, 31)
APRIL_1 = date(2026, 4, 1)


def dec(amount):
    return Decimal(f"{amount:.2f}")


def codapy_roundtrip(raw):
    """codapy reads the file and writes it back byte for byte (every field has its width)."""
    try:
        from pycoda.codafile import CodaFile
    except ImportError:
        missing_dependency("codapy 0.3.28 is needed as CODA oracle")
    text = raw.decode("cp1252")
    parsed = CodaFile()
    parsed.loads(text)
    return parsed.dumps(sep="\r\n") == text.rstrip("\r\n")


@tagged("post_install", "-at_install")
class TestReceiptsMonth(ReceiptsCommon):
    """March 2026 in a bakery: General every day, a Specific item, a Correction, two closing
    days planned ahead; cash, Bancontact and Payconiq."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cash_journal.exact_coda_period = "month"
        cls.sink = SmtpSink().start()
        cls.addClassCleanup(cls.sink.stop)
        make_mail_server(cls.env, cls.sink)

    def _run_month(self):
        """Every day of March at noon: the day's entries; after midnight: the scheduled
        action. Returns the expected totals per category and the expected split per day."""
        expected = defaultdict(Decimal)
        per_day = {}
        holiday = (date(2026, 3, 16), date(2026, 3, 17))
        day = START
        while day <= MARCH_END:
            with self.on(day):
                if day == date(2026, 3, 10):
                    plan = self.entry(
                        holiday[0],
                        entry_type="closed",
                        date_to=holiday[1],
                        reason="Jaarlijks verlof",
                    )
                    self.assertEqual(plan.state, "planned")
                if day not in holiday:
                    n = day.day
                    amounts = {self.cat21: 100 + n + 0.01 * n, self.cat6: 50 + 2 * n}
                    total = sum(amounts.values())
                    split = {
                        self.bancontact: 40.0 + n,
                        self.payconiq: 10.5,
                        self.cash: round(total - 50.5 - n, 2),
                    }
                    self.entry(day, amounts, split)
                    expected[self.cat21] += dec(amounts[self.cat21])
                    expected[self.cat6] += dec(amounts[self.cat6])
                    per_day[day] = {
                        name: dec(amount)
                        for name, amount in (
                            ("Contant geld", split[self.cash]),
                            ("Bancontact", split[self.bancontact]),
                            ("Payconiq", split[self.payconiq]),
                        )
                    }
                if day == date(2026, 3, 5):
                    self.entry(
                        day,
                        {self.cat21: 480.00},
                        {self.bancontact: 480.00},
                        entry_type="specific",
                        product_name="Bruidstaart",
                    )
                    expected[self.cat21] += Decimal("480.00")
                    per_day[day]["Bancontact"] += Decimal("480.00")
                if day == date(2026, 3, 20):
                    self.entry(
                        day,
                        {self.cat21: -12.10, self.cat0: 3.0},
                        {self.cash: -9.10},
                        entry_type="correction",
                        corrected_date=date(2026, 3, 12),
                        reason="Ticket 114 twice",
                        replaced_invoice="INV/2026/00003",
                    )
                    expected[self.cat21] += Decimal("-12.10")
                    expected[self.cat0] += Decimal("3.00")
                    per_day[day]["Contant geld"] += Decimal("-9.10")
            self.end_of_day(day)
            day += timedelta(days=1)
        return expected, per_day

    def _deliver(self):
        with (
            real_smtp(),
            mute_logger(
                "odoo.addons.mail.models.mail_mail", "odoo.addons.base.models.ir_mail_server"
            ),
        ):
            self.env["exact.mailbox.delivery"].sudo()._cron_process()

    def test_a_month_of_receipts(self):
        expected, per_day = self._run_month()
        grand_total = sum(expected.values())
        self._assert_closing_days()
        invoice = self._assert_invoice(expected, grand_total)
        cash_lines = self._assert_cash_book(per_day)
        # the invoice is paid by the DR/DRIN lines
        self.assertEqual(invoice.payment_state, "paid")
        self.assertTrue(all(cash_lines.filtered(lambda li: li.amount > 0).mapped("is_reconciled")))
        self._assert_delivered_once(grand_total, cash_lines)

    def _assert_closing_days(self):
        """The closing days planned ahead were written by the scheduled action."""
        closed = self.Entry.search(
            [
                ("journal_id", "=", self.book.id),
                ("entry_type", "=", "closed"),
                ("state", "=", "final"),
            ]
        )
        self.assertEqual(closed.mapped("date"), [date(2026, 3, 17), date(2026, 3, 16)])
        self.assertTrue(all(closed.mapped("plan_id")))

    def _assert_invoice(self, expected, grand_total):
        """One invoice, posted, dated the last day, the totals entered, a line per category."""
        invoice = self.env["account.move"].search([("journal_id", "=", self.book.id)])
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.move_type, "out_invoice")
        self.assertEqual(invoice.invoice_date, MARCH_END)
        self.assertEqual(invoice.partner_id, self.customer)
        self.assertIn("2026-03", invoice.ref)
        self.assertIn(self.book.name, invoice.ref)
        self.assertEqual(dec(invoice.amount_total), grand_total)
        lines = invoice.invoice_line_ids
        self.assertEqual(sorted(lines.mapped("name")), sorted(["21 %", "6 %", "0 %"]))
        for category, amount in expected.items():
            line = lines.filtered(lambda li, c=category: li.name == c.name)
            self.assertEqual(dec(line.price_total), amount, category.name)
            self.assertTrue(line.tax_ids.price_include)
            self.assertEqual(line.tax_ids.amount, category.tax_id.amount)
        self.assertIn("05.03.2026", invoice.narration)
        self.assertIn("16.03.2026", invoice.narration)
        entries = self.Entry.search(
            [("journal_id", "=", self.book.id), ("entry_type", "!=", "closed")]
        )
        self.assertEqual(entries.invoice_id, invoice)

        return invoice

    def _assert_cash_book(self, per_day):
        """Per day one DR/DRIN line with the split and one DR/DRPM line."""
        Line = self.env["account.bank.statement.line"]
        cash_lines = Line.search(
            [("exact_receipts_journal_id", "=", self.book.id)], order="internal_index"
        )
        day_lines = cash_lines.filtered(lambda li: li.exact_cash_type == "receipts_day_total")
        out_lines = cash_lines.filtered(lambda li: li.exact_cash_type == "receipts_non_cash")
        self.assertEqual(len(day_lines), len(per_day))  # not the two closing days
        self.assertEqual(len(out_lines), len(per_day))
        first = day_lines.filtered(lambda li: li.exact_receipts_date == date(2026, 3, 5))
        split = per_day[date(2026, 3, 5)]
        fmt = communication_lib.format_amount
        self.assertEqual(
            first.payment_ref,
            "DR/DRIN/05.03.2026/Contant geld={}/Bancontact={}/Payconiq=10.50".format(
                fmt(split["Contant geld"]), fmt(split["Bancontact"])
            ),
        )
        self.assertEqual(dec(first.amount), sum(split.values()))
        self.assertEqual(
            first.exact_split_ids.mapped("name"), ["Contant geld", "Bancontact", "Payconiq"]
        )
        out = out_lines.filtered(lambda li: li.exact_receipts_date == date(2026, 3, 5))
        self.assertEqual(
            out.payment_ref,
            "DR/DRPM/05.03.2026/Bancontact={}/Payconiq=10.50".format(fmt(split["Bancontact"])),
        )
        self.assertEqual(dec(out.amount), -(split["Bancontact"] + split["Payconiq"]))
        cash_total = sum(dec(line.amount) for line in cash_lines)
        self.assertEqual(cash_total, sum(s["Contant geld"] for s in per_day.values()))

        return cash_lines

    def _assert_delivered_once(self, grand_total, cash_lines):
        """Exact Online receives the invoice (UBL) and the month's cash (CODA), once each."""
        Line = self.env["account.bank.statement.line"]
        cash_total = sum(dec(line.amount) for line in cash_lines)
        first = cash_lines[0]
        self.env["account.bank.statement"]._cron_exact_close_periods(today=APRIL_1)
        self.sink.clear()
        self._deliver()
        received = defaultdict(list)
        for envelope, message in zip(self.sink.envelopes, self.sink.messages, strict=True):
            received[tuple(envelope["rcpt_tos"])].append(message)
        self.assertEqual(len(received[(SALES_MAILBOX,)]), 1)
        self.assertEqual(len(received[(CASH_MAILBOX,)]), 1)
        (ubl_file,) = received[(SALES_MAILBOX,)][0].iter_attachments()
        xml = ubl_file.get_payload(decode=True)
        findings = validate_ubl(xml, ("xsd", "en16931"))
        self.assertFalse([f for f in findings if f[0] == "fatal"], findings)
        tree = etree.fromstring(xml)
        monetary = "cac:LegalMonetaryTotal/cbc:"
        self.assertEqual(
            Decimal(tree.findtext(monetary + "TaxInclusiveAmount", namespaces=NS)), grand_total
        )
        self.assertEqual(
            Decimal(tree.findtext(monetary + "PayableAmount", namespaces=NS)), grand_total
        )
        self.assertEqual(len(tree.findall("cac:InvoiceLine", namespaces=NS)), 3)

        (coda_file,) = received[(CASH_MAILBOX,)][0].iter_attachments()
        raw = coda_file.get_payload(decode=True)
        self.assertEqual(coda_lib.check(raw), [])
        statement = parse_strict(raw)
        self.assertTrue(codapy_roundtrip(raw))
        self.assertEqual(statement.account, CASH_IBAN)
        self.assertEqual(statement.new_balance - statement.old_balance, cash_total)
        communications = [move.communication for move in statement.moves]
        self.assertEqual(
            communications,
            [text_lib.to_coda_text(line.payment_ref) for line in cash_lines],
        )
        self.assertIn(text_lib.to_coda_text(first.payment_ref), communications)
        self.assertTrue(all(c.startswith(("DR/DRIN/", "DR/DRPM/")) for c in communications))

        # running everything again makes nothing twice
        self.end_of_day(APRIL_1)
        self.env["account.bank.statement"]._cron_exact_close_periods(today=APRIL_1)
        self._deliver()
        self.assertEqual(
            self.env["account.move"].search_count([("journal_id", "=", self.book.id)]), 1
        )
        self.assertEqual(
            Line.search_count([("exact_receipts_journal_id", "=", self.book.id)]), len(cash_lines)
        )
        self.assertEqual(len(self.sink.messages), 2)
        self.assertTrue(self.Book._exact_check_chain(self.book)["ok"])

    def test_a_month_of_closed_days_makes_no_invoice(self):
        with self.on(START):
            self.entry(START, entry_type="closed", date_to=MARCH_END, reason="Verbouwing")
        for offset in range(31):
            self.end_of_day(START + timedelta(days=offset))
        self.assertEqual(
            self.Entry.search_count([("entry_type", "=", "closed"), ("state", "=", "final")]), 31
        )
        self.assertFalse(self.env["account.move"].search([("journal_id", "=", self.book.id)]))
        self.assertEqual(self.book.exact_receipts_invoiced_until, MARCH_END)
        self.assertFalse(
            self.env["account.bank.statement.line"].search(
                [("exact_receipts_journal_id", "=", self.book.id)]
            )
        )

    def test_no_invoice_while_a_day_is_missing(self):
        self.fill(START, date(2026, 3, 30))
        self.end_of_day(date(2026, 3, 31))
        with freeze_time(after_midnight(date(2026, 4, 2))):
            self.Book._cron_end_of_day()
        self.assertFalse(self.env["account.move"].search([("journal_id", "=", self.book.id)]))
        with self.on(APRIL_1):
            self.book.invalidate_recordset(["exact_receipts_missing_count"])
            self.assertEqual(self.book.exact_receipts_missing_count, 1)
        with self.on(date(2026, 4, 3)):
            self.entry(MARCH_END, {self.cat21: 10})  # the missing day, entered late
            self.entry(date(2026, 4, 1), entry_type="closed", date_to=date(2026, 4, 2))
        self.end_of_day(date(2026, 4, 3))
        invoice = self.env["account.move"].search([("journal_id", "=", self.book.id)])
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.amount_total, 30 * 100 + 10)
        # the late day is final: a new entry for it is refused, and its period is invoiced
        with self.on(date(2026, 4, 4)), self.refused("before the last one"):
            self.entry(MARCH_END, {self.cat21: 1})

    def test_correction_in_the_next_period(self):
        self.fill(START, MARCH_END)
        self.end_of_day(MARCH_END)
        with self.on(APRIL_1):
            with self.refused("up to 03/31/2026 are invoiced"):
                self.entry(MARCH_END, {self.cat21: 5})
            self.entry(
                APRIL_1,
                {self.cat21: -121},
                entry_type="correction",
                corrected_date=date(2026, 3, 3),
                reason="Terugbetaling",
            )
        for day in (date(2026, 4, d) for d in range(1, 31)):
            if day != APRIL_1:
                with self.on(day):
                    self.entry(day, entry_type="closed")
            self.end_of_day(day)
        march, april = self.env["account.move"].search(
            [("journal_id", "=", self.book.id)], order="invoice_date"
        )
        self.assertEqual(march.amount_total, 3100)
        self.assertEqual(april.move_type, "out_refund")
        self.assertEqual(april.amount_total, 121)
        self.assertEqual(april.invoice_date, date(2026, 4, 30))
        self.assertEqual(april.payment_state, "paid")


@tagged("post_install", "-at_install")
class TestReceiptsLegalBook(ReceiptsCommon):
    def _week(self):
        self.fill(START, START + timedelta(days=2), amount=121)
        with self.on(START + timedelta(days=3)):
            self.entry(START + timedelta(days=3), entry_type="closed", reason="Rustdag")
            self.entry(
                START + timedelta(days=3),
                {self.cat21: -21},
                entry_type="correction",
                corrected_date=START + timedelta(days=1),
                reason="Ticket 7 twice",
                replaced_invoice="INV/2026/00009",
            )
        self.end_of_day(START + timedelta(days=3))

    def test_report_html(self):
        self._week()
        self.startPatcher(freeze_time(START + timedelta(days=10)))
        html, _type = self.env["ir.actions.report"]._render_qweb_html(
            "scrada_exact_bridge.report_exact_receipts_book",
            self.book.ids,
            data={"journal_id": self.book.id, "date_from": "2026-03-01", "date_to": "2026-03-07"},
        )
        text = html.decode()
        self.assertIn("Daily-receipts book", text)
        self.assertIn("Hash chain", text)
        self.assertIn("intact", text)
        self.assertIn("Ticket 7 twice", text)
        self.assertIn("INV/2026/00009", text)
        self.assertIn("Rustdag", text)
        self.assertIn("o_exact_row_closed", text)
        self.assertIn("o_exact_row_correction", text)
        self.assertIn("Days without entry", text)  # 05/03 and later (up to yesterday)
        tree = etree.fromstring(html, etree.HTMLParser())
        totals = tree.xpath("//tr[contains(@class, 'o_exact_totals')]/td")
        self.assertIn("342.00", "".join(totals[-4].itertext()))  # 3 x 121 - 21
        # broken chain shows in the report
        entry = self.Entry.search([("journal_id", "=", self.book.id)], limit=1)
        self.env.cr.execute(
            "UPDATE exact_receipts_entry SET reason = 'x' WHERE id = %s", [entry.id]
        )
        html, _type = self.env["ir.actions.report"]._render_qweb_html(
            "scrada_exact_bridge.report_exact_receipts_book",
            self.book.ids,
            data={"journal_id": self.book.id, "date_from": "2026-03-01", "date_to": "2026-03-07"},
        )
        self.assertIn("BROKEN", html.decode())
        self.assertIn("alert-danger", html.decode())

    def test_xlsx_export(self):
        import openpyxl

        self._week()
        wizard = self.env["exact.receipts.book.report"].create(
            {"journal_id": self.book.id, "date_from": START, "date_to": START + timedelta(days=6)}
        )
        action = wizard.action_export_xlsx()
        attachment_id = int(action["url"].split("/web/content/")[1].split("?")[0])
        attachment = self.env["ir.attachment"].browse(attachment_id)
        book = openpyxl.load_workbook(io.BytesIO(attachment.raw))
        sheet = book.active
        rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
        self.assertIn("intact", rows[2][0])
        header = rows[5]
        self.assertIn("Total incl. VAT", header)
        self.assertIn("Contant geld", header)
        self.assertIn("Bancontact", header)
        data = [row for row in rows[6:] if row[0] not in (None, "Total")]
        self.assertEqual(len(data), 5)
        self.assertEqual([row[2] for row in data].count("Closed"), 1)
        total_row = next(row for row in rows if row[0] == "Total")
        self.assertAlmostEqual(total_row[header.index("Total incl. VAT")], 342.0)
        print_action = wizard.action_print()
        self.assertEqual(
            print_action["report_name"], "scrada_exact_bridge.report_exact_receipts_book"
        )

    def test_billing_user_prints_and_exports(self):
        self._week()
        billing = self.env["res.users"].create(
            {
                "name": "Winkelier",
                "login": "winkelier",
                "company_id": self.company.id,
                "company_ids": [Command.set(self.company.ids)],
                "groups_id": [Command.set([self.env.ref("account.group_account_invoice").id])],
            }
        )
        wizard = (
            self.env["exact.receipts.book.report"]
            .with_user(billing)
            .create(
                {
                    "journal_id": self.book.id,
                    "date_from": START,
                    "date_to": START + timedelta(days=6),
                }
            )
        )
        action = wizard.action_export_xlsx()
        attachment_id = int(action["url"].split("/web/content/")[1].split("?")[0])
        attachment = self.env["ir.attachment"].with_user(billing).browse(attachment_id)
        self.assertTrue(attachment.raw.startswith(b"PK"))  # an XLSX (zip) file
        html, _type = (
            self.env["ir.actions.report"]
            .with_user(billing)
            ._render_qweb_html(
                "scrada_exact_bridge.report_exact_receipts_book",
                self.book.ids,
                data=wizard.action_print()["data"],
            )
        )
        self.assertIn("Ticket 7 twice", html.decode())


@tagged("post_install", "-at_install")
class TestReceiptsReminder(ReceiptsCommon):
    def test_mail_when_yesterday_has_no_entry(self):
        self.fill(START, START + timedelta(days=1))
        sink = SmtpSink().start()
        self.addCleanup(sink.stop)
        make_mail_server(self.env, sink)
        with self.on(START + timedelta(days=2)):
            self.assertFalse(self.Book._cron_reminders())  # yesterday has its entry
        with self.on(START + timedelta(days=3)):
            mails = self.Book._cron_reminders()
            self.assertEqual(len(mails), 1)
            self.assertFalse(self.Book._cron_reminders())  # once a day
        self.assertIn("<zaakvoerder@lab.example>", mails.email_to)
        self.assertIn("03/03/2026", mails.subject)
        with real_smtp():
            mails.send()
        self.assertEqual(mails.state, "sent")
        self.assertEqual(sink.envelopes[0]["rcpt_tos"], ["zaakvoerder@lab.example"])
        self.assertIn("has no entry", sink.messages[0].get_body().get_content())


@tagged("post_install", "-at_install")
class TestCashLineSplit(ReceiptsCommon):
    """Issue 10 item 10: a DR/DRIN line entered by hand in the cash book carries its split."""

    def test_manual_day_total_with_split(self):
        Line = self.env["account.bank.statement.line"]
        day = date(2026, 3, 3)
        line = Line.create(
            {
                "journal_id": self.cash_journal.id,
                "date": day,
                "exact_cash_type": "receipts_day_total",
                "exact_amount_in": 1000.0,
                "exact_split_ids": [
                    Command.create({"name": "Contant geld", "amount": 500.01, "sequence": 1}),
                    Command.create({"name": "Bancontact", "amount": 299.99, "sequence": 2}),
                    Command.create({"name": "Payconiq", "amount": 200, "sequence": 3}),
                ],
            }
        )
        self.assertEqual(
            line.payment_ref,
            "DR/DRIN/03.03.2026/Contant geld=500.01/Bancontact=299.99/Payconiq=200",
        )
        self.assertEqual(line.exact_communication, line.payment_ref)
        self.assertEqual(
            line.exact_split_text, "Contant geld=500.01 / Bancontact=299.99 / Payconiq=200"
        )
        # the screen changes one row: the communication follows; a wrong total is refused
        payconiq = line.exact_split_ids.filtered(lambda s: s.name == "Payconiq")
        line.write(
            {
                "exact_split_ids": [
                    Command.update(payconiq.id, {"amount": 150}),
                    Command.create({"name": "Edenred", "amount": 50, "sequence": 4}),
                ]
            }
        )
        self.assertTrue(line.payment_ref.endswith("/Payconiq=150/Edenred=50"))
        with self.refused("add up to 1050.00"):
            line.write({"exact_split_ids": [Command.create({"name": "Visa", "amount": 50})]})
        with self.refused("only daily-receipts lines"):
            Line.create(
                {
                    "journal_id": self.cash_journal.id,
                    "date": day,
                    "exact_cash_type": "bank_to_cash",
                    "exact_amount_in": 5,
                    "exact_split_ids": [Command.create({"name": "x", "amount": 5})],
                }
            )
        out = Line.create(
            {
                "journal_id": self.cash_journal.id,
                "date": day,
                "exact_cash_type": "receipts_non_cash",
                "exact_amount_out": 499.99,
                "exact_split_ids": [
                    Command.create({"name": "Bancontact", "amount": 299.99}),
                    Command.create({"name": "Payconiq", "amount": 200}),
                ],
            }
        )
        self.assertEqual(out.payment_ref, "DR/DRPM/03.03.2026/Bancontact=299.99/Payconiq=200")
        # in the CODA file
        self.env["account.bank.statement"]._cron_exact_close_periods(today=day + timedelta(1))
        statement = line.statement_id
        parsed = parse_strict(statement._exact_prepare_file()["raw"])
        self.assertEqual(
            [m.communication for m in parsed.moves],
            [
                "DR/DRIN/03.03.2026/Contant geld=500.01/Bancontact=299.99/Payconiq=150/Edenred=50",
                "DR/DRPM/03.03.2026/Bancontact=299.99/Payconiq=200",
            ],
        )
        # sent: the split is locked like the line
        delivery = self.env["exact.mailbox.delivery"].search([("statement_id", "=", statement.id)])
        delivery.sudo().state = "sent"
        statement.invalidate_recordset(["exact_locked"])
        line.invalidate_recordset(["exact_statement_locked"])
        with self.refused("later period as new lines"):
            line.exact_split_ids[0].amount = 1
        action = line.action_exact_split()
        self.assertEqual(action["res_id"], line.id)

    def test_lines_of_the_book_change_only_through_the_book(self):
        self.fill(START, START)
        self.end_of_day(START + timedelta(days=1))  # registered on START: final next day
        line = self.env["account.bank.statement.line"].search(
            [("exact_receipts_journal_id", "=", self.book.id)]
        )
        self.assertEqual(len(line), 1)
        self.assertEqual(line.payment_ref, "DR/DRIN/01.03.2026/Contant geld=100")
        with self.refused("registering a correction in the book"):
            line.exact_remark = "x"
        with self.refused("registering a correction in the book"):
            line.unlink()
        with self.refused("registering a correction in the book"):
            line.exact_split_ids.amount = 90
