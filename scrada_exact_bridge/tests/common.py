# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Shared set-up for the addon's Odoo tests: a Belgian company with Exact
Online activated, a flagged daily-receipts (sale) journal and a flagged cash
journal with a valid cash-book IBAN."""

import os
import unittest

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

SENDER = "boekhouding@lab.example"
SALES_MAILBOX = "x55i@verkoop.exactonline.be"
CASH_MAILBOX = "k4s9@bank.exactonline.be"
CASH_IBAN = "BE83138811735115"  # valid mod-97 and BE check digits, bank code in no register


def strict():
    """CI (``CI=true``) or tools/test.sh's strict mode (``SCRADA_STRICT``)."""
    return os.environ.get("CI") == "true" or bool(os.environ.get("SCRADA_STRICT"))


def missing_dependency(reason):
    """A test dependency (validator, SMTP server package, ...) is missing: skip the test, or
    fail it in CI, where a test that silently does not run would hide a regression."""
    if strict():
        raise AssertionError(f"{reason} (a missing test dependency is a failure in CI)")
    raise unittest.SkipTest(reason)


def drop_committed_company(env, company_id, trigger_ids):
    """Remove a company that a concurrency test committed (with its partner), and the delivery
    cron's triggers that appeared after ``trigger_ids`` were listed."""
    cron = env.ref("scrada_exact_bridge.ir_cron_exact_delivery")
    env["ir.cron.trigger"].search(
        [("id", "not in", trigger_ids), ("cron_id", "=", cron.id)]
    ).unlink()
    company = env["res.company"].browse(company_id)
    partner = company.partner_id
    try:
        with env.cr.savepoint():
            company.unlink()
            partner.unlink()
    except Exception:  # keep the database usable even if Odoo refuses
        company.write({"active": False, "exact_enabled": False})


# The test company: what Exact Online needs of a seller (name, VAT, address).
COMPANY_VALUES = {
    "name": "Lab BV",
    "vat": "BE0477472701",
    "street": "Kerkstraat 1",
    "zip": "9000",
    "city": "Gent",
    "email": "info@lab.example",
}


class ExactCommon(AccountTestInvoicingCommon):
    @classmethod
    @AccountTestInvoicingCommon.setup_country("be")
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls.company.write(
            {
                **COMPANY_VALUES,
                "country_id": cls.env.ref("base.be").id,
                "exact_enabled": True,
                "exact_sender_email": SENDER,
            }
        )
        cls.sale_journal = cls.company_data["default_journal_sale"]
        cls.sale_journal.write({"exact_mailbox": SALES_MAILBOX, "exact_send_invoices": True})
        cls.cash_journal = cls.company_data["default_journal_cash"]
        cls.cash_journal.write(
            {
                "bank_acc_number": CASH_IBAN,
                "exact_mailbox": CASH_MAILBOX,
                "exact_send_coda": True,
            }
        )
