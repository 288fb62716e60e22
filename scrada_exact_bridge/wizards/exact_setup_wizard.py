# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Exact Online set-up wizard.

Leads an accountant or office manager from "nothing configured" to "first
document received in Exact Online", in steps:

1. ``activate``: activate the link for the company and choose the sender address;
2. ``journals``: tick the daily-receipts (sale) and cash journals that send,
   and enter each journal's mailbox address (with the warnings about the kind
   of address);
3. ``iban``: give each sending cash journal the IBAN of its cash book;
4. ``exact``: what to do in Exact Online, as a checklist with the values filled in;
5. ``test``: send a clearly marked test document to each configured mailbox
   and show the outcome.

Each "Next" validates and saves its own step, so that an error is shown in the
step where it belongs and the wizard can be closed at any point without losing
what was already confirmed.  Re-opening the wizard shows the saved values.

Accounting managers may run it although they cannot write ``res.company``:
the group is checked explicitly, then the two company fields are written with
``sudo()``.  Journal fields are written as the user (managers may write
journals).
"""

from datetime import datetime

from markupsafe import Markup
from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..lib import iban as iban_lib
from ..lib import mailbox as mailbox_lib

STEPS = ["activate", "journals", "iban", "exact", "test"]

# Test documents are plain text: no Exact Online importer (UBL sales
# invoices, CODA bank statements, the scan/OCR service of purchase addresses)
# can turn a .txt file into a booking, so the message stays visible in the
# digital mailbox as an unprocessed document and nothing is booked.
TEST_FILE_MIMETYPE = "text/plain"


class ExactSetupWizard(models.TransientModel):
    _name = "exact.setup.wizard"
    _description = "Exact Online set-up"

    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, default=lambda self: self.env.company
    )
    step = fields.Selection(
        selection=[
            ("activate", "Activate"),
            ("journals", "Journals"),
            ("iban", "Cash-book IBAN"),
            ("exact", "In Exact Online"),
            ("test", "Test"),
        ],
        default="activate",
        required=True,
    )
    exact_enabled = fields.Boolean(
        string="Activate Exact Online",
        help="Send daily-receipts invoices (UBL) and cash statements (CODA) to the "
        "Exact Online digital mailbox of each journal you choose in the next step.",
    )
    sender_email = fields.Char(
        string="Sender address",
        help="Every document is e-mailed from this address. Exact Online only accepts "
        "mail from addresses on the \"Allowed senders\" list of the mailbox; mail from "
        "any other address lands in \"Blocked e-mails\" without warning.",
    )
    line_ids = fields.One2many("exact.setup.wizard.journal", "wizard_id", string="Journals")
    sale_line_ids = fields.One2many(
        "exact.setup.wizard.journal",
        "wizard_id",
        string="Daily-receipts journals",
        domain=[("journal_type", "=", "sale")],
    )
    cash_line_ids = fields.One2many(
        "exact.setup.wizard.journal",
        "wizard_id",
        string="Cash journals",
        domain=[("journal_type", "=", "cash")],
    )
    coda_line_ids = fields.One2many(
        "exact.setup.wizard.journal",
        "wizard_id",
        string="Cash journals that send CODA files",
        domain=[("journal_type", "=", "cash"), ("send", "=", True)],
    )
    configured_summary = fields.Html(
        string="Already configured", compute="_compute_configured_summary", sanitize=False
    )
    is_configured = fields.Boolean(compute="_compute_configured_summary")
    checklist_html = fields.Html(
        string="Checklist", compute="_compute_checklist_html", sanitize=False
    )
    test_delivery_ids = fields.Many2many(
        "exact.mailbox.delivery",
        relation="exact_setup_wizard_test_delivery_rel",
        column1="wizard_id",
        column2="delivery_id",
        string="Test deliveries",
        readonly=True,
    )
    test_sent = fields.Boolean(readonly=True)

    # ------------------------------------------------------------------
    # Defaults: what is already configured
    # ------------------------------------------------------------------

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        company = self.env["res.company"].browse(values.get("company_id")) or self.env.company
        if "exact_enabled" in fields_list:
            values["exact_enabled"] = company.exact_enabled
        if "sender_email" in fields_list:
            values["sender_email"] = company.exact_sender_email or company.email or False
        if "line_ids" in fields_list:
            values["line_ids"] = [
                fields.Command.create(self.env["exact.setup.wizard.journal"]._values_from(j))
                for j in self._exact_journals(company)
            ]
        if "test_delivery_ids" in fields_list:
            values["test_delivery_ids"] = [
                fields.Command.set(self._exact_last_test_deliveries(company).ids)
            ]
        return values

    @api.model
    def _exact_journals(self, company):
        return self.env["account.journal"].search(
            [("company_id", "=", company.id), ("type", "in", ("sale", "cash"))],
            order="type desc, sequence, id",
        )

    @api.model
    def _exact_last_test_deliveries(self, company):
        """The latest test delivery per mailbox, so a re-opened wizard shows them."""
        Delivery = self.env["exact.mailbox.delivery"]
        latest = {}
        for delivery in Delivery.search(
            [("company_id", "=", company.id), ("document_type", "=", "test")],
            order="id desc",
            limit=50,
        ):
            latest.setdefault(delivery.mailbox, delivery)
        return Delivery.union(*latest.values()) if latest else Delivery

    # ------------------------------------------------------------------
    # Computed displays
    # ------------------------------------------------------------------

    @api.depends("company_id")
    def _compute_configured_summary(self):
        for wizard in self:
            company = wizard.company_id or self.env.company
            items = []
            if company.exact_enabled:
                items.append(
                    self.env._(
                        "Exact Online is activated; documents are sent from %(sender)s.",
                        sender=Markup("<b>%s</b>") % (company.exact_sender_email or ""),
                    )
                )
            for journal in self._exact_journals(company).filtered(
                lambda j: j.exact_send_invoices or j.exact_send_coda
            ):
                items.append(
                    self.env._(
                        "%(journal)s sends to %(mailbox)s.",
                        journal=Markup("<b>%s</b>") % journal.display_name,
                        mailbox=Markup("<b>%s</b>") % journal.exact_mailbox,
                    )
                )
            wizard.is_configured = bool(items)
            if items:
                wizard.configured_summary = Markup("<ul class='mb-0'>%s</ul>") % Markup(
                    ""
                ).join(Markup("<li>%s</li>") % item for item in items)
            else:
                wizard.configured_summary = False

    @api.depends(
        "sender_email",
        "line_ids.send",
        "line_ids.mailbox",
        "line_ids.iban",
        "line_ids.journal_id",
    )
    def _compute_checklist_html(self):
        for wizard in self:
            wizard.checklist_html = wizard._exact_checklist()

    def _exact_checklist(self):
        """The Exact Online side of the set-up as a checklist (HTML), values filled in."""
        # a separate call: the translation extractor skips _() nested in _()
        other_banks = self.env._("Other Belgian banks")
        self.ensure_one()

        def bold(value):
            return Markup("<b class='text-break'>%s</b>") % (value or "")

        def item(text):
            return Markup(
                "<li class='mb-2 d-flex'><i class='fa fa-square-o me-2 mt-1' "
                "role='img' aria-hidden='true'></i><span>%s</span></li>"
            ) % text

        def section(title, items, name):
            return Markup(
                "<div class='o_exact_checklist_section mb-3' data-section='%s'>"
                "<h5>%s</h5><ul class='list-unstyled ms-1'>%s</ul></div>"
            ) % (name, title, Markup("").join(items))

        sections = []
        lines = self.line_ids.filtered("send")
        items = [
            item(
                self.env._(
                    "Find the mailbox: your name (top right) > My Exact Online > My account "
                    "data > Digital mailboxes (bottom of the page). Open the mailbox > "
                    "Linked e-mail addresses to see the address of each document type."
                )
            )
        ]
        for line in lines:
            kind = (
                self.env._("Bank statements (CODA)")
                if line.journal_type == "cash"
                else self.env._("Sales invoices")
            )
            items.append(
                item(
                    self.env._(
                        "Linked e-mail address %(mailbox)s (document type %(kind)s, journal "
                        "%(journal)s): add %(sender)s to its \"Allowed senders\".",
                        mailbox=bold(line.mailbox),
                        kind=bold(kind),
                        journal=bold(line.journal_id.display_name),
                        sender=bold(self.sender_email),
                    )
                )
            )
        sections.append(section(self.env._("1. Allow the sender"), items, "senders"))

        for line in lines.filtered(lambda ln: ln.journal_type == "cash"):
            account = line.journal_id.default_account_id
            gl_account = (
                f"{account.code} {account.name}" if account else "57xxxx"
            )
            cash_items = [
                item(
                    self.env._(
                        "Create a bank account (bank journal) with account number %(iban)s "
                        "in EUR.",
                        iban=bold(iban_lib.pretty(line.iban) if line.iban else "?"),
                    )
                ),
                item(
                    self.env._(
                        "When Exact Online asks for the bank, choose %(bank)s: the IBAN of a "
                        "cash book belongs to no real bank.",
                        bank=bold(other_banks),
                    )
                ),
                item(
                    self.env._(
                        "Give that bank journal a 57xxxx general-ledger account instead of "
                        "the proposed 55xxxx one (in Odoo the cash journal uses %(account)s): "
                        "bank journal properties > Advanced options > GL account.",
                        account=bold(gl_account),
                    )
                ),
                item(
                    self.env._(
                        "Link the mailbox %(mailbox)s to the company (administration) and to "
                        "this bank account, so that the CODA files are read into it.",
                        mailbox=bold(line.mailbox),
                    )
                ),
            ]
            sections.append(
                section(
                    self.env._("2. Cash book %(journal)s", journal=line.journal_id.display_name),
                    cash_items,
                    "cash",
                )
            )
        if lines.filtered(lambda ln: ln.journal_type == "cash"):
            sections.append(
                Markup("<div class='alert alert-info' role='status'>%s</div>")
                % self.env._(
                    "Exact Online does not document whether CODA files received by e-mail "
                    "are processed for every licence. After the first cash statement is "
                    "sent, check in Exact Online (Activities > Digital mailbox) that it was "
                    "read into the cash bank account."
                )
            )
        return Markup("").join(sections)

    # ------------------------------------------------------------------
    # Navigation
    # ------------------------------------------------------------------

    def _exact_check_access(self):
        if not self.env.user.has_group("account.group_account_manager"):
            raise AccessError(
                self.env._(
                    "Only accounting administrators can set up Exact Online. Ask an "
                    "administrator to give you the \"Administrator\" access right for "
                    "Accounting / Invoicing."
                )
            )

    def _reopen(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Exact Online set-up"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": dict(self.env.context, dialog_size="extra-large"),
        }

    def _exact_next_step(self, step, direction=1):
        index = STEPS.index(step) + direction
        next_step = STEPS[index]
        if next_step == "iban" and not self.coda_line_ids:
            next_step = STEPS[index + direction]
        return next_step

    def action_next(self):
        self.ensure_one()
        self._exact_check_access()
        step = self.step
        if step == "activate":
            if not self._exact_apply_activate():
                return {"type": "ir.actions.act_window_close"}
        elif step == "journals":
            self._exact_apply_journals()
        elif step == "iban":
            self._exact_apply_iban()
        elif step == "test":
            return {"type": "ir.actions.act_window_close"}
        self.step = self._exact_next_step(step)
        return self._reopen()

    def action_previous(self):
        self.ensure_one()
        if self.step != "activate":
            self.step = self._exact_next_step(self.step, -1)
        return self._reopen()

    def action_refresh(self):
        self.ensure_one()
        self.test_delivery_ids.invalidate_recordset()
        return self._reopen()

    # ------------------------------------------------------------------
    # Applying each step
    # ------------------------------------------------------------------

    def _exact_apply_activate(self):
        """Write the company settings; False when Exact Online was switched off."""
        company = self.company_id
        if not self.exact_enabled:
            company.sudo().exact_enabled = False
            return False
        sender = mailbox_lib.normalize(self.sender_email)
        if not sender:
            raise UserError(
                self.env._(
                    "Enter the sender address: the address the documents are e-mailed from, "
                    "e.g. accounting@yourcompany.be."
                )
            )
        if not mailbox_lib.is_valid(sender):
            raise UserError(
                self.env._(
                    "\"%(address)s\" is not a valid sender address. Enter one e-mail address "
                    "such as accounting@yourcompany.be, without a name or brackets.",
                    address=self.sender_email,
                )
            )
        self.sender_email = sender
        try:
            company.sudo().write({"exact_enabled": True, "exact_sender_email": sender})
        except ValidationError as exc:
            raise UserError(exc.args[0]) from exc
        return True

    def _exact_apply_journals(self):
        lines = self.sale_line_ids | self.cash_line_ids
        if not lines.filtered("send"):
            raise UserError(
                self.env._(
                    "Tick at least one daily-receipts or cash journal whose documents must "
                    "go to Exact Online."
                )
            )
        problems = []
        for line in lines:
            if line.mailbox:
                line.mailbox = mailbox_lib.normalize(line.mailbox)
            if line.send and not line.mailbox:
                problems.append(
                    self.env._(
                        "%(journal)s: enter the Exact Online mailbox address.",
                        journal=line.journal_id.display_name,
                    )
                )
            elif line.mailbox and not mailbox_lib.is_valid(line.mailbox):
                problems.append(
                    self.env._(
                        "%(journal)s: \"%(address)s\" is not a valid mailbox address. Copy the "
                        "linked e-mail address from Exact Online, e.g. "
                        "x55i@verkoop.exactonline.be.",
                        journal=line.journal_id.display_name,
                        address=line.mailbox,
                    )
                )
        if problems:
            raise UserError("\n".join(problems))
        for line in lines:
            journal = line.journal_id
            vals = {"exact_mailbox": line.mailbox or False}
            if line.journal_type == "sale":
                vals["exact_send_invoices"] = line.send
            elif not line.send:
                vals["exact_send_coda"] = False
            # a cash journal that must start sending gets its flag with its IBAN (next step)
            self._exact_write_journal(journal, vals)

    def _exact_apply_iban(self):
        problems = []
        for line in self.coda_line_ids:
            if not line.iban:
                problems.append(
                    self.env._(
                        "%(journal)s: enter the IBAN of the cash book.",
                        journal=line.journal_id.display_name,
                    )
                )
                continue
            try:
                line.iban = iban_lib.pretty(iban_lib.validate(line.iban))
            except iban_lib.IbanError:
                problems.append(
                    self.env._(
                        "%(journal)s: \"%(iban)s\" is not a valid IBAN (wrong length or check "
                        "digits). Check it character by character.",
                        journal=line.journal_id.display_name,
                        iban=line.iban,
                    )
                )
        if problems:
            raise UserError("\n".join(problems))
        for line in self.coda_line_ids:
            journal = line.journal_id
            bank_account = journal.bank_account_id
            if not bank_account or bank_account.sanitized_acc_number != iban_lib.validate(
                line.iban
            ):
                bank_account = journal._exact_cash_bank_account(
                    iban_lib.validate(line.iban), journal.company_id
                )
            self._exact_write_journal(
                journal, {"bank_account_id": bank_account.id, "exact_send_coda": True}
            )

    def _exact_write_journal(self, journal, vals):
        try:
            journal.write(vals)
            journal.flush_recordset()
        except ValidationError as exc:
            raise UserError(exc.args[0]) from exc

    # ------------------------------------------------------------------
    # Test delivery
    # ------------------------------------------------------------------

    def _exact_test_file(self, journal):
        """A small, clearly marked plain-text file (see TEST_FILE_MIMETYPE)."""
        company = self.company_id
        now = fields.Datetime.context_timestamp(self, datetime.now())
        stamp = now.strftime("%Y%m%d_%H%M%S")
        text = "\n".join(
            [
                "TEST - Odoo -> Exact Online",
                "",
                "This is a test document sent by the Odoo Exact Online set-up wizard.",
                "It is not an invoice or a statement: do not process or book it.",
                "Dit is een testdocument van Odoo; niet verwerken of boeken.",
                "Ceci est un document de test d'Odoo ; ne pas le traiter ni le comptabiliser.",
                "",
                f"Company: {company.name}",
                f"Journal: {journal.name} ({journal.code})",
                f"Mailbox: {journal.exact_mailbox}",
                f"Sender: {company.exact_sender_email}",
                f"Sent: {now.strftime('%Y-%m-%d %H:%M:%S %Z')}",
                "",
            ]
        )
        name = f"TEST_Odoo_Exact_Online_{journal.code}_{stamp}.txt"
        return {
            "name": "".join(
                c if c.isascii() and (c.isalnum() or c in "._-") else "_" for c in name
            ),
            "raw": text.encode("ascii", "replace"),
            "mimetype": TEST_FILE_MIMETYPE,
        }

    def action_send_test(self):
        self.ensure_one()
        self._exact_check_access()
        company = self.company_id
        if not company.exact_enabled:
            raise UserError(
                self.env._("Activate Exact Online in the first step before sending a test.")
            )
        journals = self._exact_journals(company).filtered(
            lambda j: (j.exact_send_invoices or j.exact_send_coda) and j.exact_mailbox
        )
        if not journals:
            raise UserError(
                self.env._(
                    "No journal sends to Exact Online yet: tick a journal and enter its "
                    "mailbox in the \"Journals\" step first."
                )
            )
        seen = set()
        deliveries = self.env["exact.mailbox.delivery"]
        for journal in journals:
            if journal.exact_mailbox in seen:
                continue
            seen.add(journal.exact_mailbox)
            deliveries |= self._exact_queue_test(journal)
        self.write({"test_delivery_ids": [fields.Command.set(deliveries.ids)], "test_sent": True})
        return self._reopen()

    def _exact_queue_test(self, journal):
        """Queue one test delivery to the journal's mailbox.

        Deliveries are system records (users only read them): sudo.
        """
        Delivery = self.env["exact.mailbox.delivery"].sudo()
        file_values = self._exact_test_file(journal)
        attachment = self.env["ir.attachment"].sudo().create(
            {
                "name": file_values["name"],
                "raw": file_values["raw"],
                "mimetype": file_values["mimetype"],
                "res_model": "account.journal",
                "res_id": journal.id,
                "company_id": journal.company_id.id,
            }
        )
        deliveries = Delivery._exact_enqueue(
            [{"journal_id": journal.id, "document_type": "test", "attachment_id": attachment.id}]
        )
        # like the files the delivery builds itself, the test file belongs to its delivery
        attachment.write({"res_model": deliveries._name, "res_id": deliveries[:1].id})
        return deliveries.with_env(self.env)


class ExactSetupWizardJournal(models.TransientModel):
    _name = "exact.setup.wizard.journal"
    _description = "Exact Online set-up: journal"
    _order = "journal_type desc, sequence, id"

    wizard_id = fields.Many2one("exact.setup.wizard", required=True, ondelete="cascade")
    journal_id = fields.Many2one("account.journal", required=True, readonly=True)
    journal_type = fields.Selection(related="journal_id.type", store=True)
    sequence = fields.Integer(related="journal_id.sequence")
    send = fields.Boolean(
        help="Sale journal: every posted invoice and credit note goes to Exact Online as a "
        "UBL file. Cash journal: each closed cash statement goes as a CODA file.",
    )
    mailbox = fields.Char(
        string="Exact Online mailbox",
        help="The linked e-mail address of the Exact Online digital mailbox for this "
        "document type: Sales invoices for a daily-receipts journal, Bank statements for "
        "a cash journal. Not the purchase-invoice (scan) address.",
    )
    warning = fields.Char(compute="_compute_warning")
    iban = fields.Char(
        string="IBAN of the cash book",
        help="Written into every CODA file as the account number. Use the IBAN the "
        "accountant uses for this cash book, or the account number of the cash bank "
        "account already created in Exact Online. Only its format and check digits are "
        "checked: it need not belong to a real bank.",
    )
    iban_warning = fields.Char(string="IBAN warning", compute="_compute_iban_warning")

    @api.model
    def _values_from(self, journal):
        return {
            "journal_id": journal.id,
            "send": journal.exact_send_invoices or journal.exact_send_coda,
            "mailbox": journal.exact_mailbox or False,
            "iban": (journal.bank_account_id.acc_number or False)
            if journal.type == "cash"
            else False,
        }

    @api.depends("mailbox", "journal_type")
    def _compute_warning(self):
        for line in self:
            line.warning = line._exact_warning()

    def _exact_warning(self):
        if not self.mailbox:
            return False
        if not mailbox_lib.is_valid(self.mailbox):
            return self.env._(
                "\"%(address)s\" is not a valid address: copy the linked e-mail address "
                "from Exact Online.",
                address=self.mailbox,
            )
        purpose = "coda" if self.journal_type == "cash" else "invoices"
        keys = mailbox_lib.warnings(self.mailbox, purpose)
        if "purchase_address" in keys:
            return self.env._(
                "This looks like the purchase-invoice (scan) address: Exact Online would "
                "book the documents as purchases. Use the address linked to %(kind)s.",
                kind=self.env._("bank statements")
                if purpose == "coda"
                else self.env._("sales invoices"),
            )
        if "sales_address_for_coda" in keys:
            return self.env._(
                "This looks like a sales-invoice address; a cash journal sends CODA files, "
                "which need the address linked to bank statements."
            )
        return False

    @api.depends("iban")
    def _compute_iban_warning(self):
        for line in self:
            line.iban_warning = (
                self.env._("Not a valid IBAN: check the length and the check digits.")
                if line.iban and not iban_lib.is_valid(line.iban)
                else False
            )

    @api.onchange("mailbox")
    def _onchange_mailbox(self):
        if self.mailbox and self.mailbox != mailbox_lib.normalize(self.mailbox):
            self.mailbox = mailbox_lib.normalize(self.mailbox)

    @api.onchange("mailbox")
    def _onchange_mailbox_send(self):
        if self.mailbox and not self._origin.mailbox and not self.send:
            self.send = True
