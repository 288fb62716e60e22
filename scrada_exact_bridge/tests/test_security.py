# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Who may read, write, delete and act on what the addon adds (issue 10 #5).

Data-driven: the addon's models and the fields it adds to Odoo's models are enumerated
from ``ir.model`` / ``ir.model.fields`` (their ``ir.model.data`` rows of module
scrada_exact_bridge), and so are the public ``action_*`` methods of the addon's classes.
Each must have a row in the expectation tables below, or the test fails: a new model,
field or button is never left unchecked. Every row is checked for six roles, through
the ORM and through JSON-RPC on the real HTTP server (``/web/dataset/call_kw``):

* ``portal``: a portal user, the customer of the invoice;
* ``internal``: an internal user with contact rights, without Invoicing;
* ``billing``: Invoicing / Billing (the cash-book keeper);
* ``manager_a``: Invoicing / Administrator of company A, which owns every record;
* ``manager_b``: Invoicing / Administrator of company B only;
* ``clerk``: Daily receipts / Receipts clerk of company A's daily-receipts book (shop staff,
  no other group).

"Allowed" means the call raised no AccessError (an action may still refuse for a business
reason, e.g. a final entry never changes); "denied" means it raised an AccessError. Calls
that are allowed run inside a savepoint that is rolled back, so one check never prepares the
next. Reports (abstract ``report.*`` models) are rendered through the ORM and through
``/report/html/...``.

To add a model, field or button: add one row to ``MODELS``, ``FIELDS`` or ``ACTIONS`` (and
the record it is checked on to ``_make_records``, its values to ``WRITE_VALUES`` and
``_create_values``). A model whose records differ for a role (today's entry and a final
one) lists the other records under ``also``.
"""

import copy
import logging
from contextlib import closing, contextmanager
from datetime import timedelta

from odoo import Command, fields
from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import mute_logger

from .common import CASH_IBAN, CASH_MAILBOX, COMPANY_VALUES, SALES_MAILBOX, SENDER
from .receipts_common import setup_book

_logger = logging.getLogger(__name__)

ADDON = "scrada_exact_bridge"
ROLES = ("portal", "internal", "billing", "manager_a", "manager_b", "clerk")
ACCOUNTING_A = frozenset({"billing", "manager_a"})  # who works in Invoicing in company A
BOOK_A = ACCOUNTING_A | {"clerk"}  # who enters receipts in company A's book
NOBODY = frozenset()
# A final entry (its day is over) and its lines: accountants read it; their write and unlink
# pass the access rules and are then refused by the entry's own rules (a final entry never
# changes); the clerk sees no history.
FINAL_ENTRY = {"read": ACCOUNTING_A, "write": ACCOUNTING_A, "unlink": ACCOUNTING_A}

# ----------------------------------------------------------------------------------------
# Expectations. One row per model / group of fields / button.
# ----------------------------------------------------------------------------------------

# The addon's own models. ``record``: the key of the record of company A to check on (see
# ``_make_records``); ``create`` values are built by ``_create_values``; ``also``: other
# records of the model with their own read / write / unlink expectations; ``report``: an
# abstract report model, rendered on (record, who may).
MODELS = {
    "exact.mailbox.delivery": {
        "record": "delivery",
        "read": ACCOUNTING_A,
        "write": {"manager_a"},  # the form has no edit; Resend / Cancel are managers'
        "create": NOBODY,  # only the addon queues deliveries
        "unlink": NOBODY,  # never deleted: they are the history of what went out
    },
    "exact.setup.wizard": {
        "record": "wizard",
        "read": {"manager_a"},
        "write": {"manager_a"},
        "create": {"manager_a", "manager_b"},  # each for their own company
        "unlink": {"manager_a"},
    },
    "exact.setup.wizard.journal": {
        "record": "wizard_line",
        "read": {"manager_a"},
        "write": {"manager_a"},
        "create": {"manager_a"},  # on a wizard of company A
        "unlink": {"manager_a"},
    },
    "exact.setup.wizard.check": {
        "record": "wizard_check",
        "read": {"manager_a"},
        "write": {"manager_a"},
        "create": {"manager_a"},  # on a wizard of company A
        "unlink": {"manager_a"},
    },
    # an abstract builder (no table, no records): nothing to read or write
    "exact.edi.xml.ubl_bis3": {"abstract": True},
    # --- the daily-receipts book -----------------------------------------------------
    # the end-of-day work (no table; every method private)
    "exact.receipts.book": {"abstract": True},
    "exact.receipts.entry": {
        "record": "entry",  # today's entry: open
        "read": BOOK_A,
        "write": BOOK_A,  # until midnight
        "create": BOOK_A,  # the clerk: today's receipts of its own books only
        "unlink": ACCOUNTING_A,  # the clerk never deletes
        "also": {"entry_final": FINAL_ENTRY},  # yesterday's
    },
    "exact.receipts.entry.amount": {
        "record": "entry_amount",
        "read": BOOK_A,
        "write": BOOK_A,
        "create": BOOK_A,
        "unlink": ACCOUNTING_A,
        "also": {"entry_final_amount": FINAL_ENTRY},
    },
    "exact.receipts.entry.payment": {
        "record": "entry_payment",
        "read": BOOK_A,
        "write": BOOK_A,
        "create": BOOK_A,
        "unlink": ACCOUNTING_A,
        "also": {"entry_final_payment": FINAL_ENTRY},
    },
    # the book's settings: administrators; read by whoever enters receipts
    "exact.receipts.category": {
        "record": "category",
        "read": BOOK_A,
        "write": {"manager_a"},
        "create": {"manager_a"},
        "unlink": {"manager_a"},
    },
    "exact.receipts.payment.method": {
        "record": "method",
        "read": BOOK_A,
        "write": {"manager_a"},
        "create": {"manager_a"},
        "unlink": {"manager_a"},
    },
    # the split of a cash line is part of the line: the cash book's keepers
    "exact.cash.line.split": {
        "record": "split",
        "read": ACCOUNTING_A,
        "write": ACCOUNTING_A,
        "create": ACCOUNTING_A,
        "unlink": ACCOUNTING_A,
        # as the line itself: billing users change lines of cash journals only
        "also": {"bank_split": {"read": ACCOUNTING_A, "write": NOBODY, "unlink": NOBODY}},
    },
    "exact.receipts.book.report": {
        "record": "book_report",
        "read": ACCOUNTING_A,
        "write": ACCOUNTING_A,
        "create": ACCOUNTING_A,
        "unlink": ACCOUNTING_A,
    },
    # --- the Exact Online connection (issue 11) --------------------------------------
    # set up and connected by administrators of the company; its secrets are for system
    # administrators only (test_exact_connection); deleted by system administrators only
    "exact.online.connection": {
        "record": "connection",
        "read": {"manager_a"},
        "write": {"manager_a"},
        "create": {"manager_a"},  # for company A (B's administrator: denied by the rules)
        "unlink": NOBODY,
    },
    # the postbox names Exact Online listed: written by the addon only
    "exact.online.mailbox": {
        "record": "postbox",
        "read": {"manager_a"},
        "write": NOBODY,
        "create": NOBODY,
        "unlink": NOBODY,
    },
    # the transport contract and its two implementations (no table, every method private)
    "exact.transport": {"abstract": True},
    "exact.transport.email": {"abstract": True},
    "exact.transport.api": {"abstract": True},
    # the legal book (PDF / HTML): whoever reads the book's journal
    "report.scrada_exact_bridge.report_exact_receipts_book": {
        "abstract": True,
        "report": ("book", ACCOUNTING_A),
    },
}

# Fields the addon adds to Odoo's models: who may read them.
MAIL_THREAD = "mail.thread fields (the cash statement's chatter)"
FIELDS = [
    (
        "account.move",
        ("exact_delivery_count", "exact_delivery_state", "exact_delivery_error"),
        "invoice",
        ACCOUNTING_A,  # not the portal customer of the invoice
    ),
    # a cash line *is* a journal entry (``_inherits``): it shows its move's delivery fields
    (
        "account.bank.statement.line",
        ("exact_delivery_count", "exact_delivery_state", "exact_delivery_error"),
        "line",
        ACCOUNTING_A,
    ),
    (
        "account.journal",
        (
            "exact_mailbox", "exact_send_invoices", "exact_send_coda", "exact_coda_start_date",
            "exact_coda_period", "exact_receipts_partner_id", "exact_mailbox_warning",
            "exact_coda_activated", "exact_coda_left_out", "exact_coda_skip_confirmed",
            "exact_iban_change_warning", "exact_iban_change_confirmed",
            "exact_delivery_count", "exact_delivery_pending_count",
            "exact_delivery_failed_count", "exact_last_sent_date",
            "exact_transport", "exact_transport_warning",
        ),
        "cash_journal",
        ACCOUNTING_A,
    ),
    (
        "account.bank.statement",
        (
            "exact_paper_number", "exact_coda_number", "exact_period_start", "exact_period_end",
            "exact_old_date", "exact_delivery_ids", "exact_delivery_state", "exact_locked",
            "exact_coda_file", "exact_coda_file_name",
        ),
        "statement",
        ACCOUNTING_A,
    ),
    ("account.bank.statement", MAIL_THREAD, "statement", ACCOUNTING_A),
    # the daily-receipts book's settings and status on its sale journal
    (
        "account.journal",
        (
            "exact_receipts_book", "exact_receipts_category_ids", "exact_receipts_method_ids",
            "exact_receipts_cash_journal_id", "exact_receipts_period",
            "exact_receipts_start_date", "exact_receipts_user_id", "exact_receipts_clerk_ids",
            "exact_receipts_invoiced_until", "exact_receipts_reminded_date",
            "exact_receipts_error", "exact_receipts_last_date", "exact_receipts_missing_count",
            "exact_receipts_warning",
        ),
        "book",
        ACCOUNTING_A,  # not the clerk: it has no access to journals
    ),
    ("account.move", ("exact_receipts_entry_ids",), "invoice", ACCOUNTING_A),
    # a daily-receipts cash line (split by payment method); the entries through its move
    (
        "account.bank.statement.line",
        (
            "exact_split_ids", "exact_split_text", "exact_receipts_journal_id",
            "exact_receipts_date", "exact_receipts_entry_ids",
        ),
        "split_line",
        ACCOUNTING_A,
    ),
    (
        "account.bank.statement.line",
        (
            "exact_cash_type", "exact_invoice_ref", "exact_remark", "exact_amount_in",
            "exact_amount_out", "exact_communication", "exact_statement_locked",
        ),
        "line",
        ACCOUNTING_A,
    ),
    (
        "res.company",
        (
            "exact_enabled", "exact_sender_email", "exact_responsible_id", "exact_max_attempts",
            "exact_connection_id", "exact_setup_checked",
        ),
        "company",
        ACCOUNTING_A,  # and settings administrators (none of the five roles)
    ),
    # Odoo's field, made a stored compute so that a cash book's account has a company:
    # readable as before by whoever reads the bank accounts of company A
    (
        "res.partner.bank",
        ("company_id",),
        "cash_bank",
        {"internal", "billing", "manager_a", "clerk"},  # Odoo: every internal user of A
    ),
    ("res.partner.bank", ("exact_cash_journal_ids",), "cash_bank", ACCOUNTING_A),
    # Odoo's bank set-up wizard is a res.partner.bank (``_inherits``) for administrators; a
    # bank account without company (Odoo's default) is shared by all companies
    (
        "account.setup.bank.manual.config",
        ("exact_cash_journal_ids",),
        "bank_setup",
        {"manager_a", "manager_b"},
    ),
    (
        "res.config.settings",
        ("exact_enabled", "exact_sender_email", "exact_max_attempts", "exact_responsible_id"),
        "settings",
        NOBODY,  # the Settings page: system administrators only
    ),
]

# Public buttons (``action_*``) of the addon's classes, on its models and on Odoo's: who
# may press them on the record of company A. ``None`` as record: called on the model
# (``@api.model``), with the cash book's context.
ACTIONS = {
    ("exact.mailbox.delivery", "action_resend"): ("delivery", {"manager_a"}),
    ("exact.mailbox.delivery", "action_cancel"): ("delivery", {"manager_a"}),
    ("exact.mailbox.delivery", "action_open_source"): ("delivery", ACCOUNTING_A),
    ("exact.setup.wizard", "action_next"): ("wizard", {"manager_a"}),
    ("exact.setup.wizard", "action_previous"): ("wizard", {"manager_a"}),
    ("exact.setup.wizard", "action_refresh"): ("wizard", {"manager_a"}),
    ("exact.setup.wizard", "action_send_test"): ("wizard", {"manager_a"}),
    ("exact.setup.wizard", "action_connect"): ("wizard", {"manager_a"}),
    ("exact.setup.wizard", "action_refresh_postboxes"): ("wizard", {"manager_a"}),
    ("account.move", "action_exact_open_deliveries"): ("invoice", ACCOUNTING_A),
    # "Send to Exact Online" (server action): queues a delivery, as Resend does
    ("account.move", "action_exact_send"): ("invoice", {"manager_a"}),
    ("account.bank.statement", "action_exact_queue"): ("statement", {"manager_a"}),
    ("account.journal", "action_exact_open_deliveries"): ("cash_journal", ACCOUNTING_A),
    ("account.journal", "action_exact_cash_book"): ("cash_journal", ACCOUNTING_A),
    ("account.journal", "action_exact_close_now"): ("cash_journal", ACCOUNTING_A),
    # the menu entry: each user's own companies' cash books
    ("account.journal", "action_exact_open_cash_books"): (None, {"billing", "manager_a",
                                                                 "manager_b"}),
    ("account.bank.statement", "action_exact_download_coda"): ("statement", ACCOUNTING_A),
    ("account.bank.statement.line", "action_exact_close_now"): (None, ACCOUNTING_A),
    ("res.config.settings", "action_exact_open_journals"): ("settings", NOBODY),
    # the daily-receipts book: the journal's buttons and dashboard card are the accountants'
    # (the clerk opens the entry form from its own menu)
    ("account.journal", "action_exact_receipts_enter"): ("book", ACCOUNTING_A),
    ("account.journal", "action_exact_receipts_entries"): ("book", ACCOUNTING_A),
    ("account.journal", "action_exact_receipts_check_chain"): ("book", ACCOUNTING_A),
    ("account.journal", "action_exact_receipts_legal_book"): ("book", ACCOUNTING_A),
    # the clerk reads today's entry but not its invoice
    ("exact.receipts.entry", "action_open_invoice"): ("entry", ACCOUNTING_A),
    ("exact.receipts.book.report", "action_print"): ("book_report", ACCOUNTING_A),
    ("exact.receipts.book.report", "action_export_xlsx"): ("book_report", ACCOUNTING_A),
    ("account.bank.statement.line", "action_exact_split"): ("split_line", ACCOUNTING_A),
    # the Exact Online connection: administrators of the company
    ("exact.online.connection", "action_exact_connect"): ("connection", {"manager_a"}),
    ("exact.online.connection", "action_exact_disconnect"): ("connection", {"manager_a"}),
    ("exact.online.connection", "action_exact_refresh_mailboxes"): ("connection",
                                                                    {"manager_a"}),
    ("res.company", "action_exact_open_connection"): ("company", {"manager_a"}),
}

# ``write`` values per model: harmless on the records of ``_make_records`` (the amounts they
# already have), so that an allowed write succeeds for every role that may write.
WRITE_VALUES = {
    "exact.mailbox.delivery": {"notes": "checked"},
    "exact.setup.wizard": {"sender_email": "other@lab.example"},
    "exact.setup.wizard.journal": {"mailbox": "z9@verkoop.exactonline.be"},
    "exact.setup.wizard.check": {"done": True},
    "exact.receipts.entry": {"note": "checked"},
    "exact.receipts.entry.amount": {"amount": 100.0},
    "exact.receipts.entry.payment": {"amount": 100.0},
    "exact.receipts.category": {"sequence": 7},
    "exact.receipts.payment.method": {"sequence": 7},
    "exact.cash.line.split": {"sequence": 1},  # as it is: the line itself is not rewritten
    "exact.receipts.book.report": {"date_to": "2026-01-31"},
    "exact.online.connection": {"division": 1234567},
    "exact.online.mailbox": {"description": "checked"},
}


@tagged("post_install", "-at_install")
class TestSecurity(AccountTestInvoicingHttpCommon):
    @classmethod
    @AccountTestInvoicingHttpCommon.setup_country("be")
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls.company.write(
            {**COMPANY_VALUES, "exact_enabled": True, "exact_sender_email": SENDER}
        )
        cls.company_b = cls.setup_other_company(name="Company B")["company"]
        cls.sale_journal = cls.company_data["default_journal_sale"]
        cls.sale_journal.write({"exact_mailbox": SALES_MAILBOX, "exact_send_invoices": True})
        cls.cash_journal = cls.company_data["default_journal_cash"]
        cls.cash_journal.write(
            {"bank_acc_number": CASH_IBAN, "exact_mailbox": CASH_MAILBOX, "exact_send_coda": True}
        )
        cls.users = cls._make_users()
        cls.records = cls._make_records()

    @classmethod
    def _make_users(cls):
        def user(login, groups, companies, **values):
            return new_test_user(
                cls.env, login=login, password=login, groups=groups,
                company_id=companies[0].id,
                company_ids=[Command.set([company.id for company in companies])],
                **values,
            )

        contacts = "base.group_partner_manager"
        return {
            "portal": user("sec_portal", "base.group_portal", [cls.company]),
            "internal": user("sec_internal", f"base.group_user,{contacts}", [cls.company]),
            "billing": user("sec_billing", f"account.group_account_invoice,{contacts}",
                            [cls.company]),
            "manager_a": user("sec_manager_a", f"account.group_account_manager,{contacts}",
                              [cls.company]),
            "manager_b": user("sec_manager_b", f"account.group_account_manager,{contacts}",
                              [cls.company_b]),
            # shop staff: the clerk group only, listed on company A's book (_make_records)
            "clerk": user("sec_clerk", "scrada_exact_bridge.group_exact_receipts_clerk",
                          [cls.company]),
        }

    @classmethod
    def _make_records(cls):
        env = cls.env
        portal_partner = cls.users["portal"].partner_id
        portal_partner.write({"country_id": env.ref("base.be").id})
        invoice = cls.init_invoice(
            "out_invoice", partner=portal_partner, amounts=[100.0], post=True,
            company=cls.company,
        )
        delivery = env["exact.mailbox.delivery"].search([("move_id", "=", invoice.id)])
        delivery.write({"state": "failed", "error_message": "SMTP 550 mailbox unknown"})
        Line = env["account.bank.statement.line"]
        line = Line.create(
            {"journal_id": cls.cash_journal.id, "date": fields.Date.from_string("2025-03-03"),
             "exact_cash_type": "bank_to_cash", "exact_amount_in": 50}
        )
        env["account.bank.statement"]._cron_exact_close_periods(
            today=fields.Date.from_string("2025-03-04")
        )
        wizard = env["exact.setup.wizard"].with_user(cls.users["manager_a"]).create({})
        settings = env["res.config.settings"].create({})
        # Odoo's bank set-up wizard of company A, on a bank journal of company A (its default
        # journal would be the first bank journal without account of whatever env.company is)
        bank_journal = env["account.journal"].create(
            {"name": "Bank set-up", "code": "BSET", "type": "bank", "company_id": cls.company.id}
        )
        bank_setup = (
            env["account.setup.bank.manual.config"]
            .with_company(cls.company)
            .with_context(linked_journal_id=bank_journal.id)
            .create({"acc_number": "NL91ABNA0417164300", "bank_id": False, "bank_bic": False})
        )
        # company A's Exact Online connection, never connected (no call leaves the test) on
        # a loopback address, with one postbox name listed
        connection = env["exact.online.connection"].create(
            {"company_id": cls.company.id, "base_url": "http://127.0.0.1:9",
             "client_id": "sec-client"}
        )
        postbox = env["exact.online.mailbox"].create(
            {"connection_id": connection.id, "name": "winkel@exactonline.be",
             "exact_id": "00000000-0000-0000-0000-000000000001"}
        )
        return {
            **cls._make_receipts_records(),
            "connection": connection,
            "postbox": postbox,
            "invoice": invoice,
            "delivery": delivery,
            "cash_journal": cls.cash_journal,
            "line": line,
            "statement": line.statement_id,
            "company": cls.company,
            "cash_bank": cls.cash_journal.bank_account_id,
            "wizard": wizard.sudo(),
            "wizard_line": wizard.sudo().line_ids[:1],
            "wizard_check": env["exact.setup.wizard.check"].with_user(cls.users["manager_a"])
            .create({"wizard_id": wizard.id, "key": "sec", "text": "Allow the sender"}).sudo(),
            "settings": settings,
            "bank_setup": bank_setup,
        }

    @classmethod
    def _make_receipts_records(cls):
        """Company A's daily-receipts book (started yesterday, the clerk listed) with a final
        entry of yesterday and an open one of today, a hand-made DR/DRIN cash line with its
        split (and one on a bank journal), and the legal-book wizard."""
        env = cls.env
        book = env["account.journal"].create(
            {"name": "Winkel", "code": "WNK", "type": "sale", "company_id": cls.company.id}
        )
        today = env["exact.receipts.book"]._exact_today(book)
        setup_book(env, book, cls.cash_journal, today - timedelta(days=1))
        book.exact_receipts_clerk_ids = cls.users["clerk"]
        categories = book.exact_receipts_category_ids
        cat21 = categories.filtered(lambda c: c.tax_id.amount == 21)
        cash = book.exact_receipts_method_ids.filtered(lambda m: m.kind == "cash")
        bancontact = book.exact_receipts_method_ids.filtered(lambda m: m.name == "Bancontact")

        def entry(day, amount):
            return env["exact.receipts.entry"].create(
                {
                    "journal_id": book.id,
                    "date": day,
                    "amount_ids": [Command.create({"category_id": cat21.id, "amount": amount})],
                    "payment_ids": [Command.create({"method_id": cash.id, "amount": amount})],
                }
            )

        final = entry(today - timedelta(days=1), 80.0)
        current = entry(today, 100.0)
        assert (final.state, current.state) == ("final", "open")

        def split_line(journal):
            return env["account.bank.statement.line"].create(
                {
                    "journal_id": journal.id,
                    "date": today,
                    "exact_cash_type": "receipts_day_total",
                    "exact_amount_in": 80.0,
                    "exact_split_ids": [
                        Command.create({"name": "Contant geld", "amount": 50.0, "sequence": 1}),
                        Command.create({"name": "Bancontact", "amount": 30.0, "sequence": 2}),
                    ],
                }
            )

        line = split_line(cls.cash_journal)
        bank_line = split_line(cls.company_data["default_journal_bank"])
        book_report = env["exact.receipts.book.report"].create(
            {"journal_id": book.id, "date_from": today - timedelta(days=1), "date_to": today}
        )
        return {
            "book": book,
            "entry": current,
            "entry_amount": current.amount_ids,
            "entry_payment": current.payment_ids,
            "entry_final": final,
            "entry_final_amount": final.amount_ids,
            "entry_final_payment": final.payment_ids,
            "category": cat21,
            "other_category": categories - cat21,
            "method": bancontact,
            "cash_method": cash,
            "split_line": line,
            "split": line.exact_split_ids[:1],
            "bank_split": bank_line.exact_split_ids[:1],
            "book_report": book_report,
            "today": today,
        }

    # ------------------------------------------------------------------
    # enumeration: every model, field and button has a row
    # ------------------------------------------------------------------

    def _addon_models(self):
        data = self.env["ir.model.data"].sudo().search(
            [("module", "=", ADDON), ("model", "=", "ir.model")]
        )
        names = self.env["ir.model"].sudo().browse(data.mapped("res_id")).mapped("model")
        return {name for name in names if self.env[name]._original_module == ADDON}

    def _added_fields(self):
        data = self.env["ir.model.data"].sudo().search(
            [("module", "=", ADDON), ("model", "=", "ir.model.fields")]
        )
        owned = self._addon_models()
        return {
            (field.model, field.name)
            for field in self.env["ir.model.fields"].sudo().browse(data.mapped("res_id"))
            if field.model not in owned
        }

    def _addon_actions(self):
        """Public ``action_*`` methods defined by the addon's classes."""
        found = set()
        for name in self.env.registry:
            for cls in type(self.env[name]).__mro__:
                if not cls.__module__.startswith(f"odoo.addons.{ADDON}."):
                    continue
                found.update(
                    (name, attr) for attr in vars(cls)
                    if attr.startswith("action_") and callable(vars(cls)[attr])
                )
        return found

    @staticmethod
    def _mail_thread_fields(env, model):
        thread = set(env["mail.thread"]._fields)
        return tuple(sorted(name for name in env[model]._fields if name in thread
                            and name not in models_magic_fields()))

    def _expected_fields(self):
        expected = {}
        for model, row_names, record, readers in FIELDS:
            names = (
                self._mail_thread_fields(self.env, model) if row_names == MAIL_THREAD else row_names
            )
            for name in names:
                expected[(model, name)] = (record, frozenset(readers))
        return expected

    def test_every_model_field_and_button_has_an_expectation(self):
        models = self._addon_models()
        self.assertIn("exact.mailbox.delivery", models)
        self.assertEqual(
            sorted(models - set(MODELS)), [],
            "models of the addon without a row in MODELS (test_security.py)",
        )
        self.assertEqual(sorted(set(MODELS) - models), [], "rows for models that do not exist")
        added = self._added_fields()
        self.assertIn(("account.move", "exact_delivery_error"), added)
        expected = self._expected_fields()
        self.assertEqual(
            sorted(added - set(expected)), [],
            "fields the addon adds without a row in FIELDS (test_security.py)",
        )
        self.assertEqual(sorted(set(expected) - added), [], "rows for fields not added")
        actions = self._addon_actions()
        self.assertEqual(
            sorted(actions - set(ACTIONS)), [],
            "buttons of the addon without a row in ACTIONS (test_security.py)",
        )
        self.assertEqual(sorted(set(ACTIONS) - actions), [], "rows for buttons that do not exist")
        for model, row in MODELS.items():
            if row.get("abstract"):
                self.assertTrue(self.env[model]._abstract, model)
            # a report model says who may render it
            self.assertEqual(model.startswith("report."), "report" in row, model)

    # ------------------------------------------------------------------
    # the checks, through the ORM and through JSON-RPC
    # ------------------------------------------------------------------

    @contextmanager
    def _rolled_back(self):
        with closing(self.env.cr.savepoint()):
            yield
        self.env.invalidate_all()

    def _orm(self, role, model, method, ids, *args, context=None):
        """True when allowed, False when an AccessError; other errors: allowed."""
        user = self.users[role]
        records = self.env[model].with_user(user).with_context(
            **(context or {}), allowed_company_ids=user.company_ids.ids
        ).browse(ids)
        with self._rolled_back():
            try:
                getattr(records, method)(*args)
            except AccessError:
                return False
            except Exception as error:
                _logger.info("%s.%s as %s: %s", model, method, role, error)
        return True

    def _rpc(self, role, model, method, ids, *args, context=None):
        """Like ``_orm``, through ``/web/dataset/call_kw`` as the browser calls it."""
        user = self.users[role]
        if getattr(self, "_session_role", None) != role:
            self.authenticate(user.login, user.login)
            self._session_role = role
        params = {
            "model": model,
            "method": method,
            "args": [ids, *args] if ids is not None else list(args),
            "kwargs": {"context": {**(context or {}),
                                   "allowed_company_ids": user.company_ids.ids}},
        }
        with self._rolled_back():
            try:
                self.make_jsonrpc_request("/web/dataset/call_kw", params)
            except JsonRpcException as error:
                if str(error) == "odoo.exceptions.AccessError":
                    return False
                _logger.info("RPC %s.%s as %s: %s", model, method, role, error)
        return True

    def _both(self, role, model, method, ids, *args, context=None):
        # each call gets its own copy of the values (a create may change the dicts it gets)
        orm = self._orm(role, model, method, ids, *copy.deepcopy(args), context=context)
        rpc = self._rpc(role, model, method, ids, *copy.deepcopy(args), context=context)
        self.assertEqual(orm, rpc, f"ORM and JSON-RPC disagree: {model}.{method} as {role}")
        return orm

    def _check(self, allowed, role, label, outcome):
        self.assertEqual(
            outcome, role in allowed,
            f"{label} as {role}: {'allowed' if outcome else 'denied'}, expected "
            f"{'allowed' if role in allowed else 'denied'}",
        )

    # odoo.sql_db: the one-connection-per-company constraint answers a second create
    @mute_logger(
        "odoo.http", "odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule",
        "odoo.sql_db",
    )
    def test_models(self):
        for model, row in MODELS.items():
            if row.get("abstract"):
                continue
            checks = {row["record"]: row, **row.get("also", {})}
            for record_key, expected in checks.items():
                record = self.records[record_key]
                self.assertTrue(record, record_key)
                for role in ROLES:
                    with self.subTest(model=model, record=record_key, role=role):
                        self._check_record(model, record, role, expected, record_key)
                        if "create" in expected:
                            self._check(expected["create"], role, f"create {model}",
                                        self._both(role, model, "create", None,
                                                   self._create_values(model)))

    def _check_record(self, model, record, role, expected, label):
        self._check(expected["read"], role, f"read {model} ({label})",
                    self._both(role, model, "read", record.ids, ["display_name"]))
        self._check(expected["write"], role, f"write {model} ({label})",
                    self._both(role, model, "write", record.ids, WRITE_VALUES[model]))
        self._check(expected["unlink"], role, f"unlink {model} ({label})",
                    self._both(role, model, "unlink", record.ids))

    def _create_values(self, model):
        records = self.records
        book, today = records["book"], records["today"]
        return {
            "exact.mailbox.delivery": {"document_type": "test", "company_id": self.company.id},
            "exact.setup.wizard": {},
            "exact.setup.wizard.journal": {
                "wizard_id": records["wizard"].id,
                "journal_id": self.sale_journal.id,
            },
            "exact.setup.wizard.check": {"wizard_id": records["wizard"].id, "key": "new"},
            # today's receipts in company A's book
            "exact.receipts.entry": {
                "journal_id": book.id,
                "date": str(today),
                "amount_ids": [Command.create({"category_id": records["category"].id,
                                               "amount": 10.0})],
                "payment_ids": [Command.create({"method_id": records["cash_method"].id,
                                                "amount": 10.0})],
            },
            # a category and a method today's entry does not have yet, at zero
            "exact.receipts.entry.amount": {
                "entry_id": records["entry"].id,
                "category_id": records["other_category"][:1].id,
                "amount": 0.0,
            },
            "exact.receipts.entry.payment": {
                "entry_id": records["entry"].id,
                "method_id": records["method"].id,
                "amount": 0.0,
            },
            "exact.receipts.category": {
                "journal_id": book.id,
                "name": "Diensten 21 %",
                "tax_id": records["category"].tax_id.id,
            },
            "exact.receipts.payment.method": {
                "journal_id": book.id, "name": "Maaltijdcheques", "kind": "other",
            },
            "exact.cash.line.split": {
                "statement_line_id": records["split_line"].id, "name": "Payconiq", "amount": 0.0,
            },
            "exact.receipts.book.report": {
                "journal_id": book.id, "date_from": str(today), "date_to": str(today),
            },
            "exact.online.connection": {
                "company_id": self.company.id, "base_url": "http://127.0.0.1:9",
            },
            "exact.online.mailbox": {
                "connection_id": records["connection"].id, "name": "ander@exactonline.be",
                "exact_id": "00000000-0000-0000-0000-000000000002",
            },
        }[model]

    @mute_logger("odoo.http", "odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule")
    def test_reports(self):
        """Who may render the addon's reports, through the ORM and ``/report/html/...``."""
        for model, row in MODELS.items():
            if "report" not in row:
                continue
            report_name = model.removeprefix("report.")
            record_key, allowed = row["report"]
            record = self.records[record_key]
            for role in ROLES:
                with self.subTest(report=report_name, role=role):
                    orm = self._render_orm(role, report_name, record)
                    http = self._render_http(role, report_name, record)
                    self.assertEqual(orm, http, f"ORM and HTTP disagree: {report_name} as {role}")
                    self._check(allowed, role, f"render {report_name}", orm)

    def _render_orm(self, role, report_name, record):
        user = self.users[role]
        Report = self.env["ir.actions.report"].with_user(user).with_context(
            allowed_company_ids=user.company_ids.ids
        )
        with self._rolled_back():
            try:
                html = Report._render_qweb_html(report_name, record.ids)[0]
            except AccessError:
                return False
        self.assertIn(record.display_name.encode(), html)
        return True

    def _render_http(self, role, report_name, record):
        user = self.users[role]
        self.authenticate(user.login, user.login)
        self._session_role = role
        with self._rolled_back():
            response = self.url_open(f"/report/html/{report_name}/{record.id}")
        self.assertIn(response.status_code, (200, 403), response.text[:500])
        return response.status_code == 200

    @mute_logger("odoo.http", "odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule")
    def test_added_fields(self):
        # the portal customer reads the invoice itself, just not the delivery fields
        invoice = self.records["invoice"].with_user(self.users["portal"])
        self.assertEqual(invoice.read(["name"])[0]["name"], self.records["invoice"].name)
        by_row = {}
        for key, (record, readers) in self._expected_fields().items():
            by_row.setdefault((key[0], record, readers), []).append(key[1])
        for (model, record_key, readers), names in by_row.items():
            record = self.records[record_key]
            for role in ROLES:
                with self.subTest(model=model, role=role):
                    if role in readers:  # all of them in one call
                        self.assertTrue(self._both(role, model, "read", record.ids, names),
                                        f"read {model} {names} as {role}: denied")
                        continue
                    for name in names:  # each one is denied on its own
                        self.assertFalse(
                            self._both(role, model, "read", record.ids, [name]),
                            f"read {model}.{name} as {role}: allowed, expected denied",
                        )

    @mute_logger("odoo.http", "odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule")
    def test_actions(self):
        cash_book = {"default_journal_id": self.cash_journal.id}
        for (model, method), (record_key, allowed) in ACTIONS.items():
            for role in ROLES:
                with self.subTest(model=model, method=method, role=role):
                    if record_key is None:  # @api.model, from the cash book
                        outcome = self._both(role, model, method, None, context=cash_book)
                    else:
                        outcome = self._both(role, model, method, self.records[record_key].ids)
                    self._check(allowed, role, f"{model}.{method}", outcome)

    @mute_logger("odoo.http")
    def test_internal_flags_sent_by_a_client_do_not_count(self):
        """The book's own writes skip its rules with internal context flags; the same keys
        sent by a client over JSON-RPC are ignored: a billing user cannot change, delete or
        add lines to a final entry, number an open one, or leave a cash line's split unequal
        to its amount."""
        records = self.records
        final, entry = records["entry_final"], records["entry"]
        flags = {
            "exact_receipts_system": True,
            "exact_receipts_entry_create": True,
            "exact_receipts_lines_deferred": True,
            "exact_split_deferred": True,
        }
        calls = [
            ("exact.receipts.entry", "write", [final.ids, {"note": "rewritten"}]),
            ("exact.receipts.entry", "unlink", [final.ids]),
            ("exact.receipts.entry.amount", "create", [{
                "entry_id": final.id,
                "category_id": records["other_category"][:1].id,
                "amount": 5.0,
            }]),
            ("exact.receipts.entry.amount", "write", [final.amount_ids.ids, {"amount": 1.0}]),
            ("exact.receipts.entry", "write", [entry.ids, {"sequence_number": 99}]),
            ("exact.receipts.entry.amount", "write", [entry.amount_ids.ids, {"amount": 1.0}]),
            ("exact.cash.line.split", "write", [records["split"].ids, {"amount": 999.0}]),
        ]
        self.authenticate("sec_billing", "sec_billing")
        self._session_role = "billing"
        for model, method, args in calls:
            with self.subTest(model=model, method=method), self._rolled_back():
                with self.assertRaises(JsonRpcException) as refused:
                    self.make_jsonrpc_request(
                        "/web/dataset/call_kw",
                        {"model": model, "method": method, "args": args,
                         "kwargs": {"context": flags}},
                    )
                self.assertIn(
                    str(refused.exception),
                    ("odoo.exceptions.UserError", "odoo.exceptions.ValidationError"),
                )
        self.assertEqual(final.note, False)
        self.assertEqual(final.amount_total, 80.0)
        self.assertTrue(self.env["exact.receipts.book"]._exact_check_chain(records["book"])["ok"])


def models_magic_fields():
    from odoo.models import MAGIC_COLUMNS

    return {*MAGIC_COLUMNS, "display_name"}
