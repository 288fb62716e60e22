# Runs inside "odoo shell" (tools/demo.sh): ``env`` is given by the shell.
#
# DEMO_PHASE=setup: the Belgian demo company, its journals (named in Dutch and French as
#   well), the outgoing mail server (the local SMTP sink) and the Exact Online connection's app
#   details (the local stand-in of Exact Online); tools/demo_connect.py then connects through
#   the running Odoo's real sign-in redirect and callback.
# DEMO_PHASE=run: invoices, cash, the daily-receipts book, the addon's scheduled actions (close
#   CODA periods, deliver over both transports, read Exact's processing status).
#
# Transports: the sales journal "Dagontvangsten" e-mails its UBL invoices to a linked e-mail
# address (the established route for sales invoices); the daily-receipts book and the cash book
# deliver through the Exact Online connection to postbox names (the only route known to work
# for CODA files).
# ruff: noqa: F821
import os
import time
from datetime import timedelta

from odoo import fields

PHASE = os.environ.get("DEMO_PHASE", "setup")
smtp_port = int(os.environ.get("DEMO_SMTP_PORT", "2525"))
standin_url = os.environ.get("DEMO_STANDIN_URL", "http://127.0.0.1:18110")
odoo_url = os.environ.get("DEMO_ODOO_URL", "http://127.0.0.1:8069")
SALES_ADDRESS = "x55i@verkoop.exactonline.be"  # a linked e-mail address (Sales invoices)
RECEIPTS_POSTBOX = os.environ.get("DEMO_RECEIPTS_POSTBOX", "bakkerij-verkoop@exactonline.be")
CASH_POSTBOX = os.environ.get("DEMO_CASH_POSTBOX", "bakkerij-kas@exactonline.be")
COMPANY_NAME = "Bakkerij Demo BV"
today = fields.Date.context_today(env.user)
be = env.ref("base.be")
admin = env.ref("base.user_admin")


def named(record, en, nl, fr):
    """The record's name in English, Dutch and French (the languages of the demo)."""
    record.update_field_translations("name", {"en_US": en, "nl_BE": nl, "fr_BE": fr})


def setup(env):
    for lang in ("nl_BE", "fr_BE"):
        env["res.lang"]._activate_lang(lang)
    company = env["res.company"].create(
        {
            "name": COMPANY_NAME,
            "vat": "BE0477472701",
            "street": "Kerkstraat 1",
            "zip": "9000",
            "city": "Gent",
            "country_id": be.id,
            "email": "info@bakkerij-demo.example",
            "currency_id": env.ref("base.EUR").id,
        }
    )
    admin.write({"company_ids": [(4, company.id)], "company_id": company.id})
    env = env(user=admin.id, context=dict(env.context, allowed_company_ids=[company.id]))
    env["account.chart.template"].try_loading("be_comp", company=company, install_demo=False)
    env["res.partner.bank"].create(
        {"acc_number": "BE71 0961 2345 6769", "partner_id": company.partner_id.id}
    )
    company.write(
        {"exact_enabled": True, "exact_sender_email": "boekhouding@bakkerij-demo.example"}
    )
    # the SMTP sink keeps running after the demo (tools/demo.sh says how to stop or restart it)
    env["ir.mail_server"].sudo().create(
        {
            "name": "Local SMTP sink (demo)",
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp_port,
            "smtp_encryption": "none",
            "sequence": 1,
        }
    )
    # the Exact Online callback is built from web.base.url: the Odoo the demo starts
    env["ir.config_parameter"].sudo().set_param("web.base.url", odoo_url)
    env["exact.online.connection"].create(
        {
            "company_id": company.id,
            "region": "custom",
            "base_url": standin_url,
            "client_id": os.environ.get("DEMO_CLIENT_ID", "standin-client-id"),
            "new_client_secret": os.environ.get("DEMO_CLIENT_SECRET", "standin-client-secret"),
        }
    )

    Journal = env["account.journal"].with_company(company)
    sale_journal = Journal.search(
        [("type", "=", "sale"), ("company_id", "=", company.id)], limit=1
    )
    receipts_customer = env["res.partner"].create(
        {"name": "Dagontvangsten / Recettes journalières", "country_id": be.id,
         "is_company": True}
    )
    sale_journal.write(
        {
            "exact_transport": "email",
            "exact_mailbox": SALES_ADDRESS,
            "exact_send_invoices": True,
            "exact_receipts_partner_id": receipts_customer.id,
        }
    )
    named(sale_journal, "Daily receipts", "Dagontvangsten", "Recettes journalières")
    cash_journal = Journal.search(
        [("type", "=", "cash"), ("company_id", "=", company.id)], limit=1
    )
    cash_journal.write(
        {
            "bank_acc_number": "BE83 1388 1173 5115",
            "exact_transport": "api",
            "exact_mailbox": CASH_POSTBOX,
            "exact_send_coda": True,
            "exact_coda_period": "day",
        }
    )
    named(cash_journal, "Cash book", "Kasboek", "Livre de caisse")
    env.cr.commit()
    print(f"Company {company.name}: {sale_journal.name} by e-mail to {SALES_ADDRESS}, "
          f"{cash_journal.name} through the Exact Online connection to {CASH_POSTBOX}")
    print("DEMO-SETUP-DONE")


def run(env):
    company = env["res.company"].search([("name", "=", COMPANY_NAME)], limit=1)
    env = env(user=admin.id, context=dict(env.context, allowed_company_ids=[company.id]))
    connection = company.exact_connection_id
    print(f"Exact Online connection: {connection.state}, division {connection.division}, "
          f"own postbox {connection.sender_mailbox}, postboxes "
          f"{', '.join(connection.mailbox_ids.mapped('name'))}")
    if connection.state != "connected":
        raise SystemExit("The company is not connected to Exact Online: see demo-connect.log")
    Journal = env["account.journal"].with_company(company)
    sale_journal = Journal.search(
        [("type", "=", "sale"), ("company_id", "=", company.id)], limit=1
    )
    cash_journal = Journal.search(
        [("type", "=", "cash"), ("company_id", "=", company.id)], limit=1
    )
    receipts_customer = sale_journal.exact_receipts_partner_id
    deliver(env, company, sale_journal, cash_journal, receipts_customer)


def deliver(env, company, sale_journal, cash_journal, receipts_customer):
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
            "customer_rank": 1,
        }
    )
    supplier = env["res.partner"].create(
        {
            "name": "Meelfabriek De Molen NV",
            "street": "Molenstraat 5",
            "zip": "8000",
            "city": "Brugge",
            "country_id": be.id,
            "is_company": True,
            "supplier_rank": 1,
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
    refund = invoice(
        customer, [("Terugname taart", 45.00, tax6)], move_type="out_refund", days_ago=1
    )
    refund.action_post()
    print(f"Posted {len(moves)} invoices and 1 credit note in {sale_journal.name} (e-mail)")

    # -- cash book: three past days (CODA through the Exact Online connection) -----------
    Line = env["account.bank.statement.line"]
    cash = [
        (3, "bank_to_cash", 500.00, "", "", "wisselgeld"),
        (3, "cash_receipt", 812.40, "", "", "kassa"),
        (2, "customer_payment", 145.00, customer.id, moves[2].name, "betaling taart à contant"),
        (2, "supplier_payment", -86.20, supplier.id, "AK-2026-118", "bloem en suiker"),
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
    print(f"Encoded {len(cash)} cash movements in {cash_journal.name} (Exact Online connection)")
    env.cr.commit()

    receipts_book_demo(env, company, sale_journal, cash_journal, receipts_customer)
    env.cr.commit()
    run_scheduled_actions(env, company)


def receipts_book_demo(env, company, sale_journal, cash_journal, customer):
    """A sale journal kept as a daily-receipts book, with last week's entries: a total every
    day (cash, Bancontact, Payconiq), a wedding cake over 250 EUR, a correction and Sunday
    closed. The end-of-day run makes the week's invoice (sent as UBL through the Exact Online
    connection) and the DR/DRIN and DR/DRPM lines of the cash book (sent in the CODA files)."""
    from datetime import datetime
    from datetime import time as clock

    import pytz
    from freezegun import freeze_time  # an Odoo requirement
    from odoo import Command

    today = env["exact.receipts.book"]._exact_today(cash_journal)
    monday = today - timedelta(days=today.weekday() + 7)  # Monday of last week
    book = env["account.journal"].create(
        {
            "name": "Dagontvangstenboek",
            "code": "DOB",
            "type": "sale",
            "company_id": company.id,
            "default_account_id": sale_journal.default_account_id.id,
            "exact_transport": "api",
            "exact_mailbox": RECEIPTS_POSTBOX,
            "exact_send_invoices": True,
            "exact_receipts_book": True,
            "exact_receipts_partner_id": customer.id,
            "exact_receipts_cash_journal_id": cash_journal.id,
            "exact_receipts_period": "week",
            "exact_receipts_user_id": env.user.id,
            "exact_receipts_start_date": monday,
        }
    )
    named(book, "Daily-receipts book", "Dagontvangstenboek", "Livre des recettes journalières")
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
        local = tz.localize(datetime.combine(day, clock(hour, minute)))
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
        day = monday + timedelta(days=offset)
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
                      corrected_date=monday + timedelta(days=1),
                      reason="Fles wijn twee keer aangerekend")
        with freeze_time(at(day + timedelta(days=1), 0, 30)):
            Book._cron_end_of_day()
    Book._cron_end_of_day()
    invoice = env["account.move"].search([("journal_id", "=", book.id)])
    lines = env["account.bank.statement.line"].search(
        [("exact_receipts_journal_id", "=", book.id)]
    )
    entries = Entry.search_count([("journal_id", "=", book.id)])
    print(
        f"Daily-receipts book {book.name}: {entries} entries, invoice {invoice.name} "
        f"{invoice.amount_total:.2f} ({invoice.payment_state}), {len(lines)} cash-book lines, "
        "hash chain: " + Book._exact_check_chain(book)["message"]
    )
    return book


def run_scheduled_actions(env, company):
    """The addon's scheduled actions, as the cron workers would run them."""
    env.ref("scrada_exact_bridge.ir_cron_exact_coda").sudo().method_direct_trigger()
    env.cr.commit()
    Delivery = env["exact.mailbox.delivery"].sudo()
    domain = [("company_id", "=", company.id)]
    for _attempt in range(90):
        env.ref("scrada_exact_bridge.ir_cron_exact_delivery").sudo().method_direct_trigger()
        env.cr.commit()
        env.invalidate_all()
        if not Delivery.search_count([*domain, ("state", "in", ("pending", "sending"))]):
            break
        time.sleep(2)  # a rate-limit wait or a retry: the next run picks them up
    # Exact Online processes what it received (the stand-in is told so), then the scheduled
    # action reads each message's processing status (RecipientStatus) into Odoo
    import json
    import urllib.request

    for delivery in Delivery.search([*domain, ("exact_message_id", "!=", False)]):
        request = urllib.request.Request(
            f"{standin_url}/_standin/control",
            data=json.dumps({"action": "set_status", "message_id": delivery.exact_message_id,
                             "status": 50}).encode(),
            headers={"Content-Type": "application/json"},
        )
        urllib.request.urlopen(request, timeout=10).read()  # the stand-in, on 127.0.0.1
    env.ref("scrada_exact_bridge.ir_cron_exact_status").sudo().method_direct_trigger()
    env.cr.commit()
    env.invalidate_all()
    status = dict(Delivery._fields["exact_recipient_status"]._description_selection(env))
    print("What Odoo says about each document (Invoicing > Exact Online > Deliveries):")
    for delivery in Delivery.search(domain, order="transport, id"):
        route = "e-mail " if delivery.transport == "email" else "API    "
        exact = (f", in Exact Online: {status.get(delivery.exact_recipient_status)}"
                 if delivery.exact_recipient_status else "")
        print(
            f"  {route} {delivery.state:7} {delivery.attachment_id.name or '-':40} "
            f"-> {delivery.mailbox}{exact}"
            + (f" [{delivery.error_message}]" if delivery.error_message else "")
        )
    env.cr.commit()
    print("DEMO-DATA-DONE")


if PHASE == "setup":
    setup(env)
else:
    run(env)
