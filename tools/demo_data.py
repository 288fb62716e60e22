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

# -- daily-receipts book: a week of entries (issue 13) ---------------------------------
def receipts_book_demo(env, company, cash_journal, customer):
    """A sale journal kept as a daily-receipts book, with last week's entries: a total every
    day (cash, Bancontact, Payconiq), a wedding cake over 250 EUR, a correction and Sunday
    closed. The end-of-day run makes the week's invoice (sent as UBL) and the DR/DRIN and
    DR/DRPM lines of the cash book (sent in the CODA files)."""
    from datetime import datetime, time
    from datetime import timedelta as _td

    import pytz
    from freezegun import freeze_time  # an Odoo requirement
    from odoo import Command

    today = env["exact.receipts.book"]._exact_today(cash_journal)
    monday = today - _td(days=today.weekday() + 7)  # Monday of last week
    book = env["account.journal"].create(
        {
            "name": "Dagontvangstenboek",
            "code": "DOB",
            "type": "sale",
            "company_id": company.id,
            "default_account_id": sale_journal.default_account_id.id,
            "exact_mailbox": "x55i@verkoop.exactonline.be",
            "exact_send_invoices": True,
            "exact_receipts_book": True,
            "exact_receipts_partner_id": customer.id,
            "exact_receipts_cash_journal_id": cash_journal.id,
            "exact_receipts_period": "week",
            "exact_receipts_user_id": env.user.id,
            "exact_receipts_start_date": monday,
        }
    )
    methods = book.exact_receipts_method_ids
    cash = methods.filtered(lambda m: m.kind == "cash")
    cash.name = "Contant geld"  # as Scrada names it in the cash book's communications
    Method = env["exact.receipts.payment.method"]
    bancontact = Method.create({"journal_id": book.id, "name": "Bancontact", "sequence": 2})
    payconiq = Method.create({"journal_id": book.id, "name": "Payconiq", "sequence": 3})
    categories = {int(c.tax_id.amount): c for c in book.exact_receipts_category_ids}
    Entry = env["exact.receipts.entry"]
    Book = env["exact.receipts.book"]
    tz = Book._exact_tz(book)

    def at(day, hour, minute=0):
        """``day`` at ``hour`` in the company's time zone, as naive UTC for freezegun."""
        local = tz.localize(datetime.combine(day, time(hour, minute)))
        return local.astimezone(pytz.utc).replace(tzinfo=None)

    def enter(day, amounts, split, **values):
        return Entry.create(
            {
                "journal_id": book.id,
                "date": day,
                "amount_ids": [
                    Command.create({"category_id": categories[rate].id, "amount": amount})
                    for rate, amount in amounts.items()
                ],
                "payment_ids": [
                    Command.create({"method_id": method.id, "amount": amount})
                    for method, amount in split.items()
                ],
                **values,
            }
        )

    week = [  # (6 % bread and pastry, 21 % drinks and gifts, Bancontact, Payconiq)
        (612.40, 84.70, 250.00, 31.50),
        (548.90, 61.20, 210.40, 12.00),
        (701.15, 95.05, 300.00, 45.20),
        (655.30, 70.00, 260.30, 20.00),
        (820.60, 133.10, 410.00, 60.00),
        (1204.75, 188.40, 590.25, 85.10),
    ]
    # The shop enters each day at closing time; the scheduled action runs after midnight.
    for offset in range(7):
        day = monday + _td(days=offset)
        with freeze_time(at(day, 19)):
            if offset < len(week):
                bread, drinks, card, app = week[offset]
                total = round(bread + drinks, 2)
                enter(day, {6: bread, 21: drinks},
                      {cash: round(total - card - app, 2), bancontact: card, payconiq: app})
            else:
                enter(day, {}, {}, entry_type="closed", reason="Zondag gesloten")
            if offset == 2:
                enter(day, {6: 320.00}, {bancontact: 320.00}, entry_type="specific",
                      product_name="Bruidstaart voor 60 personen")
            if offset == 4:
                enter(day, {21: -12.10}, {cash: -12.10}, entry_type="correction",
                      corrected_date=monday + _td(days=1),
                      reason="Fles wijn twee keer aangerekend")
        with freeze_time(at(day + _td(days=1), 0, 30)):
            Book._cron_end_of_day()
    Book._cron_end_of_day()
    invoice = env["account.move"].search([("journal_id", "=", book.id)])
    lines = env["account.bank.statement.line"].search(
        [("exact_receipts_journal_id", "=", book.id)]
    )
    print(
        f"Daily-receipts book {book.name}: {Entry.search_count([('journal_id', '=', book.id)])}"
        f" entries, invoice {invoice.name} {invoice.amount_total:.2f} ({invoice.payment_state}),"
        f" {len(lines)} cash-book lines, hash chain: "
        + Book._exact_check_chain(book)["message"]
    )
    return book


receipts_book_demo(env, company, cash_journal, receipts_customer)
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
