# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""UBL 2.1 builder for the Exact Online mailbox.

It is Odoo's own Peppol BIS Billing 3.0 builder (``account.edi.xml.ubl_bis3``)
with what Exact Online and a daily-receipts book need on top:

* **Buyer without VAT** (walk-in / daily-receipts customer). Odoo's BIS 3
  builder writes an empty ``PartyTaxScheme`` (breaks UBL-SR-53, an EN 16931
  rule) and no buyer ``EndpointID`` (breaks PEPPOL-EN16931-R010). We never write
  a ``PartyTaxScheme`` for a party without VAT. When the buyer has a Peppol
  identification (EAS + endpoint: computed by Odoo from the enterprise number,
  or entered by the accountant on the customer, Accounting tab), the file stays
  a full Peppol BIS 3 document. When it has none, the file declares the plain
  EN 16931 specification (``CustomizationID urn:cen.eu:en16931:2017``, no Peppol
  ``ProfileID``): it is a valid EN 16931 invoice, not a Peppol one, which is all
  the Exact Online mailbox (not a Peppol access point) needs. We never invent an
  endpoint for a walk-in customer.
* **Payment means of credit notes.** ``partner_bank_id`` of a credit note is the
  customer's account and cannot be changed after posting; the file always names
  a bank account of the company (the invoice's one when it belongs to the
  company, else the company's first account), never the IBAN of a cash journal
  (it only identifies the cash book in CODA files). Without any company account the
  payment means is "1 - not defined" instead of a credit transfer without an
  account (BR-61), and the caller is told so.
* **Cash rounding** (``add_invoice_line``): Odoo writes the rounded total as
  ``TaxInclusiveAmount`` (breaks BR-CO-15); we write the difference as
  ``PayableRoundingAmount`` as EN 16931 defines it.
* **Amount due** is the posted total: the file is built by the cron, maybe after
  a payment or a credit note was reconciled; it never shows a ``PrepaidAmount``
  (Exact Online gets payments from bank / CODA files).
* **Credit notes** name the invoice they correct (``BillingReference``).
* **Seller enterprise number**: for a Belgian party with an enterprise number,
  ``PartyLegalEntity/CompanyID`` is that number with scheme 0208 (KBO/BCE).
* **Embedded PDF**: ``_export_invoice(invoice, pdf=...)`` adds the PDF as
  ``AdditionalDocumentReference/Attachment/EmbeddedDocumentBinaryObject``
  (through our templates, see ``views/account_move_views.xml``).
"""
import base64
import re
import unicodedata

from odoo import models

EN16931_CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017"


def ascii_file_name(name, extension="xml", fallback="document"):
    """An ASCII file name made of letters, digits, '-', '_' and '.'."""
    text = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode()
    text = re.sub(r"[^A-Za-z0-9.-]+", "_", text).strip("._") or fallback
    return f"{text}.{extension}"


class AccountEdiXmlUblExact(models.AbstractModel):
    _name = "exact.edi.xml.ubl_bis3"
    _inherit = "account.edi.xml.ubl_bis3"
    _description = "UBL BIS Billing 3.0 for the Exact Online mailbox"

    # ------------------------------------------------------------------
    # Entry points
    # ------------------------------------------------------------------

    def _export_invoice_filename(self, invoice):
        return ascii_file_name(invoice.name, fallback=f"move_{invoice.id}")

    def _export_invoice(self, invoice, convert_fixed_taxes=True, pdf=None):
        """Same as Odoo's, plus ``pdf``: ``{'name': str, 'raw': bytes}`` to embed."""
        return super(
            AccountEdiXmlUblExact, self.with_context(exact_embedded_pdf=pdf or None)
        )._export_invoice(invoice, convert_fixed_taxes=convert_fixed_taxes)

    def _exact_is_peppol(self, invoice):
        """True when the buyer can be identified on Peppol (EAS + endpoint)."""
        buyer = invoice.partner_id.commercial_partner_id
        return bool(buyer.peppol_eas and buyer.peppol_endpoint)

    def _exact_company_bank(self, invoice):
        """Bank account of the company to name in the payment means."""
        company_partner = invoice.company_id.partner_id.commercial_partner_id
        banks = company_partner.bank_ids.filtered(
            lambda bank: not bank.company_id or bank.company_id == invoice.company_id
        )
        # A cash journal's IBAN only identifies the cash book in CODA files: nobody
        # can pay into it. Searched once per company in a delivery batch (its cache).
        cache = self.env.context.get("exact_batch_cache")
        key = ("cash_book_banks", invoice.company_id.id, tuple(banks.ids))
        if cache is None or key not in cache:
            found = self.env["account.journal"].sudo().search([
                ("type", "=", "cash"),
                ("bank_account_id", "in", banks.ids),
            ]).bank_account_id.ids
            if cache is not None:
                cache[key] = found
        else:
            found = cache[key]
        banks -= banks.browse(found)
        if invoice.partner_bank_id in banks:
            return invoice.partner_bank_id
        same_currency = banks.filtered(
            lambda bank: not bank.currency_id or bank.currency_id == invoice.currency_id
        )
        return (same_currency or banks)[:1]

    # ------------------------------------------------------------------
    # Parties
    # ------------------------------------------------------------------

    def _get_partner_party_tax_scheme_vals_list(self, partner, role):
        # EXTENDS account.edi.xml.ubl_bis3: no PartyTaxScheme without a VAT number
        # (Odoo writes one with the EAS as tax scheme: UBL-SR-53).
        if not partner.vat:
            return []
        return super()._get_partner_party_tax_scheme_vals_list(partner, role)

    def _get_partner_party_legal_entity_vals_list(self, partner):
        # EXTENDS account.edi.xml.ubl_bis3: Belgian enterprise number (KBO/BCE).
        vals_list = super()._get_partner_party_legal_entity_vals_list(partner)
        if partner.country_code == "BE" and partner.company_registry:
            registry = re.sub(r"\D", "", partner.company_registry)
            if len(registry) == 10:
                for vals in vals_list:
                    vals["company_id"] = registry
                    vals["company_id_attrs"] = {"schemeID": "0208"}
        return vals_list

    def _get_partner_party_vals(self, partner, role):
        # EXTENDS account.edi.xml.ubl_bis3: no half endpoint (scheme without id).
        vals = super()._get_partner_party_vals(partner, role)
        if not vals.get("endpoint_id"):
            vals["endpoint_id"] = None
            vals["endpoint_id_attrs"] = {}
        return vals

    # ------------------------------------------------------------------
    # Payment means
    # ------------------------------------------------------------------

    def _get_invoice_payment_means_vals_list(self, invoice):
        # EXTENDS account.edi.xml.ubl_bis3: always a company account (credit notes).
        vals_list = super()._get_invoice_payment_means_vals_list(invoice)
        bank = self._exact_company_bank(invoice)
        for vals in vals_list:
            if bank:
                vals["payee_financial_account_vals"] = self._get_financial_account_vals(bank)
            elif vals.get("payment_means_code") in (30, 58):
                vals.pop("payee_financial_account_vals", None)
                vals["payment_means_code"] = 1
                vals["payment_means_code_attrs"] = {"name": "not defined"}
        return vals_list

    # ------------------------------------------------------------------
    # Document
    # ------------------------------------------------------------------

    def _export_invoice_vals(self, invoice):
        # EXTENDS account.edi.xml.ubl_bis3
        vals = super()._export_invoice_vals(invoice)
        document = vals["vals"]
        if not self._exact_is_peppol(invoice):
            # Walk-in customer without any Peppol identification: plain EN 16931.
            document["customization_id"] = EN16931_CUSTOMIZATION_ID
            document["profile_id"] = None

        # A credit note names the invoice it corrects (BT-25, BT-26).
        origin = invoice.reversed_entry_id
        if invoice.move_type == "out_refund" and origin and not document.get(
            "billing_reference_vals"
        ):
            document["billing_reference_vals"] = {
                "id": origin.name,
                "issue_date": origin.invoice_date,
            }

        # The file describes the document as posted, whenever it is built: payments
        # and credit notes reconciled since then are not "prepaid" (Exact Online
        # gets the payments from the bank / CODA files, not from the invoice).
        totals = document["monetary_total_vals"]
        currency = invoice.currency_id
        totals["prepaid_amount"] = None
        totals["payable_amount"] = invoice.amount_total
        # Cash rounding (rounding line): TaxInclusiveAmount = TaxExclusiveAmount +
        # TaxAmount (BR-CO-15); the rounding goes to PayableRoundingAmount (BR-CO-16).
        tax_inclusive = currency.round(
            vals["taxes_vals"]["base_amount_currency"] + vals["taxes_vals"]["tax_amount_currency"]
        )
        rounding = currency.round(invoice.amount_total - tax_inclusive)
        if not currency.is_zero(rounding):
            totals["tax_inclusive_amount"] = tax_inclusive
            totals["payable_rounding_amount"] = rounding
        vals["MonetaryTotalType_template"] = "scrada_exact_bridge.exact_ubl_MonetaryTotalType"

        pdf = self.env.context.get("exact_embedded_pdf")
        if pdf:
            document.setdefault("additional_document_reference_list", []).append(
                {
                    "id": pdf["name"],
                    "attachment_vals": {
                        "attrs": {"mimeCode": "application/pdf", "filename": pdf["name"]},
                        "content": base64.b64encode(pdf["raw"]).decode(),
                    },
                }
            )
        vals["InvoiceType_template"] = "scrada_exact_bridge.exact_ubl_InvoiceType"
        vals["CreditNoteType_template"] = "scrada_exact_bridge.exact_ubl_CreditNoteType"
        return vals

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------

    def _invoice_constraints_cen_en16931_ubl(self, invoice, vals):
        # EXTENDS account.edi.xml.ubl_bis3
        constraints = super()._invoice_constraints_cen_en16931_ubl(invoice, vals)
        # BR-61 is about the account in the file, not invoice.partner_bank_id.
        constraints["cen_en16931_payment_account_identifier"] = None
        for means in vals["vals"]["payment_means_vals_list"]:
            if means["payment_means_code"] in (30, 58) and not means.get(
                "payee_financial_account_vals"
            ):
                constraints["cen_en16931_payment_account_identifier"] = self.env._(
                    "A bank account of the company is required for the payment means."
                )
        # BR-CO-09: Odoo only checks it for its own builders (by _name).
        for role in ("supplier", "customer"):
            party = vals["vals"][f"accounting_{role}_party_vals"]["party_vals"]
            for scheme in party["party_tax_scheme_vals"]:
                company_id = scheme.get("company_id") or ""
                if scheme["tax_scheme_vals"].get("id") == "VAT" and not company_id[:2].isalpha():
                    constraints[f"cen_en16931_{role}_vat_country_code"] = self.env._(
                        "The VAT number %(vat)s of %(partner)s must start with its country "
                        "code (e.g. BE0477472701).",
                        vat=company_id,
                        partner=party["partner"].display_name,
                    )
        return constraints
