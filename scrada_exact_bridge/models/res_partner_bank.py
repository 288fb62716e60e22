# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The bank account that holds a cash book's IBAN.

A cash journal's IBAN (written into every CODA file) is an ordinary ``res.partner.bank``
of the company partner. Odoo leaves such an account without company (``company_id`` is
related to the partner's, and a company partner has none), so any user with contact
rights, in any company, could rewrite it. For the accounts of cash books:

* the account belongs to the journal's company (``company_id`` set, so Odoo's
  multi-company rule on bank accounts applies, and ``check_company`` on the journal);
* only an accounting administrator of that company may change or delete it;
* its number is always a valid IBAN, stored normalised (upper case, groups of four);
* once CODA files were sent with it, changing the number needs an explicit
  confirmation (context key ``exact_confirm_iban_change``, set by the journal form's
  confirmation box): Exact Online matches the files to its bank account by that number.

Creating an account from the cash journal (context key ``exact_cash_book_iban``) checks
the IBAN before anything is stored, so no invalid account is left behind.
"""

from odoo import api, fields, models
from odoo.addons.base.models.res_bank import sanitize_account_number
from odoo.exceptions import AccessError, UserError, ValidationError

from ..lib import iban as iban_lib
from .groups import ACCOUNTING


class ResPartnerBank(models.Model):
    _inherit = "res.partner.bank"

    # Odoo: related="partner_id.company_id" (readonly). Same value by default, but a
    # cash book's account gets its journal's company.
    company_id = fields.Many2one(
        related=False,
        compute="_compute_company_id",
        store=True,
        readonly=False,
        precompute=True,
    )
    exact_cash_journal_ids = fields.One2many(
        comodel_name="account.journal",
        inverse_name="bank_account_id",
        string="Cash books",
        domain=[("type", "=", "cash")],
        readonly=True,
        groups=ACCOUNTING,
        help="Cash journals that write this IBAN into their CODA files.",
    )

    @api.depends("partner_id.company_id")
    def _compute_company_id(self):
        for bank in self:
            bank.company_id = bank.partner_id.company_id

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    @api.model
    def _exact_normalize_iban(self, value):
        """The stored form of a cash-book IBAN, or a ValidationError in plain words."""
        try:
            return iban_lib.normalize(value)
        except iban_lib.IbanError as error:
            raise ValidationError(
                self.env._(
                    "\"%(iban)s\" is not a valid IBAN for a cash book (wrong length or check "
                    "digits). Check it character by character.",
                    iban=value or "",
                )
            ) from error

    def _exact_cash_journals(self):
        """Cash journals (any company, archived too) whose IBAN is one of these accounts."""
        if not self.ids:
            return self.env["account.journal"]
        return (
            self.env["account.journal"]
            .sudo()
            .with_context(active_test=False)
            .search([("type", "=", "cash"), ("bank_account_id", "in", self.ids)])
        )

    def _exact_check_cash_book_rights(self, journals):
        """Only an accounting administrator of the journal's company changes its IBAN."""
        if self.env.su:
            return
        user = self.env.user
        for journal in journals:
            if not (
                user.has_group("account.group_account_manager")
                and journal.company_id in user.company_ids
            ):
                raise AccessError(
                    self.env._(
                        "The bank account %(iban)s is the IBAN of the cash book %(journal)s "
                        "(%(company)s): only an accounting administrator of that company may "
                        "change or delete it, on the journal's Exact Online tab.",
                        iban=journal.bank_account_id.acc_number,
                        journal=journal.name,
                        company=journal.company_id.name,
                    )
                )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        if self.env.context.get("exact_cash_book_iban"):
            for vals in vals_list:
                vals["acc_number"] = self._exact_normalize_iban(vals.get("acc_number"))
        return super().create(vals_list)

    def write(self, vals):
        journals = self._exact_cash_journals()
        if journals:
            self._exact_check_cash_book_rights(journals)
            if "acc_number" in vals:
                new_number = self._exact_normalize_iban(vals["acc_number"])
                vals = dict(vals, acc_number=new_number)
                changed = self.filtered(
                    lambda bank: bank.sanitized_acc_number
                    != sanitize_account_number(new_number)
                )
                if changed and not self.env.context.get("exact_confirm_iban_change"):
                    sent = journals.filtered(
                        lambda j: j.bank_account_id in changed and j._exact_coda_files_sent()
                    )
                    if sent:
                        raise UserError(sent[0]._exact_iban_change_warning_text(new_number))
        return super().write(vals)

    def unlink(self):
        journals = self._exact_cash_journals()
        if journals:
            self._exact_check_cash_book_rights(journals)
        return super().unlink()
