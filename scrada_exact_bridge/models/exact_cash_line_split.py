# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The payment-method split of a daily-receipts cash line (issue 10, item 10).

A cash-book line of type *Daily receipts: day total* (``DR/DRIN``) carries the day's
receipts with their split per payment method, and a line *Daily receipts: non-cash part*
(``DR/DRPM``) the methods that leave the cash book.  The split is data, not text typed in
the remark: one row per method, written into the CODA communication as
``DR/DRIN/<dd.mm.yyyy>/<method>=<amount>/...`` by ``lib/communication.py``.  The
daily-receipts book fills it for the lines it makes; a person can record it on a line
entered by hand.  The rows add up to the line's amount (``DR/DRIN``) or to the amount
that leaves (``DR/DRPM``).
"""

from odoo import api, fields, models


class ExactCashLineSplit(models.Model):
    _name = "exact.cash.line.split"
    _description = "Payment-method split of a daily-receipts cash line"
    _order = "statement_line_id, sequence, id"
    _check_company_auto = True

    statement_line_id = fields.Many2one(
        "account.bank.statement.line",
        string="Cash line",
        required=True,
        index=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one(related="statement_line_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="statement_line_id.currency_id")
    sequence = fields.Integer(default=10)
    method_id = fields.Many2one(
        "exact.receipts.payment.method",
        string="Book method",
        check_company=True,
        ondelete="restrict",
        help="The payment method of the daily-receipts book, for lines the book made.",
    )
    name = fields.Char(
        string="Payment method",
        required=True,
        help='As written in the communication, e.g. "Contant geld", "Bancontact".',
    )
    amount = fields.Monetary(currency_field="currency_id")

    @api.onchange("method_id")
    def _onchange_method_id(self):
        for split in self.filtered("method_id"):
            split.name = split.method_id.name

    @api.model_create_multi
    def create(self, vals_list):
        splits = super().create(vals_list)
        lines = splits.statement_line_id
        lines._exact_check_not_sent()
        lines._exact_receipts_check_generated()
        lines._exact_after_split_change()
        return splits

    def write(self, vals):
        lines = self.statement_line_id
        lines._exact_check_not_sent()
        lines._exact_receipts_check_generated()
        result = super().write(vals)
        (lines | self.statement_line_id)._exact_after_split_change()
        return result

    def unlink(self):
        lines = self.statement_line_id
        lines._exact_check_not_sent()
        lines._exact_receipts_check_generated()
        result = super().unlink()
        lines.exists()._exact_after_split_change()
        return result
