# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Who may read, write, delete and act on what the addon adds (issue 10 #5).

Data-driven: the addon's models and the fields it adds to Odoo's models are enumerated
from ``ir.model`` / ``ir.model.fields`` (their ``ir.model.data`` rows of module
scrada_exact_bridge), and so are the public ``action_*`` methods of the addon's classes.
Each must have a row in the expectation tables below, or the test fails: a new model,
field or button is never left unchecked. Every row is checked for five roles, through
the ORM and through JSON-RPC on the real HTTP server (``/web/dataset/call_kw``):

* ``portal``: a portal user, the customer of the invoice;
* ``internal``: an internal user with contact rights, without Invoicing;
* ``billing``: Invoicing / Billing (the cash-book keeper);
* ``manager_a``: Invoicing / Administrator of company A, which owns every record;
* ``manager_b``: Invoicing / Administrator of company B only.

"Allowed" means the call raised no AccessError (an action may still refuse for a business
reason); "denied" means it raised an AccessError. Calls that are allowed run inside a
savepoint that is rolled back, so one check never prepares the next.

To add a model, field or button: add one row to ``MODELS``, ``FIELDS`` or ``ACTIONS``.
"""

import logging
from contextlib import closing, contextmanager

from odoo import Command, fields
from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import mute_logger

from .common import CASH_IBAN, CASH_MAILBOX, COMPANY_VALUES, SALES_MAILBOX, SENDER

_logger = logging.getLogger(__name__)

ADDON = "scrada_exact_bridge"
ROLES = ("portal", "internal", "billing", "manager_a", "manager_b")
ACCOUNTING_A = frozenset({"billing", "manager_a"})  # who works in Invoicing in company A
NOBODY = frozenset()

# ----------------------------------------------------------------------------------------
# Expectations. One row per model / group of fields / button.
# ----------------------------------------------------------------------------------------

# The addon's own models. ``record``: the key of the record of company A to check on (see
# ``_make_records``); ``create`` values are built by ``_create_values``.
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
    # an abstract builder (no table, no records): nothing to read or write
    "exact.edi.xml.ubl_bis3": {"abstract": True},
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
        ("exact_enabled", "exact_sender_email", "exact_responsible_id", "exact_max_attempts"),
        "company",
        ACCOUNTING_A,  # and settings administrators (none of the five roles)
    ),
    # Odoo's field, made a stored compute so that a cash book's account has a company:
    # readable as before by whoever reads the bank accounts of company A
    ("res.partner.bank", ("company_id",), "cash_bank", {"internal", "billing", "manager_a"}),
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
    ("account.move", "action_exact_open_deliveries"): ("invoice", ACCOUNTING_A),
    ("account.journal", "action_exact_open_deliveries"): ("cash_journal", ACCOUNTING_A),
    ("account.journal", "action_exact_cash_book"): ("cash_journal", ACCOUNTING_A),
    ("account.journal", "action_exact_close_now"): ("cash_journal", ACCOUNTING_A),
    # the menu entry: each user's own companies' cash books
    ("account.journal", "action_exact_open_cash_books"): (None, {"billing", "manager_a",
                                                                 "manager_b"}),
    ("account.bank.statement", "action_exact_download_coda"): ("statement", ACCOUNTING_A),
    ("account.bank.statement.line", "action_exact_close_now"): (None, ACCOUNTING_A),
    ("res.config.settings", "action_exact_open_journals"): ("settings", NOBODY),
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
        return {
            "invoice": invoice,
            "delivery": delivery,
            "cash_journal": cls.cash_journal,
            "line": line,
            "statement": line.statement_id,
            "company": cls.company,
            "cash_bank": cls.cash_journal.bank_account_id,
            "wizard": wizard.sudo(),
            "wizard_line": wizard.sudo().line_ids[:1],
            "settings": settings,
            "bank_setup": bank_setup,
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
        orm = self._orm(role, model, method, ids, *args, context=context)
        rpc = self._rpc(role, model, method, ids, *args, context=context)
        self.assertEqual(orm, rpc, f"ORM and JSON-RPC disagree: {model}.{method} as {role}")
        return orm

    def _check(self, allowed, role, label, outcome):
        self.assertEqual(
            outcome, role in allowed,
            f"{label} as {role}: {'allowed' if outcome else 'denied'}, expected "
            f"{'allowed' if role in allowed else 'denied'}",
        )

    @mute_logger("odoo.http", "odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule")
    def test_models(self):
        for model, row in MODELS.items():
            if row.get("abstract"):
                continue
            record = self.records[row["record"]]
            for role in ROLES:
                with self.subTest(model=model, role=role):
                    self._check(row["read"], role, f"read {model}",
                                self._both(role, model, "read", record.ids, ["display_name"]))
                    self._check(row["write"], role, f"write {model}",
                                self._both(role, model, "write", record.ids,
                                           self._write_values(model)))
                    self._check(row["unlink"], role, f"unlink {model}",
                                self._both(role, model, "unlink", record.ids))
                    self._check(row["create"], role, f"create {model}",
                                self._both(role, model, "create", None,
                                           self._create_values(model)))

    def _write_values(self, model):
        return {
            "exact.mailbox.delivery": {"notes": "checked"},
            "exact.setup.wizard": {"sender_email": "other@lab.example"},
            "exact.setup.wizard.journal": {"mailbox": "z9@verkoop.exactonline.be"},
        }[model]

    def _create_values(self, model):
        return {
            "exact.mailbox.delivery": {"document_type": "test", "company_id": self.company.id},
            "exact.setup.wizard": {},
            "exact.setup.wizard.journal": {
                "wizard_id": self.records["wizard"].id,
                "journal_id": self.sale_journal.id,
            },
        }[model]

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


def models_magic_fields():
    from odoo.models import MAGIC_COLUMNS

    return {*MAGIC_COLUMNS, "display_name"}
