# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Exact Online set-up wizard.

Leads an accountant or office manager from "nothing configured" to "first
document received in Exact Online", in steps:

1. ``activate``: activate the link for the company and choose the sender address;
2. ``connection``: the Exact Online connection (country or address, the app's client ID and
   secret, Connect through Exact's real sign-in and back, the division and its postboxes);
3. ``journals``: tick the daily-receipts (sale) and cash journals that send, choose for each
   how it delivers (the connection, to a postbox picked from the list Exact gave, or e-mail,
   to a linked e-mail address), with every warning shown in full and confirmed one by one;
4. ``iban``: give each sending cash journal the IBAN of its cash book;
5. ``exact``: what to do in Exact Online, as a checklist with the values filled in, whose
   ticks are remembered; its button *Save* writes the whole set-up at once;
6. ``test``: send a clearly marked test document to each configured postbox or address,
   through the journal's transport, and show the outcome.

**Nothing is written until the set-up is saved** (the checklist step): "Next" only checks its
own step, so that an error is shown where it belongs, and closing the wizard halfway changes
nothing. The one exception is *Connect*, which must store the connection (the app's client ID
and secret) before Exact Online can send the user back; the callback then returns to this
wizard. Re-opening the wizard shows the saved values and the ticked checklist items.

Accounting managers may run it although they cannot write ``res.company``:
the group is checked explicitly, then the company fields are written with
``sudo()``.  Journal fields are written as the user (managers may write
journals).
"""

from datetime import datetime

from markupsafe import Markup
from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..lib import exact_api
from ..lib import exact_codes as codes
from ..lib import iban as iban_lib
from ..lib import mailbox as mailbox_lib
from ..models.exact_online_connection import REGIONS
from ..models.exact_transport import TRANSPORT_SELECTION

STEPS = ["activate", "connection", "journals", "iban", "exact", "test"]
SAVE_STEP = "exact"  # leaving it writes the set-up (see module doc)

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
            ("connection", "Connection"),
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
        "Exact Online digital mailbox of each journal you choose in the next steps.",
    )
    sender_email = fields.Char(
        string="Sender address",
        help="Documents delivered by e-mail are sent from this address. Exact Online only "
        "accepts mail from addresses on the \"Allowed senders\" list of the mailbox; mail from "
        "any other address lands in \"Blocked e-mails\" without warning.",
    )
    # -- the Exact Online connection (written only by Connect) -------------
    connection_id = fields.Many2one(
        "exact.online.connection", string="Exact Online connection", readonly=True,
        compute="_compute_connection_id",
    )
    connection_state = fields.Selection(related="connection_id.state", string="Connection")
    connection_division = fields.Integer(related="connection_id.division", string="Division")
    connection_sender_mailbox = fields.Char(
        related="connection_id.sender_mailbox", string="Own postbox"
    )
    connection_last_error = fields.Text(
        related="connection_id.last_error", string="Connection error"
    )
    connection_mailbox_ids = fields.One2many(
        related="connection_id.mailbox_ids", string="Postboxes of the subscription"
    )
    region = fields.Selection(
        selection=REGIONS, string="Exact Online country", default=codes.DEFAULT_REGION,
    )
    base_url = fields.Char(
        string="Exact Online address",
        help="https://start.exactonline.be for Belgium; any http(s) address for a test or "
        "demo stand-in of Exact Online.",
    )
    client_id = fields.Char(
        string="Client ID",
        help="The Client ID of the app registered in Exact's App Center (scope "
        "\"Communication mailboxes\", redirect URI as shown).",
    )
    client_secret = fields.Char(
        string="Client secret",
        help="The Client secret of the app. It goes to the connection when you press Connect "
        "and is never shown again; leave empty to keep the stored one.",
    )
    has_client_secret = fields.Boolean(related="connection_id.has_client_secret")
    redirect_uri = fields.Char(string="Redirect URI", compute="_compute_redirect_uri")
    # -- journals ------------------------------------------------------------
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
    # -- the checklist -------------------------------------------------------
    checklist_html = fields.Html(
        string="Checklist notes", compute="_compute_checklist_html", sanitize=False
    )
    check_ids = fields.One2many("exact.setup.wizard.check", "wizard_id", string="Checklist")
    saved = fields.Boolean(readonly=True)
    # -- the test ------------------------------------------------------------
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
        connection = company.sudo().exact_connection_id
        if "exact_enabled" in fields_list:
            values["exact_enabled"] = company.sudo().exact_enabled
        if "sender_email" in fields_list:
            values["sender_email"] = (
                company.sudo().exact_sender_email or company.email or False
            )
        if connection:
            values.update(
                region=connection.region, base_url=connection.base_url,
                client_id=connection.client_id,
            )
        elif "base_url" in fields_list:
            values["base_url"] = exact_api.base_url_of_region(codes.DEFAULT_REGION)
        if "line_ids" in fields_list:
            Line = self.env["exact.setup.wizard.journal"]
            values["line_ids"] = [
                fields.Command.create(Line._values_from(journal, connection))
                for journal in self._exact_journals(company)
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
    def _compute_connection_id(self):
        for wizard in self:
            company = wizard.company_id or self.env.company
            wizard.connection_id = company.sudo().exact_connection_id.with_env(self.env)

    def _compute_redirect_uri(self):
        base = self.env["ir.config_parameter"].sudo().get_param("web.base.url")
        for wizard in self:
            wizard.redirect_uri = exact_api.redirect_uri(base)

    @api.onchange("region")
    def _onchange_region(self):
        url = exact_api.base_url_of_region(self.region)
        if url:
            self.base_url = url

    @api.depends("company_id")
    def _compute_configured_summary(self):
        for wizard in self:
            company = (wizard.company_id or self.env.company).sudo()
            items = []
            if company.exact_enabled:
                items.append(
                    self.env._(
                        "Exact Online is activated; documents are sent from %(sender)s.",
                        sender=Markup("<b>%s</b>") % (company.exact_sender_email or ""),
                    )
                )
            connection = company.exact_connection_id
            if connection.state == "connected":
                items.append(
                    self.env._(
                        "Connected to Exact Online (division %(division)s).",
                        division=Markup("<b>%s</b>") % connection.division,
                    )
                )
            transports = dict(self.env["account.journal"]._fields["exact_transport"]
                              ._description_selection(self.env))
            for journal in self._exact_journals(company).filtered(
                lambda j: j.exact_send_invoices or j.exact_send_coda
            ):
                items.append(
                    self.env._(
                        "%(journal)s sends to %(mailbox)s (%(transport)s).",
                        journal=Markup("<b>%s</b>") % journal.display_name,
                        mailbox=Markup("<b>%s</b>") % journal.exact_mailbox,
                        transport=transports.get(journal.exact_transport, ""),
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
        "line_ids.transport",
        "line_ids.journal_id",
    )
    def _compute_checklist_html(self):
        for wizard in self:
            wizard.checklist_html = wizard._exact_checklist_notes()

    def _exact_checklist_notes(self):
        """What the checklist must say besides its items: the CODA route's status."""
        self.ensure_one()
        cash = self.line_ids.filtered(lambda ln: ln.send and ln.journal_type == "cash")
        notes = []
        if cash.filtered(lambda ln: ln.transport == "email"):
            notes.append(
                Markup("<div class='alert alert-warning o_exact_coda_email_note' role='alert'>"
                       "%s</div>")
                % self.env._(
                    "The e-mail route for CODA files is unconfirmed: Exact Online documents no "
                    "linked e-mail address for bank statements, and no public source shows a "
                    "CODA file received by e-mail being read into a bank account. Deliver the "
                    "cash book through the Exact Online connection if you can; otherwise check "
                    "after the first statement (Activities > Digital mailbox) that it was read."
                )
            )
        elif cash:
            notes.append(
                Markup("<div class='alert alert-info' role='status'>%s</div>")
                % self.env._(
                    "After the first cash statement is delivered, check in Exact Online "
                    "(Activities > Digital mailbox) that it was read into the cash bank account."
                )
            )
        return Markup("").join(notes) or False

    # ------------------------------------------------------------------
    # The checklist items (ticks remembered on the company)
    # ------------------------------------------------------------------

    def _exact_checklist_items(self):
        """[(key, section, text)] of what to do in Exact Online, values filled in.

        A key names the item *and its values* (address, sender, IBAN): a tick stays only while
        what was ticked is still what is asked.
        """
        self.ensure_one()
        # separate calls: the translation extractor skips _() nested in _()
        other_banks = self.env._("Other Belgian banks")
        sales_kind = self.env._("Sales invoices")

        def shown(value):
            # plain text: a list wraps a text column, so every item is read in full
            return value or ""

        items = []
        lines = self.line_ids.filtered("send")
        email_lines = lines.filtered(lambda ln: ln.transport == "email")
        api_lines = lines.filtered(lambda ln: ln.transport == "api")
        if email_lines:
            section = self.env._("Allow the sender")
            items.append((
                "find_mailbox", section,
                self.env._(
                    "Find the mailbox: your name (top right) > My Exact Online > My account "
                    "data > Digital mailboxes (bottom of the page). Open the mailbox > "
                    "Linked e-mail addresses to see the address of each document type."
                ),
            ))
            for line in email_lines.filtered(lambda ln: ln.journal_type == "sale"):
                items.append((
                    f"sender:{line.mailbox}:{self.sender_email}", section,
                    self.env._(
                        "Linked e-mail address %(mailbox)s (document type %(kind)s, journal "
                        "%(journal)s): add %(sender)s to its \"Allowed senders\".",
                        mailbox=shown(line.mailbox),
                        kind=shown(sales_kind),
                        journal=shown(line.journal_id.display_name),
                        sender=shown(self.sender_email),
                    ),
                ))
            for line in email_lines.filtered(lambda ln: ln.journal_type == "cash"):
                items.append((
                    f"sender_coda:{line.mailbox}:{self.sender_email}", section,
                    self.env._(
                        "Address %(mailbox)s (journal %(journal)s, CODA files): Exact Online "
                        "documents no linked e-mail address for bank statements, so this route "
                        "is unconfirmed. If your mailbox has such an address, add %(sender)s to "
                        "its \"Allowed senders\".",
                        mailbox=shown(line.mailbox),
                        journal=shown(line.journal_id.display_name),
                        sender=shown(self.sender_email),
                    ),
                ))
        if api_lines:
            section = self.env._("Exact Online connection")
            own = self.connection_id.sender_mailbox
            for line in api_lines.filtered(lambda ln: ln.journal_type == "sale"):
                items.append((
                    f"postbox:{line.mailbox}", section,
                    self.env._(
                        "Postbox %(postbox)s (journal %(journal)s) receives the sales invoices "
                        "from your own postbox %(own)s: check that it books them in the right "
                        "administration (the postbox's \"Books in division\").",
                        postbox=shown(line.mailbox),
                        journal=shown(line.journal_id.display_name),
                        own=shown(own or "-"),
                    ),
                ))
        for line in lines.filtered(lambda ln: ln.journal_type == "cash"):
            section = self.env._("Cash book %(journal)s", journal=line.journal_id.display_name)
            account = line.journal_id.default_account_id
            gl_account = f"{account.code} {account.name}" if account else "57xxxx"
            iban = iban_lib.pretty(line.iban) if line.iban and iban_lib.is_valid(line.iban) else (
                line.iban or "?")
            key = f"{line.journal_id.id}:{(line.iban or '').replace(' ', '').upper()}"
            items.extend([
                (f"cash_bank:{key}", section, self.env._(
                    "Create a bank account (bank journal) with account number %(iban)s in EUR.",
                    iban=shown(iban),
                )),
                (f"cash_other_banks:{key}", section, self.env._(
                    "When Exact Online asks for the bank, choose %(bank)s: the IBAN of a cash "
                    "book belongs to no real bank.",
                    bank=shown(other_banks),
                )),
                (f"cash_gl:{key}", section, self.env._(
                    "Give that bank journal a 57xxxx general-ledger account instead of the "
                    "proposed 55xxxx one (in Odoo the cash journal uses %(account)s): bank "
                    "journal properties > Advanced options > GL account.",
                    account=shown(gl_account),
                )),
                (f"cash_link:{key}:{line.mailbox}", section, self.env._(
                    "Link the postbox %(mailbox)s to the company (administration) and to this "
                    "bank account, as for the CODA files of a bank (CodaBox documents), so that "
                    "the CODA files are read into it.",
                    mailbox=shown(line.mailbox),
                )),
            ])
        return items

    def _exact_build_checks(self):
        """(Re)make the checklist lines; ticks come from the lines and from the company."""
        self.ensure_one()
        done = {check.key for check in self.check_ids if check.done}
        done |= set(self.company_id.sudo().exact_setup_checked or [])
        commands = [fields.Command.clear()]
        for sequence, (key, section, text) in enumerate(self._exact_checklist_items()):
            commands.append(fields.Command.create({
                "sequence": sequence, "key": key, "section": section, "text": text,
                "done": key in done,
            }))
        self.check_ids = commands

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
            if not self._exact_check_activate():
                # switching off is the whole set-up: written at once
                self.company_id.sudo().exact_enabled = False
                return {"type": "ir.actions.act_window_close"}
        elif step == "connection":
            self._exact_propose_connection()
        elif step == "journals":
            self._exact_check_journals()
        elif step == "iban":
            self._exact_check_iban()
        elif step == SAVE_STEP:
            self._exact_save()
        elif step == "test":
            self._exact_save_checks()
            return {"type": "ir.actions.act_window_close"}
        next_step = self._exact_next_step(step)
        if next_step == SAVE_STEP:
            self._exact_build_checks()
        self.step = next_step
        return self._reopen()

    def action_previous(self):
        self.ensure_one()
        self._exact_check_access()
        if self.step != "activate":
            self.step = self._exact_next_step(self.step, -1)
            if self.step == SAVE_STEP:
                self._exact_build_checks()
        return self._reopen()

    def action_refresh(self):
        self.ensure_one()
        self._exact_check_access()
        self.test_delivery_ids.invalidate_recordset()
        return self._reopen()

    # ------------------------------------------------------------------
    # The connection step
    # ------------------------------------------------------------------

    def action_connect(self):
        """Store the app's details on the company's connection and go to Exact Online's
        sign-in; its callback brings the user back to this wizard."""
        self.ensure_one()
        self._exact_check_access()
        Connection = self.env["exact.online.connection"]
        connection = self.company_id.sudo().exact_connection_id.with_env(self.env)
        problem = Connection._exact_base_url_problem(self.base_url)
        if problem:
            raise UserError(problem)
        normalized = exact_api.normalize_base_url(self.base_url)
        vals = {
            "region": self.region or "custom",
            "base_url": normalized,
            "client_id": (self.client_id or "").strip() or False,
        }
        if self.client_secret:
            vals["new_client_secret"] = self.client_secret
        try:
            if connection:
                connection.write(vals)
            else:
                connection = Connection.create(dict(vals, company_id=self.company_id.id))
        except ValidationError as exc:
            raise UserError(exc.args[0]) from exc
        # the secret now lives on the connection only
        self.write({"client_secret": False})
        return connection.action_exact_connect(return_url=self._exact_return_url())

    def _exact_propose_connection(self):
        """Once connected, journals not sending yet are proposed through the connection."""
        if self.connection_id.state != "connected":
            return
        for line in self.line_ids:
            if not line._origin_sends() and line.transport == "email" and not line.mailbox:
                line.transport = "api"

    def _exact_return_url(self):
        return f"/odoo/action-scrada_exact_bridge.action_exact_setup_wizard/{self.id}"

    def action_refresh_postboxes(self):
        """Read the division's postbox names again (a postbox added in Exact Online)."""
        self.ensure_one()
        self._exact_check_access()
        connection = self.connection_id
        if not connection or connection.state != "connected":
            raise UserError(self.env._("Connect to Exact Online first."))
        ok, message = connection._exact_refresh_account()
        if not ok:
            raise UserError(message)
        self.env.invalidate_all()
        return self._reopen()

    # ------------------------------------------------------------------
    # Checking each step (nothing written)
    # ------------------------------------------------------------------

    def _exact_check_activate(self):
        """Check the activation step; False when Exact Online is switched off."""
        if not self.exact_enabled:
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
        return True

    def _exact_check_journals(self):
        lines = self.sale_line_ids | self.cash_line_ids
        if not lines.filtered("send"):
            raise UserError(
                self.env._(
                    "Tick at least one daily-receipts or cash journal whose documents must "
                    "go to Exact Online."
                )
            )
        problems = []
        connected = self.connection_id.state == "connected"
        for line in lines:
            if line.transport == "api" and line.postbox_id:
                line.mailbox = line.postbox_id.name
            if line.mailbox:
                line.mailbox = mailbox_lib.normalize(line.mailbox)
            name = line.journal_id.display_name
            if line.send and line.transport == "api" and not connected:
                problems.append(
                    self.env._(
                        "%(journal)s: connect to Exact Online in the \"Connection\" step "
                        "first, or deliver this journal by e-mail.",
                        journal=name,
                    )
                )
            elif line.send and not line.mailbox:
                problems.append(
                    self.env._(
                        "%(journal)s: choose the Exact Online postbox.", journal=name
                    )
                    if line.transport == "api"
                    else self.env._(
                        "%(journal)s: enter the Exact Online mailbox address.", journal=name
                    )
                )
            elif line.mailbox and not mailbox_lib.is_valid(line.mailbox):
                problems.append(
                    self.env._(
                        "%(journal)s: \"%(address)s\" is not a valid mailbox address. Copy the "
                        "linked e-mail address from Exact Online, e.g. "
                        "x55i@verkoop.exactonline.be.",
                        journal=name,
                        address=line.mailbox,
                    )
                )
            elif line.send and line.warning and not line.warning_confirmed:
                problems.append(
                    self.env._(
                        "%(journal)s, %(address)s: %(warning)s Correct it, or tick \"Use "
                        "anyway\" on its line if you are sure.",
                        journal=name,
                        address=line.mailbox,
                        warning=line.warning,
                    )
                )
        if problems:
            raise UserError("\n\n".join(problems))

    def _exact_check_iban(self):
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

    # ------------------------------------------------------------------
    # Saving the set-up (the one write)
    # ------------------------------------------------------------------

    def _exact_save(self):
        """Check every step again, then write company, journals and IBANs together.

        One transaction: a refused journal (a constraint) leaves nothing half-written.
        """
        if not self._exact_check_activate():
            raise UserError(self.env._("Activate Exact Online in the first step."))
        self._exact_check_journals()
        self._exact_check_iban()
        company = self.company_id
        try:
            with self.env.cr.savepoint():
                company.sudo().write(
                    {"exact_enabled": True, "exact_sender_email": self.sender_email}
                )
                lines = self.sale_line_ids | self.cash_line_ids
                for line in lines:
                    self._exact_save_journal(line)
        except ValidationError as exc:
            raise UserError(exc.args[0]) from exc
        self._exact_save_checks()
        self.saved = True

    def _exact_save_journal(self, line):
        journal = line.journal_id
        vals = {"exact_mailbox": line.mailbox or False}
        if line.send or line.mailbox:
            vals["exact_transport"] = line.transport
        if line.journal_type == "sale":
            vals["exact_send_invoices"] = line.send
        elif line.send:
            iban = iban_lib.validate(line.iban)
            bank_account = journal.bank_account_id
            if not bank_account or bank_account.sanitized_acc_number != iban:
                bank_account = journal._exact_cash_bank_account(iban, journal.company_id)
            vals.update(bank_account_id=bank_account.id, exact_send_coda=True)
        else:
            vals["exact_send_coda"] = False
        journal.write(vals)
        journal.flush_recordset()

    def _exact_save_checks(self):
        """Remember the ticked checklist items (their keys) on the company."""
        if not self.check_ids:
            return
        shown = set(self.check_ids.mapped("key"))
        kept = set(self.company_id.sudo().exact_setup_checked or []) - shown
        ticked = set(self.check_ids.filtered("done").mapped("key"))
        self.company_id.sudo().exact_setup_checked = sorted(kept | ticked)

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
                f"Delivered through: {journal.exact_transport}",
                f"Sender: {company.sudo().exact_sender_email}",
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
        if not company.sudo().exact_enabled:
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
                    "mailbox in the \"Journals\" step, then save the set-up."
                )
            )
        seen = set()
        deliveries = self.env["exact.mailbox.delivery"]
        for journal in journals:
            route = (journal.exact_transport, journal.exact_mailbox)
            if route in seen:
                continue
            seen.add(route)
            deliveries |= self._exact_queue_test(journal)
        self.write({"test_delivery_ids": [fields.Command.set(deliveries.ids)], "test_sent": True})
        return self._reopen()

    def _exact_queue_test(self, journal):
        """Queue one test delivery to the journal's mailbox, through the journal's transport.

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
    connection_id = fields.Many2one(related="wizard_id.connection_id")
    send = fields.Boolean(
        help="Sale journal: every posted invoice and credit note goes to Exact Online as a "
        "UBL file. Cash journal: each closed cash statement goes as a CODA file.",
    )
    transport = fields.Selection(
        selection=TRANSPORT_SELECTION,
        string="Deliver through",
        required=True,
        default="email",
        help="Exact Online connection: to the postbox name, over Exact Online's own network "
        "(the only route known to work for CODA files). E-mail: to a linked e-mail address "
        "of the postbox.",
    )
    postbox_id = fields.Many2one(
        "exact.online.mailbox",
        domain="[('connection_id', '=', connection_id)]",
        help="The postbox the documents go to, as Exact Online listed them for the "
        "connection (mailbox/Mailboxes).",
    )
    mailbox = fields.Char(
        string="Exact Online mailbox",
        help="Connection: the postbox name (picked from the list). E-mail: the linked e-mail "
        "address of the Exact Online digital mailbox for this document type (Sales invoices "
        "for a daily-receipts journal); never the purchase-invoice (scan) address.",
    )
    # Text: a list shows a text column wrapped, so the warning is read in full on its line
    warning = fields.Text(compute="_compute_warning")
    warning_confirmed = fields.Boolean(
        string="Use anyway",
        help="Tick to keep this address although the wizard warns about it.",
    )
    iban = fields.Char(
        string="IBAN of the cash book",
        help="Written into every CODA file as the account number. Use the IBAN the "
        "accountant uses for this cash book, or the account number of the cash bank "
        "account already created in Exact Online. Only its format and check digits are "
        "checked: it need not belong to a real bank.",
    )
    iban_warning = fields.Char(string="IBAN warning", compute="_compute_iban_warning")

    @api.model
    def _values_from(self, journal, connection):
        connected = bool(connection) and connection.state == "connected"
        sends = journal.exact_send_invoices or journal.exact_send_coda
        transport = journal.exact_transport if sends else ("api" if connected else "email")
        postbox = (
            connection.mailbox_ids.filtered(lambda box: box.name == journal.exact_mailbox)[:1]
            if connection and journal.exact_mailbox
            else False
        )
        return {
            "journal_id": journal.id,
            "send": sends,
            "transport": transport or "email",
            "mailbox": journal.exact_mailbox or False,
            "postbox_id": postbox.id if postbox else False,
            # a sending journal's address was saved, so its warning was confirmed then
            "warning_confirmed": bool(sends and journal.exact_mailbox),
            "iban": (journal.bank_account_id.acc_number or False)
            if journal.type == "cash"
            else False,
        }

    def _origin_sends(self):
        journal = self.journal_id
        return journal.exact_send_invoices or journal.exact_send_coda

    @api.depends("mailbox", "journal_type", "transport", "postbox_id", "send")
    def _compute_warning(self):
        for line in self:
            line.warning = line._exact_warning()

    def _exact_warning(self):
        if self.transport == "api":
            return self._exact_postbox_warning()
        if not self.mailbox:
            return False
        return self._exact_address_warning()

    def _exact_address_warning(self):
        """The warning about a linked e-mail address (e-mail transport), or False."""
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
        if purpose == "coda":
            return self.env._(
                "Exact Online is not known to process CODA files received by e-mail (no "
                "linked e-mail address for bank statements is documented): deliver the cash "
                "book through the Exact Online connection if you can."
            )
        return False

    def _exact_postbox_warning(self):
        name = self.postbox_id.name or self.mailbox
        if not name:
            return False
        if mailbox_lib.kind(name) in ("sales", "purchase"):
            return self.env._(
                "\"%(address)s\" looks like a linked e-mail address; the Exact Online "
                "connection needs the name of the postbox (e.g. yourshop@exactonline.be).",
                address=name,
            )
        if self.postbox_id and self.postbox_id.is_own:
            return self.env._(
                "\"%(address)s\" is your own postbox, the sender of every document: choose "
                "the postbox that must receive them.",
                address=name,
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

    @api.onchange("mailbox", "postbox_id")
    def _onchange_mailbox_send(self):
        if (self.mailbox or self.postbox_id) and not self._origin.mailbox and not self.send:
            self.send = True

    @api.onchange("postbox_id")
    def _onchange_postbox(self):
        if self.postbox_id:
            self.mailbox = self.postbox_id.name

    @api.onchange("transport")
    def _onchange_transport(self):
        if self.transport == "api":
            box = self.connection_id.mailbox_ids.filtered(lambda b: b.name == self.mailbox)[:1]
            self.postbox_id = box
            if not box:
                self.mailbox = False
        else:
            self.postbox_id = False

    @api.onchange("mailbox", "postbox_id", "transport")
    def _onchange_reset_confirmation(self):
        self.warning_confirmed = False


class ExactSetupWizardCheck(models.TransientModel):
    _name = "exact.setup.wizard.check"
    _description = "Exact Online set-up: checklist item"
    _order = "sequence, id"

    wizard_id = fields.Many2one("exact.setup.wizard", required=True, ondelete="cascade")
    sequence = fields.Integer()
    key = fields.Char(required=True, readonly=True)
    section = fields.Char(string="Where", readonly=True)
    text = fields.Text(string="To do", readonly=True)
    done = fields.Boolean()
