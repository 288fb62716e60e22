# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Entries of a daily-receipts book (dagontvangstenboek / livre des recettes journalieres).

One or more entries per day and book: *General* (the day's total), *Specific* (one item
over 250 EUR incl. VAT), *Correction* (registered today, for an earlier day, with its
reason) and *Closed* (a closing day: zero amounts).  Each entry holds its amounts incl. VAT
per VAT category and their split per payment method.

States (one definition, :data:`ENTRY_STATES`):

* ``planned``: a Closed entry over future days or over a range of days: a plan.  The
  end-of-day scheduled action writes a Closed entry for each of its days that ends without
  entry (``exact.receipts.book``), then the plan is ``done``;
* ``open``: its day is not over (company time zone): it can still be changed or deleted;
* ``final``: its day is over: it is numbered in the book's hash chain and never changes
  again (a correction entry is the only way).

The rules live in ``lib/receipts.py``; this model gathers the facts, turns the rule codes
into translated messages and protects final entries on every write path.
"""

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_repr, format_date

from ..lib import receipts as receipts_lib
from . import internal_context as ctx
from .groups import ACCOUNTING

ENTRY_TYPES = [
    ("general", "General (day total)"),
    ("specific", "Specific (item over 250 EUR)"),
    ("correction", "Correction"),
    ("closed", "Closed"),
]
ENTRY_STATES = [
    ("planned", "Planned"),
    ("open", "Open"),
    ("final", "Final"),
    ("done", "Written"),
]
#: Fields fixed at creation (an open entry is deleted and entered again instead).
FIXED_FIELDS = frozenset({"journal_id", "date", "entry_type", "company_id"})
#: Fields the addon itself writes on final entries (numbering, hash chain, links).
SYSTEM_FIELDS = frozenset(
    {
        "state",
        "sequence_number",
        "hash_previous",
        "entry_hash",
        "invoice_id",
        "cash_line_ids",
        "cash_done",
    }
)
#: Fields a plan (closing days planned ahead) may still change.
PLAN_FIELDS = frozenset({"date_to", "reason", "note"})


class ExactReceiptsEntry(models.Model):
    _name = "exact.receipts.entry"
    _description = "Daily-receipts entry"
    _order = "date desc, id desc"
    _check_company_auto = True

    journal_id = fields.Many2one(
        "account.journal",
        string="Book",
        required=True,
        index=True,
        ondelete="restrict",
        check_company=True,
        domain="[('exact_receipts_book', '=', True)]",
        default=lambda self: self._exact_default_journal(),
    )
    book_name = fields.Char(related="journal_id.name", string="Book name")
    company_id = fields.Many2one(related="journal_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    entry_type = fields.Selection(ENTRY_TYPES, string="Type", required=True, default="general")
    date = fields.Date(
        required=True,
        index=True,
        default=lambda self: self._exact_default_date(),
        help="The day of the receipts. For a correction: the day it is registered (today).",
    )
    date_to = fields.Date(
        string="Closed until",
        help="Closing days only: the last closing day of a holiday period. Days to come are "
        "written as closed at the end of each day, unless receipts were entered.",
    )
    registration_date = fields.Date(
        string="Registered on",
        readonly=True,
        copy=False,
        help="The day (company time zone) the entry was entered.",
    )
    state = fields.Selection(
        ENTRY_STATES, required=True, default="open", readonly=True, copy=False, index=True
    )
    product_name = fields.Char(string="Product", help="Specific entries: the item sold.")
    corrected_date = fields.Date(string="Corrected date", help="Corrections: the day corrected.")
    reason = fields.Char(help='Corrections: why; closing days: e.g. "Annual holiday".')
    replaced_invoice = fields.Char(
        string="Replaced by invoice",
        help="Corrections: the number of the invoice that replaced a ticket, if any.",
    )
    note = fields.Text(string="Details")
    amount_ids = fields.One2many(
        "exact.receipts.entry.amount", "entry_id", string="Amounts incl. VAT", copy=True
    )
    payment_ids = fields.One2many(
        "exact.receipts.entry.payment", "entry_id", string="Payment methods", copy=True
    )
    amount_total = fields.Monetary(
        string="Total incl. VAT",
        compute="_compute_totals",
        store=True,
        currency_field="currency_id",
    )
    payment_total = fields.Monetary(
        string="Total of the payment methods",
        compute="_compute_totals",
        store=True,
        currency_field="currency_id",
    )
    plan_id = fields.Many2one(
        "exact.receipts.entry",
        string="Planned by",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
    )
    invoice_id = fields.Many2one(
        "account.move",
        string="Daily-receipts invoice",
        readonly=True,
        copy=False,
        index="btree_not_null",
        check_company=True,
        groups=ACCOUNTING,
    )
    cash_line_ids = fields.Many2many(
        "account.bank.statement.line",
        "exact_receipts_entry_cash_line_rel",
        "entry_id",
        "line_id",
        string="Cash book lines",
        readonly=True,
        copy=False,
        groups=ACCOUNTING,
    )
    cash_done = fields.Boolean(readonly=True, copy=False, groups=ACCOUNTING)
    sequence_number = fields.Integer(
        string="Number in the book",
        readonly=True,
        copy=False,
        help="Position of the entry in the book's hash chain (given when its day is over).",
    )
    hash_previous = fields.Char(
        string="Hash of the previous entry", readonly=True, copy=False, groups=ACCOUNTING
    )
    entry_hash = fields.Char(
        string="Hash",
        readonly=True,
        copy=False,
        groups=ACCOUNTING,
        help="sha256 of the previous entry's hash and of this entry's content.",
    )
    can_choose_book = fields.Boolean(compute="_compute_can_choose_book")
    book_last_date = fields.Date(string="Last entry", compute="_compute_book_status")
    book_today_total = fields.Monetary(
        string="Today's total", compute="_compute_book_status", currency_field="currency_id"
    )
    book_warning = fields.Char(compute="_compute_book_status")

    _sql_constraints = [
        (
            "sequence_uniq",
            "unique(journal_id, sequence_number)",
            "Two entries of a book cannot have the same number in its hash chain.",
        ),
    ]

    # ------------------------------------------------------------------
    # Defaults and screen helpers
    # ------------------------------------------------------------------

    def _exact_is_accountant(self):
        return self.env.su or self.env.user.has_groups(ACCOUNTING)

    @api.model
    def _exact_user_books(self):
        """The books the current user may enter receipts in."""
        domain = [
            ("exact_receipts_book", "=", True),
            ("company_id", "in", self.env.companies.ids),
        ]
        if not self._exact_is_accountant():
            domain.append(("exact_receipts_clerk_ids", "in", self.env.uid))
        return self.env["account.journal"].sudo().search(domain, order="sequence, id")

    @api.model
    def _exact_default_journal(self):
        journal_id = self.env.context.get("default_journal_id")
        if journal_id:
            return self.env["account.journal"].browse(journal_id)
        books = self._exact_user_books()
        current = books.filtered(lambda j: j.company_id == self.env.company)
        return (current or books)[:1]

    @api.model
    def _exact_today(self, journal):
        return self.env["exact.receipts.book"]._exact_today(journal)

    @api.model
    def _exact_default_date(self):
        journal = self._exact_default_journal()
        return self._exact_today(journal) if journal else fields.Date.context_today(self)

    @api.model
    def _exact_line_commands(self, journal):
        journal = journal.sudo()
        return (
            [fields.Command.clear()]
            + [
                fields.Command.create({"category_id": category.id, "amount": 0.0})
                for category in journal.exact_receipts_category_ids
            ],
            [fields.Command.clear()]
            + [
                fields.Command.create({"method_id": method.id, "amount": 0.0})
                for method in journal.exact_receipts_method_ids
            ],
        )

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        journal = self.env["account.journal"].browse(values.get("journal_id"))
        if not journal:
            journal = self._exact_default_journal()
        if journal and ("amount_ids" in fields_list or "payment_ids" in fields_list):
            amounts, payments = self._exact_line_commands(journal)
            if "amount_ids" in fields_list and not values.get("amount_ids"):
                values["amount_ids"] = amounts
            if "payment_ids" in fields_list and not values.get("payment_ids"):
                values["payment_ids"] = payments
        return values

    @api.onchange("journal_id")
    def _onchange_journal_id(self):
        for entry in self.filtered(lambda e: not e._origin and e.journal_id):
            entry.amount_ids, entry.payment_ids = self._exact_line_commands(entry.journal_id)
            entry.date = self._exact_today(entry.journal_id)

    @api.onchange("amount_ids", "payment_ids", "entry_type")
    def _onchange_cash_remainder(self):
        """Cash is what is left after the other payment methods."""
        for entry in self:
            if entry.entry_type == "closed":
                for line in entry.amount_ids | entry.payment_ids:
                    line.amount = 0.0
                continue
            cash = entry.payment_ids.filtered(lambda p: p.kind == "cash")[:1]
            if not cash:
                continue
            others = sum((entry.payment_ids - cash).mapped("amount"))
            remainder = entry.currency_id.round(sum(entry.amount_ids.mapped("amount")) - others)
            if entry.currency_id.compare_amounts(cash.amount, remainder):
                cash.amount = remainder

    def _compute_can_choose_book(self):
        value = self._exact_is_accountant()
        for entry in self:
            entry.can_choose_book = value

    @api.depends("amount_ids.amount", "payment_ids.amount")
    def _compute_totals(self):
        for entry in self:
            entry.amount_total = sum(entry.amount_ids.mapped("amount"))
            entry.payment_total = sum(entry.payment_ids.mapped("amount"))

    @api.depends("journal_id")
    def _compute_book_status(self):
        Book = self.env["exact.receipts.book"]
        cache = {}
        for entry in self:
            journal = entry.journal_id
            if not journal:
                entry.book_last_date = False
                entry.book_today_total = 0.0
                entry.book_warning = False
                continue
            if journal.id not in cache:
                cache[journal.id] = Book._exact_status(journal)
            status = cache[journal.id]
            entry.book_last_date = status["last_date"]
            entry.book_today_total = status["today_total"]
            entry.book_warning = status["warning"]

    @api.depends("date", "entry_type", "journal_id")
    def _compute_display_name(self):
        labels = dict(self._fields["entry_type"]._description_selection(self.env))
        for entry in self:
            if not entry.date:
                entry.display_name = self.env._("New entry")
                continue
            day = format_date(self.env, entry.date)
            if entry.date_to and entry.date_to != entry.date:
                day = f"{day} - {format_date(self.env, entry.date_to)}"
            entry.display_name = f"{day} {labels.get(entry.entry_type, '')}".strip()

    # ------------------------------------------------------------------
    # Rules
    # ------------------------------------------------------------------

    def _exact_facts(self):
        """The :class:`EntryFacts` of this entry (other entries: those entered before it)."""
        self.ensure_one()
        journal = self.journal_id.sudo()
        today = self._exact_today(journal)
        others = self.sudo().search(
            [
                ("journal_id", "=", journal.id),
                ("id", "<", self.id),
                ("state", "in", ("open", "final")),
            ]
        )
        return receipts_lib.EntryFacts(
            entry_type=self.entry_type,
            day=self.date,
            today=today,
            start_day=journal.exact_receipts_start_date or self.date,
            amounts=tuple(float_repr(a, 2) for a in self.amount_ids.mapped("amount")),
            split=tuple(float_repr(a, 2) for a in self.payment_ids.mapped("amount")),
            day_to=self.date_to or None,
            product=self.product_name or "",
            corrected_day=self.corrected_date or None,
            reason=self.reason or "",
            last_day=max(others.mapped("date"), default=None),
            covered=frozenset(others.mapped("date")),
            invoiced_until=journal.exact_receipts_invoiced_until or None,
            day_final=any(
                other.date == self.date
                and other.registration_date
                and other.registration_date < today
                for other in others
            ),
        )

    def _exact_problem_message(self, problem):
        """The translated message of a rule code of ``lib/receipts.py``."""
        params = {
            key: format_date(self.env, value) if hasattr(value, "isoformat") else value
            for key, value in problem.params.items()
            if key != "days"
        }
        if "days" in problem.params:
            params["days"] = ", ".join(format_date(self.env, d) for d in problem.params["days"])
        params["book"] = self.journal_id.sudo().display_name
        messages = {
            "before_start": lambda: self.env._(
                "The book %(book)s starts on %(start)s: no entry can be dated %(day)s.", **params
            ),
            "correction_past": lambda: self.env._(
                "A correction is registered on the day it is made: date it today (%(today)s) "
                'or later, and put the day it corrects in "Corrected date".',
                **params,
            ),
            "future": lambda: self.env._(
                "%(day)s has not come yet: receipts are entered on their day or later. Only "
                "closing days can be planned ahead (type Closed).",
                **params,
            ),
            "before_last": lambda: self.env._(
                "The book %(book)s already has an entry on %(last)s: no entry may be dated "
                "before the last one (%(day)s). To change a past day, register a correction "
                "today.",
                **params,
            ),
            "invoiced": lambda: self.env._(
                "The receipts of the book %(book)s up to %(until)s are invoiced: no entry can be "
                "dated %(day)s any more. Register a correction today instead.",
                **params,
            ),
            "day_closed": lambda: self.env._(
                "%(day)s is over and its receipts are final: to change them, register a "
                "correction today.",
                **params,
            ),
            "gap": lambda: self.env._(
                "Every day needs an entry, in order: first enter the receipts of %(days)s (or "
                "mark them closed), then those of %(day)s.",
                **params,
            ),
            "specific_product": lambda: self.env._(
                "A specific entry is one item over 250 EUR incl. VAT: enter the name of the "
                "product."
            ),
            "specific_threshold": lambda: self.env._(
                "A specific entry is one item over %(threshold)s EUR incl. VAT; %(total)s EUR "
                "belongs in the day total (type General).",
                **params,
            ),
            "correction_day_missing": lambda: self.env._(
                'A correction needs the day it corrects ("Corrected date").'
            ),
            "correction_day_range": lambda: self.env._(
                "The corrected date %(corrected)s must be a day of the book, from %(start)s to "
                "%(day)s.",
                **params,
            ),
            "correction_reason": lambda: self.env._("A correction needs its reason."),
            "correction_empty": lambda: self.env._(
                "A correction changes at least one amount: enter the difference per VAT "
                "category (negative to lower the receipts)."
            ),
            "range_not_closed": lambda: self.env._(
                "Only closing days (type Closed) can cover several days; enter other receipts "
                "day by day."
            ),
            "range_order": lambda: self.env._(
                "The last closing day (%(day_to)s) comes before the first one (%(day)s).", **params
            ),
            "closed_amounts": lambda: self.env._(
                "A closing day has no receipts: leave every amount at zero, or choose another type."
            ),
            "negative_amount": lambda: self.env._(
                "Day totals and specific items are never negative: to lower receipts already "
                "entered, register a correction."
            ),
            "split_mismatch": lambda: self.env._(
                "The payment methods add up to %(split)s but the receipts total %(total)s "
                "(difference %(difference)s): the split per payment method must equal the "
                "total.",
                **params,
            ),
        }
        return messages[problem.code]()

    def _exact_check_rules(self):
        for entry in self:
            if not entry.journal_id.sudo().exact_receipts_book:
                raise ValidationError(
                    self.env._(
                        "Journal %(journal)s is not a daily-receipts book.",
                        journal=entry.journal_id.sudo().display_name,
                    )
                )
            problems = receipts_lib.entry_problems(entry._exact_facts())
            if problems:
                raise ValidationError(
                    "\n".join(entry._exact_problem_message(problem) for problem in problems)
                )

    def _exact_check_amount_rules(self):
        """Rules that do not depend on the date (after a change of amounts or texts)."""
        for entry in self:
            facts = entry._exact_facts()
            problems = [
                problem
                for problem in receipts_lib.entry_problems(facts)
                if problem.code not in receipts_lib.DATE_CODES
            ]
            if problems:
                raise ValidationError(
                    "\n".join(entry._exact_problem_message(problem) for problem in problems)
                )

    def _exact_check_clerk(self, vals_list):
        """A receipts clerk (no accounting rights) enters today's receipts of its books."""
        if self._exact_is_accountant():
            return
        books = self._exact_user_books()
        for vals in vals_list:
            journal = self.env["account.journal"].sudo().browse(vals.get("journal_id"))
            today = self._exact_today(journal) if journal else None
            day = fields.Date.to_date(vals.get("date"))
            if journal not in books or day != today or vals.get("date_to"):
                raise UserError(
                    self.env._(
                        "As receipts clerk you may only enter today's receipts (%(today)s) in "
                        "your own books.",
                        today=format_date(self.env, today) if today else "-",
                    )
                )

    def _exact_check_editable(self):
        """Final entries never change (their day is over); open ones until the day ends."""
        labels = dict(self._fields["entry_type"]._description_selection(self.env))
        for entry in self:
            if entry.state in ("planned", "done"):
                continue
            today = self._exact_today(entry.journal_id.sudo())
            if entry.state == "final" or entry.date < today:
                raise UserError(
                    self.env._(
                        "The entry of %(day)s (%(type)s) is final: its day is over. It can no "
                        "longer be changed or deleted; register a correction today instead.",
                        day=format_date(self.env, entry.date),
                        type=labels.get(entry.entry_type),
                    )
                )

    def _exact_after_lines_change(self):
        """After amount or payment lines changed on their own (not through the entry)."""
        if ctx.is_set(self.env, ctx.RECEIPTS_SYSTEM) or ctx.is_set(
            self.env, ctx.RECEIPTS_LINES_DEFERRED
        ):
            return
        self._exact_check_amount_rules()

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    def _exact_changed(self, vals, names):
        """The fields among ``names`` whose value in ``vals`` differs from this record's."""
        self.ensure_one()
        changed = []
        for name in names:
            if name not in vals:
                continue
            field = self._fields[name]
            new = field.convert_to_record(field.convert_to_cache(vals[name], self), self)
            if new != self[name]:
                changed.append(name)
        return changed

    @api.model_create_multi
    def create(self, vals_list):
        self.check_access("create")  # before any rule: the rules' messages are for users
        system = ctx.is_set(self.env, ctx.RECEIPTS_SYSTEM)
        vals_list = [dict(vals) for vals in vals_list]  # the caller's values stay as they were
        Journal = self.env["account.journal"].sudo()
        for vals in vals_list:
            if not vals.get("journal_id"):
                vals["journal_id"] = self._exact_default_journal().id
        self._exact_check_clerk(vals_list)
        for vals in vals_list:
            journal = Journal.browse(vals["journal_id"])
            today = self._exact_today(journal)
            day = fields.Date.to_date(vals.get("date")) or today
            day_to = fields.Date.to_date(vals.get("date_to"))
            if not system:
                for name in SYSTEM_FIELDS | {"registration_date"}:
                    vals.pop(name, None)
            vals.setdefault("registration_date", today)
            if receipts_lib.is_plan(vals.get("entry_type") or "general", day, today, day_to):
                vals["state"] = "planned"
            else:
                vals["state"] = "final" if day < today else "open"
        entries = super(
            ExactReceiptsEntry, self.with_context(**ctx.flag(ctx.RECEIPTS_ENTRY_CREATE))
        ).create(vals_list)
        entries = entries.with_env(self.env)
        entries._exact_check_rules()
        Book = self.env["exact.receipts.book"]
        final = entries.filtered(lambda e: e.state == "final")
        if final:
            Book._exact_hash_entries(final)
        if not system:  # a day filled in may let a plan go on (the book's own entries: no)
            for journal in entries.journal_id:
                Book._exact_realize_plans(journal)
        return entries

    def write(self, vals):
        if ctx.is_set(self.env, ctx.RECEIPTS_SYSTEM):
            return super().write(vals)
        for entry in self:
            if entry.state in ("planned", "done"):
                if entry.state == "done" or entry._exact_changed(vals, set(vals) - PLAN_FIELDS):
                    raise UserError(
                        self.env._(
                            "A planned closing can only get another last day or reason; "
                            "delete it and plan it again to change more."
                        )
                    )
                continue
            if entry._exact_changed(vals, FIXED_FIELDS | SYSTEM_FIELDS | {"registration_date"}):
                raise UserError(
                    self.env._(
                        "The book, the day and the type of an entry are set when it is entered. "
                        "Delete the entry (possible while its day is open) and enter it again."
                    )
                )
        self._exact_check_editable()
        if "amount_ids" in vals or "payment_ids" in vals:  # checked once, after every line
            self = self.with_context(**ctx.flag(ctx.RECEIPTS_LINES_DEFERRED))  # noqa: PLW0642
        result = super().write(vals)
        plans = self.filtered(lambda e: e.state == "planned")
        if plans:
            plans._exact_check_rules()
            for journal in plans.journal_id:
                self.env["exact.receipts.book"]._exact_realize_plans(journal)
        (self - plans)._exact_check_amount_rules()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_final(self):
        if ctx.is_set(self.env, ctx.RECEIPTS_SYSTEM):
            return
        self._exact_check_editable()
        if self.filtered(lambda e: e.state == "done"):
            raise UserError(
                self.env._(
                    "The closing days of this plan are written in the book: it cannot be "
                    "deleted any more."
                )
            )

    # ------------------------------------------------------------------
    # Hash chain
    # ------------------------------------------------------------------

    def _exact_hash_content(self):
        """What the hash of this entry covers (read back the same way by the check)."""
        self.ensure_one()
        entry = self.sudo()

        def amounts(lines, key):
            return sorted(
                [line[key].id, receipts_lib.format_amount(float_repr(line.amount, 2))]
                for line in lines
                if not entry.currency_id.is_zero(line.amount)
            )

        return {
            "version": receipts_lib.HASH_VERSION,
            "number": entry.sequence_number,
            "company": entry.company_id.id,
            "book": entry.journal_id.id,
            "date": entry.date.isoformat(),
            "registered": entry.registration_date.isoformat() if entry.registration_date else "",
            "type": entry.entry_type,
            "product": entry.product_name or "",
            "corrected": entry.corrected_date.isoformat() if entry.corrected_date else "",
            "reason": entry.reason or "",
            "invoice": entry.replaced_invoice or "",
            "note": entry.note or "",
            "amounts": amounts(entry.amount_ids, "category_id"),
            "payments": amounts(entry.payment_ids, "method_id"),
        }

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_open_invoice(self):
        self.ensure_one()
        self.check_access("read")
        # the field may be in the cache already (read by a rule as superuser): check it
        self.check_field_access_rights("read", ["invoice_id"])
        return self.invoice_id._get_records_action() if self.invoice_id else False
