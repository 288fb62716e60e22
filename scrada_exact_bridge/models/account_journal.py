# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from markupsafe import Markup
from odoo import api, fields, models
from odoo.addons.base.models.res_bank import sanitize_account_number
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import float_repr, format_date

from ..lib import delivery_states as states
from ..lib import iban as iban_lib
from ..lib import mailbox as mailbox_lib
from .exact_transport import TRANSPORT_SELECTION
from .groups import ACCOUNTING

# How many cash lines a warning lists before "and N more".
LISTED_LINES = 10

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
        groups=ACCOUNTING,
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
        groups=ACCOUNTING,
        string="Send invoices to Exact Online",
        tracking=True,
        help="Every posted customer invoice and credit note of this sale journal is sent "
        "as a UBL file to the Exact Online mailbox.",
    )
    exact_send_coda = fields.Boolean(
        groups=ACCOUNTING,
        string="Send CODA files to Exact Online",
        tracking=True,
        help="The cash statements of this journal are closed per period and sent as CODA "
        "files to the Exact Online mailbox, like a bank's.",
    )
    exact_coda_start_date = fields.Date(
        groups=ACCOUNTING,
        string="Send CODA from",
        tracking=True,
        help="Cash lines dated before this day are never sent to Exact Online: they are the "
        "history kept in Odoo before the link. Filled in automatically when CODA sending is "
        "switched on for a cash journal that already has lines (the day after the last one); "
        "empty means every line is sent.",
    )
    exact_coda_period = fields.Selection(
        groups=ACCOUNTING,
        selection=[("day", "Day"), ("week", "Week"), ("month", "Month")],
        string="CODA period",
        default="day",
        required=True,
        tracking=True,
        help="How often the cash statement is closed and sent: a period is closed once it "
        "is over (a day at midnight, a week on Monday, a month on the 1st).",
    )
    exact_receipts_partner_id = fields.Many2one(
        groups=ACCOUNTING,
        comodel_name="res.partner",
        string="Daily-receipts customer",
        check_company=True,
        help="Customer proposed on new invoices of this journal, so that a day's "
        "receipts can be posted as one invoice without creating a customer each time "
        "(e.g. \"Dagontvangsten / Recettes journalières\").",
    )
    exact_mailbox_warning = fields.Char(
        groups=ACCOUNTING,
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
        for journal in self.sudo():
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
                    "%(company)s. Activate it first (Invoicing/Accounting > Exact Online > "
                    "Set-up, or the Settings), then tick the sending option.",
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

    exact_coda_activated = fields.Boolean(
        string="CODA sending was switched on",
        groups=ACCOUNTING,
        readonly=True,
        copy=False,
        help="Set the first time \"Send CODA files to Exact Online\" is switched on. From "
        "then on every cash line from \"Send CODA from\" on is sent: switching the option "
        "off and on again never leaves lines out.",
    )
    exact_coda_left_out = fields.Text(
        string="Cash lines left out",
        groups=ACCOUNTING,
        compute="_compute_exact_coda_left_out",
        help="Cash lines that a later \"Send CODA from\" would leave out of every CODA file.",
    )
    exact_coda_skip_confirmed = fields.Boolean(
        string="Never send these lines",
        groups=ACCOUNTING,
        compute="_compute_exact_confirmations",
        inverse="_inverse_exact_confirmations",
        help="Confirms that the cash lines listed above are never sent to Exact Online.",
    )
    exact_iban_change_warning = fields.Text(
        string="IBAN change warning",
        groups=ACCOUNTING,
        compute="_compute_exact_iban_change_warning",
    )
    exact_iban_change_confirmed = fields.Boolean(
        string="Change the IBAN anyway",
        groups=ACCOUNTING,
        compute="_compute_exact_confirmations",
        inverse="_inverse_exact_confirmations",
        help="Confirms that CODA files with the new IBAN will no longer match the bank "
        "account Exact Online has for this cash book.",
    )

    def _compute_exact_confirmations(self):
        # Confirmations are given in the write that needs them; they are never stored.
        self.exact_coda_skip_confirmed = False
        self.exact_iban_change_confirmed = False

    def _inverse_exact_confirmations(self):
        """Read by ``write`` from its values (see there)."""

    # --- cash lines a later "Send CODA from" would leave out -------------

    def _exact_lines_left_out(self, new_start):
        """Posted cash lines that moving "Send CODA from" to ``new_start`` leaves unsent.

        Only for journals that sent (or were switched on to send) CODA files: before the
        first switch-on, "Send CODA from" only marks the history.
        """
        self.ensure_one()
        Line = self.env["account.bank.statement.line"]
        journal = self._origin
        if (
            not new_start
            or not journal.id
            or journal.type != "cash"
            or not (journal.exact_coda_activated or journal.exact_send_coda)
        ):
            return Line
        old_start = journal.exact_coda_start_date
        if old_start and new_start <= old_start:
            return Line
        domain = [
            ("journal_id", "=", journal.id),
            ("state", "=", "posted"),
            ("date", "<", new_start),
            "|",
            ("statement_id", "=", False),
            ("statement_id.exact_coda_number", "=", 0),
        ]
        if old_start:
            domain.append(("date", ">=", old_start))
        return Line.sudo().search(domain, order="internal_index")

    def _exact_lines_text(self, lines):
        """One line per cash line (date, amount, communication), at most LISTED_LINES."""
        rows = [
            "- {}  {}  {}".format(
                format_date(self.env, line.date),
                float_repr(line.amount, line.currency_id.decimal_places),
                line.payment_ref or line.move_id.name or "",
            )
            for line in lines[:LISTED_LINES]
        ]
        if len(lines) > LISTED_LINES:
            rows.append(self.env._("... and %(count)s more.", count=len(lines) - LISTED_LINES))
        return "\n".join(rows)

    def _exact_left_out_text(self, lines, new_start):
        self.ensure_one()
        return "\n".join(
            [
                self.env._(
                    "Cash journal %(journal)s: with \"Send CODA from\" on %(date)s, these "
                    "%(count)s cash lines are never sent to Exact Online, and the cash balance "
                    "in Exact Online will differ from Odoo's by %(total)s:",
                    journal=self.display_name,
                    date=format_date(self.env, new_start),
                    count=len(lines),
                    total=float_repr(
                        sum(lines.mapped("amount")), self.company_id.currency_id.decimal_places
                    ),
                ),
                self._exact_lines_text(lines),
                self.env._(
                    "Keep the earlier date to send them, or tick \"Never send these lines\" "
                    "to confirm."
                ),
            ]
        )

    @api.depends("exact_coda_start_date")
    def _compute_exact_coda_left_out(self):
        for journal in self:
            lines = journal._exact_lines_left_out(journal.exact_coda_start_date)
            journal.exact_coda_left_out = (
                journal._exact_left_out_text(lines, journal.exact_coda_start_date)
                if lines
                else False
            )

    # --- the cash book's IBAN ---------------------------------------------

    def _exact_coda_files_sent(self):
        """Whether a CODA file of this journal reached Exact Online."""
        self.ensure_one()
        if not self._origin.id:
            return False
        return bool(
            self.env["exact.mailbox.delivery"]
            .sudo()
            .search_count(
                [
                    ("journal_id", "=", self._origin.id),
                    ("document_type", "=", "coda"),
                    ("state", "=", states.SENT),
                ],
                limit=1,
            )
        )

    def _exact_iban_change_warning_text(self, new_number):
        self.ensure_one()
        old = self._origin.bank_account_id.acc_number or ""
        return self.env._(
            "CODA files of the cash book %(journal)s were sent to Exact Online with the IBAN "
            "%(old)s. Exact Online matches each CODA file to its bank account by this number: "
            "files with %(new)s will no longer be matched to it. Change the account number "
            "in Exact Online as well, or keep %(old)s. To go ahead, tick \"Change the IBAN "
            "anyway\" on the journal's Exact Online tab.",
            journal=self.display_name,
            old=old,
            new=new_number or self.env._("no IBAN"),
        )

    @api.depends("bank_acc_number", "bank_account_id", "type")
    def _compute_exact_iban_change_warning(self):
        for journal in self:
            old = journal._origin.bank_account_id.sanitized_acc_number
            new = sanitize_account_number(journal.bank_acc_number or "")
            journal.exact_iban_change_warning = (
                journal._exact_iban_change_warning_text(journal.bank_acc_number)
                if journal.type == "cash" and old and new != old
                and journal._exact_coda_files_sent()
                else False
            )

    @api.model
    def _exact_cash_bank_account(self, acc_number, company, bank_id=False):
        """Find or create the company's ``res.partner.bank`` for a cash-book IBAN.

        The IBAN is validated and stored normalised; the account belongs to ``company``.
        """
        Bank = self.env["res.partner.bank"]
        number = Bank._exact_normalize_iban(acc_number)
        partner = company.partner_id
        bank_account = Bank.sudo().search(
            [
                ("sanitized_acc_number", "=", sanitize_account_number(number)),
                ("partner_id", "=", partner.id),
            ],
            limit=1,
        )
        if not bank_account:
            # sudo: writing the journal (accounting administrators) is the right needed,
            # not "Contact Creation"
            bank_account = Bank.sudo().with_context(exact_cash_book_iban=True).create(
                {
                    "acc_number": number,
                    "bank_id": bank_id,
                    "partner_id": partner.id,
                    "company_id": company.id,
                }
            )
        return bank_account.with_env(self.env)

    @api.model
    def _exact_adopt_bank_account(self, bank_account, company):
        """The cash book's account: a valid IBAN, stored normalised, of ``company``."""
        Bank = self.env["res.partner.bank"]
        number = Bank._exact_normalize_iban(bank_account.acc_number)
        values = {}
        if number != bank_account.acc_number:
            values["acc_number"] = number  # same number, other spelling
        if not bank_account.company_id:
            values["company_id"] = company.id
        if values:
            bank_account.sudo().with_context(exact_confirm_iban_change=True).write(values)

    def _exact_cash_iban_vals(self, vals, confirmed):
        """The values of ``write`` for this cash journal, its IBAN resolved.

        ``bank_acc_number`` (Odoo writes it through to the bank account, or drops it on a
        cash journal without one) becomes the journal's own ``bank_account_id`` (see
        :meth:`_exact_resolve_iban_number`). The IBAN is validated first; once CODA files
        were sent, another number needs ``confirmed``.
        """
        self.ensure_one()
        vals = dict(vals)
        Bank = self.env["res.partner.bank"]
        old_bank = self.bank_account_id
        rename = False
        if "bank_acc_number" in vals:
            number = vals.pop("bank_acc_number")
            new_number = Bank._exact_normalize_iban(number) if number else ""
            bank_id = vals.pop("bank_id", False)
            vals.pop("bank_account_id", None)
            target = self._exact_resolve_iban_number(new_number, bank_id)
            if isinstance(target, str):  # "rename"
                rename = True
            elif target is not None:
                vals["bank_account_id"] = target.id
        elif vals.get("bank_account_id"):
            new_number = Bank._exact_normalize_iban(
                Bank.browse(vals["bank_account_id"]).sudo().acc_number
            )
        else:
            new_number = ""
        changed = bool(old_bank) and (
            sanitize_account_number(new_number) != old_bank.sanitized_acc_number
        )
        if changed and not confirmed and self._exact_coda_files_sent():
            raise UserError(self._exact_iban_change_warning_text(new_number))
        old_number = old_bank.acc_number
        if rename:
            # rights: the user writes this journal (accounting administrator of its company)
            old_bank.sudo().with_context(exact_confirm_iban_change=True).write(
                {"acc_number": new_number}
            )
            self._exact_adopt_bank_account(old_bank, self.company_id)
        if vals.get("bank_account_id"):
            self._exact_adopt_bank_account(Bank.browse(vals["bank_account_id"]), self.company_id)
        if changed:
            self._exact_log_iban_change(old_number, new_number)
        return vals

    def _exact_resolve_iban_number(self, new_number, bank_id=False):
        """Where the cash book's IBAN ``new_number`` (normalised, or "") goes.

        Returns ``None`` (no change: the same number), an empty recordset (no IBAN any
        more), another account of the company that has this number, ``"rename"`` (the
        current account, used by this journal only, gets the new number) or a new account.
        """
        Bank = self.env["res.partner.bank"]
        old_bank = self.bank_account_id
        if not new_number:
            return Bank
        sanitized = sanitize_account_number(new_number)
        if old_bank.sanitized_acc_number == sanitized:
            return None
        other = Bank.sudo().search(
            [("sanitized_acc_number", "=", sanitized),
             ("partner_id", "=", self.company_id.partner_id.id)],
            limit=1,
        )
        if other:
            return other.with_env(self.env)
        if old_bank and old_bank._exact_cash_journals() == self:
            return "rename"
        return self._exact_cash_bank_account(new_number, self.company_id, bank_id)

    def _exact_log_iban_change(self, old, new):
        body = self.env._(
            "IBAN of the cash book changed from %(old)s to %(new)s by %(user)s.",
            old=old,
            new=new or self.env._("no IBAN"),
            user=self.env.user.name,
        )
        if self._exact_coda_files_sent():
            body = "{} {}".format(
                body,
                self.env._(
                    "CODA files already sent carry %(old)s: change the bank account in "
                    "Exact Online as well.",
                    old=old,
                ),
            )
        self.sudo().message_post(body=Markup("<p>%s</p>") % body, subtype_xmlid="mail.mt_note")

    @api.constrains("bank_account_id", "type", "company_id")
    def _check_exact_cash_bank_account(self):
        for journal in self.sudo().filtered(lambda j: j.type == "cash" and j.bank_account_id):
            bank = journal.bank_account_id
            if not iban_lib.is_valid(bank.acc_number):
                raise ValidationError(
                    self.env._(
                        "Cash journal %(journal)s: \"%(iban)s\" is not a valid IBAN (wrong "
                        "length or check digits). Correct the IBAN of the cash book.",
                        journal=journal.display_name,
                        iban=bank.acc_number,
                    )
                )
            if bank.company_id != journal.company_id:
                raise ValidationError(
                    self.env._(
                        "Cash journal %(journal)s: the bank account %(iban)s of its cash book "
                        "must belong to company %(company)s.",
                        journal=journal.display_name,
                        iban=bank.acc_number,
                        company=journal.company_id.display_name,
                    )
                )

    # --- create / write ---------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            vals.pop("exact_coda_skip_confirmed", None)
            vals.pop("exact_iban_change_confirmed", None)
            if "exact_transport" not in vals:
                company = self.env["res.company"].browse(vals.get("company_id")) or self.env.company
                vals["exact_transport"] = self._exact_default_transport_for(company)
            if vals.get("exact_mailbox"):
                vals["exact_mailbox"] = mailbox_lib.normalize(vals["exact_mailbox"])
            if vals.get("exact_send_coda"):
                vals["exact_coda_activated"] = True
            if vals.get("type") == "cash":
                company = self.env["res.company"].browse(vals.get("company_id")) or self.env.company
                if vals.get("bank_acc_number") and not vals.get("bank_account_id"):
                    # Odoo creates the res.partner.bank only for bank journals and
                    # silently drops the number of a cash journal.
                    vals["bank_account_id"] = self._exact_cash_bank_account(
                        vals["bank_acc_number"], company, vals.get("bank_id")
                    ).id
                    vals.pop("bank_acc_number")
                    vals.pop("bank_id", None)
                if vals.get("bank_account_id"):
                    self._exact_adopt_bank_account(
                        self.env["res.partner.bank"].browse(vals["bank_account_id"]), company
                    )
        journals = super().create(vals_list)
        journals._exact_receipts_setup()  # daily-receipts book: cash method, VAT categories
        return journals

    def write(self, vals):
        vals = dict(vals)
        confirm_skip = vals.pop("exact_coda_skip_confirmed", False) or self.env.context.get(
            "exact_confirm_lines_left_out"
        )
        confirm_iban = vals.pop("exact_iban_change_confirmed", False) or self.env.context.get(
            "exact_confirm_iban_change"
        )
        if vals.get("exact_mailbox"):
            vals["exact_mailbox"] = mailbox_lib.normalize(vals["exact_mailbox"])
        left_out = {}
        if vals.get("exact_coda_start_date") and not self.env.context.get("exact_history_start"):
            new_start = fields.Date.to_date(vals["exact_coda_start_date"])
            for journal in self:
                lines = journal._exact_lines_left_out(new_start)
                if lines and not confirm_skip:
                    raise UserError(journal._exact_left_out_text(lines, new_start))
                if lines:
                    left_out[journal] = (lines, new_start)
        was_on = self.filtered("exact_send_coda")
        first_switch_on = self.browse()
        if vals.get("exact_send_coda") and "exact_coda_start_date" not in vals:
            first_switch_on = self.filtered(
                lambda j: not j.exact_send_coda
                and not j.exact_coda_activated
                and not j.exact_coda_start_date
                and not j._exact_has_numbered_statements()
            )
        cash_iban = self.browse()
        if "bank_acc_number" in vals or "bank_account_id" in vals:
            cash_iban = self.filtered(lambda j: vals.get("type", j.type) == "cash")
        result = True
        for journal in cash_iban:
            journal_vals = journal._exact_cash_iban_vals(vals, confirm_iban)
            result = super(AccountJournal, journal).write(journal_vals) and result
        rest = self - cash_iban
        if rest:
            result = super(AccountJournal, rest).write(vals) and result
        first_switch_on._exact_keep_history_out_of_coda()
        activated = (was_on | self.filtered("exact_send_coda")).filtered(
            lambda j: not j.exact_coda_activated
        )
        if activated:
            super(AccountJournal, activated).write({"exact_coda_activated": True})
        switched_off = was_on.filtered(lambda j: not j.exact_send_coda)
        switched_off._exact_log_switched_off()
        for journal, (lines, new_start) in left_out.items():
            journal._exact_log_left_out(lines, new_start)
        if vals.get("exact_receipts_book"):
            self._exact_receipts_setup()  # daily-receipts book: cash method, VAT categories
        return result

    def _exact_has_numbered_statements(self):
        self.ensure_one()
        return bool(
            self.env["account.bank.statement"]
            .sudo()
            .search_count(
                [("journal_id", "=", self.id), ("exact_coda_number", "!=", 0)], limit=1
            )
        )

    def _exact_keep_history_out_of_coda(self):
        """Lines that existed before CODA sending was first switched on are history: they
        are not sent (no surprise mails with months of old statements).

        "Send CODA from" becomes the day after the last line, but never later than today:
        the lines the shop enters after switching on, today included, are all sent.
        """
        Line = self.env["account.bank.statement.line"].sudo()
        Statement = self.env["account.bank.statement"]
        for journal in self.filtered(lambda j: j.type == "cash"):
            last = Line.search(
                [("journal_id", "=", journal.id), ("state", "=", "posted")],
                order="date desc",
                limit=1,
            )
            if last:
                today = Statement._exact_today(journal)
                # history, not lines left out: nothing to confirm
                journal.with_context(exact_history_start=True).exact_coda_start_date = min(
                    last.date + timedelta(days=1), today
                )

    def _exact_log_switched_off(self):
        Line = self.env["account.bank.statement.line"].sudo()
        for journal in self.filtered(lambda j: j.type == "cash"):
            domain = [
                ("journal_id", "=", journal.id),
                ("state", "=", "posted"),
                "|",
                ("statement_id", "=", False),
                ("statement_id.exact_coda_number", "=", 0),
            ]
            if journal.exact_coda_start_date:
                domain.append(("date", ">=", journal.exact_coda_start_date))
            count = Line.search_count(domain)
            body = self.env._(
                "CODA sending switched off by %(user)s. %(count)s cash line(s) are not in a "
                "CODA file yet; they are sent when the option is switched on again.",
                user=self.env.user.name,
                count=count,
            )
            journal.sudo().message_post(
                body=Markup("<p>%s</p>") % body, subtype_xmlid="mail.mt_note"
            )

    def _exact_log_left_out(self, lines, new_start):
        self.ensure_one()
        body = self.env._(
            "%(user)s moved \"Send CODA from\" to %(date)s and confirmed that these %(count)s "
            "cash lines are never sent to Exact Online:",
            user=self.env.user.name,
            date=format_date(self.env, new_start),
            count=len(lines),
        )
        self.sudo().message_post(
            body=Markup("<p>%s</p><pre>%s</pre>") % (body, self._exact_lines_text(lines)),
            subtype_xmlid="mail.mt_note",
        )

    # ------------------------------------------------------------------
    # Exact Online deliveries (counters and smart button)
    # ------------------------------------------------------------------

    exact_delivery_count = fields.Integer(
        groups=ACCOUNTING,
        string="Exact Online deliveries", compute="_compute_exact_delivery_counts"
    )
    exact_delivery_pending_count = fields.Integer(
        groups=ACCOUNTING,
        string="Pending Exact Online deliveries", compute="_compute_exact_delivery_counts"
    )
    exact_delivery_failed_count = fields.Integer(
        groups=ACCOUNTING,
        string="Failed Exact Online deliveries", compute="_compute_exact_delivery_counts"
    )
    exact_last_sent_date = fields.Datetime(
        groups=ACCOUNTING,
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
        self.check_access("read")
        self.env["exact.mailbox.delivery"].check_access("read")
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
        self.check_access("read")
        self.env["account.bank.statement.line"].check_access("read")
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

    def action_exact_close_now(self):
        """"Close and send now": close the cash book's current period today.

        The period then ends today and the next one starts tomorrow; the statements closed
        are numbered and queued for Exact Online at once. For whoever keeps the cash book
        (billing users included), although they cannot write journals and statements.
        """
        self.ensure_one()
        self.check_access("read")
        if not self.env.user.has_group("account.group_account_invoice"):
            raise AccessError(self.env._("Only users of Invoicing can close the cash book."))
        journal = self.sudo()
        if journal.type != "cash" or not journal.exact_send_coda:
            raise UserError(
                self.env._(
                    "%(journal)s does not send CODA files to Exact Online: there is nothing "
                    "to close and send.",
                    journal=journal.display_name,
                )
            )
        if not journal.company_id.exact_enabled:
            raise UserError(
                self.env._(
                    "Exact Online is not activated for company %(company)s: activate it first "
                    "(Invoicing/Accounting > Exact Online > Set-up).",
                    company=journal.company_id.display_name,
                )
            )
        Statement = self.env["account.bank.statement"]
        today = Statement._exact_today(journal)
        queued = Statement._exact_close_now(journal)
        if queued:
            message = self.env._(
                "Cash book %(journal)s closed up to %(date)s: %(statements)s sent to Exact "
                "Online. New lines go into the next period, from tomorrow.",
                journal=journal.display_name,
                date=format_date(self.env, today),
                statements=", ".join(queued.mapped("name")),
            )
            kind = "success"
        else:
            waiting = Statement.sudo().search(
                [("journal_id", "=", journal.id), ("exact_coda_number", "=", 0)], limit=1
            )
            if waiting:
                problems = waiting._exact_numbering_problems(today + timedelta(days=1))
                message = self.env._(
                    "Statement %(statement)s cannot be sent yet: %(problems)s.",
                    statement=waiting.name,
                    problems="; ".join(problems),
                )
                kind = "warning"
            else:
                message = self.env._(
                    "Nothing to close: no cash line up to %(date)s is waiting to be sent.",
                    date=format_date(self.env, today),
                )
                kind = "info"
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Close and send now"),
                "message": message,
                "type": kind,
                "sticky": kind == "warning",
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

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
    # Daily-receipts book (issue 13): settings, status, actions.
    # The book's work is done by ``exact.receipts.book``; entries are
    # ``exact.receipts.entry``.
    # ------------------------------------------------------------------

    exact_receipts_book = fields.Boolean(
        groups=ACCOUNTING,
        string="Daily-receipts book",
        tracking=True,
        help="The shop enters its receipts of each day in this journal's book (per VAT "
        "category and payment method); the book makes the daily-receipts invoices of each "
        "period and, with a linked cash journal, feeds the cash book.",
    )
    exact_receipts_category_ids = fields.One2many(
        "exact.receipts.category", "journal_id", string="VAT categories", groups=ACCOUNTING
    )
    exact_receipts_method_ids = fields.One2many(
        "exact.receipts.payment.method", "journal_id", string="Payment methods", groups=ACCOUNTING
    )
    exact_receipts_cash_journal_id = fields.Many2one(
        "account.journal",
        groups=ACCOUNTING,
        string="Cash book",
        check_company=True,
        domain="[('type', '=', 'cash')]",
        tracking=True,
        help="The cash journal that receives each day's receipts (DR/DRIN) and gives the "
        "non-cash part back (DR/DRPM). Payment methods other than cash need it.",
    )
    exact_receipts_period = fields.Selection(
        groups=ACCOUNTING,
        selection=[("day", "Day"), ("week", "Week"), ("month", "Month")],
        string="Invoice period",
        default="month",
        tracking=True,
        help="One daily-receipts invoice per day, week or month, made when the period is over "
        "and each of its days has an entry.",
    )
    exact_receipts_start_date = fields.Date(
        groups=ACCOUNTING,
        string="Book starts on",
        tracking=True,
        help="The first day of the book: every day from then on needs an entry.",
    )
    exact_receipts_user_id = fields.Many2one(
        "res.users",
        groups=ACCOUNTING,
        string="Responsible",
        domain="[('share', '=', False)]",
        help="Receives an e-mail when a day has no entry.",
    )
    exact_receipts_clerk_ids = fields.Many2many(
        "res.users",
        "exact_receipts_journal_clerk_rel",
        "journal_id",
        "user_id",
        groups=ACCOUNTING,
        string="Receipts clerks",
        domain="[('share', '=', False)]",
        help="Users of the group \"Receipts clerk\" who enter today's receipts in this book.",
    )
    exact_receipts_invoiced_until = fields.Date(
        groups=ACCOUNTING,
        string="Invoiced until",
        readonly=True,
        copy=False,
        help="Last day of the last period handled by the daily-receipts invoices.",
    )
    exact_receipts_reminded_date = fields.Date(groups=ACCOUNTING, readonly=True, copy=False)
    exact_receipts_error = fields.Char(
        groups=ACCOUNTING,
        string="Daily-receipts problem",
        readonly=True,
        copy=False,
        help="Why the last end-of-day run could not finish for this book.",
    )
    exact_receipts_last_date = fields.Date(
        groups=ACCOUNTING, string="Last entry", compute="_compute_exact_receipts_status"
    )
    exact_receipts_missing_count = fields.Integer(
        groups=ACCOUNTING, string="Days without entry", compute="_compute_exact_receipts_status"
    )
    exact_receipts_warning = fields.Char(
        groups=ACCOUNTING, compute="_compute_exact_receipts_status"
    )

    @api.depends("exact_receipts_book", "exact_receipts_start_date")
    def _compute_exact_receipts_status(self):
        Book = self.env["exact.receipts.book"]
        for journal in self:
            if not journal.exact_receipts_book or not journal._origin.id:
                journal.exact_receipts_last_date = False
                journal.exact_receipts_missing_count = 0
                journal.exact_receipts_warning = False
                continue
            status = Book._exact_status(journal._origin)
            journal.exact_receipts_last_date = status["last_date"]
            journal.exact_receipts_missing_count = len(status["missing"])
            journal.exact_receipts_warning = status["warning"]

    @api.constrains(
        "exact_receipts_book",
        "type",
        "exact_receipts_partner_id",
        "exact_receipts_start_date",
        "exact_receipts_cash_journal_id",
    )
    def _check_exact_receipts_book(self):
        for journal in self.sudo().filtered("exact_receipts_book"):
            name = journal.display_name
            problems = []
            if journal.type != "sale":
                problems.append(self.env._(
                    "Journal %(journal)s: only a sales journal can be a daily-receipts book.",
                    journal=name))
            if not journal.exact_receipts_partner_id:
                problems.append(self.env._(
                    "Daily-receipts book %(journal)s: choose the customer its invoices are made "
                    "out to (e.g. \"Dagontvangsten / Recettes journalières\").", journal=name))
            if not journal.exact_receipts_start_date:
                problems.append(self.env._(
                    "Daily-receipts book %(journal)s: enter the day the book starts.",
                    journal=name))
            cash = journal.exact_receipts_cash_journal_id
            if cash and cash.type != "cash":
                problems.append(self.env._(
                    "Daily-receipts book %(journal)s: %(cash)s is not a cash journal.",
                    journal=name, cash=cash.display_name))
            if not cash and journal.exact_receipts_method_ids.filtered(
                lambda m: m.kind == "other"
            ):
                problems.append(self.env._(
                    "Daily-receipts book %(journal)s has payment methods other than cash: it "
                    "needs its cash journal (archive those methods first to unlink it).",
                    journal=name))
            if problems:
                raise ValidationError("\n".join(problems))

    def _exact_receipts_has_entries(self):
        self.ensure_one()
        return bool(self.env["exact.receipts.entry"].sudo().search_count(
            [("journal_id", "=", self.id), ("state", "in", ("open", "final"))], limit=1))

    @api.constrains("exact_receipts_start_date")
    def _check_exact_receipts_start(self):
        for journal in self.sudo().filtered("exact_receipts_book"):
            first = self.env["exact.receipts.entry"].sudo().search(
                [("journal_id", "=", journal.id), ("state", "in", ("open", "final"))],
                order="date", limit=1)
            if first and first.date < journal.exact_receipts_start_date:
                raise ValidationError(self.env._(
                    "Daily-receipts book %(journal)s has entries from %(day)s: it cannot start "
                    "later than that.", journal=journal.display_name, day=first.date))
            if journal.exact_receipts_invoiced_until and (
                journal.exact_receipts_start_date > journal.exact_receipts_invoiced_until
            ):
                raise ValidationError(self.env._(
                    "Daily-receipts book %(journal)s is invoiced until %(day)s: its start date "
                    "cannot move past that.", journal=journal.display_name,
                    day=journal.exact_receipts_invoiced_until))

    def _exact_receipts_setup(self):
        """A new book gets its cash method and one VAT category per Belgian rate."""
        for book in self.sudo().filtered(lambda j: j.exact_receipts_book and j.type == "sale"):
            journal = book.sudo()
            company = journal.company_id
            lang = company.partner_id.lang or self.env.lang or "en_US"
            Method = self.env["exact.receipts.payment.method"].sudo().with_context(
                active_test=False)
            if not Method.search_count([("journal_id", "=", journal.id), ("kind", "=", "cash")]):
                Method.create({
                    "journal_id": journal.id,
                    "kind": "cash",
                    "sequence": 1,
                    "name": self.with_context(lang=lang).env._("Cash money"),
                })
            Category = self.env["exact.receipts.category"].sudo().with_context(active_test=False)
            if Category.search_count([("journal_id", "=", journal.id)]):
                continue
            Tax = self.env["account.tax"].sudo().with_context(active_test=False)
            for sequence, rate in enumerate((21, 12, 6, 0), start=1):
                tax = Tax.search(
                    [
                        *Tax._check_company_domain(company),
                        ("type_tax_use", "=", "sale"),
                        ("amount_type", "=", "percent"),
                        ("amount", "=", rate),
                        ("active", "=", True),
                    ],
                    order="price_include_override desc, sequence, id",
                    limit=1,
                )
                if tax:
                    Category.create({
                        "journal_id": journal.id,
                        "sequence": sequence,
                        "name": f"{rate} %",
                        "tax_id": tax.id,
                    })

    def _exact_receipts_action(self, xmlid):
        action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
        action["context"] = {"default_journal_id": self.id, "search_default_journal_id": self.id}
        return action

    def action_exact_receipts_enter(self):
        """The entry form on today, for this book."""
        self.ensure_one()
        self.check_access("read")
        self.env["exact.receipts.entry"].check_access("create")
        action = self._exact_receipts_action("scrada_exact_bridge.action_exact_receipts_enter")
        action["name"] = self.env._("Receipts of %(book)s", book=self.name)
        return action

    def action_exact_receipts_entries(self):
        self.ensure_one()
        self.check_access("read")
        self.env["exact.receipts.entry"].check_access("read")
        action = self._exact_receipts_action("scrada_exact_bridge.action_exact_receipts_entries")
        action["domain"] = [("journal_id", "=", self.id)]
        return action

    def action_exact_receipts_check_chain(self):
        """Recompute the book's hash chain and say whether it is intact."""
        self.ensure_one()
        self.check_access("read")
        self.env["exact.receipts.entry"].check_access("read")
        if not self.exact_receipts_book:
            raise UserError(self.env._("%(journal)s is not a daily-receipts book.",
                                       journal=self.display_name))
        result = self.env["exact.receipts.book"]._exact_check_chain(self)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Hash chain of the daily-receipts book"),
                "message": result["message"],
                "type": "success" if result["ok"] else "danger",
                "sticky": not result["ok"],
            },
        }

    def action_exact_receipts_legal_book(self):
        self.ensure_one()
        self.check_access("read")
        self.env["exact.receipts.book.report"].check_access("create")
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "scrada_exact_bridge.action_exact_receipts_book_report")
        action["context"] = {"default_journal_id": self.id}
        return action

    # ------------------------------------------------------------------
    # Transport: Exact Online connection (postbox name) or e-mail (linked address)
    # ------------------------------------------------------------------

    exact_transport = fields.Selection(
        groups=ACCOUNTING,
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
        groups=ACCOUNTING,
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
                "the Exact Online connection is made (Invoicing/Accounting > Exact Online > "
                "Connection).",
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

