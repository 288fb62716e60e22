# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Customer invoices and credit notes of flagged sale journals go to Exact Online.

Posting only queues a delivery (``exact.mailbox.delivery``); the file itself is
built later, once, by the delivery cron through ``_exact_prepare_file``.
"""
import logging

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..lib import delivery_states as states
from .groups import ACCOUNTING

_logger = logging.getLogger(__name__)

EXACT_MOVE_TYPES = ("out_invoice", "out_refund")


class AccountMove(models.Model):
    _inherit = "account.move"

    exact_delivery_count = fields.Integer(
        string="Exact Online deliveries",
        compute="_compute_exact_delivery",
        groups=ACCOUNTING,
    )
    exact_delivery_state = fields.Selection(
        selection="_exact_delivery_state_selection",
        string="Exact Online",
        compute="_compute_exact_delivery",
        search="_search_exact_delivery_state",
        groups=ACCOUNTING,
        help="State of the latest delivery of this document to the Exact Online mailbox.",
    )
    exact_delivery_error = fields.Text(
        string="Exact Online error",
        compute="_compute_exact_delivery",
        groups=ACCOUNTING,
    )

    # ------------------------------------------------------------------
    # A cash book's IBAN is no account customers can pay to
    # ------------------------------------------------------------------

    def _compute_partner_bank_id(self):
        """Never propose the IBAN of a cash book as the bank account to pay to.

        A flagged cash journal's IBAN is a ``res.partner.bank`` of the company
        partner (it identifies the cash book in CODA files), so Odoo would pick it
        as the recipient bank of customer invoices.
        """
        super()._compute_partner_bank_id()
        cash_banks = (
            self.env["account.journal"]
            .sudo()
            .search([("type", "=", "cash"), ("bank_account_id", "!=", False)])
            .bank_account_id
        )
        if not cash_banks:
            return
        for move in self.filtered(lambda m: m.partner_bank_id in cash_banks):
            banks = move.bank_partner_id.bank_ids.filtered(
                lambda bank, move=move: (not bank.company_id or bank.company_id == move.company_id)
                and bank not in cash_banks
            ).sorted(lambda bank: not bank.allow_out_payment)
            move.partner_bank_id = banks[:1]

    # ------------------------------------------------------------------
    # Deliveries shown on the invoice
    # ------------------------------------------------------------------

    @api.model
    def _exact_delivery_state_selection(self):
        """The delivery states, labelled for the invoice ("Exact Online: sent", not a bare
        "Sent", which reads as "sent to the customer")."""
        labels = {
            states.PENDING: self.env._("Exact Online: pending"),
            states.SENDING: self.env._("Exact Online: sending"),
            states.SENT: self.env._("Exact Online: sent"),
            states.FAILED: self.env._("Exact Online: failed"),
            states.CANCELLED: self.env._("Exact Online: cancelled"),
        }
        selection = self.env["exact.mailbox.delivery"]._fields["state"]._description_selection(
            self.env
        )
        return [
            (key, labels.get(key) or self.env._("Exact Online: %(state)s", state=label))
            for key, label in selection
        ]

    def _search_exact_delivery_state(self, operator, value):
        """Search on the state of each document's latest delivery (False: none)."""
        if operator not in ("=", "!=", "in", "not in"):
            raise UserError(self.env._("Unsupported search on the Exact Online status."))
        self.env["exact.mailbox.delivery"].flush_model(["move_id", "state"])
        values = list(value) if isinstance(value, (list, tuple)) else [value]
        wanted = [state for state in values if state]
        latest = SQL(
            "(SELECT latest.move_id FROM (SELECT DISTINCT ON (move_id) move_id, state "
            "FROM exact_mailbox_delivery WHERE move_id IS NOT NULL "
            "ORDER BY move_id, id DESC) latest WHERE latest.state IN %s)",
            tuple(wanted) or (None,),
        )
        domain = [("id", "in", latest)]
        if len(wanted) < len(values):  # False: documents without any delivery
            delivered = SQL(
                "(SELECT move_id FROM exact_mailbox_delivery WHERE move_id IS NOT NULL)"
            )
            domain = ["|", *domain, ("id", "not in", delivered)]
        if operator in ("!=", "not in"):
            domain = ["!", *domain] if len(domain) == 1 else ["!", "|", *domain[1:]]
        return domain

    def _compute_show_reset_to_draft_button(self):
        """No "Reset to Draft" once the document is (being) delivered to Exact Online: the
        button would only fail (see ``button_draft``)."""
        super()._compute_show_reset_to_draft_button()
        shown = self.filtered("show_reset_to_draft_button")
        if not shown:
            return
        delivered = shown._exact_deliveries().filtered(
            lambda d: d.state in states.DELIVERED_OR_ON_ITS_WAY
        )
        for move in shown.filtered(lambda m: m in delivered.move_id):
            move.show_reset_to_draft_button = False

    def _exact_deliveries(self):
        """All deliveries of these moves (sudo), newest first."""
        Delivery = self.env["exact.mailbox.delivery"].sudo()
        ids = [move_id for move_id in self.ids if isinstance(move_id, int)]
        if not ids:
            return Delivery
        return Delivery.search([("move_id", "in", ids)], order="id desc")

    @api.depends("state")
    def _compute_exact_delivery(self):
        deliveries = self._exact_deliveries()
        per_move = {}
        for delivery in deliveries:
            per_move.setdefault(delivery.move_id.id, []).append(delivery)
        for move in self:
            mine = per_move.get(move.id, [])
            latest = mine[0] if mine else None
            move.exact_delivery_count = len(mine)
            move.exact_delivery_state = latest.state if latest else False
            move.exact_delivery_error = (
                latest.error_message if latest and latest.state == states.FAILED else False
            )

    def action_exact_open_deliveries(self):
        self.ensure_one()
        self.check_access("read")
        self.env["exact.mailbox.delivery"].check_access("read")
        deliveries = self._exact_deliveries()
        action = {
            "type": "ir.actions.act_window",
            "name": self.env._("Exact Online deliveries"),
            "res_model": "exact.mailbox.delivery",
            "domain": [("move_id", "in", self.ids)],
            "context": {"create": False},
        }
        if len(deliveries) == 1:
            action.update(
                {"view_mode": "form", "views": [(False, "form")], "res_id": deliveries.id}
            )
        else:
            action.update({"view_mode": "list,form", "views": [(False, "list"), (False, "form")]})
        return action

    def _exact_delivery_message(self, body):
        """Chatter note of a delivery on its invoice.

        A log (no notification to compute or send): it is written while posting,
        which must stay fast.
        """
        self.ensure_one()
        return self.sudo()._message_log(body=body)

    # ------------------------------------------------------------------
    # Daily-receipts customer
    # ------------------------------------------------------------------

    @api.onchange("journal_id")
    def _onchange_journal_exact_receipts_partner(self):
        for move in self:
            partner = move.journal_id.sudo().exact_receipts_partner_id
            if move.move_type in EXACT_MOVE_TYPES and partner and not move.partner_id:
                move.partner_id = partner

    # ------------------------------------------------------------------
    # Posting
    # ------------------------------------------------------------------

    def _exact_to_send(self):
        """The moves of ``self`` that go to Exact Online.

        Also while Exact Online is switched off for the company: their deliveries are queued
        and wait as ``pending`` (the scheduled action skips paused companies) until it is
        switched on again; nothing posted meanwhile is lost.
        """
        return self.filtered(
            lambda move: move.move_type in EXACT_MOVE_TYPES
            and move.sudo().journal_id.exact_send_invoices
        )

    def _exact_setup_problems(self):
        """Configuration problems that stop every document of the journal.

        Cheap checks, done before posting (the post is refused) and again before a
        file is built. Returns translated messages.
        """
        self.ensure_one()
        company = self.company_id
        journal = self.journal_id
        problems = []
        if not company.vat:
            problems.append(self.env._(
                "Company %(company)s has no VAT number. Enter it in the company "
                "settings: Exact Online needs the seller's VAT number.",
                company=company.display_name,
            ))
        missing = [
            label for field, label in (
                ("street", self.env._("street")),
                ("zip", self.env._("zip code")),
                ("city", self.env._("city")),
                ("country_id", self.env._("country")),
            ) if not company[field]
        ]
        if missing:
            problems.append(self.env._(
                "The address of company %(company)s is incomplete (missing: %(fields)s). "
                "Complete it in the company settings.",
                company=company.display_name,
                fields=", ".join(missing),
            ))
        if not company.exact_sender_email and journal.exact_transport != "api":
            problems.append(self.env._(
                "Company %(company)s has no Exact Online sender address. Enter it in "
                "the Exact Online settings.",
                company=company.display_name,
            ))
        if not journal.exact_mailbox:
            problems.append(self.env._(
                "Journal %(journal)s has no Exact Online mailbox. Enter it on the "
                "journal's Exact Online tab, or untick \"Send invoices to Exact Online\".",
                journal=journal.display_name,
            ))
        return problems

    def _post(self, soft=True):
        # paused companies: the checks run again before the file is made (the delivery then
        # fails visibly); posting is never refused for a link that is switched off
        to_check = self._exact_to_send().filtered(
            lambda move: move.state == "draft" and move.sudo().company_id.exact_enabled
        )
        problems = []
        for key_move in {(m.company_id, m.journal_id): m for m in to_check}.values():
            problems.extend(key_move._exact_setup_problems())
        if problems:
            raise UserError("\n".join(
                [self.env._("This document cannot be sent to Exact Online:"), *problems]
            ))
        posted = super()._post(soft=soft)
        todo = posted._exact_to_send()
        if todo:
            # One call for the batch; it never queues a second live delivery for a
            # document, and only wakes the cron: the file is built later.
            # No "created" log nor tracking on the new rows: their own "queued"
            # message says it all, and posting must stay fast.
            self.env["exact.mailbox.delivery"].sudo().with_context(
                mail_create_nolog=True, tracking_disable=True
            )._exact_enqueue([{"move_id": move.id} for move in todo])
        return posted

    def action_exact_send(self):
        """"Send to Exact Online" (server action on invoices): queue the posted invoices and
        credit notes of flagged journals that have no pending, sending or sent delivery: posted
        before the journal was flagged, or whose delivery a person cancelled. A person's
        explicit request; the scheduled actions never queue a cancelled document again."""
        self.env["exact.mailbox.delivery"].check_access("write")
        self.check_access("write")
        moves = self.sudo().filtered(
            lambda move: move.state == "posted" and move.move_type in EXACT_MOVE_TYPES
            and move.journal_id.exact_send_invoices
        )
        live = moves._exact_deliveries().filtered(lambda d: d.state in states.LIVE).move_id
        todo = moves - live
        if todo:
            self.env["exact.mailbox.delivery"].sudo().with_context(
                mail_create_nolog=True, tracking_disable=True
            )._exact_enqueue([{"move_id": move.id} for move in todo])
        skipped = len(self) - len(todo)
        if len(todo) == 1:
            parts = [self.env._("1 document queued for Exact Online.")]
        elif todo:
            parts = [self.env._("%(count)s documents queued for Exact Online.", count=len(todo))]
        else:
            parts = [self.env._("No document queued for Exact Online.")]
        if skipped == 1:
            parts.append(self.env._(
                "1 document skipped: it is not a posted invoice or credit note of a journal "
                "that sends to Exact Online, or it is already pending or sent."
            ))
        elif skipped:
            parts.append(self.env._(
                "%(count)s documents skipped: they are not posted invoices or credit notes of "
                "a journal that sends to Exact Online, or they are already pending or sent.",
                count=skipped,
            ))
        message = " ".join(parts)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Send to Exact Online"),
                "message": message,
                "type": "success" if todo else "warning",
                "sticky": False,
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def _exact_check_cash_lock(self):
        """Entries of cash lines in a statement sent to Exact Online stay as they are."""
        self.statement_line_id._exact_check_not_sent()

    def button_cancel(self):
        self._exact_check_cash_lock()
        return super().button_cancel()

    def unlink(self):
        self._exact_check_cash_lock()
        return super().unlink()

    def button_draft(self):
        self._exact_check_cash_lock()
        deliveries = self._exact_deliveries()
        delivered = deliveries.filtered(lambda d: d.state in states.DELIVERED_OR_ON_ITS_WAY)
        if delivered:
            raise UserError(self.env._(
                "%(documents)s was already sent to Exact Online and cannot be reset to "
                "draft. Issue a credit note instead (Credit Note button), then a new "
                "invoice if needed.",
                documents=", ".join(delivered.move_id.mapped("display_name")),
            ))
        res = super().button_draft()
        # The document will change: its queued (or failed) file must never go out.
        # Posting it again queues a new delivery.
        to_cancel = deliveries.filtered(lambda d: d.state in states.CANCELLABLE)
        if to_cancel:
            to_cancel.action_cancel()
        return res

    # ------------------------------------------------------------------
    # The file (called by the delivery cron)
    # ------------------------------------------------------------------

    def _exact_builder(self):
        self.ensure_one()
        return self.env["exact.edi.xml.ubl_bis3"].with_company(self.company_id)

    def _exact_file_problems(self):
        """Problems of this document that stop a valid file (translated)."""
        self.ensure_one()
        problems = []
        if self.move_type not in EXACT_MOVE_TYPES:
            problems.append(self.env._(
                "%(document)s is not a customer invoice or credit note.",
                document=self.display_name,
            ))
        if self.state != "posted":
            problems.append(self.env._(
                "%(document)s is not posted.",
                document=self.display_name,
            ))
        problems.extend(self._exact_setup_problems())
        customer = self.partner_id.commercial_partner_id
        if not customer.country_id:
            problems.append(self.env._(
                "Customer %(customer)s has no country. Enter the country on the "
                "customer (for a daily-receipts customer: the country of the shop).",
                customer=customer.display_name,
            ))
        return problems

    def _exact_pdf(self):
        """``({'name', 'raw'} or None, note or None)``: the PDF to embed."""
        self.ensure_one()
        name = self._get_invoice_report_filename()
        if self.invoice_pdf_report_id:
            return {"name": name, "raw": self.invoice_pdf_report_id.raw}, None
        state = self.env["ir.actions.report"].get_wkhtmltopdf_state()
        if state not in ("ok", "upgrade"):
            return None, self.env._(
                "Sent without the invoice PDF: no PDF can be made on this server "
                "(wkhtmltopdf: %(state)s). Exact Online shows the data of the UBL file.",
                state=state,
            )
        try:
            raw = self._exact_render_pdf()
        except Exception as error:  # a PDF is optional: never fail the file for it
            _logger.warning("Exact Online: no PDF for %s: %s", self.display_name, error)
            return None, self.env._(
                "Sent without the invoice PDF: the PDF could not be made (%(error)s).",
                error=str(error),
            )
        return {"name": name, "raw": raw}, None

    def _exact_render_pdf(self):
        """The invoice PDF as bytes (separate method so tests can mock it)."""
        self.ensure_one()
        report = self.env["account.move.send"]._get_default_pdf_report_id(self)
        content, _report_type = (
            self.env["ir.actions.report"]
            .with_company(self.company_id)
            ._render_qweb_pdf(report.report_name, res_ids=self.ids)
        )
        return content

    def _exact_prepare_file(self):
        """Build the UBL file of this invoice / credit note for Exact Online.

        Returns ``{'name', 'raw', 'mimetype', 'notes'}``; raises ``UserError``
        listing every reason when no valid file can be made.
        """
        self.ensure_one()
        move = self.sudo()
        problems = move._exact_file_problems()
        if problems:
            raise UserError(self._exact_problems_message(problems))
        builder = move._exact_builder()
        notes = []
        pdf, note = move._exact_pdf()
        if note:
            notes.append(note)
        xml, errors = builder._export_invoice(move, pdf=pdf)
        if errors:
            raise UserError(self._exact_problems_message(sorted(errors)))
        if not builder._exact_company_bank(move):
            notes.append(self.env._(
                "Company %(company)s has no bank account: the file has no payment account.",
                company=move.company_id.display_name,
            ))
        if not builder._exact_is_peppol(move):
            notes.append(self.env._(
                "Customer %(customer)s has no VAT number nor Peppol identification: the file "
                "follows EN 16931 without the Peppol rules.",
                customer=move.partner_id.commercial_partner_id.display_name,
            ))
        return {
            "name": builder._export_invoice_filename(move),
            "raw": xml,
            "mimetype": "application/xml",
            "notes": notes,
        }

    def _exact_problems_message(self, problems):
        return "\n".join([
            self.env._(
                "No valid UBL file can be made for %(document)s:",
                document=self.display_name,
            ),
            *(f"- {problem}" for problem in problems),
        ])

    # ------------------------------------------------------------------
    # Daily-receipts invoices (issue 13): made by ``exact.receipts.book`` per
    # book and period, paid by the DR/DRIN lines of the book's cash journal.
    # ------------------------------------------------------------------

    exact_receipts_entry_ids = fields.One2many(
        "exact.receipts.entry",
        "invoice_id",
        string="Daily-receipts entries",
        readonly=True,
        groups=ACCOUNTING,
    )

    def _exact_receipts_reconcile(self):
        """Reconcile the receivable of daily-receipts invoices with their DR/DRIN lines."""
        for move in self.sudo().filtered(
            lambda m: m.state == "posted" and m.exact_receipts_entry_ids
        ):
            receivable = move.line_ids.filtered(
                lambda line: line.account_id.account_type == "asset_receivable"
                and not line.reconciled
            )
            cash_lines = move.exact_receipts_entry_ids.cash_line_ids.move_id.line_ids.filtered(
                lambda line, accounts=receivable.account_id: line.account_id in accounts
                and not line.reconciled
                and line.parent_state == "posted"
            )
            if receivable and cash_lines:
                (receivable | cash_lines).reconcile()

    @api.ondelete(at_uninstall=False)
    def _unlink_except_exact_receipts(self):
        invoices = self.sudo().filtered("exact_receipts_entry_ids")
        if invoices:
            raise UserError(self.env._(
                "%(invoice)s is the daily-receipts invoice of entries of the book: it cannot be "
                "deleted (the receipts would never be invoiced). Issue a credit note instead.",
                invoice=invoices[0].display_name,
            ))
