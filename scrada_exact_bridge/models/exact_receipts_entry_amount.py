# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Amount incl. VAT of one VAT category in a daily-receipts entry."""

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from . import internal_context as ctx


class ExactReceiptsEntryAmount(models.Model):
    _name = "exact.receipts.entry.amount"
    _description = "Daily-receipts amount per VAT category"
    _order = "entry_id, sequence, id"
    _check_company_auto = True

    entry_id = fields.Many2one(
        "exact.receipts.entry", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="entry_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="entry_id.currency_id")
    category_id = fields.Many2one(
        "exact.receipts.category",
        string="VAT category",
        required=True,
        index=True,
        ondelete="restrict",
        check_company=True,
    )
    sequence = fields.Integer(related="category_id.sequence", store=True)
    amount = fields.Monetary(string="Amount incl. VAT", currency_field="currency_id")

    _sql_constraints = [
        (
            "entry_category_uniq",
            "unique(entry_id, category_id)",
            "A VAT category appears once per entry.",
        ),
    ]

    @api.constrains("entry_id", "category_id")
    def _check_same_book(self):
        for line in self:
            if line.category_id.journal_id != line.entry_id.journal_id:
                raise ValidationError(
                    self.env._(
                        'VAT category "%(category)s" belongs to another book than the entry.',
                        category=line.category_id.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        if not ctx.is_set(self.env, ctx.RECEIPTS_ENTRY_CREATE):
            lines.entry_id._exact_check_editable()
            lines.entry_id._exact_after_lines_change()
        return lines

    def write(self, vals):
        self.entry_id._exact_check_editable()
        result = super().write(vals)
        self.entry_id._exact_after_lines_change()
        return result

    def unlink(self):
        entries = self.entry_id
        entries._exact_check_editable()
        result = super().unlink()
        entries.exists()._exact_after_lines_change()
        return result
