# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Postboxes known to a company's Exact Online connection: name -> Exact's ID.

Filled from ``mailbox/Mailboxes`` when connecting (and by *Refresh postboxes*), so that a person
picks a postbox name instead of typing it, and used as the cache of the recipient IDs the API
transport resolves (``$filter=Mailbox eq '<name>'``): a name is looked up once, again only when
a journal names another postbox or Exact says the ID is unknown.
"""

from odoo import api, fields, models


class ExactOnlineMailbox(models.Model):
    _name = "exact.online.mailbox"
    _description = "Exact Online postbox"
    _order = "name"
    _check_company_auto = True

    connection_id = fields.Many2one(
        "exact.online.connection", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(
        related="connection_id.company_id", store=True, index=True, string="Company"
    )
    name = fields.Char(string="Postbox name", required=True, index=True)
    exact_id = fields.Char(string="Exact Online ID", required=True)
    description = fields.Char()
    for_division = fields.Integer(
        string="Books in division",
        help="Documents sent to this postbox are only booked in this Exact Online division.",
    )
    is_own = fields.Boolean(
        string="Own postbox", compute="_compute_is_own",
        help="The division's own postbox, the sender of every document.",
    )

    _sql_constraints = [
        ("name_uniq", "unique(connection_id, name)", "A postbox name is listed once."),
    ]

    @api.depends("connection_id.sender_mailbox_id", "exact_id")
    def _compute_is_own(self):
        for mailbox in self:
            mailbox.is_own = bool(mailbox.exact_id) and (
                mailbox.exact_id.lower() == (mailbox.connection_id.sender_mailbox_id or "").lower()
            )
