# Runs inside "odoo shell" (tools/demo.sh): ``env`` is given by the shell.
# Builds the demo company and runs the addon's scheduled actions once.
# ruff: noqa: F821
import os
import time
from datetime import timedelta

from odoo import fields

smtp_port = int(os.environ.get("DEMO_SMTP_PORT", "2525"))
today = fields.Date.context_today(env.user)
be = env.ref("base.be")

# -- company -----------------------------------------------------------------
company = env["res.company"].create(
    {
        "name": "Bakkerij Demo BV",
        "vat": "BE0477472701",
        "street": "Kerkstraat 1",
        "zip": "9000",
        "city": "Gent",
        "country_id": be.id,
        "email": "info@bakkerij-demo.example",
        "currency_id": env.ref("base.EUR").id,
    }
)
admin = env.ref("base.user_admin")
admin.write({"company_ids": [(4, company.id)], "company_id": company.id})
env = env(user=admin.id, context=dict(env.context, allowed_company_ids=[company.id]))
env["account.chart.template"].try_loading("be_comp", company=company, install_demo=False)
env["res.partner.bank"].create(
    {"acc_number": "BE71 0961 2345 6769", "partner_id": company.partner_id.id}
)
company.write({"exact_enabled": True, "exact_sender_email": "boekhouding@bakkerij-demo.example"})

env["ir.mail_server"].sudo().create(
    {
        "name": "Local SMTP sink (demo)",
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp_port,
        "smtp_encryption": "none",
        "sequence": 1,
    }
)

# -- daily-receipts journal --------------------------------------------------
Journal = env["account.journal"].with_company(company)
sale_journal = Journal.search([("type", "=", "sale"), ("company_id", "=", company.id)], limit=1)
receipts_customer = env["res.partner"].create(
    {"name": "Dagontvangsten / Recettes journalières", "country_id": be.id, "is_company": True}
)
sale_journal.write(
    {
        "name": "Dagontvangsten",
        "exact_mailbox": "x55i@verkoop.exactonline.be",
        "exact_send_invoices": True,
        "exact_receipts_partner_id": receipts_customer.id,
    }
)

# -- cash journal --------------------------------------------------------------
cash_journal = Journal.search([("type", "=", "cash"), ("company_id", "=", company.id)], limit=1)
cash_journal.write(
    {
        "name": "Kasboek",
        "bank_acc_number": "BE83 1388 1173 5115",
        "exact_mailbox": "k4s9@bank.exactonline.be",
        "exact_send_coda": True,
        "exact_coda_period": "day",
    }
)

# -- invoices --------------------------------------------------------------------
Tax = env["account.chart.template"].with_company(company)
tax21, tax6 = Tax.ref("attn_VAT-OUT-21-L"), Tax.ref("attn_VAT-OUT-06-L")
customer = env["res.partner"].create(
    {
        "name": "Klant NV",
        "vat": "BE0202239951",
        "street": "Markt 2",
        "zip": "1000",
        "city": "Brussel",
        "country_id": be.id,
        "is_company": True,
    }
)


def invoice(partner, lines, move_type="out_invoice", days_ago=1):
    return env["account.move"].create(
        {
            "move_type": move_type,
            "journal_id": sale_journal.id,
            "partner_id": partner.id,
            "invoice_date": today - timedelta(days=days_ago),
            "invoice_line_ids": [
                (0, 0, {"name": name, "price_unit": price, "tax_ids": [(6, 0, tax.ids)]})
                for name, price, tax in lines
            ],
        }
    )


moves = (
    invoice(
        receipts_customer,
        [("Dagontvangsten 21%", 1250.00, tax21), ("Dagontvangsten 6%", 830.40, tax6)],
        days_ago=2,
    )
    | invoice(
        receipts_customer,
        [("Dagontvangsten 21%", 980.10, tax21), ("Dagontvangsten 6%", 712.55, tax6)],
    )
    | invoice(customer, [("Taart voor receptie", 145.00, tax6), ("Catering", 320.00, tax21)])
)
moves.action_post()
refund = invoice(customer, [("Terugname taart", 45.00, tax6)], move_type="out_refund", days_ago=1)
refund.action_post()
print(f"Posted {len(moves)} invoices and 1 credit note in {sale_journal.display_name}")

# -- cash book: three past days ------------------------------------------------------
Line = env["account.bank.statement.line"]
cash = [
    (3, "bank_to_cash", 500.00, "", "", "wisselgeld"),
    (3, "cash_receipt", 812.40, "", "", "kassa"),
    (2, "customer_payment", 145.00, customer.id, moves[2].name, "betaling taart à contant"),
    (2, "supplier_payment", -86.20, customer.id, "AK-2026-118", "bloem en suiker"),
    (1, "cash_to_bank", -1000.00, "", "", "storting"),
    (1, "private_withdrawal", -50.00, "", "", ""),
]
for days_ago, cash_type, amount, partner_id, invoice_ref, remark in cash:
    Line.create(
        {
            "journal_id": cash_journal.id,
            "date": today - timedelta(days=days_ago),
            "exact_cash_type": cash_type,
            "partner_id": partner_id or False,
            "exact_invoice_ref": invoice_ref,
            "exact_remark": remark,
            "amount": amount,
            "payment_ref": remark or cash_type,
        }
    )
print(f"Encoded {len(cash)} cash movements in {cash_journal.display_name}")
env.cr.commit()

# -- the scheduled actions, as the cron workers would run them ------------------------
env.ref("scrada_exact_bridge.ir_cron_exact_coda").sudo().method_direct_trigger()
env.cr.commit()
Delivery = env["exact.mailbox.delivery"].sudo()
for _attempt in range(10):
    env.ref("scrada_exact_bridge.ir_cron_exact_delivery").sudo().method_direct_trigger()
    env.cr.commit()
    if not Delivery.search_count([("state", "=", "pending"), ("company_id", "=", company.id)]):
        break
    time.sleep(1)

for delivery in Delivery.search([("company_id", "=", company.id)], order="id"):
    print(
        f"  delivery {delivery.display_name}: {delivery.state}"
        f" -> {delivery.mailbox} ({delivery.attachment_id.name or '-'})"
        + (f" [{delivery.error_message}]" if delivery.error_message else "")
    )
env.cr.commit()
print("DEMO-DATA-DONE")
