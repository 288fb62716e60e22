# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Amount of one payment method in a daily-receipts entry (the split of its total)."""

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from . import internal_context as ctx


class ExactReceiptsEntryPayment(models.Model):
    _name = "exact.receipts.entry.payment"
    _description = "Daily-receipts amount per payment method"
    _order = "entry_id, sequence, id"
    _check_company_auto = True

    entry_id = fields.Many2one(
        "exact.receipts.entry", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="entry_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="entry_id.currency_id")
    method_id = fields.Many2one(
        "exact.receipts.payment.method",
        string="Payment method",
        required=True,
        index=True,
        ondelete="restrict",
        check_company=True,
    )
    sequence = fields.Integer(related="method_id.sequence", store=True)
    kind = fields.Selection(related="method_id.kind")
    amount = fields.Monetary(currency_field="currency_id")

    _sql_constraints = [
        (
            "entry_method_uniq",
            "unique(entry_id, method_id)",
            "A payment method appears once per entry.",
        ),
    ]

    @api.constrains("entry_id", "method_id")
    def _check_same_book(self):
        for line in self:
            if line.method_id.journal_id != line.entry_id.journal_id:
                raise ValidationError(
                    self.env._(
                        'Payment method "%(method)s" belongs to another book than the entry.',
                        method=line.method_id.name,
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
