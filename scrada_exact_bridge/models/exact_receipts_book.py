# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""What a daily-receipts book does at the end of each day (an AbstractModel: no table).

The scheduled action ``ir_cron_exact_receipts`` runs :meth:`_cron_end_of_day` every hour and
is triggered again at each company's next midnight; per book, in this order:

1. *planned closings*: each finished day of a plan that has no entry gets its Closed entry;
2. *the day is over*: the open entries of finished days become ``final`` and are numbered
   into the book's hash chain;
3. *cash book*: per finished day, one line ``DR/DRIN/<dd.mm.yyyy>/<method>=<amount>/...``
   with the day's receipts split per payment method, and one ``DR/DRPM/...`` taking the
   non-cash methods back out, in the linked cash journal (the CODA files carry them);
4. *invoices*: one customer invoice per finished period (day, week or month) whose days all
   have an entry, one line per VAT category, posted (so the existing flow sends it as UBL)
   and reconciled with the period's ``DR/DRIN`` lines.

Every step is idempotent: entries remember their number, their cash lines and their
invoice, the book the last day it invoiced (``exact_receipts_invoiced_until``).
"""

import base64
import io
import logging
from collections import defaultdict
from datetime import datetime, time, timedelta

import pytz
from markupsafe import Markup
from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, float_repr, format_date, formataddr

from ..lib import receipts as receipts_lib
from . import internal_context as ctx

_logger = logging.getLogger(__name__)
DEFAULT_TZ = "Europe/Brussels"


class ExactReceiptsBook(models.AbstractModel):
    _name = "exact.receipts.book"
    _description = "Daily-receipts book (end of day, invoices, cash book, legal book)"

    # ------------------------------------------------------------------
    # Time
    # ------------------------------------------------------------------

    @api.model
    def _exact_tz(self, journal):
        try:
            return pytz.timezone(journal.company_id.partner_id.tz or DEFAULT_TZ)
        except pytz.UnknownTimeZoneError:
            return pytz.timezone(DEFAULT_TZ)

    @api.model
    def _exact_today(self, journal):
        """Today in the company's time zone (Belgium when none is set)."""
        return self.env["account.bank.statement"]._exact_today(journal)

    @api.model
    def _exact_next_midnight(self, journal):
        """The next midnight of the company, as a naive UTC datetime (for ``_trigger``)."""
        tz = self._exact_tz(journal)
        tomorrow = self._exact_today(journal) + timedelta(days=1)
        local = tz.localize(datetime.combine(tomorrow, time(0, 1)))
        return local.astimezone(pytz.utc).replace(tzinfo=None)

    @api.model
    def _exact_books(self):
        return (
            self.env["account.journal"]
            .sudo()
            .search([("type", "=", "sale"), ("exact_receipts_book", "=", True)])
        )

    # ------------------------------------------------------------------
    # The scheduled action
    # ------------------------------------------------------------------

    @api.model
    def _cron_end_of_day(self, today=None):
        """Close the finished days of every book, feed the cash book, make the invoices; then
        make sure the action runs again just after each company's next midnight.

        ``today`` (a date) is for tests; by default each company's local today.
        """
        books = self._exact_close_all(today)
        if books and not today:
            cron = self.env.ref("scrada_exact_bridge.ir_cron_exact_receipts").sudo()
            wanted = {self._exact_next_midnight(book) for book in books}
            planned = set(
                self.env["ir.cron.trigger"]
                .sudo()
                .search([("cron_id", "=", cron.id), ("call_at", "in", list(wanted))])
                .mapped("call_at")
            )
            if wanted - planned:
                cron._trigger(sorted(wanted - planned))

    @api.model
    def _exact_close_all(self, today=None):
        """The end-of-day steps of every book (also run first by the CODA closing)."""
        books = self._exact_books()
        for book in books:
            # what the steps store (error note, invoice narration) is written in the language
            # of the company's reader, whoever runs the closing (issue 12 #3)
            lang = book.company_id.sudo()._exact_lang()
            self.with_context(lang=lang)._exact_close_book(
                book.with_context(lang=lang), today or self._exact_today(book)
            )
        return books

    @api.model
    def _exact_close_book(self, book, today):
        """The end-of-day steps of one book; an error stops this book only, and is shown on it.

        The book's journal row is locked first (skipped when another worker holds it: the
        CODA closing runs these steps too), so two workers never invoice a period twice.
        """
        self.env.cr.execute(
            SQL("SELECT id FROM account_journal WHERE id = %s FOR UPDATE SKIP LOCKED", book.id)
        )
        if not self.env.cr.fetchone():
            _logger.info("Daily receipts of %s: being closed by another worker", book.name)
            return
        error = False
        for step in (
            self._exact_realize_plans,
            self._exact_lock_days,
            self._exact_cash_days,
            self._exact_make_invoices,
        ):
            try:
                with self.env.cr.savepoint():
                    step(book, today)
            except Exception as exc:  # one book's problem never stops the others
                error = f"{exc}"
                _logger.warning(
                    "Daily receipts of %s: %s",
                    book.display_name,
                    exc,
                    exc_info=not isinstance(exc, (UserError, ValueError)),
                )
                break
        if (book.exact_receipts_error or False) != error:
            book.sudo().exact_receipts_error = error
            if error:
                book.sudo().message_post(
                    body=self.env._(
                        "The daily receipts could not be processed: %(error)s", error=error
                    )
                )

    @api.model
    def _exact_day_coverage(self, book):
        """``(days with an entry, last day)`` of the book (plans not counted)."""
        rows = (
            self.env["exact.receipts.entry"]
            .sudo()
            ._read_group(
                [("journal_id", "=", book.id), ("state", "in", ("open", "final"))],
                ["date:day"],
                ["__count"],
            )
        )
        days = {day for day, _count in rows}
        return days, max(days, default=None)

    # ------------------------------------------------------------------
    # 1. Closing days planned ahead
    # ------------------------------------------------------------------

    @api.model
    def _exact_realize_plans(self, book, today=None):
        """Write the Closed entry of each finished day of the book's plans that has none.

        Days are written in order and only while the book has no gap before them (a gap
        must be filled first, then the plan continues).
        """
        book = book.sudo()  # also run for a receipts clerk's entry (no access to journals)
        today = today or self._exact_today(book)
        Entry = self.env["exact.receipts.entry"].sudo()
        plans = Entry.search(
            [("journal_id", "=", book.id), ("state", "=", "planned")], order="date, id"
        )
        if not plans:
            return Entry
        covered, _last = self._exact_day_coverage(book)
        start = book.exact_receipts_start_date
        written = Entry
        for plan in plans:
            for day in receipts_lib.days_between(plan.date, plan.date_to or plan.date):
                if day >= today or day in covered:
                    continue
                if receipts_lib.missing_days(covered, start, day - timedelta(days=1)):
                    break  # a gap before this day: the person fills it first
                written |= Entry.with_context(**ctx.flag(ctx.RECEIPTS_SYSTEM)).create(
                    {
                        "journal_id": book.id,
                        "entry_type": "closed",
                        "date": day,
                        "reason": plan.reason,
                        "note": plan.note,
                        "plan_id": plan.id,
                        "registration_date": today,
                    }
                )
                covered.add(day)
            last_day = plan.date_to or plan.date
            if last_day < today and all(
                day in covered for day in receipts_lib.days_between(plan.date, last_day)
            ):
                plan.with_context(**ctx.flag(ctx.RECEIPTS_SYSTEM)).state = "done"
        return written

    # ------------------------------------------------------------------
    # 2. The day is over: final entries and the hash chain
    # ------------------------------------------------------------------

    @api.model
    def _exact_lock_days(self, book, today):
        entries = (
            self.env["exact.receipts.entry"]
            .sudo()
            .search(
                [("journal_id", "=", book.id), ("state", "=", "open"), ("date", "<", today)],
                order="date, id",
            )
        )
        if entries:
            entries.with_context(**ctx.flag(ctx.RECEIPTS_SYSTEM)).write({"state": "final"})
            self._exact_hash_entries(entries)
        return entries

    @api.model
    def _exact_hash_entries(self, entries):
        """Number and hash ``entries`` (final, not hashed yet) at the end of their book's chain.

        The book's journal row is locked first, so two transactions never fork the chain
        (a unique index on (book, number) is the last guard).
        """
        entries = (
            entries.sudo().filtered(lambda e: not e.entry_hash).sorted(lambda e: (e.date, e.id))
        )
        system = ctx.flag(ctx.RECEIPTS_SYSTEM)
        Entry = self.env["exact.receipts.entry"].sudo().with_context(**system)
        for book in entries.journal_id:
            self.env.cr.execute(
                SQL("SELECT id FROM account_journal WHERE id = %s FOR UPDATE", book.id)
            )
            last = Entry.search(
                [("journal_id", "=", book.id), ("sequence_number", "!=", 0)],
                order="sequence_number desc",
                limit=1,
            )
            number, previous = last.sequence_number, last.entry_hash or ""
            for entry in entries.filtered(lambda e, b=book: e.journal_id == b):
                number += 1
                entry.with_context(**system).write({"sequence_number": number})
                digest = receipts_lib.chain_hash(previous, entry._exact_hash_content())
                entry.with_context(**system).write(
                    {"hash_previous": previous, "entry_hash": digest}
                )
                previous = digest
        return entries

    @api.model
    def _exact_check_chain(self, book):
        """Recompute the book's hash chain from the stored data (``lib.receipts.verify_chain``).

        Returns ``{'ok', 'count', 'first_hash', 'last_hash', 'breaks': [translated text],
        'message'}``.
        """
        Entry = self.env["exact.receipts.entry"].sudo()
        self.env.invalidate_all()
        entries = Entry.search(
            [("journal_id", "=", book.id), ("sequence_number", "!=", 0)], order="sequence_number"
        )
        items = [
            receipts_lib.ChainItem(
                key=entry.id,
                number=entry.sequence_number,
                previous_hash=entry.hash_previous or "",
                entry_hash=entry.entry_hash or "",
                content=entry._exact_hash_content(),
            )
            for entry in entries
        ]
        unhashed = Entry.search_count(
            [("journal_id", "=", book.id), ("state", "=", "final"), ("sequence_number", "=", 0)]
        )
        report = receipts_lib.verify_chain(items)
        by_id = {entry.id: entry for entry in entries}
        breaks = []
        for item in report.breaks:
            entry = by_id[item.key]
            values = {"number": item.number, "entry": entry.display_name}
            if item.kind == "content":
                breaks.append(
                    self.env._(
                        "Entry %(number)s (%(entry)s) was changed after it was recorded: its "
                        "content no longer matches its hash.",
                        **values,
                    )
                )
            elif item.kind == "link":
                breaks.append(
                    self.env._(
                        "Entry %(number)s (%(entry)s) does not follow the entry recorded before "
                        "it: the chain was changed or an entry was removed before it.",
                        **values,
                    )
                )
            else:
                breaks.append(
                    self.env._(
                        "Entries are missing before entry %(number)s (%(entry)s): number "
                        "%(found)s where %(expected)s was expected.",
                        found=item.found,
                        expected=item.expected,
                        **values,
                    )
                )
        if unhashed:
            breaks.append(
                self.env._("%(count)s final entries have no place in the chain.", count=unhashed)
            )
        ok = not breaks
        if ok:
            message = self.env._(
                "Hash chain of %(book)s intact: %(count)s entries, from the first to the last "
                "recorded one.",
                book=book.display_name,
                count=report.count,
            )
        else:
            message = self.env._(
                "Hash chain of %(book)s BROKEN: %(breaks)s",
                book=book.display_name,
                breaks=" ".join(breaks),
            )
        return {
            "ok": ok,
            "count": report.count,
            "first_hash": report.first_hash,
            "last_hash": report.last_hash,
            "breaks": breaks,
            "message": message,
        }

    # ------------------------------------------------------------------
    # 3. The cash book
    # ------------------------------------------------------------------

    @api.model
    def _exact_cash_days(self, book, today):
        """DR/DRIN and DR/DRPM lines for the final entries of finished days."""
        cash_journal = book.exact_receipts_cash_journal_id
        Entry = self.env["exact.receipts.entry"].sudo()
        entries = Entry.search(
            [
                ("journal_id", "=", book.id),
                ("state", "=", "final"),
                ("cash_done", "=", False),
                ("date", "<", today),
                ("registration_date", "<", today),
            ],
            order="date, id",
        )
        if not entries:
            return self.env["account.bank.statement.line"]
        if not cash_journal:
            entries.with_context(**ctx.flag(ctx.RECEIPTS_SYSTEM)).write({"cash_done": True})
            return self.env["account.bank.statement.line"]
        per_day = defaultdict(lambda: Entry)
        for entry in entries:
            per_day[entry.date] |= entry
        lines = self.env["account.bank.statement.line"]
        for day, day_entries in sorted(per_day.items()):
            day_lines = self._exact_cash_lines(book, day, day_entries)
            day_entries.with_context(**ctx.flag(ctx.RECEIPTS_SYSTEM)).write(
                {"cash_done": True, "cash_line_ids": [fields.Command.set(day_lines.ids)]}
            )
            lines |= day_lines
        invoices = entries.invoice_id
        if invoices:
            invoices._exact_receipts_reconcile()
        return lines

    @api.model
    def _exact_cash_line_date(self, cash_journal, day):
        """``day``, or the first day after the last period already closed for CODA."""
        closed = self.env["account.bank.statement"]._exact_last_closed(cash_journal)
        if closed and closed.exact_period_end and closed.exact_period_end >= day:
            return closed.exact_period_end + timedelta(days=1)
        return day

    @api.model
    def _exact_cash_lines(self, book, day, entries):
        """One DR/DRIN line (all methods) and one DR/DRPM line (non-cash methods) for ``day``."""
        splits = []
        cash_names = set()
        methods = {}
        for payment in entries.payment_ids.sorted(lambda p: (p.method_id.sequence, p.method_id.id)):
            name = payment.method_id.name
            methods.setdefault(name, payment.method_id)
            if payment.method_id.kind == "cash":
                cash_names.add(name)
            splits.append((name, float_repr(payment.amount, 2)))
        everything, non_cash, total, non_cash_total = receipts_lib.day_split(splits, cash_names)
        cash_journal = book.exact_receipts_cash_journal_id
        company = book.company_id
        partner = book.exact_receipts_partner_id.commercial_partner_id
        receivable = partner.with_company(company).property_account_receivable_id
        line_date = self._exact_cash_line_date(cash_journal, day)
        Line = self.env["account.bank.statement.line"].sudo().with_company(company)
        values = []
        common = {
            "journal_id": cash_journal.id,
            "date": line_date,
            "exact_receipts_journal_id": book.id,
            "exact_receipts_date": day,
        }
        if total:
            values.append(
                {
                    **common,
                    "exact_cash_type": "receipts_day_total",
                    "amount": float(total),
                    "partner_id": partner.id,
                    "counterpart_account_id": receivable.id,
                    "exact_split_ids": [
                        fields.Command.create(
                            {
                                "sequence": index,
                                "method_id": methods[name].id,
                                "name": name,
                                "amount": float(amount),
                            }
                        )
                        for index, (name, amount) in enumerate(everything)
                    ],
                }
            )
        if non_cash_total:
            transfer = company.transfer_account_id or cash_journal.suspense_account_id
            values.append(
                {
                    **common,
                    "exact_cash_type": "receipts_non_cash",
                    "amount": -float(non_cash_total),
                    "counterpart_account_id": transfer.id,
                    "exact_split_ids": [
                        fields.Command.create(
                            {
                                "sequence": index,
                                "method_id": methods[name].id,
                                "name": name,
                                "amount": float(amount),
                            }
                        )
                        for index, (name, amount) in enumerate(non_cash)
                    ],
                }
            )
        if not values:
            return Line
        return Line.with_context(**ctx.flag(ctx.RECEIPTS_SYSTEM)).create(values)

    # ------------------------------------------------------------------
    # 4. Daily-receipts invoices
    # ------------------------------------------------------------------

    @api.model
    def _exact_periods_to_invoice(self, book, today):
        """The finished periods ``(start, end)`` after the last invoiced one whose days all
        have an entry."""
        period = book.exact_receipts_period or "month"
        start = book.exact_receipts_start_date
        if not start:
            return []
        first = max(
            start,
            (book.exact_receipts_invoiced_until + timedelta(days=1))
            if book.exact_receipts_invoiced_until
            else start,
        )
        _covered, last = self._exact_day_coverage(book)
        periods = []
        while first < today:
            period_start, period_end = receipts_lib.next_period(period, first)
            if period_end >= today or not last or last < period_end:
                break
            periods.append((period_start, period_end))
            first = period_end + timedelta(days=1)
        return periods

    @api.model
    def _exact_make_invoices(self, book, today):
        """One posted invoice per finished period (none for a period without receipts)."""
        invoices = self.env["account.move"]
        for start, end in self._exact_periods_to_invoice(book, today):
            invoice = self._exact_invoice_period(book, start, end)
            book.sudo().exact_receipts_invoiced_until = end
            invoices |= invoice
        return invoices

    @api.model
    def _exact_invoice_period(self, book, start, end):
        Entry = self.env["exact.receipts.entry"].sudo()
        entries = Entry.search(
            [
                ("journal_id", "=", book.id),
                ("state", "=", "final"),
                ("date", ">=", start),
                ("date", "<=", end),
            ],
            order="date, id",
        )
        to_invoice = entries.filtered(lambda e: not e.invoice_id)
        totals = defaultdict(float)
        for line in to_invoice.amount_ids:
            totals[line.category_id] += line.amount
        currency = book.company_id.currency_id
        totals = {
            cat: currency.round(amount)
            for cat, amount in totals.items()
            if not currency.is_zero(amount)
        }
        if not totals:
            return self.env["account.move"]
        grand_total = currency.round(sum(totals.values()))
        sign = -1 if grand_total < 0 else 1
        lang = book.company_id.partner_id.lang or self.env.lang
        label = receipts_lib.period_label(book.exact_receipts_period or "month", start, end)
        Move = (
            self.env["account.move"]
            .sudo()
            .with_company(book.company_id)
            .with_context(lang=lang, default_move_type="out_invoice")
        )
        invoice_lines = []
        for category, amount in sorted(
            totals.items(), key=lambda item: (item[0].sequence, item[0].id)
        ):
            account = category.account_id or book.default_account_id
            if not account:
                raise UserError(
                    self.env._(
                        "The daily-receipts book %(book)s has no income account for VAT category "
                        "\"%(category)s\": set the journal's default account or the category's "
                        "income account.",
                        book=book.display_name,
                        category=category.name,
                    )
                )
            invoice_lines.append(
                fields.Command.create(
                    {
                        "name": category.name,
                        "quantity": 1 if amount * sign > 0 else -1,
                        "price_unit": abs(amount),
                        "tax_ids": [fields.Command.set(category._exact_invoice_tax().ids)],
                        "account_id": account.id,
                    }
                )
            )
        invoice = Move.create(
            {
                "move_type": "out_refund" if sign < 0 else "out_invoice",
                "journal_id": book.id,
                "partner_id": book.exact_receipts_partner_id.id,
                "invoice_date": end,
                "date": end,
                "ref": f"{book.name} {label}",
                "narration": self.with_context(lang=lang)._exact_narration(
                    book, start, end, entries
                ),
                "invoice_line_ids": invoice_lines,
            }
        )
        invoice_total = invoice.amount_total * sign
        if currency.compare_amounts(invoice_total, grand_total):
            raise UserError(
                self.env._(
                    "The daily-receipts invoice of %(book)s %(period)s would total %(invoice)s "
                    "instead of the %(entries)s entered: check the taxes of the VAT categories.",
                    book=book.display_name,
                    period=label,
                    invoice=float_repr(invoice_total, 2),
                    entries=float_repr(grand_total, 2),
                )
            )
        to_invoice.with_context(**ctx.flag(ctx.RECEIPTS_SYSTEM)).write({"invoice_id": invoice.id})
        invoice.action_post()
        invoice._exact_receipts_reconcile()
        return invoice

    @api.model
    def _exact_narration(self, book, start, end, entries):
        """The list of days of the period with their total (closed days marked)."""
        per_day = defaultdict(float)
        closed = set()
        for entry in entries:
            if entry.entry_type == "closed":
                closed.add(entry.date)
            else:
                per_day[entry.date] += entry.amount_total
        currency = book.company_id.currency_id
        items = []
        for day in receipts_lib.days_between(start, end):
            if day in per_day:
                items.append(
                    f"{receipts_lib.format_day(day)}: {float_repr(currency.round(per_day[day]), 2)}"
                )
            elif day in closed:
                items.append(self.env._("%(day)s: closed", day=receipts_lib.format_day(day)))
        title = self.env._(
            "Daily receipts of %(book)s from %(start)s to %(end)s (incl. VAT, corrections on "
            "the day they were registered).",
            book=book.name,
            start=receipts_lib.format_day(start),
            end=receipts_lib.format_day(end),
        )
        return Markup("<p>%s</p><p>%s</p>") % (title, "; ".join(items))

    # ------------------------------------------------------------------
    # Status (entry form, dashboard)
    # ------------------------------------------------------------------

    @api.model
    def _exact_status(self, book):
        """Last entry date, today's total and the days without entry of one book."""
        book = book.sudo()
        today = self._exact_today(book)
        covered, last = self._exact_day_coverage(book)
        start = book.exact_receipts_start_date
        missing = []
        if start:
            missing = receipts_lib.missing_days(covered, start, today - timedelta(days=1))
        today_total = sum(
            self.env["exact.receipts.entry"]
            .sudo()
            .search(
                [
                    ("journal_id", "=", book.id),
                    ("date", "=", today),
                    ("state", "in", ("open", "final")),
                ]
            )
            .mapped("amount_total")
        )
        warning = False
        if missing:
            shown = ", ".join(format_date(self.env, day) for day in missing[:5])
            if len(missing) > 5:
                shown += ", ..."
            warning = self.env._(
                "%(count)s day(s) without entry: %(days)s. Enter their receipts or mark them "
                "closed, in order.",
                count=len(missing),
                days=shown,
            )
        return {
            "last_date": last or False,
            "today_total": today_total,
            "missing": missing,
            "warning": warning,
            "today": today,
        }

    # ------------------------------------------------------------------
    # Reminders
    # ------------------------------------------------------------------

    @api.model
    def _cron_reminders(self, today=None):
        """Mail the book's responsible user when yesterday has no entry (once a day)."""
        mails = self.env["mail.mail"]
        for book in self._exact_books():
            book_today = today or self._exact_today(book)
            yesterday = book_today - timedelta(days=1)
            user = book.exact_receipts_user_id
            if (
                not user.email
                or not book.exact_receipts_start_date
                or yesterday < book.exact_receipts_start_date
                or book.exact_receipts_reminded_date == book_today
            ):
                continue
            covered, _last = self._exact_day_coverage(book)
            if yesterday in covered:
                continue
            mails |= self._exact_reminder_mail(book, user, yesterday)
            book.sudo().exact_receipts_reminded_date = book_today
        if mails:
            self.env.ref("mail.ir_cron_mail_scheduler_action")._trigger()
        return mails

    @api.model
    def _exact_reminder_mail(self, book, user, day):
        company = book.company_id
        self_lang = self.with_context(lang=user.lang or company.partner_id.lang)
        day_text = format_date(self_lang.env, day)
        subject = self_lang.env._(
            "No daily receipts yet for %(day)s in %(book)s", day=day_text, book=book.name
        )
        body = Markup("<p>%s</p><p>%s</p>") % (
            self_lang.env._(
                "The daily-receipts book %(book)s has no entry for %(day)s.",
                book=book.name,
                day=day_text,
            ),
            self_lang.env._(
                "Enter that day's receipts, or mark the day closed, in Odoo: Daily receipts > "
                "Enter receipts. Every day needs an entry before its period can be invoiced."
            ),
        )
        sender = company.exact_sender_email or company.email or user.email
        return (
            self.env["mail.mail"]
            .sudo()
            .create(
                {
                    "subject": subject,
                    "email_from": formataddr((company.name, sender)),
                    "email_to": formataddr((user.name, user.email)),
                    "body_html": body,
                    "model": "account.journal",
                    "res_id": book.id,
                    "auto_delete": False,
                }
            )
        )

    # ------------------------------------------------------------------
    # The legal book (PDF report and XLSX export)
    # ------------------------------------------------------------------

    @api.model
    def _exact_book_data(self, book, date_from, date_to):
        """Rows and totals of the legal book of ``book`` from ``date_from`` to ``date_to``."""
        book = book.sudo()
        Entry = self.env["exact.receipts.entry"].sudo()
        entries = Entry.search(
            [
                ("journal_id", "=", book.id),
                ("state", "in", ("open", "final")),
                ("date", ">=", date_from),
                ("date", "<=", date_to),
            ],
            order="date, sequence_number, id",
        )
        categories = (
            book.with_context(active_test=False).exact_receipts_category_ids
            | entries.amount_ids.category_id
        ).sorted(lambda c: (c.sequence, c.id))
        methods = (
            book.with_context(active_test=False).exact_receipts_method_ids
            | entries.payment_ids.method_id
        ).sorted(lambda m: (m.sequence, m.id))
        used_categories = categories.filtered(
            lambda c: c.active or c in entries.amount_ids.category_id
        )
        used_methods = methods.filtered(lambda m: m.active or m in entries.payment_ids.method_id)
        labels = dict(Entry._fields["entry_type"]._description_selection(self.env))
        rows = []
        totals = {"categories": defaultdict(float), "methods": defaultdict(float), "total": 0.0}
        for entry in entries:
            per_category = {line.category_id.id: line.amount for line in entry.amount_ids}
            per_method = {line.method_id.id: line.amount for line in entry.payment_ids}
            for key, amount in per_category.items():
                totals["categories"][key] += amount
            for key, amount in per_method.items():
                totals["methods"][key] += amount
            totals["total"] += entry.amount_total
            detail = entry.product_name or entry.reason or ""
            if entry.entry_type == "correction":
                detail = self.env._(
                    "corrects %(day)s: %(reason)s",
                    day=format_date(self.env, entry.corrected_date),
                    reason=entry.reason or "",
                )
                if entry.replaced_invoice:
                    detail += " " + self.env._(
                        "(invoice %(number)s)", number=entry.replaced_invoice
                    )
            rows.append(
                {
                    "entry": entry,
                    "number": entry.sequence_number or "",
                    "date": entry.date,
                    "date_text": format_date(self.env, entry.date),
                    "type": labels.get(entry.entry_type),
                    "entry_type": entry.entry_type,
                    "detail": detail,
                    "categories": [per_category.get(c.id, 0.0) for c in used_categories],
                    "methods": [per_method.get(m.id, 0.0) for m in used_methods],
                    "total": entry.amount_total,
                    "hash": entry.entry_hash or "",
                    "registered": format_date(self.env, entry.registration_date)
                    if entry.registration_date
                    else "",
                }
            )
        covered, _last = self._exact_day_coverage(book)
        start = max(date_from, book.exact_receipts_start_date or date_from)
        end = min(date_to, self._exact_today(book) - timedelta(days=1))
        missing = receipts_lib.missing_days(covered, start, end) if start <= end else []
        return {
            "book": book,
            "company": book.company_id,
            "currency": book.company_id.currency_id,
            "date_from": date_from,
            "date_to": date_to,
            "date_from_text": format_date(self.env, date_from),
            "date_to_text": format_date(self.env, date_to),
            "categories": used_categories,
            "methods": used_methods,
            "rows": rows,
            "total_categories": [totals["categories"][c.id] for c in used_categories],
            "total_methods": [totals["methods"][m.id] for m in used_methods],
            "total": totals["total"],
            "missing": [format_date(self.env, day) for day in missing],
            "chain": self._exact_check_chain(book),
            "printed": format_date(self.env, fields.Date.context_today(self)),
        }

    @api.model
    def _exact_book_xlsx(self, book, date_from, date_to):
        """The legal book as an XLSX file (bytes)."""
        import xlsxwriter  # an Odoo dependency

        data = self._exact_book_data(book, date_from, date_to)
        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(output, {"in_memory": True})
        sheet = workbook.add_worksheet(self.env._("Daily receipts")[:31])
        bold = workbook.add_format({"bold": True})
        money = workbook.add_format({"num_format": "#,##0.00"})
        money_bold = workbook.add_format({"num_format": "#,##0.00", "bold": True})
        date_format = workbook.add_format({"num_format": "dd/mm/yyyy"})
        sheet.write(
            0,
            0,
            self.env._(
                "Daily-receipts book %(book)s, %(company)s",
                book=book.name,
                company=book.company_id.name,
            ),
            bold,
        )
        sheet.write(
            1,
            0,
            self.env._(
                "From %(start)s to %(end)s", start=data["date_from_text"], end=data["date_to_text"]
            ),
        )
        sheet.write(2, 0, data["chain"]["message"])
        if data["missing"]:
            sheet.write(
                3, 0, self.env._("Days without entry: %(days)s", days=", ".join(data["missing"]))
            )
        header = [
            self.env._("No."),
            self.env._("Date"),
            self.env._("Type"),
            self.env._("Details"),
            *[f"{c.name} ({float_repr(c.tax_id.amount, 0)} %)" for c in data["categories"]],
            self.env._("Total incl. VAT"),
            *data["methods"].mapped("name"),
            self.env._("Registered on"),
            self.env._("Hash"),
        ]
        row_index = 5
        for col, title in enumerate(header):
            sheet.write(row_index, col, title, bold)
        for row in data["rows"]:
            row_index += 1
            values = [
                row["number"],
                row["date"],
                row["type"],
                row["detail"],
                *row["categories"],
                row["total"],
                *row["methods"],
                row["registered"],
                row["hash"],
            ]
            for col, value in enumerate(values):
                if col == 1:
                    sheet.write_datetime(
                        row_index, col, datetime.combine(value, time()), date_format
                    )
                elif isinstance(value, float):
                    sheet.write_number(row_index, col, value, money)
                else:
                    sheet.write(row_index, col, value)
        row_index += 1
        sheet.write(row_index, 0, self.env._("Total"), bold)
        totals = [*data["total_categories"], data["total"], *data["total_methods"]]
        for offset, value in enumerate(totals):
            sheet.write_number(row_index, 4 + offset, value, money_bold)
        sheet.set_column(0, 0, 6)
        sheet.set_column(1, 1, 12)
        sheet.set_column(2, 3, 28)
        sheet.set_column(4, len(header), 14)
        workbook.close()
        return output.getvalue()

    @api.model
    def _exact_book_file_name(self, book, date_from, date_to, extension):
        code = "".join(char if char.isalnum() else "-" for char in book.code or "BOOK")
        return f"{code}_{date_from.isoformat()}_{date_to.isoformat()}.{extension}"

    @api.model
    def _exact_book_attachment(self, book, date_from, date_to):
        raw = self._exact_book_xlsx(book, date_from, date_to)
        # Attached to the journal, which billing users may read but not write: created as
        # superuser, downloaded with the user's own read access to the journal.
        return self.env["ir.attachment"].sudo().create(
            {
                "name": self._exact_book_file_name(book, date_from, date_to, "xlsx"),
                "datas": base64.b64encode(raw),
                "mimetype": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "res_model": "account.journal",
                "res_id": book.id,
            }
        )
