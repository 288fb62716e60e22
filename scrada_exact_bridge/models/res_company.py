# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

from ..lib import mailbox as mailbox_lib
from .groups import COMPANY_SETTINGS


class ResCompany(models.Model):
    _inherit = "res.company"

    exact_enabled = fields.Boolean(
        groups=COMPANY_SETTINGS,
        string="Exact Online",
        help="Activate the link with Exact Online: posted invoices of flagged "
        "daily-receipts journals and closed statements of flagged cash journals "
        "are delivered to the journal's Exact Online digital mailbox. "
        "Deactivating pauses deliveries; nothing already queued is lost.",
    )
    exact_sender_email = fields.Char(
        groups=COMPANY_SETTINGS,
        string="Exact Online sender address",
        help="Every document is e-mailed from this address. Exact Online only "
        "accepts mail from addresses on the \"Allowed senders\" list of the "
        "digital mailbox (in Exact Online: the mailbox > Linked e-mail addresses "
        "> the document type > Allowed senders); mail from any other address "
        "lands in \"Blocked e-mails\" without warning.",
    )
    exact_responsible_id = fields.Many2one(
        groups=COMPANY_SETTINGS,
        comodel_name="res.users",
        string="Exact Online responsible",
        help="Accountant who gets an activity when a document cannot be delivered to "
        "Exact Online. When empty, the first accounting administrator of the company.",
    )
    exact_connection_id = fields.Many2one(
        groups=COMPANY_SETTINGS,
        comodel_name="exact.online.connection",
        string="Exact Online connection",
        copy=False,
        readonly=True,
        help="The company's connection to Exact Online's API (one per company).",
    )
    exact_setup_checked = fields.Json(
        groups=COMPANY_SETTINGS,
        string="Exact Online checklist ticks",
        copy=False,
        help="The items of the set-up wizard's Exact Online checklist the accountant ticked "
        "as done (their keys), so that a re-opened wizard shows them ticked.",
    )
    exact_max_attempts = fields.Integer(
        groups=COMPANY_SETTINGS,
        string="Exact Online delivery attempts",
        default=5,
        help="How many times a delivery is tried when the mail server cannot be "
        "reached before it is marked as failed and an accountant is warned.",
    )

    @api.constrains("exact_enabled", "exact_sender_email")
    def _check_exact_sender_email(self):
        for company in self.sudo():
            if company.exact_enabled and not company.exact_sender_email:
                raise ValidationError(
                    self.env._(
                        "Company %(company)s: Exact Online is activated but has no sender "
                        "address. Enter the address documents are sent from (it must be "
                        "on the \"Allowed senders\" list of the Exact Online mailbox).",
                        company=company.display_name,
                    )
                )
            if company.exact_sender_email and not mailbox_lib.is_valid(
                company.exact_sender_email
            ):
                raise ValidationError(
                    self.env._(
                        "Company %(company)s: the Exact Online sender address "
                        "\"%(address)s\" is not a valid e-mail address. Enter one address "
                        "such as accounting@yourcompany.be, without a name or brackets.",
                        company=company.display_name,
                        address=company.exact_sender_email,
                    )
                )

    def _exact_lang(self):
        """The language of the texts the addon stores for this company (chatter notes, errors,
        to-dos, the mail body): the responsible accountant's, else the company's own (its
        partner's), else English; only an active language of the database."""
        self.ensure_one()
        company = self.sudo()
        Lang = self.env["res.lang"]
        for code in (company.exact_responsible_id.lang, company.partner_id.lang):
            if code and Lang._get_code(code):
                return code
        return "en_US"

    def _exact_responsible_user(self):
        """The user who must act on failed deliveries of this company."""
        self.ensure_one()
        if self.sudo().exact_responsible_id:
            return self.sudo().exact_responsible_id
        managers = self.env.ref("account.group_account_manager").sudo().users.filtered(
            lambda user: self in user.company_ids and not user.share
        )
        return managers[:1] or self.env.ref("base.user_admin", raise_if_not_found=False)

    @api.constrains("exact_max_attempts")
    def _check_exact_max_attempts(self):
        for company in self.sudo():
            if company.exact_max_attempts < 1:
                raise ValidationError(
                    self.env._("The number of Exact Online delivery attempts must be at least 1.")
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("exact_sender_email"):
                vals["exact_sender_email"] = mailbox_lib.normalize(vals["exact_sender_email"])
        return super().create(vals_list)

    def write(self, vals):
        if vals.get("exact_sender_email"):
            vals = dict(vals, exact_sender_email=mailbox_lib.normalize(vals["exact_sender_email"]))
        return super().write(vals)

    def action_exact_open_connection(self):
        """The company's Exact Online connection form (created on first use)."""
        self.ensure_one()
        self.env["exact.online.connection"].check_access("create")
        if not self.env.su and self not in self.env.companies:
            raise AccessError(self.env._(
                "You may only set up the Exact Online connection of your own companies "
                "(not %(companies)s).", companies=self.display_name))
        connection = self.sudo().exact_connection_id.with_env(self.env)
        if connection:
            connection.check_access("read")
        else:
            connection = self.env["exact.online.connection"].create({"company_id": self.id})
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Exact Online connection"),
            "res_model": "exact.online.connection",
            "res_id": connection.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }

