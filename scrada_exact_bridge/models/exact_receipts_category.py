# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""VAT categories of a daily-receipts book: the columns a shop fills in every day.

Each category has a sale tax and an income account; several categories may share a rate
("Products 21 %" and "Services 21 %"). Receipts are entered tax included, so the invoices
use the tax-included twin of the category's tax (:meth:`_exact_invoice_tax`): the invoice
totals then equal what was entered, to the cent.  A category that has been used keeps its
name and tax (the legal book and the hash chain refer to it); it can be archived.
"""

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from .groups import ACCOUNTING

LOCKED_WHEN_USED = ("name", "tax_id", "journal_id")


class ExactReceiptsCategory(models.Model):
    _name = "exact.receipts.category"
    _description = "Daily-receipts VAT category"
    _order = "journal_id, sequence, id"
    _check_company_auto = True

    sequence = fields.Integer(default=10)
    name = fields.Char(required=True, help='As the shop knows it, e.g. "Bread 6 %".')
    journal_id = fields.Many2one(
        "account.journal",
        string="Daily-receipts book",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
        domain="[('type', '=', 'sale')]",
    )
    company_id = fields.Many2one(related="journal_id.company_id", store=True, index=True)
    tax_id = fields.Many2one(
        "account.tax",
        string="Sales tax",
        required=True,
        check_company=True,
        domain="[('type_tax_use', '=', 'sale'), ('amount_type', '=', 'percent')]",
        help="VAT of the receipts of this category. Receipts are entered VAT included.",
    )
    tax_rate = fields.Float(related="tax_id.amount", string="VAT %")
    account_id = fields.Many2one(
        "account.account",
        string="Income account",
        check_company=True,
        domain="[('account_type', 'in', ('income', 'income_other'))]",
        groups=ACCOUNTING,
        help="Account of the invoice line of this category; empty: the journal's default "
        "income account.",
    )
    invoice_tax_id = fields.Many2one(
        "account.tax",
        string="Tax on the invoices",
        readonly=True,
        copy=False,
        check_company=True,
        groups=ACCOUNTING,
        help="The tax-included version of the sales tax, used on the daily-receipts invoices "
        "so that their totals equal the entered receipts to the cent. Made automatically "
        "with the same tax grids when the sales tax is not tax-included.",
    )
    active = fields.Boolean(default=True)
    used = fields.Boolean(compute="_compute_used", string="Used in entries")

    def _compute_used(self):
        used = self._exact_used_ids()
        for category in self:
            category.used = category.id in used

    def _exact_used_ids(self):
        ids = [category_id for category_id in self.ids if isinstance(category_id, int)]
        if not ids:
            return set()
        groups = (
            self.env["exact.receipts.entry.amount"]
            .sudo()
            ._read_group([("category_id", "in", ids)], ["category_id"], ["__count"])
        )
        return {category.id for category, _count in groups}

    @api.constrains("journal_id")
    def _check_exact_book(self):
        for category in self:
            if not category.journal_id.sudo().exact_receipts_book:
                raise ValidationError(
                    self.env._(
                        'Journal %(journal)s is not a daily-receipts book: tick "Daily-receipts '
                        'book" on the journal first.',
                        journal=category.journal_id.display_name,
                    )
                )

    def _exact_locked_change(self, vals, names):
        """True when ``vals`` changes one of ``names`` of this record."""
        self.ensure_one()
        for name in names:
            if name not in vals:
                continue
            value = self[name]
            current = value.id if isinstance(value, models.BaseModel) else value
            if current != vals[name]:
                return True
        return False

    def write(self, vals):
        if any(name in vals for name in LOCKED_WHEN_USED):
            used = self._exact_used_ids()
            for category in self.filtered(lambda c: c.id in used):
                if category._exact_locked_change(vals, LOCKED_WHEN_USED):
                    raise UserError(
                        self.env._(
                            'VAT category "%(category)s" is used in entries of the book: its '
                            "name, tax and book cannot change any more (the legal book and the "
                            "hash chain refer to it). Archive it and create a new category.",
                            category=category.name,
                        )
                    )
        if "tax_id" in vals:
            vals = dict(vals, invoice_tax_id=False)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_used(self):
        used = self._exact_used_ids()
        for category in self.filtered(lambda c: c.id in used):
            raise UserError(
                self.env._(
                    'VAT category "%(category)s" is used in entries of the book and cannot be '
                    "deleted. Archive it instead.",
                    category=category.name,
                )
            )

    # ------------------------------------------------------------------
    # Invoices
    # ------------------------------------------------------------------

    def _exact_invoice_tax(self):
        """The tax-included tax of this category for the invoices (made once when needed)."""
        self.ensure_one()
        category = self.sudo()
        tax = category.tax_id
        if tax.price_include:
            return tax
        if category.invoice_tax_id:
            return category.invoice_tax_id
        twin = (
            self.sudo()
            .search(
                [
                    ("tax_id", "=", tax.id),
                    ("invoice_tax_id", "!=", False),
                    ("active", "in", (True, False)),
                ],
                limit=1,
            )
            .invoice_tax_id
        )
        if not twin:
            twin = tax.sudo().copy(
                {
                    "name": self.env._("%(tax)s (incl.)", tax=tax.name),
                    "price_include_override": "tax_included",
                    "description": tax.description,
                    "invoice_label": tax.invoice_label,
                }
            )
        category.invoice_tax_id = twin
        return twin
