# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Values of the legal daily-receipts book report (QWeb, PDF or HTML)."""

from odoo import api, fields, models
from odoo.exceptions import UserError


class ReportExactReceiptsBook(models.AbstractModel):
    _name = "report.scrada_exact_bridge.report_exact_receipts_book"
    _description = "Daily-receipts book report"

    @api.model
    def _get_report_values(self, docids, data=None):
        data = data or {}
        journal = self.env["account.journal"].browse(data.get("journal_id") or docids[:1])
        journal.check_access("read")
        if not journal.exact_receipts_book:
            raise UserError(
                self.env._(
                    "%(journal)s is not a daily-receipts book.", journal=journal.display_name
                )
            )
        today = fields.Date.context_today(self)
        date_from = fields.Date.to_date(data.get("date_from")) or today.replace(day=1)
        date_to = fields.Date.to_date(data.get("date_to")) or today
        book = self.env["exact.receipts.book"]._exact_book_data(journal, date_from, date_to)
        return {
            "doc_ids": journal.ids,
            "doc_model": "account.journal",
            "docs": journal,
            "book": book,
        }
