# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""One record per document delivered to an Exact Online digital mailbox.

Life cycle (``state``, defined once in ``lib/delivery_states.py``)::

    pending --(cron: file built, transport prepared)--> sending --(delivered)--> sent
    sending --(transient failure, attempts left; or a wait)--> pending
    sending --(permanent failure / no attempts left)--> failed
    pending, failed --(a person: Cancel)--> cancelled
    sent, failed --(a person: Resend)--> pending

This model is transport-neutral: queueing and its unique index, the states, locking, commits,
retries, chatter and activities, the buttons. *How* a document travels is a transport
(``models/exact_transport.py``): ``email`` (Odoo's mail queue, ``exact_transport_email.py``) or
``api`` (Exact Online's Mailbox API, ``exact_transport_api.py``), recorded per delivery in
``transport`` when it is queued (from the journal).

Design decisions:

* **Exactly once.** Exact Online has no idempotency key, so a document is delivered again only
  when a person presses *Resend*. Automatic retries only follow failures after which the
  transport knows nothing was delivered; each transport classifies its failures
  (``lib/smtp_failures.py``, ``lib/exact_failures.py``) and ``lib/delivery_policy.py`` decides.
* **Crash safety (``sending``).** The cron works in two steps. Step 1 (locked rows, one commit
  per batch) builds the file, lets the transport prepare the attempt and marks the delivery
  ``sending`` with the attempt counted. Step 2 re-locks each delivery, has the transport send it
  and commits the outcome, one delivery per commit. If the process dies in between, the
  delivery stays ``sending``: after ``STALE_SENDING`` the next run asks the transport whether the
  interrupted send arrived (``_reconcile_interrupted``) and, when nobody can tell, marks it
  ``failed`` with an activity asking a person to check Exact Online and *Resend* if needed. It is
  never re-sent blindly.
* **Waiting is not failing.** A transport may answer ``Wait`` (Exact Online's rate limit used up,
  a connection a person must renew): the delivery goes back to ``pending`` without counting the
  attempt, the batch stops for that company and the cron is re-armed for the reset time.
* **Concurrency.** Rows are selected with ``FOR UPDATE SKIP LOCKED``; two workers never process
  the same delivery. A partial unique index also forbids a second live (pending, sending or
  sent) delivery for the same invoice or statement.
* **Deactivated company.** While ``exact_enabled`` is off, pending deliveries of the company wait
  (they stay ``pending``, nothing fails) and go out once it is activated again.
* **Mailbox.** ``mailbox`` is the journal's mailbox when the document was queued (a linked e-mail
  address for ``email``, the postbox name for ``api``); *Resend* takes the journal's current
  mailbox and transport (a wrong mailbox is the usual reason to resend).
* **File.** The file is stored once, owned by the delivery (it survives the deletion of mails).
"""


import logging
import threading
from datetime import timedelta

import psycopg2
import pytz
from markupsafe import Markup
from odoo import api, fields, models, modules
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL

from ..lib import delivery_policy as policy
from ..lib import delivery_states as states
from ..lib import exact_codes
from .exact_transport import TRANSPORT_SELECTION, DeliveryProblem

_logger = logging.getLogger(__name__)

LIVE_STATES = states.LIVE
STALE_SENDING = timedelta(minutes=15)
DEFAULT_BATCH_SIZE = 20
CRON_XMLID = "scrada_exact_bridge.ir_cron_exact_delivery"
STATUS_POLL_DAYS = 30  # Exact's processing status is read for this long after sending
STATUS_POLL_LIMIT = 500  # messages per status run (20 calls of 25)


def _can_commit():
    """Commit only in real runs: never inside odoo-bin/pytest test transactions."""
    return not modules.module.current_test and not getattr(
        threading.current_thread(), "testing", False
    )


class ExactMailboxDelivery(models.Model):
    _name = "exact.mailbox.delivery"
    _description = "Exact Online mailbox delivery"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "queued_date desc, id desc"
    _check_company_auto = True

    name = fields.Char(string="Document", compute="_compute_name", store=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    journal_id = fields.Many2one("account.journal", index=True, check_company=True)
    move_id = fields.Many2one(
        "account.move", string="Invoice", index="btree_not_null", ondelete="set null",
        check_company=True,
    )
    statement_id = fields.Many2one(
        "account.bank.statement", string="Cash statement", index="btree_not_null",
        ondelete="set null", check_company=True,
    )
    document_type = fields.Selection(
        selection=[
            ("invoice", "Invoice"),
            ("credit_note", "Credit note"),
            ("coda", "CODA statement"),
            ("test", "Test"),
        ],
        required=True,
        default="invoice",
    )
    transport = fields.Selection(
        selection=TRANSPORT_SELECTION,
        required=True,
        default="email",
        readonly=True,
        help="How the document travels: Exact Online connection (the Mailbox API, to the "
        "postbox name) or e-mail (to a linked e-mail address). Taken from the journal when "
        "the document is queued or resent.",
    )
    mailbox = fields.Char(
        help="Exact Online mailbox the document is sent to: the postbox name (Exact Online "
        "connection) or the linked e-mail address (e-mail)."
    )
    attachment_id = fields.Many2one(
        "ir.attachment", string="File", ondelete="set null", readonly=True, check_company=True,
        help="The file sent, made by Odoo and owned by this delivery (never chosen by hand).",
    )
    file_name = fields.Char(related="attachment_id.name", string="File name")
    mail_id = fields.Many2one(
        "mail.mail", index="btree_not_null", ondelete="set null", readonly=True
    )
    state = fields.Selection(
        selection=list(states.SELECTION),
        required=True,
        default=states.PENDING,
        index=True,
        help=states.HELP,
    )
    attempts = fields.Integer(readonly=True, help="Sending attempts since queued or resent.")
    error_message = fields.Text(readonly=True)
    notes = fields.Text(help="Information about the file, e.g. \"sent without PDF\".")
    queued_date = fields.Datetime(default=fields.Datetime.now, readonly=True)
    sent_date = fields.Datetime(readonly=True)
    next_attempt_date = fields.Datetime(readonly=True)
    sending_date = fields.Datetime(readonly=True)
    handed_date = fields.Datetime(
        string="Handed to the transport", readonly=True, copy=False,
        help="When the worker started sending this attempt (committed before the mail server or "
        "Exact Online is contacted). Empty while the attempt is only prepared: a worker that "
        "stops before it cannot have delivered the document.",
    )
    exact_worker = fields.Char(
        string="Worker", readonly=True, copy=False,
        help="The database session of the worker that prepared the attempt (process id and "
        "start time): when that session is gone, the worker died.",
    )
    exact_todo_open = fields.Boolean(
        string="Failure to-do open", readonly=True, copy=False,
        help="A to-do about this delivery was given to the responsible accountant.",
    )

    # Exact Online API transport (see models/exact_transport_api.py)
    exact_message_id = fields.Char(
        string="Exact Online message ID", readonly=True, copy=False, index="btree_not_null",
        help="ID of the message in Exact Online's postbox, stored as soon as it is known.",
    )
    exact_subject = fields.Char(
        string="Exact Online subject", readonly=True, copy=False,
        help="The unique subject of the message; once set, the message may exist in Exact "
        "Online and is looked up by it before anything is created again.",
    )
    exact_send_number = fields.Integer(
        string="Send number", default=1, readonly=True, copy=False,
        help="1 for the first message, +1 for every Resend (part of the subject).",
    )
    exact_attachment_posted = fields.Boolean(
        string="Attachment sent to Exact Online", readonly=True, copy=False
    )
    exact_recipient_status = fields.Selection(
        selection=exact_codes.STATUS_SELECTION, string="Status in Exact Online", readonly=True,
        copy=False, index=True,
        help="Processing status of the message in Exact Online (RecipientStatus), read by a "
        "scheduled action. Rejected, error and blocked need a person in Exact Online.",
    )
    exact_recipient_status_code = fields.Integer(
        string="Exact Online status code", readonly=True, copy=False
    )
    exact_status_date = fields.Datetime(
        string="Status read on", readonly=True, copy=False
    )

    # ------------------------------------------------------------------
    # The file belongs to the delivery (issue 10 #4)
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        self._exact_check_file_written(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        self._exact_check_file_written([vals])
        return super().write(vals)

    def _exact_check_file_written(self, vals_list):
        """Only the addon (server code, as superuser) sets a delivery's file: a person who may
        write deliveries must not point one at another document's file (ids are guessable)."""
        if self.env.su or not any("attachment_id" in vals for vals in vals_list):
            return
        raise AccessError(
            self.env._("The file of an Exact Online delivery is made by Odoo and cannot be set.")
        )

    @api.constrains("attachment_id", "company_id")
    def _check_exact_file_company(self):
        for delivery in self.sudo():
            company = delivery.attachment_id.company_id
            if company and company != delivery.company_id:
                raise ValidationError(
                    self.env._(
                        "The file %(file)s belongs to company %(other)s, not to %(company)s.",
                        file=delivery.attachment_id.name, other=company.display_name,
                        company=delivery.company_id.display_name,
                    )
                )

    def _exact_file_problem(self, attachment):
        """Why ``attachment`` may not be sent by this delivery (translated), or None."""
        self.ensure_one()
        if (attachment.res_model, attachment.res_id) != (self._name, self.id) or (
            attachment.company_id and attachment.company_id != self.company_id
        ):
            return self.env._(
                "The file %(file)s does not belong to this delivery of company %(company)s; it "
                "is not sent. Cancel this delivery and send the document again from the "
                "document itself.",
                file=attachment.name, company=self.company_id.display_name,
            )
        return None

    def init(self):
        # a second live delivery for the same document would be mailed twice
        for column in ("move_id", "statement_id"):
            self.env.cr.execute(
                SQL(
                    "CREATE UNIQUE INDEX IF NOT EXISTS %s ON exact_mailbox_delivery (%s) "
                    "WHERE %s IS NOT NULL AND state IN %s",
                    SQL.identifier(f"exact_mailbox_delivery_live_{column}_uniq"),
                    SQL.identifier(column),
                    SQL.identifier(column),
                    SQL(states.sql_list(states.LIVE)),
                )
            )

    @api.depends("move_id.name", "statement_id.name", "attachment_id.name", "document_type")
    def _compute_name(self):
        for delivery in self:
            delivery.name = (
                delivery.move_id.name
                or delivery.statement_id.display_name
                or delivery.attachment_id.name
                or dict(self._fields["document_type"].selection).get(delivery.document_type)
            )

    # ------------------------------------------------------------------
    # Queueing
    # ------------------------------------------------------------------

    @api.model
    def _exact_enqueue(self, vals_list):
        """Queue documents for delivery; cheap and safe inside posting.

        :param vals_list: dicts with ``move_id`` or ``statement_id`` (ids), or, for a test
            document, ``document_type='test'`` with ``company_id``, ``mailbox`` and
            ``attachment_id``. Other delivery fields (``attachment_id``, ``notes``) may be given.
        :return: the deliveries (sudo), in the order of ``vals_list``; for a document that
            already has a pending, sending or sent delivery, that delivery (no new one).
        """
        Delivery = self.sudo()

        def key_of(vals):
            if vals.get("move_id"):
                return ("move_id", vals["move_id"])
            if vals.get("statement_id"):
                return ("statement_id", vals["statement_id"])
            return None

        keys = [key_of(vals) for vals in vals_list]
        found = {}
        move_ids = [key[1] for key in keys if key and key[0] == "move_id"]
        statement_ids = [key[1] for key in keys if key and key[0] == "statement_id"]
        if move_ids or statement_ids:
            for delivery in Delivery.search(
                [
                    ("state", "in", LIVE_STATES),
                    "|",
                    ("move_id", "in", move_ids),
                    ("statement_id", "in", statement_ids),
                ],
                order="id",
            ):
                field = "move_id" if delivery.move_id else "statement_id"
                found.setdefault((field, delivery[field].id), delivery)
        to_create, create_keys = [], []
        for index, (key, vals) in enumerate(zip(keys, vals_list, strict=True)):
            own_key = key or ("new", index)
            if own_key in found or own_key in create_keys:
                continue
            create_keys.append(own_key)
            to_create.append(self._exact_prepare_vals(dict(vals)))
        self._exact_check_given_files(to_create)
        created = Delivery.create(to_create) if to_create else Delivery
        created._exact_adopt_files()
        found.update(zip(create_keys, created, strict=True))
        result = Delivery
        for index, key in enumerate(keys):
            result |= found[key or ("new", index)]
        if created:
            self.env.ref(CRON_XMLID).sudo()._trigger()  # one wake-up for the whole batch
        return result

    @api.model
    def _exact_check_given_files(self, vals_list):
        """A file given when queueing must be free (no document of its own) or belong to the
        delivery's company; a free file takes the delivery's company."""
        for vals in vals_list:
            if not vals.get("attachment_id"):
                continue
            attachment = self.env["ir.attachment"].sudo().browse(vals["attachment_id"])
            company_id = vals.get("company_id")
            if attachment.company_id.id in (False, company_id):
                continue
            if attachment.res_model and attachment.res_id:
                raise ValidationError(
                    self.env._(
                        "The file %(file)s belongs to company %(other)s: it cannot be sent for "
                        "another company.",
                        file=attachment.name, other=attachment.company_id.display_name,
                    )
                )
            attachment.company_id = company_id

    def _exact_adopt_files(self):
        """A file given when queueing (a test document) becomes the delivery's own."""
        for delivery in self.filtered("attachment_id"):
            attachment = delivery.attachment_id.sudo()
            if (attachment.res_model, attachment.res_id) == (delivery._name, delivery.id):
                continue
            attachment.write(
                {"res_model": delivery._name, "res_id": delivery.id,
                 "company_id": delivery.company_id.id}
            )

    @api.model
    def _exact_prepare_vals(self, vals):
        """Complete company, journal, mailbox and document type from the source document."""
        if vals.get("move_id"):
            move = self.env["account.move"].sudo().browse(vals["move_id"])
            vals.setdefault("company_id", move.company_id.id)
            vals.setdefault("journal_id", move.journal_id.id)
            vals.setdefault(
                "document_type", "credit_note" if move.move_type == "out_refund" else "invoice"
            )
        elif vals.get("statement_id"):
            statement = self.env["account.bank.statement"].sudo().browse(vals["statement_id"])
            vals.setdefault("company_id", statement.company_id.id)
            vals.setdefault("journal_id", statement.journal_id.id)
            vals.setdefault("document_type", "coda")
        else:
            vals.setdefault("document_type", "test")
        if vals.get("journal_id"):
            journal = self.env["account.journal"].sudo().browse(vals["journal_id"])
            if not vals.get("mailbox"):
                vals["mailbox"] = journal.exact_mailbox
            vals.setdefault("transport", journal.exact_transport or "email")
        if not vals.get("company_id") and vals.get("journal_id"):
            vals["company_id"] = (
                self.env["account.journal"].sudo().browse(vals["journal_id"]).company_id.id
            )
        vals.setdefault("queued_date", fields.Datetime.now())
        vals["state"] = states.PENDING
        return vals

    # ------------------------------------------------------------------
    # Helpers: source document, chatter, activities
    # ------------------------------------------------------------------

    def _exact_source(self):
        """The invoice or statement this delivery is for (sudo), or an empty recordset."""
        self.ensure_one()
        return (self.move_id or self.statement_id).sudo()

    # ------------------------------------------------------------------
    # The reader's language (issue 12 #3)
    # ------------------------------------------------------------------

    def _exact_lang(self):
        """The language of every text stored about this delivery: the company's responsible
        accountant's, else the company's own (its partner's), whoever triggered the work."""
        self.ensure_one()
        return self.company_id.sudo()._exact_lang()

    def _exact_in_lang(self):
        """Each delivery with the context language of its company's reader (a list, in order).

        Texts written by the delivery, its transport, the mail body and the activity are
        then in that language, be it a cron, another user or an API answer that started it.
        """
        langs = {}
        result = []
        for delivery in self:
            company = delivery.company_id
            if company not in langs:
                langs[company] = delivery._exact_lang()
            result.append(delivery.with_context(lang=langs[company]))
        return result

    def _exact_tz(self):
        self.ensure_one()
        return self.company_id.sudo().partner_id.tz or "Europe/Brussels"

    def _exact_delay_text(self, delay):
        """"in 1 minute", "in 5 minutes", "in 1 hour", "in 4 hours" (translated, plurals
        right) and the local time of the next attempt."""
        self.ensure_one()
        minutes = max(1, int(delay.total_seconds() // 60))
        if minutes % 60 == 0:
            hours = minutes // 60
            span = (self.env._("in 1 hour") if hours == 1
                    else self.env._("in %(count)s hours", count=hours))
        else:
            span = (self.env._("in 1 minute") if minutes == 1
                    else self.env._("in %(count)s minutes", count=minutes))
        when = fields.Datetime.now() + delay
        try:
            local = pytz.utc.localize(when).astimezone(pytz.timezone(self._exact_tz()))
        except pytz.UnknownTimeZoneError:
            local = pytz.utc.localize(when).astimezone(pytz.timezone("Europe/Brussels"))
        return self.env._(
            "The next attempt is %(span)s (at %(time)s).", span=span,
            time=local.strftime("%H:%M"),
        )

    # ------------------------------------------------------------------
    # Chatter and activities
    # ------------------------------------------------------------------

    def _exact_log_queued(self):
        """Log "queued" on the deliveries and on their documents, in batches.

        Written by the worker when it first takes a delivery (seconds after
        posting, as the queueing triggers the cron), not inside posting: posting
        only creates the delivery row, which keeps posting in a flagged journal
        within 15 % of an unflagged one (``tools/bench.py``). Until then the
        invoice shows the delivery as pending on its form.
        """
        bodies = {}
        for delivery in self._exact_in_lang():
            bodies[delivery.id] = delivery.env._(
                "Queued for delivery to the Exact Online mailbox %(mailbox)s.",
                mailbox=delivery.mailbox or "-",
            )
        self._exact_log_batch(bodies)

    def _exact_log_batch(self, bodies):
        """Log notes (plain text per delivery id) on the deliveries and their documents.

        Notes, not messages, and all of them in one ``mail.message`` create (as
        ``_message_log_batch`` does per model): no followers, notifications or reply-to to
        compute (issue 9 section 4). A source that is no ``mail.thread`` gets the note
        through its ``_exact_delivery_message``; a test document's note goes on its journal.
        """
        if not bodies:
            return
        deliveries = self.sudo().browse(list(bodies))
        author_id, email_from = deliveries._message_compute_author(raise_on_email=False)
        base = {
            "author_id": author_id,
            "email_from": email_from,
            "record_alias_domain_id": False,
            "record_company_id": False,
            "record_name": False,
            "message_type": "notification",
            "is_internal": True,
            "subtype_id": self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note"),
            "email_add_signature": False,
            "reply_to": self.env["mail.thread"]._notify_get_reply_to(default=email_from)[False],
        }
        values = []
        for delivery in deliveries:
            html = Markup("<p>%s</p>") % bodies[delivery.id]
            values.append(dict(base, model=delivery._name, res_id=delivery.id, body=html))
            source = delivery.move_id or delivery.statement_id
            if source and hasattr(source, "_message_log_batch"):
                values.append(dict(base, model=source._name, res_id=source.id, body=html))
            elif source:
                source.sudo()._exact_delivery_message(html)
            elif delivery.journal_id:
                values.append(dict(
                    base, model="account.journal", res_id=delivery.journal_id.id,
                    body=Markup("<p>%s: %s</p>") % (delivery.name or "", bodies[delivery.id]),
                ))
        self.env["mail.message"].sudo().create(values)

    def _exact_post(self, body):
        """Log ``body`` (plain text) on the deliveries and on their documents (or on the
        journal of a test document)."""
        self._exact_log_batch(dict.fromkeys(self.ids, body))

    def _exact_schedule_activity(self, reason, summary=None):
        """A to-do for the company's responsible accountant, on the source if it can hold one."""
        summary = summary or self.env._("Exact Online delivery failed")
        for delivery in self:
            user = delivery.company_id._exact_responsible_user()
            if not user:
                continue
            source = delivery._exact_source()
            record = source if source and hasattr(source, "activity_schedule") else delivery.sudo()
            todo = self.env.ref("mail.mail_activity_data_todo")
            delivery.sudo().exact_todo_open = True
            if any(
                activity.activity_type_id == todo
                and activity.user_id == user
                and activity.summary == summary
                for activity in record.activity_ids
            ):
                continue
            note = Markup("<p>%s</p><p>%s</p>") % (
                self.env._("%(document)s could not be delivered to Exact Online.",
                           document=delivery.name or ""),
                reason,
            )
            try:
                with self.env.cr.savepoint():
                    record.activity_schedule(
                        "mail.mail_activity_data_todo", summary=summary, note=note,
                        user_id=user.id,
                    )
            except Exception:  # e.g. the user cannot read the source document
                _logger.warning("Activity on %s failed, put on the delivery", record, exc_info=True)
                delivery.sudo().activity_schedule(
                    "mail.mail_activity_data_todo", summary=summary, note=note, user_id=user.id
                )

    def _exact_close_activities(self, feedback):
        """Mark done the failure to-dos of these deliveries (on themselves and their source).

        Only deliveries that got one (``exact_todo_open``): a delivery that never failed costs
        no activity search.
        """
        with_todo = self.filtered("exact_todo_open")
        if not with_todo:
            return
        todo = self.env.ref("mail.mail_activity_data_todo")
        for delivery in with_todo:
            activities = delivery.sudo().activity_ids.filtered(
                lambda a: a.activity_type_id == todo
            )
            source = delivery._exact_source()
            if source and hasattr(source, "activity_ids"):
                summaries = self._exact_todo_summaries()
                activities |= source.activity_ids.filtered(
                    lambda a, summaries=summaries: a.activity_type_id == todo
                    and a.summary in summaries
                )
            if activities:
                activities.action_feedback(feedback=feedback)
            delivery.sudo().exact_todo_open = False

    @api.model
    def _exact_todo_summaries(self):
        """The summary of the failure to-do in every installed language (a to-do written in
        the company's language must be found whatever the language of who closes it)."""
        langs = [code for code, _name in self.env["res.lang"].get_installed()]
        return {
            self.with_context(lang=lang).env._("Exact Online delivery failed") for lang in langs
        }

    def _exact_transport(self):
        """The transport of this delivery (``exact.transport.<transport>``, as superuser)."""
        self.ensure_one()
        return self.env["exact.transport"]._exact_for_key(self.transport)

    def _exact_failure_text(self, failure):
        """A translated explanation of a classified failure, with the technical detail."""
        self.ensure_one()
        return self._exact_transport()._failure_text(self, failure)

    # ------------------------------------------------------------------
    # Outcomes
    # ------------------------------------------------------------------

    def _exact_record_sent(self):
        now = fields.Datetime.now()
        for delivery in self:
            delivery.write(
                {
                    "state": states.SENT,
                    "sent_date": now,
                    "error_message": False,
                    "next_attempt_date": False,
                }
            )
            note = self.env._(
                "Sent to the Exact Online mailbox %(mailbox)s as %(file)s (attempt "
                "%(attempt)s).",
                mailbox=delivery.mailbox,
                file=delivery.attachment_id.name or "-",
                attempt=delivery.attempts,
            )
            batch_notes = self.env.context.get("exact_batch_cache", {}).get("sent_notes")
            if batch_notes is not None:
                # logged with the batch's other "sent" notes in one create at its end
                # (issue 9 section 4); the state itself is committed with the mail
                batch_notes[delivery.id] = note
            else:
                delivery._exact_post(note)
            delivery._exact_close_activities(self.env._("Delivered"))

    def _exact_record_failure(self, failure, text=None):
        """Put the delivery back to pending (transient, attempts left) or to failed."""
        for delivery in self:
            message = text or delivery._exact_failure_text(failure)
            max_attempts = delivery.company_id.exact_max_attempts
            state = policy.next_state(failure, delivery.attempts, max_attempts)
            delivery._exact_transport()._after_failure(delivery, failure, message)
            if state == states.PENDING:
                delay = policy.retry_delay(delivery.attempts)
                next_date = fields.Datetime.now() + delay
                # what happened, when the next attempt is, then the technical detail
                head, _sep, tail = message.partition("\n")
                message = " ".join((head, delivery._exact_delay_text(delay)))
                if tail:
                    message = "\n".join((message, tail))
                delivery.write(
                    {"state": states.PENDING, "error_message": message,
                     "next_attempt_date": next_date}
                )
                delivery._exact_post(
                    self.env._(
                        "Attempt %(attempt)s of %(max)s failed: %(reason)s",
                        attempt=delivery.attempts,
                        max=max_attempts,
                        reason=message,
                    )
                )
                self.env.ref(CRON_XMLID).sudo()._trigger(next_date)
                continue
            if failure.transient:
                message = self.env._(
                    "Gave up after %(attempts)s attempts. %(reason)s",
                    attempts=delivery.attempts, reason=message,
                )
            delivery.write(
                {"state": states.FAILED, "error_message": message, "next_attempt_date": False}
            )
            delivery._exact_post(self.env._("Delivery failed: %(reason)s", reason=message))
            delivery._exact_schedule_activity(message)

    def _exact_record_problem(self, message):
        """A problem found before sending: permanent, the delivery fails at once."""
        self._exact_record_failure(
            policy.Failure(policy.KIND_CONFIGURATION, permanent=True), text=message
        )

    def _exact_record_wait(self, wait):
        """Not an attempt: back to pending without counting it (rate limit, connection)."""
        for delivery in self:
            message = delivery._exact_transport()._wait_text(delivery, wait)
            delivery.write(
                {
                    "state": states.PENDING,
                    "attempts": max(0, delivery.attempts - 1),
                    "error_message": message,
                    "next_attempt_date": wait.until or False,
                }
            )
            delivery.sudo()._message_log(body=Markup("<p>%s</p>") % message)
        if wait.until:
            self.env.ref(CRON_XMLID).sudo()._trigger(wait.until)

    def _exact_record_not_sent(self):
        """The worker stopped before it handed the document to the transport: nothing can
        have reached Exact Online, the delivery is simply due again (attempt not counted)."""
        for delivery in self:
            delivery.write(
                {
                    "state": states.PENDING,
                    "attempts": max(0, delivery.attempts - 1),
                    "next_attempt_date": False,
                    "sending_date": False,
                    "exact_worker": False,
                }
            )
            delivery._exact_post(
                self.env._(
                    "The worker stopped before this document was handed to the mail server or "
                    "Exact Online: it was not sent and goes out with the next run."
                )
            )

    def _exact_record_interrupted(self, detail):
        """The document may or may not have arrived: never resend blindly."""
        message = self.env._(
            "Sending was interrupted; the document may or may not have reached Exact Online. "
            "Check in Exact Online whether the document arrived; if not, press Resend."
        )
        if detail:
            message += "\n" + self.env._("Technical detail: %(detail)s", detail=detail)
        for delivery in self:
            delivery.write(
                {"state": states.FAILED, "error_message": message, "next_attempt_date": False}
            )
            delivery._exact_post(self.env._("Delivery failed: %(reason)s", reason=message))
            delivery._exact_schedule_activity(message)

    def _exact_apply_outcome(self, outcome):
        """Record what a transport said about an attempt (see ``lib/delivery_policy.py``)."""
        self.ensure_one()
        if outcome == policy.SENT:
            self._exact_record_sent()
        elif isinstance(outcome, policy.Failure):
            self._exact_record_failure(outcome)
        elif isinstance(outcome, policy.Wait):
            self._exact_record_wait(outcome)
        elif isinstance(outcome, policy.Interrupted):
            self._exact_record_interrupted(outcome.detail)
        else:
            raise TypeError(f"unknown delivery outcome {outcome!r}")

    # ------------------------------------------------------------------
    # The cron
    # ------------------------------------------------------------------

    @api.model
    def _cron_process(self, batch_size=None):
        """Scheduled action: reconcile interrupted sends, then send one batch of due deliveries.

        Reports progress so that ``ir.cron`` runs it again at once while work remains.
        """
        if batch_size is None:
            batch_size = int(
                self.env["ir.config_parameter"].sudo().get_param(
                    "scrada_exact_bridge.delivery_batch_size", DEFAULT_BATCH_SIZE
                )
            )
        self._exact_reconcile_stale()
        done, remaining = self._exact_process_batch(batch_size)
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        return done

    @api.model
    def _exact_due_query(self, limit, lock):
        now = fields.Datetime.now()
        Transport = self.env["exact.transport"]
        conditions = [
            SQL("(d.transport != %s OR %s)", key, condition)
            for key in Transport._exact_keys()
            for condition in [Transport._exact_for_key(key)._due_condition()]
            if condition is not None
        ]
        query = SQL(
            """SELECT d.id FROM exact_mailbox_delivery d
                 JOIN res_company c ON c.id = d.company_id
                WHERE d.state = %s AND c.exact_enabled AND %s
                  AND (d.next_attempt_date IS NULL OR d.next_attempt_date <= %s)
                ORDER BY d.next_attempt_date NULLS FIRST, d.id""",
            states.PENDING,
            SQL(" AND ").join(conditions) if conditions else SQL("TRUE"),
            now,
        )
        if limit:
            query = SQL("%s LIMIT %s", query, limit)
        if lock:
            query = SQL("%s FOR UPDATE OF d SKIP LOCKED", query)
        return query

    @api.model
    def _exact_process_batch(self, batch_size=DEFAULT_BATCH_SIZE):
        """Lock up to ``batch_size`` due deliveries, prepare them, send them.

        :return: (number processed, number still due)
        """
        cr = self.env.cr
        self.env.flush_all()  # raw SQL below: make pending ORM writes visible
        cr.execute(self._exact_due_query(batch_size, lock=True))
        # lookups the documents of one batch share (mail server, company bank account)
        batch = self.with_context(exact_batch_cache={"sent_notes": {}})
        deliveries = batch.browse([row[0] for row in cr.fetchall()])
        deliveries.invalidate_recordset()
        deliveries._exact_prefetch()
        try:
            armed = deliveries._exact_arm_all()
            self._exact_commit()
            stopped = {}  # (company, transport) -> the Wait that stopped it
            for delivery in armed._exact_in_lang():
                key = (delivery.company_id.id, delivery.transport)
                if key in stopped:
                    delivery._exact_record_wait(stopped[key])
                else:
                    outcome = delivery._exact_send_armed()
                    if isinstance(outcome, policy.Wait) and outcome.stop_company:
                        stopped[key] = outcome
                self._exact_commit()
            notes = batch.env.context["exact_batch_cache"].pop("sent_notes")
            if notes:
                self.sudo()._exact_log_batch(notes)
                self._exact_commit()
        finally:
            Transport = self.env["exact.transport"]
            for transport_key in Transport._exact_keys():
                Transport._exact_for_key(transport_key)._end_batch(
                    batch.env.context["exact_batch_cache"]
                )
        self.env.flush_all()
        cr.execute(SQL("SELECT count(*) FROM (%s) due", self._exact_due_query(None, lock=False)))
        remaining = cr.fetchone()[0]
        return len(deliveries), remaining

    def _exact_prefetch(self):
        """Read what the batch needs in a few queries instead of a few per document: the
        documents, their lines, partners and taxes (issue 9 section 4)."""
        moves = self.move_id
        if moves:
            moves.mapped("partner_id.commercial_partner_id.country_id")
            lines = moves.line_ids
            lines.mapped("tax_ids")
            lines.mapped("product_id")
        self.company_id.mapped("partner_id")
        self.journal_id.mapped("name")

    @api.model
    def _exact_worker_id(self):
        """``"<pid>@<start>"`` of this database session: it identifies the worker process."""
        self.env.cr.execute(
            "SELECT pid, backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid()"
        )
        row = self.env.cr.fetchone()
        return f"{row[0]}@{row[1].isoformat()}" if row else False

    @api.model
    def _exact_dead_workers(self, workers):
        """The workers of ``workers`` whose database session is gone (the process died)."""
        workers = {worker for worker in workers if worker}
        if not workers:
            return set()
        pids = sorted({int(worker.split("@", 1)[0]) for worker in workers})
        self.env.cr.execute(
            "SELECT pid, backend_start FROM pg_stat_activity WHERE pid = ANY(%s)", [pids]
        )
        alive = {f"{pid}@{start.isoformat()}" for pid, start in self.env.cr.fetchall() if start}
        return workers - alive

    @api.model
    def _exact_commit(self):
        if _can_commit():
            # per batch / per sent mail, as Odoo's own mail queue does (see module doc)
            self.env.cr.commit()  # pylint: disable=invalid-commit

    def _exact_checkpoint(self):
        """Commit what a transport learnt while sending (e.g. Exact's message ID) at once.

        The delivery stays ``sending``; its ``sending_date`` is renewed so that no other worker
        takes it for an interrupted send while this one is still at work.
        """
        self.write({"sending_date": fields.Datetime.now()})
        self._exact_commit()

    def _exact_arm_all(self):
        """Step 1: build files, let the transports prepare, mark ``sending``; returns the armed
        deliveries."""
        armed = self.browse()
        first_time = self.filtered(
            lambda delivery: not delivery.attempts and not delivery.sending_date
        )
        first_time._exact_log_queued()
        worker = self._exact_worker_id() if self else False
        for delivery in self._exact_in_lang():
            attempt = delivery.attempts + 1
            try:
                with self.env.cr.savepoint():
                    delivery._exact_arm(worker, attempt)
                armed |= delivery
                continue
            except psycopg2.Error:
                raise  # a database problem is not the document's: the whole batch is retried
            except Exception as error:  # recorded on the delivery below
                problem = error
            # the savepoint is rolled back: the attempt still counts
            delivery.attempts = attempt
            if isinstance(problem, DeliveryProblem):
                delivery._exact_record_problem(str(problem))
            elif isinstance(problem, UserError):  # the file builder's list of reasons
                delivery._exact_record_problem(
                    delivery.env._("The file could not be made: %(reason)s",
                                   reason=problem.args[0])
                )
            else:
                _logger.error(
                    "Exact Online delivery %s: preparation failed", delivery.id,
                    exc_info=(type(problem), problem, problem.__traceback__),
                )
                delivery._exact_record_failure(
                    policy.Failure(
                        policy.KIND_UNKNOWN, detail=f"{type(problem).__name__}: {problem}"
                    )
                )
        return self.browse(armed.ids)

    def _exact_arm(self, worker=False, attempt=None):
        self.ensure_one()
        self._exact_transport()._prepare(self)
        self.write(
            {
                "attempts": attempt if attempt is not None else self.attempts + 1,
                "state": states.SENDING,
                "sending_date": fields.Datetime.now(),
                "next_attempt_date": False,
                "handed_date": False,
                "exact_worker": worker,
            }
        )

    def _exact_get_file(self):
        """The file to send: the existing attachment, or built once by the source document."""
        self.ensure_one()
        attachment = self.attachment_id.sudo()
        if attachment:
            problem = self._exact_file_problem(attachment)
            if problem:
                raise DeliveryProblem(problem)
            if not attachment.raw:
                raise DeliveryProblem(
                    self.env._(
                        "The file %(file)s is missing or empty (attachment %(id)s). Delete the "
                        "delivery's file so that it is made again, then resend.",
                        file=attachment.name, id=attachment.id,
                    )
                )
            return attachment
        source = self._exact_source()
        if not source:
            raise DeliveryProblem(
                self.env._("The document to send no longer exists and there is no file to send.")
            )
        if not hasattr(source, "_exact_prepare_file"):
            raise DeliveryProblem(
                self.env._("Odoo cannot make a file for a %(model)s.", model=source._description)
            )
        result = source._exact_prepare_file()
        if not result or not result.get("raw") or not result.get("name"):
            raise DeliveryProblem(self.env._("The file made for %(doc)s is empty.", doc=self.name))
        attachment = self.env["ir.attachment"].sudo().create(
            {
                "name": result["name"],
                "raw": result["raw"],
                "mimetype": result.get("mimetype") or "application/octet-stream",
                "res_model": self._name,
                "res_id": self.id,
                "company_id": self.company_id.id,
            }
        )
        vals = {"attachment_id": attachment.id}
        if result.get("notes"):
            vals["notes"] = "\n".join(str(note) for note in result["notes"])
        self.sudo().write(vals)
        return attachment

    def _exact_send_armed(self):
        """Step 2: have the transport send this armed delivery; record and return the outcome.

        Before the transport talks to anyone, ``handed_date`` is committed: a worker that dies
        before that point cannot have delivered the document (see ``_exact_reconcile_stale``).
        Returns None when the delivery was no longer armed (another worker, or a person).
        """
        self.ensure_one()
        cr = self.env.cr
        self.env.flush_all()
        cr.execute(
            SQL(
                "UPDATE exact_mailbox_delivery SET handed_date = now() at time zone 'UTC' "
                "WHERE id = %s AND state = %s RETURNING id",
                self.id, states.SENDING,
            )
        )
        if not cr.fetchone():
            return None
        self.invalidate_recordset(["handed_date"])
        self._exact_commit()
        outcome = self._exact_transport()._send(self)
        # (the transports write through the ORM: the cache is current, no re-read)
        if self.state != states.SENDING:  # already recorded (e.g. by the mail queue's hook)
            return outcome
        self._exact_apply_outcome(outcome)
        return outcome

    @api.model
    def _exact_reconcile_stale(self):
        """Settle deliveries left in ``sending`` by a worker that died (see module doc).

        A delivery is taken when its worker's database session is gone (the process died: at
        once) or after ``STALE_SENDING`` (a worker that hangs). One that was never handed to
        the transport (``handed_date`` empty) cannot have been delivered: it is due again at
        once, its attempt not counted. Only one that was handed may have reached the mail
        server or Exact Online: its transport reconciles it, or a person checks.
        """
        cr = self.env.cr
        self.env.flush_all()
        cr.execute(
            SQL(
                "SELECT id, exact_worker, sending_date FROM exact_mailbox_delivery "
                "WHERE state = %s",
                states.SENDING,
            )
        )
        rows = cr.fetchall()
        if not rows:
            return self.browse()
        stale_before = fields.Datetime.now() - STALE_SENDING
        dead = self._exact_dead_workers(row[1] for row in rows)
        candidates = [
            row[0] for row in rows
            if row[1] in dead or not row[2] or row[2] < stale_before
        ]
        if not candidates:
            return self.browse()
        cr.execute(
            SQL(
                "SELECT id FROM exact_mailbox_delivery WHERE id IN %s AND state = %s "
                "FOR UPDATE SKIP LOCKED",
                tuple(candidates), states.SENDING,
            )
        )
        stale = self.browse([row[0] for row in cr.fetchall()])
        if not stale:
            return stale
        stale.invalidate_recordset()
        # (no exact_worker: armed before workers were recorded; nobody can tell, so handed)
        never_handed = stale.filtered(
            lambda delivery: delivery.exact_worker and not delivery.handed_date
        )
        for delivery in never_handed._exact_in_lang():
            delivery._exact_record_not_sent()
        handed = stale - never_handed
        if handed:
            # claim them: a transport may commit while reconciling, which releases the locks
            handed.write({"sending_date": fields.Datetime.now()})
        self._exact_commit()
        for delivery in handed._exact_in_lang():
            if delivery.state != states.SENDING:
                continue
            outcome = delivery._exact_transport()._reconcile_interrupted(delivery)
            delivery.invalidate_recordset()
            if delivery.state == states.SENDING:
                delivery._exact_apply_outcome(outcome)
            self._exact_commit()
        return stale

    # ------------------------------------------------------------------
    # Exact Online's processing status (API transport)
    # ------------------------------------------------------------------

    @api.model
    def _cron_exact_poll_status(self, limit=STATUS_POLL_LIMIT):
        """Scheduled action: read Exact's processing status of recently sent messages.

        Oldest read first, so that every message gets its turn; final statuses (processed,
        rejected) are not read again. Returns the number of calls made.
        """
        deliveries = self.sudo().search(
            [
                ("transport", "=", "api"),
                ("state", "=", states.SENT),
                ("exact_message_id", "!=", False),
                ("exact_recipient_status", "not in", list(exact_codes.FINAL_STATUSES)),
                ("sent_date", ">=", fields.Datetime.now() - timedelta(days=STATUS_POLL_DAYS)),
            ],
            order="exact_status_date asc nulls first, id",
            limit=limit,
        )
        if not deliveries:
            return 0
        return self.env["exact.transport"]._exact_for_key("api")._poll_statuses(deliveries)

    def _exact_set_recipient_status(self, code, when):
        """Record a RecipientStatus read from Exact Online; a change is noted in the chatter,
        a problem (rejected, error, blocked) becomes a to-do for the accountant."""
        self.ensure_one()
        key = exact_codes.status_key(code)
        vals = {"exact_status_date": when}
        if code is None or key == self.exact_recipient_status:
            self.write(vals)
            return
        vals.update({"exact_recipient_status": key or False,
                     "exact_recipient_status_code": int(code) if key else 0})
        self.write(vals)
        label = dict(self._fields["exact_recipient_status"]._description_selection(self.env)).get(
            key, str(code)
        )
        note = self.env._("Exact Online processing status: %(status)s.", status=label)
        self._exact_post(note)
        if key in exact_codes.PROBLEM_STATUSES:
            self._exact_schedule_activity(
                self.env._(
                    "Exact Online reports \"%(status)s\" for this document. Open the digital "
                    "postbox in Exact Online (Activities > Digital mailbox), solve the problem "
                    "there, or correct the document and press Resend.",
                    status=label,
                ),
                summary=self.env._("Exact Online did not process the document"),
            )

    # ------------------------------------------------------------------
    # Buttons
    # ------------------------------------------------------------------

    def action_resend(self):
        """Send a sent or failed delivery again, on purpose (a new mail or Exact message)."""
        self.check_access("write")
        for delivery in self:
            if delivery.state not in states.RESENDABLE:
                raise UserError(
                    self.env._(
                        "%(document)s: only a sent or failed delivery can be resent; this one "
                        "is %(state)s.",
                        document=delivery.name,
                        state=dict(self._fields["state"]._description_selection(self.env))[
                            delivery.state
                        ],
                    )
                )
            source = delivery._exact_source()
            if source:
                field = "move_id" if delivery.move_id else "statement_id"
                other = self.sudo().search_count(
                    [(field, "=", source.id), ("state", "in", LIVE_STATES),
                     ("id", "!=", delivery.id)]
                )
                if other:
                    raise UserError(
                        self.env._(
                            "%(document)s already has another delivery that is pending or "
                            "sent; resend that one instead.",
                            document=delivery.name,
                        )
                    )
        user_name = self.env.user.name
        for delivery in self.sudo()._exact_in_lang():
            previous = delivery.state
            vals = delivery._exact_transport()._resend_values(delivery)
            transport, mailbox = delivery._exact_current_route()
            vals.update(
                {
                    "state": states.PENDING,
                    "attempts": 0,
                    "error_message": False,
                    "next_attempt_date": False,
                    "sending_date": False,
                    "transport": transport,
                    "mailbox": mailbox,
                }
            )
            delivery.write(vals)
            state_label = dict(
                delivery._fields["state"]._description_selection(delivery.env)
            ).get(previous, previous)
            delivery._exact_post(
                delivery.env._(
                    "Resend requested by %(user)s (was %(state)s): the document will be sent "
                    "again to %(mailbox)s.",
                    user=user_name,
                    state=state_label,
                    mailbox=mailbox,
                )
            )
        self.env.ref(CRON_XMLID).sudo()._trigger()
        return True

    def action_cancel(self):
        """Stop a pending (or failed) delivery; it is never sent."""
        self.check_access("write")
        if any(delivery.state not in states.CANCELLABLE for delivery in self):
            raise UserError(
                self.env._("Only pending or failed deliveries can be cancelled.")
            )
        user_name = self.env.user.name
        for delivery in self.sudo()._exact_in_lang():
            delivery._exact_transport()._on_cancel(delivery)
            delivery.write({"state": states.CANCELLED, "next_attempt_date": False})
            delivery._exact_post(
                delivery.env._(
                    "Delivery cancelled by %(user)s. It is never sent automatically; to send "
                    "the document after all, use \"Send to Exact Online\" on the document.",
                    user=user_name,
                )
            )
            delivery._exact_close_activities(delivery.env._("Cancelled"))
        return True

    def _exact_current_route(self):
        """(transport, mailbox) a *Resend* uses: the journal's current ones."""
        self.ensure_one()
        journal = self.journal_id
        return (journal.exact_transport or self.transport), (journal.exact_mailbox or self.mailbox)

    def action_open_source(self):
        self.ensure_one()
        source = self.move_id or self.statement_id
        if not source:
            return False
        return {
            "type": "ir.actions.act_window",
            "res_model": source._name,
            "res_id": source.id,
            "view_mode": "form",
        }
