# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    exact_enabled = fields.Boolean(related="company_id.exact_enabled", readonly=False)
    exact_sender_email = fields.Char(related="company_id.exact_sender_email", readonly=False)
    exact_max_attempts = fields.Integer(related="company_id.exact_max_attempts", readonly=False)
    exact_responsible_id = fields.Many2one(
        related="company_id.exact_responsible_id", readonly=False
    )

    def action_exact_open_journals(self):
        """Open the journals that can send to Exact Online."""
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Journals"),
            "res_model": "account.journal",
            "view_mode": "list,form",
            "domain": [("type", "in", ("sale", "cash")), ("company_id", "=", self.company_id.id)],
        }
