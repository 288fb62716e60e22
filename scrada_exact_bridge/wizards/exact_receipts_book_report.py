# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The legal daily-receipts book over a period: a PDF report and an XLSX export."""

from dateutil.relativedelta import relativedelta
from odoo import api, fields, models
from odoo.exceptions import UserError


class ExactReceiptsBookReport(models.TransientModel):
    _name = "exact.receipts.book.report"
    _description = "Daily-receipts book: print or export"
    _check_company_auto = True

    journal_id = fields.Many2one(
        "account.journal",
        string="Book",
        required=True,
        check_company=True,
        domain="[('exact_receipts_book', '=', True)]",
        default=lambda self: self._default_journal(),
    )
    company_id = fields.Many2one(related="journal_id.company_id")
    date_from = fields.Date(string="From", required=True, default=lambda self: self._default_from())
    date_to = fields.Date(string="To", required=True, default=lambda self: self._default_to())

    @api.model
    def _default_journal(self):
        if self.env.context.get("default_journal_id"):
            return self.env["account.journal"].browse(self.env.context["default_journal_id"])
        return self.env["account.journal"].search(
            [("exact_receipts_book", "=", True), ("company_id", "in", self.env.companies.ids)],
            limit=1,
        )

    @api.model
    def _default_from(self):
        return fields.Date.context_today(self).replace(day=1) - relativedelta(months=1)

    @api.model
    def _default_to(self):
        return fields.Date.context_today(self).replace(day=1) - relativedelta(days=1)

    def _check_dates(self):
        """The period is valid and the user may read the book (the company rule of the
        wizard already keeps other companies' books out)."""
        self.ensure_one()
        self.check_access("read")
        self.journal_id.check_access("read")
        if self.date_to < self.date_from:
            raise UserError(self.env._("The end of the period comes before its start."))

    def action_print(self):
        self._check_dates()
        return self.env.ref("scrada_exact_bridge.action_report_exact_receipts_book").report_action(
            self.journal_id,
            data={
                "journal_id": self.journal_id.id,
                "date_from": fields.Date.to_string(self.date_from),
                "date_to": fields.Date.to_string(self.date_to),
            },
            config=False,  # internal layout: no company letterhead to configure first
        )

    def action_export_xlsx(self):
        self._check_dates()
        attachment = self.env["exact.receipts.book"]._exact_book_attachment(
            self.journal_id, self.date_from, self.date_to
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "self",
        }
