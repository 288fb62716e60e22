# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Cash book on top of the statement lines of cash journals.

A cash book line is an ordinary ``account.bank.statement.line`` (so it is a
posted journal entry like any cash transaction in Odoo) with a Scrada
transaction type, an invoice reference and a remark.  Its CODA communication
starts with the type's code (``CB/CLIE/<customer>/<invoice>/<remark>``...)
so Exact Online can book it by prefix.  Lines created elsewhere (Point of
Sale, imports, code) have no type: their label (``payment_ref``) is their
communication.

Locks (see ``account_bank_statement.py``): once a cash statement has been
closed for CODA (it has a CODA number), no line may be dated on or before
the end of its period; once it has been sent, its lines cannot be changed or
deleted.  Corrections go into a later period as new lines.
"""

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_repr, format_date

from ..lib import communication as communication_lib
from ..lib.coda import CodaError
from . import internal_context as ctx
from .groups import ACCOUNTING

CASH_TYPES = [
    ("bank_to_cash", "Cash from the bank"),
    ("cash_to_bank", "Cash to the bank"),
    ("customer_payment", "Customer payment"),
    ("supplier_payment", "Supplier payment"),
    ("cash_receipt", "Cash receipts"),
    ("receipts_day_total", "Daily receipts: day total"),
    ("receipts_non_cash", "Daily receipts: non-cash part"),
    ("private_withdrawal", "Private withdrawal"),
    ("private_deposit", "Private deposit"),
    ("cash_difference", "Cash difference"),
    ("other", "Other"),
]

# Fields whose change alters what was (or will be) written into a CODA file.
CODA_FIELDS = frozenset(
    {
        "date",
        "amount",
        "payment_ref",
        "partner_id",
        "partner_name",
        "account_number",
        "statement_id",
        "journal_id",
        "company_id",
        "sequence",
        "foreign_currency_id",
        "amount_currency",
        "exact_cash_type",
        "exact_invoice_ref",
        "exact_remark",
        "exact_amount_in",
        "exact_amount_out",
        "exact_split_ids",
        "exact_receipts_date",
    }
)
# Fields of a line made by a daily-receipts book that only the book changes (closing it into
# a statement is fine).
RECEIPTS_LOCKED_FIELDS = CODA_FIELDS - {"statement_id", "sequence"}
# Cash types whose line names the customer or supplier who paid or was paid.
PARTNER_TYPES = ("customer_payment", "supplier_payment")
COMMUNICATION_FIELDS = (
    "exact_cash_type",
    "exact_invoice_ref",
    "exact_remark",
    "partner_id",
    "date",
)


class AccountBankStatementLine(models.Model):
    _inherit = "account.bank.statement.line"

    exact_cash_type = fields.Selection(
        groups=ACCOUNTING,
        selection=CASH_TYPES,
        string="Cash type",
        help="Kind of cash transaction. It decides the code at the start of the CODA "
        "communication (e.g. CB/CLIE for a customer payment), which Exact Online uses to "
        "book the movement. Lines without a type (Point of Sale, imports) are sent with "
        "their label as communication.",
    )
    exact_invoice_ref = fields.Char(
        groups=ACCOUNTING,
        string="Invoice number",
        help="Number of the invoice paid in cash (customer and supplier payments).",
    )
    exact_remark = fields.Char(string="Remark", groups=ACCOUNTING)
    exact_amount_in = fields.Monetary(
        groups=ACCOUNTING,
        string="In",
        compute="_compute_exact_amounts",
        inverse="_inverse_exact_amounts",
        readonly=False,
        currency_field="currency_id",
        help="Cash received.",
    )
    exact_amount_out = fields.Monetary(
        groups=ACCOUNTING,
        string="Out",
        compute="_compute_exact_amounts",
        inverse="_inverse_exact_amounts",
        readonly=False,
        currency_field="currency_id",
        help="Cash paid out.",
    )
    exact_communication = fields.Char(
        groups=ACCOUNTING,
        string="CODA communication",
        compute="_compute_exact_communication",
        help="Communication of this movement in the CODA file sent to Exact Online.",
    )
    exact_statement_locked = fields.Boolean(
        groups=ACCOUNTING,
        string="Sent to Exact Online",
        related="statement_id.exact_locked",
    )

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------

    @api.depends("amount")
    def _compute_exact_amounts(self):
        for line in self:
            line.exact_amount_in = line.amount if line.amount > 0 else 0.0
            line.exact_amount_out = -line.amount if line.amount < 0 else 0.0

    def _inverse_exact_amounts(self):
        for line in self:
            amount = (line.exact_amount_in or 0.0) - (line.exact_amount_out or 0.0)
            if line.currency_id.compare_amounts(amount, line.amount):
                line.amount = amount

    @api.onchange("exact_amount_in", "exact_amount_out")
    def _onchange_exact_amounts(self):
        for line in self:
            if line.exact_amount_in and line.exact_amount_out:
                # never net the two silently: the line is refused when saved
                return {
                    "warning": {
                        "title": self.env._("In or Out"),
                        "message": line._exact_in_and_out_message(),
                    }
                }
            line.amount = (line.exact_amount_in or 0.0) - (line.exact_amount_out or 0.0)
        return None

    def _exact_in_and_out_message(self):
        return self.env._(
            "A cash line is money coming in or money going out, not both: enter the amount "
            "under In or under Out, and use a second line for the other movement."
        )

    @api.model
    def default_get(self, fields_list):
        """A new line of a cash journal is dated today (Odoo proposes the date of the last
        line, which may lie in a period already closed for Exact Online)."""
        defaults = super().default_get(fields_list)
        if (
            "date" in fields_list
            and not self.env.context.get("default_date")
            and defaults.get("journal_id")
            and self.env["account.journal"].sudo().browse(defaults["journal_id"]).type == "cash"
        ):
            defaults["date"] = fields.Date.context_today(self)
        return defaults

    @api.depends(
        *COMMUNICATION_FIELDS,
        "payment_ref",
        "move_id.name",
        "partner_name",
        "exact_split_ids.name",
        "exact_split_ids.amount",
        "exact_receipts_date",
    )
    def _compute_exact_communication(self):
        for line in self:
            line.exact_communication = line._exact_build_communication()

    def _exact_build_communication(self, values=None):
        """The CODA communication of this line, from its values (or ``values``)."""
        values = values or {}

        def value(name):
            return values[name] if name in values else self[name]

        cash_type = value("exact_cash_type")
        if not cash_type:
            return value("payment_ref") or self.move_id.ref or self.move_id.name or ""
        partner = value("partner_id")
        if isinstance(partner, int):
            partner = self.env["res.partner"].browse(partner)
        partner_label = partner.name if partner else (value("partner_name") or "")
        try:
            return communication_lib.build_communication(
                cash_type,
                partner=partner_label or "",
                invoice=value("exact_invoice_ref") or "",
                remark=value("exact_remark") or "",
                day=fields.Date.to_date(value("exact_receipts_date") or value("date")),
                methods=self._exact_split_methods(values),
            )
        except CodaError:
            return value("payment_ref") or ""

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------

    @api.constrains("exact_cash_type", "amount")
    def _check_exact_cash_type_direction(self):
        labels = dict(self._fields["exact_cash_type"]._description_selection(self.env))
        # Lines made by a daily-receipts book follow the day's receipts: a day of corrections
        # can be negative.
        own = self.sudo().filtered(
            lambda rec: rec.exact_cash_type and not rec.exact_receipts_journal_id
        )
        for line in own:
            if communication_lib.direction_ok(line.exact_cash_type, str(line.amount)):
                continue
            direction = communication_lib.get_type(line.exact_cash_type).direction
            if not line.amount:
                message = self.env._(
                    "Cash book line of %(date)s (%(type)s): enter an amount in or out.",
                    date=line.date,
                    type=labels[line.exact_cash_type],
                )
            elif direction == communication_lib.IN:
                message = self.env._(
                    "Cash book line of %(date)s: \"%(type)s\" is money coming in; enter the "
                    "amount under In, or choose another type.",
                    date=line.date,
                    type=labels[line.exact_cash_type],
                )
            else:
                message = self.env._(
                    "Cash book line of %(date)s: \"%(type)s\" is money going out; enter the "
                    "amount under Out, or choose another type.",
                    date=line.date,
                    type=labels[line.exact_cash_type],
                )
            raise ValidationError(message)

    @api.constrains("exact_cash_type", "partner_id")
    def _check_exact_cash_type_partner(self):
        labels = dict(self._fields["exact_cash_type"]._description_selection(self.env))
        for line in self.sudo().filtered(lambda rec: rec.exact_cash_type in PARTNER_TYPES):
            if line.partner_id:
                continue
            if line.exact_cash_type == "customer_payment":
                message = self.env._(
                    "Cash book line of %(date)s (%(type)s): choose the customer. Exact Online "
                    "books the payment on the customer's account.",
                    date=format_date(self.env, line.date),
                    type=labels[line.exact_cash_type],
                )
            else:
                message = self.env._(
                    "Cash book line of %(date)s (%(type)s): choose the supplier. Exact Online "
                    "books the payment on the supplier's account.",
                    date=format_date(self.env, line.date),
                    type=labels[line.exact_cash_type],
                )
            raise ValidationError(message)

    # ------------------------------------------------------------------
    # Locks
    # ------------------------------------------------------------------

    def _exact_check_coda_start(self):
        """Refuse lines dated before "Send CODA from" in a cash book that sends CODA files:
        such a line would never reach Exact Online."""
        for line in self.sudo():
            journal = line.journal_id
            start = journal.exact_coda_start_date
            if (
                journal.type != "cash"
                or not start
                or not (journal.exact_coda_activated or journal.exact_send_coda)
                or not line.date
                or line.date >= start
            ):
                continue
            raise UserError(
                self.env._(
                    "The cash book of %(journal)s sends its lines to Exact Online from %(start)s "
                    "on (\"Send CODA from\"): a line dated %(date)s would never reach Exact "
                    "Online. Date it %(start)s or later; an accounting administrator can move "
                    "\"Send CODA from\" back on the journal's Exact Online tab.",
                    journal=journal.display_name,
                    start=format_date(self.env, start),
                    date=format_date(self.env, line.date),
                )
            )

    def _exact_check_closed_dates(self):
        """Refuse lines dated inside a cash period already closed for CODA."""
        Statement = self.env["account.bank.statement"]
        for journal in self.sudo().journal_id.filtered(lambda j: j.type == "cash"):
            closed = Statement._exact_last_closed(journal)
            if not closed:
                continue
            lines = self.sudo().filtered(lambda line, j=journal: line.journal_id == j)
            bad = lines.filtered(
                lambda line, c=closed: line.date
                and line.date <= c.exact_period_end
                and not (
                    line.statement_id.exact_coda_number
                    and not line.statement_id.exact_locked
                    and line.statement_id.exact_period_start
                    <= line.date
                    <= line.statement_id.exact_period_end
                )
            )
            if bad:
                raise UserError(
                    self.env._(
                        "The cash book of %(journal)s is closed up to %(date)s: statement "
                        "%(statement)s has been sent (or is being sent) to Exact Online as a "
                        "CODA file, so no entry may be dated on or before that day "
                        "(%(lines)s). Corrections go into a later period as new lines.",
                        journal=journal.display_name,
                        date=closed.exact_period_end,
                        statement=closed.display_name,
                        lines=", ".join(str(d) for d in sorted(set(bad.mapped("date")))),
                    )
                )

    def _exact_check_not_sent(self):
        locked = self.sudo().filtered(lambda line: line.statement_id.exact_locked)
        if locked:
            statement = locked.statement_id[:1]
            raise UserError(
                self.env._(
                    "Statement %(statement)s of %(journal)s was sent to Exact Online as a CODA "
                    "file; its lines cannot be changed or deleted any more. Corrections go into "
                    "a later period as new lines.",
                    statement=statement.display_name,
                    journal=statement.journal_id.display_name,
                )
            )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model
    def _exact_split_amounts(self, vals):
        """Turn In/Out into the signed ``amount`` (the move is built from it at create).

        A line with both an amount in and an amount out is refused (never netted).
        """
        if "exact_amount_in" in vals or "exact_amount_out" in vals:
            vals = dict(vals)
            amount_in = vals.pop("exact_amount_in", 0.0) or 0.0
            amount_out = vals.pop("exact_amount_out", 0.0) or 0.0
            if amount_in and amount_out:
                raise ValidationError(self._exact_in_and_out_message())
            if amount_in or amount_out or "amount" not in vals:
                vals["amount"] = amount_in - amount_out
        return vals

    @api.model_create_multi
    def create(self, vals_list):
        vals_list = [self._exact_split_amounts(vals) for vals in vals_list]
        for vals in vals_list:
            if vals.get("exact_cash_type") and not vals.get("payment_ref"):
                # The label (move line names, other screens) is the CODA communication.
                vals["payment_ref"] = self.browse()._exact_build_communication(vals)
        lines = super().create(vals_list)
        for line in lines.sudo().filtered(lambda rec: rec.exact_cash_type and not rec.payment_ref):
            line.payment_ref = line._exact_build_communication()
        lines._exact_check_not_sent()
        lines._exact_check_closed_dates()
        lines._exact_check_coda_start()
        return lines

    def write(self, vals):
        if "exact_split_ids" in vals:  # the split is checked once, after all its rows
            self = self.with_context(**ctx.flag(ctx.SPLIT_DEFERRED))  # noqa: PLW0642
        vals = self._exact_split_amounts(vals)
        if CODA_FIELDS.intersection(vals):
            self._exact_check_not_sent()
        if RECEIPTS_LOCKED_FIELDS.intersection(vals):
            self._exact_receipts_check_generated()
        if (
            "payment_ref" not in vals
            and any(name in vals for name in COMMUNICATION_FIELDS)
            and (self.sudo().filtered("exact_cash_type") or vals.get("exact_cash_type"))
        ):
            result = True
            for line in self:
                line_vals = dict(vals)
                if line_vals.get("exact_cash_type", line.sudo().exact_cash_type):
                    line_vals["payment_ref"] = line.sudo()._exact_build_communication(line_vals)
                result = super(AccountBankStatementLine, line).write(line_vals) and result
        else:
            result = super().write(vals)
        if {"date", "journal_id", "statement_id"}.intersection(vals):
            self._exact_check_closed_dates()
        if "exact_split_ids" in vals:
            self._exact_refresh_communication()
        if {"date", "journal_id"}.intersection(vals):
            self._exact_check_coda_start()
        return result

    def unlink(self):
        self._exact_check_not_sent()
        self._exact_receipts_check_generated()
        return super().unlink()

    # ------------------------------------------------------------------
    # Cash book buttons
    # ------------------------------------------------------------------

    @api.model
    def action_exact_close_now(self):
        """"Close and send now" of the cash book: close the current period today."""
        journal = self.env["account.journal"].browse(
            self.env.context.get("default_journal_id") or self.journal_id[:1].id
        )
        if not journal:
            raise UserError(self.env._("Open the cash book of one cash journal first."))
        return journal.action_exact_close_now()

    # ------------------------------------------------------------------
    # CODA
    # ------------------------------------------------------------------

    def _exact_coda_movement_values(self):
        """Keyword arguments of ``coda.Movement`` for this line (amount as Decimal)."""
        self.ensure_one()
        return {
            "entry_date": self.date,
            "communication": self._exact_build_communication(),
            "reference": self.move_id.name or str(self.id),
            "counterparty_name": self.partner_id.name or self.partner_name or "",
        }


    # ------------------------------------------------------------------
    # Daily receipts: payment-method split (issue 10 item 10) and the lines
    # a daily-receipts book makes (issue 13)
    # ------------------------------------------------------------------

    exact_split_ids = fields.One2many(
        "exact.cash.line.split",
        "statement_line_id",
        string="Payment methods",
        copy=True,
        groups=ACCOUNTING,
        help="Daily receipts only: the day's receipts per payment method (DR/DRIN: every "
        "method, adding up to the amount in; DR/DRPM: the non-cash methods, adding up to the "
        "amount out). Written into the CODA communication.",
    )
    exact_split_text = fields.Char(
        string="Split", compute="_compute_exact_split_text", groups=ACCOUNTING,
        help="The payment methods of the line, as in its communication.",
    )
    exact_receipts_journal_id = fields.Many2one(
        "account.journal",
        string="Daily-receipts book",
        readonly=True,
        copy=False,
        index="btree_not_null",
        check_company=True,
        groups=ACCOUNTING,
        help="The daily-receipts book that made this line.",
    )
    exact_receipts_date = fields.Date(
        string="Receipts of",
        readonly=True,
        copy=False,
        groups=ACCOUNTING,
        help="The day of the receipts (the line may be dated later when that day's cash "
        "period was already closed).",
    )

    @api.depends("exact_split_ids.name", "exact_split_ids.amount")
    def _compute_exact_split_text(self):
        for line in self:
            line.exact_split_text = " / ".join(
                f"{name}={communication_lib.format_amount(amount)}"
                for name, amount in line._exact_split_methods()
            )

    def _exact_split_methods(self, values=None):
        """``[(method name, amount as str)]`` of the line's split (or of create ``values``)."""
        if values and "exact_split_ids" in values:
            rows = []
            for command in values["exact_split_ids"] or []:
                if isinstance(command, (list, tuple)) and command[0] == fields.Command.CREATE:
                    rows.append((command[2].get("sequence", 10), command[2]))
            rows.sort(key=lambda row: row[0])
            return [
                (vals.get("name") or "", float_repr(vals.get("amount") or 0.0, 2))
                for _sequence, vals in rows
            ]
        return [
            (split.name, float_repr(split.amount, 2))
            for split in self.exact_split_ids.sorted(lambda s: (s.sequence, s.id))
        ]

    def _exact_refresh_communication(self):
        """Write the communication again after a change of the split (lines with a type)."""
        for line in self.filtered("exact_cash_type"):
            communication = line._exact_build_communication()
            if communication != line.payment_ref:
                line.write({"payment_ref": communication})

    @api.constrains("amount", "exact_cash_type", "exact_split_ids")
    def _check_exact_split(self):
        labels = dict(self._fields["exact_cash_type"]._description_selection(self.env))
        for line in self.filtered("exact_split_ids"):
            if line.exact_cash_type not in ("receipts_day_total", "receipts_non_cash"):
                raise ValidationError(self.env._(
                    "Cash book line of %(date)s: only daily-receipts lines (day total, non-cash "
                    "part) have a split per payment method, not \"%(type)s\".",
                    date=line.date, type=labels.get(line.exact_cash_type, "-")))
            total = sum(line.exact_split_ids.mapped("amount"))
            expected = line.amount if line.exact_cash_type == "receipts_day_total" else -line.amount
            if line.currency_id.compare_amounts(total, expected):
                if line.exact_cash_type == "receipts_day_total":
                    message = self.env._(
                        "Cash book line of %(date)s: the payment methods add up to %(split)s, "
                        "but the line brings in %(amount)s. Make the split equal the amount.",
                        date=line.date, split=float_repr(total, 2),
                        amount=float_repr(expected, 2))
                else:
                    message = self.env._(
                        "Cash book line of %(date)s: the payment methods add up to %(split)s, "
                        "but the line takes out %(amount)s. Make the split equal the amount.",
                        date=line.date, split=float_repr(total, 2),
                        amount=float_repr(expected, 2))
                raise ValidationError(message)

    def _exact_after_split_change(self):
        """After split rows changed on their own (not through the line's write)."""
        if ctx.is_set(self.env, ctx.SPLIT_DEFERRED):
            return
        self._exact_refresh_communication()
        self._check_exact_split()

    def _exact_receipts_check_generated(self):
        """Lines a daily-receipts book made change only through the book (a correction)."""
        if ctx.is_set(self.env, ctx.RECEIPTS_SYSTEM):
            return
        generated = self.sudo().filtered("exact_receipts_journal_id")
        if generated:
            raise UserError(self.env._(
                "This cash line was made by the daily-receipts book %(book)s from its entries of "
                "%(day)s: change it by registering a correction in the book.",
                book=generated[0].exact_receipts_journal_id.display_name,
                day=generated[0].exact_receipts_date))

    def action_exact_split(self):
        """Open the line's payment-method split (cash book screen)."""
        self.ensure_one()
        self.check_access("read")
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Payment methods of %(line)s", line=self.exact_communication),
            "res_model": "account.bank.statement.line",
            "res_id": self.id,
            "view_mode": "form",
            "views": [(self.env.ref("scrada_exact_bridge.view_exact_cash_line_split_form").id,
                       "form")],
            "target": "new",
        }
