# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from odoo import api, fields, models
from odoo.addons.base.models.res_bank import sanitize_account_number
from odoo.exceptions import ValidationError

from ..lib import delivery_states as states
from ..lib import iban as iban_lib
from ..lib import mailbox as mailbox_lib
from .exact_transport import TRANSPORT_SELECTION

EXACT_FIELDS = (
    "exact_mailbox",
    "exact_transport",
    "exact_send_invoices",
    "exact_send_coda",
    "exact_coda_period",
    "type",
    "bank_account_id",
    "currency_id",
    "company_id",
)


class AccountJournal(models.Model):
    _inherit = "account.journal"

    exact_mailbox = fields.Char(
        string="Exact Online mailbox",
        tracking=True,
        help="The Exact Online digital mailbox the documents of this journal go to. "
        "Delivered through the Exact Online connection: the name of the mailbox (your name "
        "(top right) > My Exact Online > My account data > Digital mailboxes; the connection "
        "lists them), e.g. yourshop@exactonline.be. Delivered by e-mail: open the mailbox > "
        "Linked e-mail addresses and copy the address of the document type (Sales invoices "
        "for a daily-receipts journal). Never the purchase-invoice (scan) address: Exact "
        "would book the documents as purchases.",
    )
    exact_send_invoices = fields.Boolean(
        string="Send invoices to Exact Online",
        tracking=True,
        help="Every posted customer invoice and credit note of this sale journal is sent "
        "as a UBL file to the Exact Online mailbox.",
    )
    exact_send_coda = fields.Boolean(
        string="Send CODA files to Exact Online",
        tracking=True,
        help="The cash statements of this journal are closed per period and sent as CODA "
        "files to the Exact Online mailbox, like a bank's.",
    )
    exact_coda_start_date = fields.Date(
        string="Send CODA from",
        tracking=True,
        help="Cash lines dated before this day are never sent to Exact Online: they are the "
        "history kept in Odoo before the link. Filled in automatically when CODA sending is "
        "switched on for a cash journal that already has lines (the day after the last one); "
        "empty means every line is sent.",
    )
    exact_coda_period = fields.Selection(
        selection=[("day", "Day"), ("week", "Week"), ("month", "Month")],
        string="CODA period",
        default="day",
        required=True,
        tracking=True,
        help="How often the cash statement is closed and sent: a period is closed once it "
        "is over (a day at midnight, a week on Monday, a month on the 1st).",
    )
    exact_receipts_partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Daily-receipts customer",
        check_company=True,
        help="Customer proposed on new invoices of this journal, so that a day's "
        "receipts can be posted as one invoice without creating a customer each time "
        "(e.g. \"Dagontvangsten / Recettes journalières\").",
    )
    exact_mailbox_warning = fields.Char(
        string="Mailbox warning",
        compute="_compute_exact_mailbox_warning",
    )

    @api.depends("exact_mailbox", "type")
    def _compute_exact_mailbox_warning(self):
        for journal in self:
            journal.exact_mailbox_warning = journal._exact_mailbox_warning_text()

    def _exact_mailbox_warning_text(self):
        """A translated warning about the kind of mailbox address, or False."""
        self.ensure_one()
        if not self.exact_mailbox:
            return False
        purpose = "coda" if self.type == "cash" else "invoices"
        keys = mailbox_lib.warnings(self.exact_mailbox, purpose)
        if "purchase_address" in keys:
            return self.env._(
                "\"%(address)s\" looks like the purchase-invoice (scan) address of the "
                "mailbox. Documents sent there are booked as purchases. Use the linked "
                "address for %(kind)s instead.",
                address=self.exact_mailbox,
                kind=self.env._("bank statements")
                if purpose == "coda"
                else self.env._("sales invoices"),
            )
        if "sales_address_for_coda" in keys:
            return self.env._(
                "\"%(address)s\" looks like a sales-invoice address; a cash journal sends "
                "CODA files, which need the address linked to bank statements.",
                address=self.exact_mailbox,
            )
        return False

    @api.onchange("exact_mailbox")
    def _onchange_exact_mailbox(self):
        if self.exact_mailbox:
            self.exact_mailbox = mailbox_lib.normalize(self.exact_mailbox)
        warning = self._exact_mailbox_warning_text()
        if warning:
            return {
                "warning": {"title": self.env._("Check the mailbox address"), "message": warning}
            }

    @api.constrains(*EXACT_FIELDS)
    def _check_exact_settings(self):
        for journal in self:
            problems = journal._exact_config_problems()
            if problems:
                raise ValidationError("\n".join(problems))

    def _exact_config_problems(self):
        """Translated descriptions of what is wrong in the Exact Online settings."""
        self.ensure_one()
        problems = []
        name = self.display_name
        sends = self.exact_send_invoices or self.exact_send_coda
        if (
            self.exact_mailbox
            and not mailbox_lib.is_valid(self.exact_mailbox)
            and self.exact_transport != "api"  # see _exact_transport_problems
        ):
            problems.append(
                self.env._(
                    "Journal %(journal)s: \"%(address)s\" is not a valid mailbox address. "
                    "Copy the linked e-mail address of the Exact Online digital mailbox, "
                    "e.g. x55i@verkoop.exactonline.be.",
                    journal=name,
                    address=self.exact_mailbox,
                )
            )
        if sends and not self.exact_mailbox:
            problems.append(
                self.env._(
                    "Journal %(journal)s: enter the Exact Online mailbox the documents must "
                    "be sent to, or untick the sending option.",
                    journal=name,
                )
            )
        if sends and not self.company_id.exact_enabled:
            problems.append(
                self.env._(
                    "Journal %(journal)s: Exact Online is not activated for company "
                    "%(company)s. Activate it first (Accounting > Configuration > "
                    "Exact Online set-up, or the Settings), then tick the sending option.",
                    journal=name,
                    company=self.company_id.display_name,
                )
            )
        if self.exact_send_invoices and self.type != "sale":
            problems.append(
                self.env._(
                    "Journal %(journal)s: \"Send invoices to Exact Online\" is only for sales "
                    "(daily-receipts) journals.",
                    journal=name,
                )
            )
        if self.exact_send_coda and self.type != "cash":
            problems.append(
                self.env._(
                    "Journal %(journal)s: \"Send CODA files to Exact Online\" is only for cash "
                    "journals; banks send their own CODA files to Exact Online.",
                    journal=name,
                )
            )
        if self.exact_send_coda and self.type == "cash":
            problems.extend(self._exact_coda_account_problems())
        problems.extend(self._exact_transport_problems())
        return problems

    def _exact_coda_account_problems(self):
        """Problems with the account number and currency written into CODA files."""
        self.ensure_one()
        name = self.display_name
        problems = []
        account_number = self.bank_account_id.acc_number
        if not account_number:
            problems.append(
                self.env._(
                    "Cash journal %(journal)s has no IBAN. Enter the IBAN of the cash book on "
                    "the Exact Online tab: it is written into every CODA file and must be "
                    "created as a bank account in Exact Online.",
                    journal=name,
                )
            )
        else:
            try:
                iban_lib.validate(account_number)
            except iban_lib.IbanError:
                problems.append(
                    self.env._(
                        "Cash journal %(journal)s: \"%(iban)s\" is not a valid IBAN (wrong "
                        "length or check digits). Correct the IBAN of the cash book.",
                        journal=name,
                        iban=account_number,
                    )
                )
        currency = self.currency_id or self.company_id.currency_id
        if currency.name != "EUR":
            problems.append(
                self.env._(
                    "Cash journal %(journal)s is kept in %(currency)s; CODA files for Exact "
                    "Online are only made for cash journals in EUR.",
                    journal=name,
                    currency=currency.name,
                )
            )
        return problems

    # ------------------------------------------------------------------
    # Normalised mailbox; IBAN of cash journals (Odoo only handles banks)
    # ------------------------------------------------------------------

    @api.model
    def _exact_cash_bank_account(self, acc_number, company, bank_id=False):
        """Find or create the company's ``res.partner.bank`` for a cash-book IBAN."""
        partner = company.partner_id
        bank_account = self.env["res.partner.bank"].search(
            [
                ("sanitized_acc_number", "=", sanitize_account_number(acc_number)),
                ("partner_id", "=", partner.id),
            ],
            limit=1,
        )
        return bank_account or self.env["res.partner.bank"].create(
            {"acc_number": acc_number, "bank_id": bank_id, "partner_id": partner.id}
        )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if "exact_transport" not in vals:
                company = self.env["res.company"].browse(vals.get("company_id")) or self.env.company
                vals["exact_transport"] = self._exact_default_transport_for(company)
            if vals.get("exact_mailbox"):
                vals["exact_mailbox"] = mailbox_lib.normalize(vals["exact_mailbox"])
            if (
                vals.get("type") == "cash"
                and vals.get("bank_acc_number")
                and not vals.get("bank_account_id")
            ):
                # Odoo creates the res.partner.bank only for bank journals and
                # silently drops the number of a cash journal.
                company = self.env["res.company"].browse(vals.get("company_id")) or self.env.company
                vals["bank_account_id"] = self._exact_cash_bank_account(
                    vals["bank_acc_number"], company, vals.get("bank_id")
                ).id
        return super().create(vals_list)

    def write(self, vals):
        if vals.get("exact_mailbox"):
            vals = dict(vals, exact_mailbox=mailbox_lib.normalize(vals["exact_mailbox"]))
        switched_on = self.browse()
        if vals.get("exact_send_coda") and "exact_coda_start_date" not in vals:
            switched_on = self.filtered(
                lambda j: not j.exact_send_coda and not j.exact_coda_start_date
            )
        if vals.get("bank_acc_number") and not vals.get("bank_account_id"):
            cash = self.filtered(
                lambda j: vals.get("type", j.type) == "cash" and not j.bank_account_id
            )
            for journal in cash:
                bank_account = self._exact_cash_bank_account(
                    vals["bank_acc_number"], journal.company_id, vals.get("bank_id")
                )
                super(AccountJournal, journal).write(dict(vals, bank_account_id=bank_account.id))
            rest = self - cash
            result = super(AccountJournal, rest).write(vals) if rest else True
        else:
            result = super().write(vals)
        switched_on._exact_keep_history_out_of_coda()
        return result

    def _exact_keep_history_out_of_coda(self):
        """Lines that existed before CODA sending was switched on are history: they are
        not sent (no surprise mails with months of old statements)."""
        Line = self.env["account.bank.statement.line"].sudo()
        for journal in self.filtered(lambda j: j.type == "cash"):
            last = Line.search(
                [("journal_id", "=", journal.id), ("state", "=", "posted")],
                order="date desc",
                limit=1,
            )
            if last:
                journal.exact_coda_start_date = last.date + timedelta(days=1)

    # ------------------------------------------------------------------
    # Exact Online deliveries (counters and smart button)
    # ------------------------------------------------------------------

    exact_delivery_count = fields.Integer(
        string="Exact Online deliveries", compute="_compute_exact_delivery_counts"
    )
    exact_delivery_pending_count = fields.Integer(
        string="Pending Exact Online deliveries", compute="_compute_exact_delivery_counts"
    )
    exact_delivery_failed_count = fields.Integer(
        string="Failed Exact Online deliveries", compute="_compute_exact_delivery_counts"
    )
    exact_last_sent_date = fields.Datetime(
        string="Last sent to Exact Online", compute="_compute_exact_delivery_counts"
    )

    def _compute_exact_delivery_counts(self):
        """All four counters from one grouped query (no query per journal)."""
        stats = {}
        Delivery = self.env["exact.mailbox.delivery"]
        journal_ids = [journal_id for journal_id in self._origin.ids if journal_id]
        if journal_ids and Delivery.has_access("read"):
            groups = Delivery._read_group(
                [("journal_id", "in", journal_ids)],
                groupby=["journal_id", "state"],
                aggregates=["__count", "sent_date:max"],
            )
            for journal, state, count, last_sent in groups:
                entry = stats.setdefault(
                    journal.id, {"total": 0, "pending": 0, "failed": 0, "last": False}
                )
                entry["total"] += count
                if state in states.TO_DO:
                    entry["pending"] += count
                elif state == states.FAILED:
                    entry["failed"] += count
                if last_sent and (not entry["last"] or last_sent > entry["last"]):
                    entry["last"] = last_sent
        for journal in self:
            entry = stats.get(journal._origin.id, {})
            journal.exact_delivery_count = entry.get("total", 0)
            journal.exact_delivery_pending_count = entry.get("pending", 0)
            journal.exact_delivery_failed_count = entry.get("failed", 0)
            journal.exact_last_sent_date = entry.get("last", False)

    def action_exact_open_deliveries(self):
        """The journal's Exact Online deliveries (smart button)."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "scrada_exact_bridge.action_exact_mailbox_delivery"
        )
        action["domain"] = [("journal_id", "=", self.id)]
        action["context"] = {"default_journal_id": self.id, "create": False}
        return action

    # ------------------------------------------------------------------
    # Cash book screen
    # ------------------------------------------------------------------

    def action_exact_cash_book(self):
        """Open the cash book (editable list of cash lines) of this cash journal."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "scrada_exact_bridge.action_exact_cash_book_lines"
        )
        action["name"] = self.env._("Cash book %(journal)s", journal=self.display_name)
        action["domain"] = [("journal_id", "=", self.id)]
        action["context"] = {
            "default_journal_id": self.id,
            "search_default_journal_id": self.id,
        }
        return action

    @api.model
    def action_exact_open_cash_books(self):
        """Menu entry: the cash book of the only cash journal, else the list to choose from."""
        journals = self.search(
            [*self._check_company_domain(self.env.companies), ("type", "=", "cash")]
        )
        if len(journals) == 1:
            return journals.action_exact_cash_book()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "scrada_exact_bridge.action_exact_cash_journals"
        )
        return action

    # ------------------------------------------------------------------
    # Transport: Exact Online connection (postbox name) or e-mail (linked address)
    # ------------------------------------------------------------------

    exact_transport = fields.Selection(
        selection=TRANSPORT_SELECTION,
        string="Deliver through",
        required=True,
        default=lambda self: self._exact_default_transport_for(self.env.company),
        tracking=True,
        help="Exact Online connection: the documents go through Exact Online's own network to "
        "the postbox name (the company's Exact Online connection must be connected); the only "
        "route known to work for CODA files. E-mail: each document is mailed to a linked "
        "e-mail address of the postbox.",
    )
    exact_transport_warning = fields.Char(
        string="Transport warning", compute="_compute_exact_transport_warning"
    )

    @api.model
    def _exact_default_transport_for(self, company):
        """``api`` when the company is connected to Exact Online, else ``email``."""
        connection = company.sudo().exact_connection_id
        return "api" if connection and connection.state == "connected" else "email"

    @api.depends("exact_transport", "exact_mailbox", "exact_send_coda", "type", "company_id")
    def _compute_exact_transport_warning(self):
        for journal in self:
            journal.exact_transport_warning = journal._exact_transport_warning_text()

    def _exact_transport_warning_text(self):
        """A translated warning about the transport and the mailbox it needs, or False."""
        self.ensure_one()
        if self.exact_transport == "email":
            if self.type == "cash" and self.exact_send_coda:
                return self.env._(
                    "Exact Online is not known to process CODA files received by e-mail: no "
                    "linked e-mail address for bank statements is documented. Deliver through "
                    "the Exact Online connection to the postbox name instead."
                )
            return False
        return self._exact_connection_warning_text() or self._exact_postbox_warning_text()

    def _exact_connection_warning_text(self):
        connection = self.company_id.sudo().exact_connection_id
        if not (self.exact_send_invoices or self.exact_send_coda):
            return False
        if not connection:
            return self.env._(
                "Company %(company)s is not connected to Exact Online: documents wait until "
                "the Exact Online connection is made (Accounting > Configuration > Exact "
                "Online connection).",
                company=self.company_id.display_name,
            )
        if connection.state != "connected":
            return self.env._(
                "The Exact Online connection must be renewed (Connect): documents wait until "
                "then."
            )
        return False

    def _exact_postbox_warning_text(self):
        if not self.exact_mailbox:
            return False
        if mailbox_lib.kind(self.exact_mailbox) in ("sales", "purchase"):
            return self.env._(
                "\"%(address)s\" looks like a linked e-mail address; the Exact Online "
                "connection needs the name of the postbox (e.g. yourshop@exactonline.be).",
                address=self.exact_mailbox,
            )
        connection = self.company_id.sudo().exact_connection_id
        names = connection.mailbox_ids.mapped("name") if connection else []
        if names and self.exact_mailbox not in names:
            return self.env._(
                "\"%(address)s\" is not among the postboxes Exact Online listed for the "
                "connection (%(names)s).",
                address=self.exact_mailbox,
                names=", ".join(names[:10]),
            )
        return False

    def _exact_transport_problems(self):
        """Problems of the transport settings (translated), checked when saving."""
        self.ensure_one()
        problems = []
        if self.exact_transport != "api":
            return problems
        if self.exact_mailbox and not mailbox_lib.is_valid(self.exact_mailbox):
            problems.append(
                self.env._(
                    "Journal %(journal)s: \"%(name)s\" is not a valid postbox name. Enter the "
                    "name of the Exact Online postbox, e.g. yourshop@exactonline.be (the "
                    "Exact Online connection lists them).",
                    journal=self.display_name,
                    name=self.exact_mailbox,
                )
            )
        return problems

