# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Payment methods of a daily-receipts book ("Contant geld", Bancontact, Payconiq ...).

Every book has exactly one method of kind *cash*, made with the book and never removed.
Other methods only exist when the book is linked to a cash journal: the cash book then
receives each day's total with its split per method (``DR/DRIN/...``) and takes the
non-cash part back out (``DR/DRPM/...``).  A method's name is written into those
communications, so once it has been used it can be archived, not renamed nor deleted.
"""

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

KINDS = [("cash", "Cash"), ("other", "Other (card, app, voucher...)")]


class ExactReceiptsPaymentMethod(models.Model):
    _name = "exact.receipts.payment.method"
    _description = "Daily-receipts payment method"
    _order = "journal_id, sequence, id"
    _check_company_auto = True

    sequence = fields.Integer(default=10)
    name = fields.Char(
        required=True,
        help="Written as is in the cash book's communication, e.g. "
        "DR/DRIN/15.01.2026/Contant geld=500/Bancontact=299.99.",
    )
    journal_id = fields.Many2one(
        "account.journal",
        string="Daily-receipts book",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
        domain="[('type', '=', 'sale')]",
    )
    company_id = fields.Many2one(related="journal_id.company_id", store=True, index=True)
    kind = fields.Selection(KINDS, required=True, default="other")
    active = fields.Boolean(default=True)
    used = fields.Boolean(compute="_compute_used", string="Used in entries")

    def _compute_used(self):
        used = self._exact_used_ids()
        for method in self:
            method.used = method.id in used

    def _exact_used_ids(self):
        ids = [method_id for method_id in self.ids if isinstance(method_id, int)]
        if not ids:
            return set()
        groups = (
            self.env["exact.receipts.entry.payment"]
            .sudo()
            ._read_group([("method_id", "in", ids)], ["method_id"], ["__count"])
        )
        return {method.id for method, _count in groups}

    @api.constrains("journal_id", "kind", "active")
    def _check_exact_method(self):
        for method in self:
            book = method.journal_id.sudo()
            if not book.exact_receipts_book:
                raise ValidationError(
                    self.env._(
                        'Journal %(journal)s is not a daily-receipts book: tick "Daily-receipts '
                        'book" on the journal first.',
                        journal=book.display_name,
                    )
                )
            if method.kind == "other" and method.active and not book.exact_receipts_cash_journal_id:
                raise ValidationError(
                    self.env._(
                        'Payment method "%(method)s": methods other than cash are only possible '
                        "when the book %(book)s is linked to a cash journal (the cash book takes "
                        "the non-cash part back out). Link a cash journal first.",
                        method=method.name,
                        book=book.display_name,
                    )
                )
            cash = self.with_context(active_test=False).search_count(
                [("journal_id", "=", book.id), ("kind", "=", "cash")]
            )
            if cash > 1:
                raise ValidationError(
                    self.env._(
                        "The book %(book)s already has its cash method; a book has exactly one.",
                        book=book.display_name,
                    )
                )
            if method.kind == "cash" and not method.active:
                raise ValidationError(
                    self.env._(
                        "The cash method of the book %(book)s always exists; it cannot be "
                        "archived.",
                        book=book.display_name,
                    )
                )

    def write(self, vals):
        for method in self:
            if "kind" in vals and vals["kind"] != method.kind and method.kind == "cash":
                raise UserError(
                    self.env._(
                        "The cash method of the book %(book)s always exists; it cannot become "
                        "another kind of method.",
                        book=method.journal_id.display_name,
                    )
                )
        renamed = self.filtered(
            lambda m: (
                ("name" in vals and vals["name"] != m.name)
                or ("journal_id" in vals and vals["journal_id"] != m.journal_id.id)
            )
        )
        used = renamed._exact_used_ids()
        for method in renamed.filtered(lambda m: m.id in used):
            raise UserError(
                self.env._(
                    'Payment method "%(method)s" is used in entries: it cannot be renamed nor '
                    "moved (its name is in the cash book's communications). Archive it and "
                    "create a new one.",
                    method=method.name,
                )
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_used_or_cash(self):
        used = self._exact_used_ids()
        for method in self:
            if method.kind == "cash" and method.journal_id.sudo().exact_receipts_book:
                raise UserError(
                    self.env._(
                        "The cash method of the book %(book)s always exists; it cannot be deleted.",
                        book=method.journal_id.display_name,
                    )
                )
            if method.id in used:
                raise UserError(
                    self.env._(
                        'Payment method "%(method)s" is used in entries and cannot be deleted. '
                        "Archive it instead.",
                        method=method.name,
                    )
                )
