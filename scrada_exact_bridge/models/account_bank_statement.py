# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Cash statements closed per period and exported as CODA files.

Life of a cash statement of a journal flagged "Send CODA files to Exact Online":

1. *Closing* (cron ``ir_cron_exact_coda``, :meth:`_cron_exact_close_periods`): the
   posted lines of every finished period (day/week/month, ``exact_coda_period``)
   that are in no statement are grouped into one statement per period.  Odoo
   computes its starting balance from the previous statement; its ending balance is
   the computed one.  An empty period makes no statement and no file.
2. *Numbering*: statements (the cron's and the ones users made themselves) are taken
   in order; a finished, complete and valid statement that follows the last
   numbered one without gap gets the next paper/CODA number of its year (both the
   same, restarting at 1 every year) and its old-balance date (the new-balance date
   of the previous numbered statement).  Numbers are never reused.
3. *Delivery*: exactly one ``exact.mailbox.delivery`` is queued per numbered
   statement; the delivery builds the file lazily through :meth:`_exact_prepare_file`.
4. *Lock*: once a delivery was sent, the statement and its lines cannot be changed.
"""

import base64
import logging
from datetime import timedelta
from decimal import Decimal
from urllib.parse import quote as url_quote

import pytz
from dateutil.relativedelta import relativedelta
from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_repr

from ..lib import coda as coda_lib
from ..lib import delivery_states as states
from ..lib import iban as iban_lib
from ..lib import text as text_lib
from .groups import ACCOUNTING

_logger = logging.getLogger(__name__)

DEFAULT_TZ = "Europe/Brussels"


def period_bounds(period, day):
    """First and last day of the ``period`` ('day', 'week', 'month') containing ``day``."""
    if period == "week":
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    if period == "month":
        start = day.replace(day=1)
        return start, start + relativedelta(months=1, days=-1)
    return day, day


class AccountBankStatement(models.Model):
    _name = "account.bank.statement"
    _inherit = ["account.bank.statement", "mail.thread"]

    exact_paper_number = fields.Integer(
        groups=ACCOUNTING,
        string="Statement number",
        readonly=True,
        copy=False,
        help="Paper statement number written in the CODA file: 1, 2, 3... per cash "
        "journal, restarting every year. Assigned once, when the statement is closed "
        "for Exact Online, and never reused.",
    )
    exact_coda_number = fields.Integer(
        groups=ACCOUNTING,
        string="CODA number",
        readonly=True,
        copy=False,
        index=True,
        help="CODA sequence number of the file: +1 per CODA file of the cash journal, "
        "restarting at 1 every year.",
    )
    exact_period_start = fields.Date(
        string="Period start", readonly=True, copy=False, groups=ACCOUNTING
    )
    exact_period_end = fields.Date(
        groups=ACCOUNTING,
        string="Period end",
        readonly=True,
        copy=False,
        help="New-balance date of the CODA file.",
    )
    exact_old_date = fields.Date(
        groups=ACCOUNTING,
        string="Old balance date",
        readonly=True,
        copy=False,
        help="Old-balance date of the CODA file: the new-balance date of the previous "
        "CODA file of the journal (the day before the period for the first one).",
    )
    exact_delivery_ids = fields.One2many(
        groups=ACCOUNTING,
        comodel_name="exact.mailbox.delivery",
        inverse_name="statement_id",
        string="Exact Online deliveries",
        readonly=True,
    )
    exact_delivery_state = fields.Selection(
        groups=ACCOUNTING,
        selection=[
            ("none", "Not sent"),
            (states.PENDING, "Waiting"),
            (states.SENDING, "Sending"),
            (states.SENT, "Sent"),
            (states.FAILED, "Failed"),
            (states.CANCELLED, "Cancelled"),
        ],
        string="Exact Online",
        compute="_compute_exact_delivery",
    )
    exact_coda_file = fields.Binary(
        string="CODA file",
        groups=ACCOUNTING,
        compute="_compute_exact_coda_file",
        help="The CODA file of this statement: the file sent to Exact Online, or the one "
        "that will be sent.",
    )
    exact_coda_file_name = fields.Char(
        string="CODA file name", groups=ACCOUNTING, compute="_compute_exact_coda_file"
    )
    exact_locked = fields.Boolean(
        groups=ACCOUNTING,
        string="Sent to Exact Online",
        compute="_compute_exact_delivery",
        help="A CODA file of this statement was sent: it cannot be changed any more.",
    )

    # ------------------------------------------------------------------
    # Deliveries
    # ------------------------------------------------------------------

    def _exact_deliveries(self):
        return self.sudo().exact_delivery_ids.sorted("id")

    @api.depends("exact_delivery_ids.state")
    def _compute_exact_delivery(self):
        for statement in self:
            deliveries = statement.sudo().exact_delivery_ids.sorted("id")
            statement.exact_delivery_state = deliveries[-1:].state or "none"
            statement.exact_locked = any(d.state == states.SENT for d in deliveries)

    def _exact_coda_file_values(self):
        """``(name, raw)`` of the CODA file: the file of the latest delivery that has one
        (what Exact Online received or will receive), else a freshly built one (the same
        bytes: the writer is deterministic). Raises UserError when no file can be made."""
        self.ensure_one()
        delivery = self._exact_deliveries().filtered("attachment_id")[-1:]
        if delivery:
            return delivery.attachment_id.name, delivery.attachment_id.raw
        result = self.sudo()._exact_prepare_file()
        return result["name"], result["raw"]

    def _compute_exact_coda_file(self):
        for statement in self:
            try:
                name, raw = statement._exact_coda_file_values()
            except UserError:
                name, raw = False, False
            statement.exact_coda_file_name = name
            statement.exact_coda_file = base64.b64encode(raw) if raw else False

    def action_exact_download_coda(self):
        """"Download CODA": the statement's CODA file, to look at it."""
        self.ensure_one()
        self.check_access("read")
        name, _raw = self._exact_coda_file_values()  # the reasons when there is no file
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/account.bank.statement/{self.id}/exact_coda_file/"
            f"{url_quote(name)}?download=true",
            "target": "download",
        }

    def _exact_delivery_message(self, body):
        """Chatter message about a delivery of this statement (called by the delivery)."""
        self.ensure_one()
        return self.sudo().message_post(body=body)

    # ------------------------------------------------------------------
    # Locks
    # ------------------------------------------------------------------

    _EXACT_LOCKED_FIELDS = frozenset({"balance_start", "balance_end_real", "line_ids"})

    def write(self, vals):
        if self._EXACT_LOCKED_FIELDS.intersection(vals):
            locked = self.sudo().filtered("exact_locked")
            if locked:
                raise UserError(
                    self.env._(
                        "Statement %(statement)s was sent to Exact Online as a CODA file; its "
                        "balances and lines cannot be changed any more. Corrections go into a "
                        "later period as new lines.",
                        statement=locked[0].display_name,
                    )
                )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_exact_numbered(self):
        numbered = self.sudo().filtered("exact_coda_number")
        if numbered:
            raise UserError(
                self.env._(
                    "Statement %(statement)s has CODA number %(number)s for Exact Online and "
                    "cannot be deleted: its number may not be reused. Corrections go into a "
                    "later period as new lines.",
                    statement=numbered[0].display_name,
                    number=numbered[0].exact_coda_number,
                )
            )

    # ------------------------------------------------------------------
    # Closing and numbering
    # ------------------------------------------------------------------

    @api.model
    def _exact_last_closed(self, journal):
        """The last statement of ``journal`` numbered for CODA (or an empty recordset)."""
        return self.sudo().search(
            [("journal_id", "=", journal.id), ("exact_coda_number", "!=", 0)],
            order="exact_period_end desc, first_line_index desc",
            limit=1,
        )

    @api.model
    def _exact_today(self, journal):
        """Today in the company's time zone (Belgium when none is set)."""
        tz_name = journal.company_id.partner_id.tz or DEFAULT_TZ
        try:
            tz = pytz.timezone(tz_name)
        except pytz.UnknownTimeZoneError:
            tz = pytz.timezone(DEFAULT_TZ)
        return fields.Datetime.now().replace(tzinfo=pytz.utc).astimezone(tz).date()

    @api.model
    def _exact_coda_journals(self):
        return self.env["account.journal"].sudo().search(
            [
                ("type", "=", "cash"),
                ("exact_send_coda", "=", True),
                ("company_id.exact_enabled", "=", True),
            ]
        )

    @api.model
    def _cron_exact_close_periods(self, today=None):
        """Close the finished periods of every flagged cash journal and queue their files.

        ``today`` (a date) is for tests; by default each company's local today.
        Idempotent: a second run creates and queues nothing new.
        """
        # Daily-receipts books first write the DR/DRIN lines of their finished days.
        self.env["exact.receipts.book"]._exact_close_all(today)
        to_queue = self.browse()
        for journal in self._exact_coda_journals():
            journal_today = today or self._exact_today(journal)
            try:
                with self.env.cr.savepoint():
                    self._exact_close_journal(journal, journal_today)
                    to_queue |= self._exact_number_journal(journal, journal_today)
            except (UserError, ValueError) as error:
                _logger.warning(
                    "CODA closing of journal %s failed: %s", journal.display_name, error
                )
        to_queue |= self._exact_statements_to_queue()
        if to_queue:
            self.env["exact.mailbox.delivery"].sudo()._exact_enqueue(
                [{"statement_id": statement.id} for statement in to_queue]
            )
        return to_queue

    @api.model
    def _exact_close_journal(self, journal, today, through=None):
        """Group the posted, statement-less lines of finished periods into statements.

        ``through`` (a day): close early, up to and including that day ("Close and send
        now"); the current period then ends that day and the next one starts the day after.
        """
        period = journal.exact_coda_period or "day"
        Line = self.env["account.bank.statement.line"].sudo()
        domain = [
            ("journal_id", "=", journal.id),
            ("statement_id", "=", False),
            ("state", "=", "posted"),
        ]
        if through:
            domain.append(("date", "<=", through))
        else:
            domain.append(("date", "<", period_bounds(period, today)[0]))
        if journal.exact_coda_start_date:  # history before the link is never sent
            domain.append(("date", ">=", journal.exact_coda_start_date))
        lines = Line.search(domain, order="internal_index")
        if not lines:
            return self.browse()
        last_end = self._exact_last_period_end(journal)
        groups = {}
        for line in lines:
            groups.setdefault(
                self._exact_line_period(journal, period, line.date, last_end, through), []
            ).append(line.id)
        statements = self.browse()
        for (start, end), line_ids in sorted(groups.items()):
            existing = self.sudo().search(
                [
                    ("journal_id", "=", journal.id),
                    ("exact_period_start", "=", start),
                    ("exact_period_end", "=", end),
                    ("exact_coda_number", "=", 0),
                ],
                limit=1,
            )
            if existing:
                # Late lines of a period closed but not numbered yet (e.g. blocked).
                existing.write({"line_ids": [fields.Command.link(i) for i in line_ids]})
                existing.balance_end_real = existing.balance_end
                statements |= existing
                continue
            statement = self.sudo().create(
                {
                    "name": self._exact_statement_name(journal, period, start, end),
                    "line_ids": [fields.Command.set(line_ids)],
                    "exact_period_start": start,
                    "exact_period_end": end,
                }
            )
            # Ending balance = computed balance (opening = previous statement's end).
            statement.balance_end_real = statement.balance_end
            statements |= statement
        return statements

    @api.model
    def _exact_last_period_end(self, journal):
        """The last day of the latest period already closed for ``journal`` (or None)."""
        last = self.sudo().search(
            [("journal_id", "=", journal.id), ("exact_period_end", "!=", False)],
            order="exact_period_end desc",
            limit=1,
        )
        return last.exact_period_end or None

    @api.model
    def _exact_line_period(self, journal, period, day, last_end, through=None):
        """``(start, end)`` of the statement a line of ``day`` goes into."""
        start, end = period_bounds(period, day)
        if last_end and day <= last_end:
            # a late line of a period already closed (and not numbered): its statement
            container = self.sudo().search(
                [
                    ("journal_id", "=", journal.id),
                    ("exact_period_start", "<=", day),
                    ("exact_period_end", ">=", day),
                ],
                order="exact_period_end desc",
                limit=1,
            )
            if container:
                return container.exact_period_start, container.exact_period_end
        elif last_end and start <= last_end:
            start = last_end + timedelta(days=1)  # the period after one closed early
        if through and end > through:
            end = through
        return start, end

    @api.model
    def _exact_close_now(self, journal):
        """Close ``journal``'s cash book up to today, number and queue what is closed.

        Returns the statements queued for Exact Online.
        """
        today = self._exact_today(journal)
        self._exact_close_journal(journal, today, through=today)
        numbered = self._exact_number_journal(journal, today + timedelta(days=1))
        to_queue = numbered | self._exact_statements_to_queue().filtered(
            lambda statement: statement.journal_id == journal
        )
        if to_queue:
            self.env["exact.mailbox.delivery"].sudo()._exact_enqueue(
                [{"statement_id": statement.id} for statement in to_queue]
            )
        return to_queue

    @api.model
    def _exact_statement_name(self, journal, period, start, end=None):
        full_start, full_end = period_bounds(period, start)
        if end and (start, end) != (full_start, full_end) and period != "day":
            label = f"{start.isoformat()}/{end.isoformat()}"  # part of a week or month
        elif period == "month":
            label = start.strftime("%Y-%m")
        elif period == "week":
            year, week, __ = start.isocalendar()
            label = f"{year}-W{week:02d}"
        else:
            label = start.isoformat()
        return f"{journal.code} {label}"

    @api.model
    def _exact_number_journal(self, journal, today):
        """Number, in order, the finished, complete and valid statements of ``journal``."""
        numbered = self.browse()
        last = self._exact_last_closed(journal)
        candidates = self.sudo().search(
            [("journal_id", "=", journal.id), ("exact_coda_number", "=", 0)],
            order="first_line_index asc",
        )
        history_end = journal.exact_coda_start_date
        for statement in candidates:
            if last and (statement.first_line_index or "") < (last.first_line_index or ""):
                continue  # older than what was already sent: never exported
            if history_end and any(line.date < history_end for line in statement.line_ids):
                continue  # history kept in Odoo before CODA sending was switched on
            statement._exact_realign_balances()
            problems = statement._exact_numbering_problems(today)
            if problems:
                _logger.info(
                    "CODA: statement %s of %s waits: %s",
                    statement.display_name,
                    journal.display_name,
                    "; ".join(problems),
                )
                break  # keep the order: nothing after a blocked statement
            statement._exact_assign_numbers(last)
            numbered |= statement
            last = statement
        return numbered

    def _exact_realign_balances(self):
        """Re-chain a statement the closing made and that was not numbered yet.

        Its starting balance was the previous statement's ending balance when it was
        made; if that statement was corrected since, follow it (nothing was sent).
        """
        self.ensure_one()
        if self.exact_coda_number or not self.exact_period_start or self.is_valid:
            return
        previous = self.sudo().search(
            [
                ("journal_id", "=", self.journal_id.id),
                ("first_line_index", "<", self.first_line_index),
            ],
            order="first_line_index desc",
            limit=1,
        )
        if previous:
            self.sudo().balance_start = previous.balance_end_real
            self.sudo().balance_end_real = self.balance_end

    def _exact_numbering_problems(self, today):
        """Why this statement cannot be closed for CODA yet (translated), [] if it can."""
        self.ensure_one()
        problems = []
        posted = self.line_ids.filtered(lambda line: line.state == "posted")
        if not posted:
            problems.append(self.env._("it has no posted line"))
            return problems
        end = self.exact_period_end or max(posted.mapped("date"))
        if end >= today:
            problems.append(self.env._("its period is not over"))
        if not self.is_complete:
            problems.append(
                self.env._("it is not complete (the lines do not add up to the ending balance)")
            )
        if not self.is_valid:
            problems.append(
                self.env._(
                    "it is not valid (its starting balance is not the previous ending balance)"
                )
            )
        Line = self.env["account.bank.statement.line"].sudo()
        gap_domain = [
            ("journal_id", "=", self.journal_id.id),
            ("statement_id", "=", False),
            ("state", "=", "posted"),
            ("internal_index", "<", self.first_line_index),
        ]
        if self.journal_id.exact_coda_start_date:
            gap_domain.append(("date", ">=", self.journal_id.exact_coda_start_date))
        gap = Line.search_count(gap_domain)
        if gap:
            problems.append(self.env._("earlier cash lines are in no statement yet"))
        return problems

    def _exact_assign_numbers(self, previous):
        """Give this statement its paper/CODA number and old-balance date (once)."""
        self.ensure_one()
        if self.exact_coda_number:
            return
        posted = self.line_ids.filtered(lambda line: line.state == "posted")
        start = self.exact_period_start or min(posted.mapped("date"))
        end = self.exact_period_end or max(posted.mapped("date"))
        year_start, year_end = end.replace(month=1, day=1), end.replace(month=12, day=31)
        same_year = self.sudo().search(
            [
                ("journal_id", "=", self.journal_id.id),
                ("exact_coda_number", "!=", 0),
                ("exact_period_end", ">=", year_start),
                ("exact_period_end", "<=", year_end),
            ],
            order="exact_coda_number desc",
            limit=1,
        )
        number = same_year.exact_coda_number + 1
        old_date = previous.exact_period_end if previous else start - timedelta(days=1)
        self.sudo().write(
            {
                "exact_paper_number": number,
                "exact_coda_number": number,
                "exact_period_start": start,
                "exact_period_end": end,
                "exact_old_date": old_date,
            }
        )

    @api.model
    def _exact_statements_to_queue(self):
        """Numbered statements of flagged journals that never had a delivery.

        A statement with any delivery is never queued again by the scheduled actions: a
        failed one would fail every run (the accountant fixes the cause and presses
        "Resend"), a cancelled one was stopped by a person and stays stopped until a person
        queues it again ("Send to Exact Online" on the statement, ``action_exact_queue``).
        """
        return self.sudo().search(
            [
                ("exact_coda_number", "!=", 0),
                ("journal_id", "in", self._exact_coda_journals().ids),
                ("exact_delivery_ids", "=", False),
            ],
            order="journal_id, first_line_index",
        )

    def action_exact_queue(self):
        """"Send to Exact Online": queue the CODA file of statements whose delivery was
        cancelled (or that have none), on a person's explicit request."""
        self.check_access("write")
        self.env["exact.mailbox.delivery"].check_access("write")
        todo = self.sudo().filtered(
            lambda statement: statement.exact_coda_number
            and statement.journal_id.exact_send_coda
            and not statement.exact_delivery_ids.filtered(lambda d: d.state in states.LIVE)
        )
        if not todo:
            raise UserError(
                self.env._(
                    "Nothing to send: only a numbered statement of a cash journal that sends "
                    "CODA files, without a pending or sent delivery, can be sent again."
                )
            )
        self.env["exact.mailbox.delivery"].sudo()._exact_enqueue(
            [{"statement_id": statement.id} for statement in todo]
        )
        return True

    # ------------------------------------------------------------------
    # CODA file
    # ------------------------------------------------------------------

    def _exact_file_problems(self):
        """Translated reasons why no CODA file can be made for this statement."""
        self.ensure_one()
        journal = self.journal_id
        name = self.display_name
        problems = []
        if not journal:
            return [
                self.env._("Statement %(statement)s has no line, so no journal.", statement=name)
            ]
        if journal.type != "cash":
            problems.append(
                self.env._(
                    "Statement %(statement)s belongs to %(journal)s, which is not a cash "
                    "journal: banks send their own CODA files.",
                    statement=name,
                    journal=journal.display_name,
                )
            )
        problems.extend(journal._exact_coda_account_problems())
        if not self.exact_coda_number:
            problems.append(
                self.env._(
                    "Statement %(statement)s has not been closed for Exact Online yet (it has "
                    "no CODA number).",
                    statement=name,
                )
            )
        if not self.is_complete:
            problems.append(
                self.env._(
                    "Statement %(statement)s is not complete: its lines add up to %(computed)s "
                    "but its ending balance is %(ending)s.",
                    statement=name,
                    computed=float_repr(self.balance_end, 2),
                    ending=float_repr(self.balance_end_real, 2),
                )
            )
        if not self.is_valid:
            problems.append(
                self.env._(
                    "Statement %(statement)s is not valid: its starting balance does not equal "
                    "the ending balance of the previous statement.",
                    statement=name,
                )
            )
        previous = self._exact_previous_numbered()
        if previous and self.currency_id.compare_amounts(
            previous.balance_end_real, self.balance_start
        ):
            problems.append(
                self.env._(
                    "Statement %(statement)s starts at %(start)s but CODA statement %(number)s "
                    "ended at %(end)s: Exact Online would refuse the file.",
                    statement=name,
                    start=float_repr(self.balance_start, 2),
                    number=previous.exact_coda_number,
                    end=float_repr(previous.balance_end_real, 2),
                )
            )
        return problems

    def _exact_previous_numbered(self):
        self.ensure_one()
        return self.sudo().search(
            [
                ("journal_id", "=", self.journal_id.id),
                ("exact_coda_number", "!=", 0),
                ("id", "!=", self.id),
                ("first_line_index", "<", self.first_line_index),
            ],
            order="first_line_index desc",
            limit=1,
        )

    def _exact_company_number(self):
        company = self.company_id
        number = company.company_registry or company.vat or ""
        digits = "".join(char for char in number if char.isdigit())
        return digits if len(digits) in (9, 10) else ""

    def _exact_decimal(self, amount):
        return Decimal(float_repr(amount, self.currency_id.decimal_places))

    def _exact_coda_statement(self):
        """The ``coda.Statement`` of this statement (numbers must be assigned)."""
        self.ensure_one()
        journal = self.journal_id
        company = self.company_id
        lines = self.line_ids.filtered(lambda line: line.state == "posted" and line.amount)
        lines = lines.sorted("internal_index")
        movements = tuple(
            coda_lib.Movement(
                amount=self._exact_decimal(line.amount), **line._exact_coda_movement_values()
            )
            for line in lines
        )
        return coda_lib.Statement(
            iban=iban_lib.validate(journal.bank_account_id.acc_number),
            currency=(journal.currency_id or company.currency_id).name,
            holder_name=company.name or "",
            paper_number=self.exact_paper_number,
            coda_number=self.exact_coda_number,
            old_balance=self._exact_decimal(self.balance_start),
            old_date=self.exact_old_date,
            new_balance=self._exact_decimal(self.balance_end_real),
            new_date=self.exact_period_end,
            movements=movements,
            creation_date=self.exact_period_end,
            description=journal.name or "",
            company_number=self._exact_company_number(),
            bic=(journal.bank_account_id.bank_bic or "").replace(" ", ""),
        )

    def _exact_file_name(self):
        code = text_lib.to_coda_text(self.journal_id.code or "CASH")
        code = "".join(char if char.isalnum() else "-" for char in code) or "CASH"
        return f"CODA_{code}_{self.exact_period_end.year}_{self.exact_paper_number:03d}.cod"

    def _exact_coda_error_message(self, error):
        messages = {
            "iban_invalid": self.env._("the IBAN of the cash journal is not valid"),
            "balance_mismatch": self.env._(
                "the starting balance plus the lines does not equal the ending balance"
            ),
            "amount_too_large": self.env._("an amount is too large for CODA (12 digits at most)"),
            "date_out_of_range": self.env._("a line is dated outside the statement period"),
            "number_invalid": self.env._(
                "the statement number is over 999 (too many CODA files in one year)"
            ),
            "reference_duplicate": self.env._("two lines have the same reference"),
            "too_many_movements": self.env._("the statement has too many lines for one CODA file"),
        }
        reason = messages.get(error.code) or self.env._("the CODA writer refused the statement")
        return self.env._(
            "No CODA file can be made for statement %(statement)s: %(reason)s (%(detail)s).",
            statement=self.display_name,
            reason=reason,
            detail=str(error),
        )

    def _exact_prepare_file(self):
        """Build the CODA file (delivery contract): dict or UserError listing the reasons."""
        self.ensure_one()
        problems = self._exact_file_problems()
        if problems:
            raise UserError("\n".join(problems))
        try:
            raw = coda_lib.write(self._exact_coda_statement())
        except (coda_lib.CodaError, iban_lib.IbanError) as error:
            if isinstance(error, iban_lib.IbanError):
                error = coda_lib.CodaError("iban_invalid", str(error))
            raise UserError(self._exact_coda_error_message(error)) from error
        notes = []
        skipped = self.line_ids.filtered(lambda line: line.state == "posted" and not line.amount)
        if skipped:
            notes.append(
                self.env._(
                    "%(count)s line(s) with a zero amount are not in the CODA file.",
                    count=len(skipped),
                )
            )
        return {
            "name": self._exact_file_name(),
            "raw": raw,
            "mimetype": "application/octet-stream",
            "notes": notes,
        }
