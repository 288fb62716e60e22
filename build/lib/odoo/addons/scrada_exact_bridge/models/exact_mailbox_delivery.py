# placeholder: filled in by the delivery issue
from odoo import fields, models


class ExactMailboxDelivery(models.Model):
    _name = "exact.mailbox.delivery"
    _description = "Exact Online mailbox delivery"

    company_id = fields.Many2one("res.company", required=True)
