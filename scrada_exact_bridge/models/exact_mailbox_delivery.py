# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""One record per document mailed to an Exact Online digital mailbox.

Life cycle (``state``)::

    pending --(cron: file built, mail created)--> sending --(SMTP accepted)--> sent
    pending --(cancel)--> cancelled               sending --(transient, attempts left)--> pending
    failed  --(cancel)--> cancelled               sending --(permanent / no attempts left)--> failed
    sent, failed --(a person: Resend)--> pending (new mail)

Design decisions:

* **Exactly once.** Exact Online has no idempotency key, so a document is mailed again only when a
  person presses *Resend*. Automatic retries only follow failures where the SMTP server did not
  accept the mail; the classification lives in ``lib/delivery_policy.py``.
* **Mail queue.** Each attempt goes through a ``mail.mail`` (``auto_delete=False``, linked to the
  delivery with ``model``/``res_id`` so it shows in its chatter). The cron creates the mail and
  makes the queue send *that* mail at once (``mail.send()``) instead of waiting for the hourly
  queue run; the outcome is recorded by ``mail.mail._postprocess_sent_message`` (see
  ``models/mail_mail.py``), in the same transaction as the mail's own state.
* **Crash safety (``sending``).** The cron works in two steps. Step 1 (locked rows, one commit
  per batch) builds the file, creates the mail in state ``cancel`` (so Odoo's own queue never
  picks it up) and marks the delivery ``sending`` with ``mail_id`` and the attempt counted.
  Step 2 re-locks each delivery, switches its mail to ``outgoing``, sends it and commits the
  outcome, one delivery per commit. If the process dies after the SMTP server accepted the mail
  but before that commit, the delivery stays ``sending``: after ``STALE_SENDING`` the next run
  reconciles it from its mail (``sent`` -> sent, ``exception`` -> normal failure handling) and
  otherwise marks it ``failed`` with an activity asking a person to check Exact Online and
  *Resend* if needed. It is never re-sent blindly.
* **Concurrency.** Rows are selected with ``FOR UPDATE SKIP LOCKED``; two workers never process
  the same delivery. A partial unique index also forbids a second live (pending, sending or
  sent) delivery for the same invoice or statement.
* **Deactivated company.** While ``exact_enabled`` is off, pending deliveries of the company wait
  (they stay ``pending``, nothing fails) and go out once it is activated again.
* **Mailbox.** ``mailbox`` is the address when the document was queued; *Resend* takes the
  journal's current address (a wrong mailbox is the usual reason to resend).
* **Sender.** The From address is the company's Exact sender address. Before sending, the mail
  server Odoo would pick is checked: if it would rewrite From (``from_filter`` not allowing the
  sender while a notification address exists), the delivery fails with an explanation instead
  of landing silently in Exact's "Blocked e-mails".
* **Attachment.** The file is stored once, owned by the delivery (it survives the deletion of
  mails). The mail carries its own ``ir.attachment`` owned by the ``mail.message`` (same
  checksum, so no extra storage): Odoo never turns such an attachment into a download link,
  whatever its size.
"""

import logging
import threading
from datetime import timedelta

import psycopg2
from markupsafe import Markup
from odoo import api, fields, models, modules
from odoo.exceptions import UserError
from odoo.tools import SQL, email_normalize, formataddr

from ..lib import delivery_policy as policy
from ..lib import mailbox as mailbox_lib

_logger = logging.getLogger(__name__)

LIVE_STATES = ("pending", "sending", "sent")
STALE_SENDING = timedelta(minutes=15)
DEFAULT_BATCH_SIZE = 20
CRON_XMLID = "scrada_exact_bridge.ir_cron_exact_delivery"
HEADER_DELIVERY_ID = "X-Exact-Delivery-Id"


class DeliveryProblem(Exception):
    """A problem found before sending that a person must solve (permanent failure)."""


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
    mailbox = fields.Char(help="Exact Online mailbox the document is sent to.")
    attachment_id = fields.Many2one("ir.attachment", string="File", ondelete="set null")
    file_name = fields.Char(related="attachment_id.name", string="File name")
    mail_id = fields.Many2one(
        "mail.mail", index="btree_not_null", ondelete="set null", readonly=True
    )
    state = fields.Selection(
        selection=[
            ("pending", "Pending"),
            ("sending", "Sending"),
            ("sent", "Sent"),
            ("failed", "Failed"),
            ("cancelled", "Cancelled"),
        ],
        required=True,
        default="pending",
        index=True,
        help="Pending: waiting to be sent or retried. Sending: handed to the mail server. "
        "Sent: the mail server accepted the mail. Failed: cannot be sent, a person must act. "
        "Cancelled: stopped by a person.",
    )
    attempts = fields.Integer(readonly=True, help="Sending attempts since queued or resent.")
    error_message = fields.Text(readonly=True)
    notes = fields.Text(help="Information about the file, e.g. \"sent without PDF\".")
    queued_date = fields.Datetime(default=fields.Datetime.now, readonly=True)
    sent_date = fields.Datetime(readonly=True)
    next_attempt_date = fields.Datetime(readonly=True)
    sending_date = fields.Datetime(readonly=True)

    def init(self):
        # a second live delivery for the same document would be mailed twice
        for column in ("move_id", "statement_id"):
            self.env.cr.execute(
                SQL(
                    "CREATE UNIQUE INDEX IF NOT EXISTS %s ON exact_mailbox_delivery (%s) "
                    "WHERE %s IS NOT NULL AND state IN ('pending', 'sending', 'sent')",
                    SQL.identifier(f"exact_mailbox_delivery_live_{column}_uniq"),
                    SQL.identifier(column),
                    SQL.identifier(column),
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
        created = Delivery.create(to_create) if to_create else Delivery
        found.update(zip(create_keys, created, strict=True))
        result = Delivery
        for index, key in enumerate(keys):
            result |= found[key or ("new", index)]

            self.env.ref(CRON_XMLID).sudo()._trigger()
        return result

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
        if not vals.get("mailbox") and vals.get("journal_id"):
            vals["mailbox"] = self.env["account.journal"].sudo().browse(
                vals["journal_id"]
            ).exact_mailbox
        if not vals.get("company_id") and vals.get("journal_id"):
            vals["company_id"] = (
                self.env["account.journal"].sudo().browse(vals["journal_id"]).company_id.id
            )
        vals.setdefault("queued_date", fields.Datetime.now())
        vals["state"] = "pending"
        return vals

    # ------------------------------------------------------------------
    # Helpers: source document, chatter, activities
    # ------------------------------------------------------------------

    def _exact_source(self):
        """The invoice or statement this delivery is for (sudo), or an empty recordset."""
        self.ensure_one()
        return (self.move_id or self.statement_id).sudo()

    def _exact_log_queued(self):
        """Log "queued" on the deliveries and on their documents, in batches.

        Written by the worker when it first takes a delivery (seconds after
        posting, as the queueing triggers the cron), not inside posting: posting
        only creates the delivery row, which keeps posting in a flagged journal
        within 15 % of an unflagged one (``tools/bench_post.py``). Until then the
        invoice shows the delivery as pending on its form.
        """
        bodies = {
            delivery.id: Markup("<p>%s</p>")
            % self.env._(
                "Queued for delivery to the Exact Online mailbox %(mailbox)s.",
                mailbox=delivery.mailbox or "-",
            )
            for delivery in self
        }
        self.sudo()._message_log_batch(bodies)
        for field in ("move_id", "statement_id"):
            with_source = self.filtered(field)
            if with_source and hasattr(with_source[field], "_message_log_batch"):
                with_source[field].sudo()._message_log_batch(
                    {delivery[field].id: bodies[delivery.id] for delivery in with_source}
                )

    def _exact_post(self, body):
        """Post ``body`` (plain text) on the delivery and on its source document.

        The source gets it through ``source._exact_delivery_message(body)`` when that exists,
        else ``message_post`` when the source is a ``mail.thread``, else on the journal.
        """
        html = Markup("<p>%s</p>") % body
        for delivery in self:
            delivery.sudo().message_post(body=html, subtype_xmlid="mail.mt_note")
            source = delivery._exact_source()
            target = source if source and hasattr(source, "message_post") else False
            if source and hasattr(source, "_exact_delivery_message"):
                source._exact_delivery_message(html)
            elif target:
                target.message_post(body=html, subtype_xmlid="mail.mt_note")
            elif delivery.journal_id:
                name = delivery.name or ""
                delivery.journal_id.sudo().message_post(
                    body=Markup("<p>%s: %s</p>") % (name, body), subtype_xmlid="mail.mt_note"
                )

    def _exact_schedule_activity(self, reason):
        """A to-do for the company's responsible accountant, on the source if it can hold one."""
        for delivery in self:
            user = delivery.company_id._exact_responsible_user()
            if not user:
                continue
            source = delivery._exact_source()
            record = source if source and hasattr(source, "activity_schedule") else delivery.sudo()
            summary = self.env._("Exact Online delivery failed")
            todo = self.env.ref("mail.mail_activity_data_todo")
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
        """Mark done the failure to-dos of this delivery (on itself and on its source)."""
        todo = self.env.ref("mail.mail_activity_data_todo")
        summary = self.env._("Exact Online delivery failed")
        for delivery in self:
            activities = delivery.sudo().activity_ids.filtered(
                lambda a: a.activity_type_id == todo
            )
            source = delivery._exact_source()
            if source and hasattr(source, "activity_ids"):
                activities |= source.activity_ids.filtered(
                    lambda a: a.activity_type_id == todo and a.summary == summary
                )
            if activities:
                activities.action_feedback(feedback=feedback)

    def _exact_failure_text(self, failure):
        """A translated explanation of a classified failure, with the technical detail."""
        self.ensure_one()
        code = failure.code or "-"
        texts = {
            policy.KIND_CONNECTION: self.env._("The outgoing mail server could not be reached."),
            policy.KIND_TIMEOUT: self.env._("The outgoing mail server did not answer in time."),
            policy.KIND_SMTP_TEMPORARY: self.env._(
                "The outgoing mail server asked to try again later (code %(code)s).", code=code
            ),
            policy.KIND_RECIPIENT_REFUSED: self.env._(
                "The mail server refused the mailbox address %(mailbox)s (code %(code)s). Check "
                "the Exact Online mailbox of journal %(journal)s.",
                mailbox=self.mailbox, code=code, journal=self.journal_id.display_name or "-",
            ),
            policy.KIND_SENDER_REFUSED: self.env._(
                "The mail server refused the sender address %(sender)s (code %(code)s). Check "
                "that the outgoing mail server may send from this address.",
                sender=self.company_id.exact_sender_email, code=code,
            ),
            policy.KIND_AUTHENTICATION: self.env._(
                "The outgoing mail server refused the login (code %(code)s). Check the user "
                "name and password of the outgoing mail server.", code=code,
            ),
            policy.KIND_SMTP_REFUSED: self.env._(
                "The mail server refused the mail (code %(code)s).", code=code
            ),
            policy.KIND_INVALID_RECIPIENT: self.env._(
                "The mailbox address \"%(mailbox)s\" is not a valid e-mail address. Correct the "
                "Exact Online mailbox of the journal, then resend.", mailbox=self.mailbox or "",
            ),
            policy.KIND_MISSING_RECIPIENT: self.env._(
                "There is no mailbox address. Enter the Exact Online mailbox of the journal, "
                "then resend."
            ),
            policy.KIND_INVALID_SENDER: self.env._(
                "The sender address of company %(company)s is not valid. Correct the Exact "
                "Online sender address, then resend.", company=self.company_id.display_name,
            ),
            policy.KIND_MISSING_SENDER: self.env._(
                "Company %(company)s has no Exact Online sender address. Enter it, then "
                "resend.", company=self.company_id.display_name,
            ),
            policy.KIND_CONFIGURATION: self.env._(
                "No usable outgoing mail server is configured (Settings > Technical > Outgoing "
                "Mail Servers)."
            ),
            policy.KIND_UNKNOWN: self.env._("The mail could not be sent."),
        }
        text = texts.get(failure.kind, texts[policy.KIND_UNKNOWN])
        if failure.detail:
            text += "\n" + self.env._("Technical detail: %(detail)s", detail=failure.detail)
        return text

    # ------------------------------------------------------------------
    # Outcomes
    # ------------------------------------------------------------------

    def _exact_record_sent(self):
        now = fields.Datetime.now()
        for delivery in self:
            delivery.write(
                {
                    "state": "sent",
                    "sent_date": now,
                    "error_message": False,
                    "next_attempt_date": False,
                }
            )
            delivery._exact_post(
                self.env._(
                    "Sent to the Exact Online mailbox %(mailbox)s as %(file)s (attempt "
                    "%(attempt)s).",
                    mailbox=delivery.mailbox,
                    file=delivery.attachment_id.name or "-",
                    attempt=delivery.attempts,
                )
            )
            delivery._exact_close_activities(self.env._("Delivered"))

    def _exact_record_failure(self, failure, text=None):
        """Put the delivery back to pending (transient, attempts left) or to failed."""
        for delivery in self:
            message = text or delivery._exact_failure_text(failure)
            max_attempts = delivery.company_id.exact_max_attempts
            state = policy.next_state(failure, delivery.attempts, max_attempts)
            if delivery.mail_id.state in ("exception", "outgoing"):
                # Odoo's queue must not pick the mail up by itself (a person may still retry)
                delivery.mail_id.sudo().write(
                    {"state": "exception", "failure_reason": failure.detail or message}
                )
            if state == "pending":
                next_date = fields.Datetime.now() + policy.retry_delay(delivery.attempts)
                delivery.write(
                    {"state": "pending", "error_message": message, "next_attempt_date": next_date}
                )
                delivery._exact_post(
                    self.env._(
                        "Attempt %(attempt)s of %(max)s failed: %(reason)s Next attempt in "
                        "%(minutes)s minutes.",
                        attempt=delivery.attempts,
                        max=max_attempts,
                        reason=message,
                        minutes=int(policy.retry_delay(delivery.attempts).total_seconds() // 60),
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
                {"state": "failed", "error_message": message, "next_attempt_date": False}
            )
            delivery._exact_post(self.env._("Delivery failed: %(reason)s", reason=message))
            delivery._exact_schedule_activity(message)

    def _exact_record_problem(self, message):
        """A problem found before sending: permanent, the delivery fails at once."""
        self._exact_record_failure(policy.Failure(policy.KIND_CONFIGURATION), text=message)

    def _exact_on_mail_outcome(self, failure_reason=False, failure_type=None):
        """Called by ``mail.mail._postprocess_sent_message`` right after a send attempt."""
        for delivery in self:
            mail = delivery.mail_id
            if mail.state == "sent":
                if delivery.state in ("sending", "pending", "failed"):
                    delivery._exact_record_sent()
            elif delivery.state == "sending":
                delivery._exact_record_failure(
                    policy.classify(
                        failure_type or mail.failure_type,
                        failure_reason or mail.failure_reason or "",
                    )
                )

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
        query = SQL(
            """SELECT d.id FROM exact_mailbox_delivery d
                 JOIN res_company c ON c.id = d.company_id
                WHERE d.state = 'pending' AND c.exact_enabled
                  AND (d.next_attempt_date IS NULL OR d.next_attempt_date <= %s)
                ORDER BY d.next_attempt_date NULLS FIRST, d.id""",
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
        deliveries = self.browse([row[0] for row in cr.fetchall()])
        deliveries.invalidate_recordset()
        armed = deliveries._exact_arm_all()
        self._exact_commit()
        for delivery in armed:
            delivery._exact_send_armed()
            self._exact_commit()
        self.env.flush_all()
        cr.execute(SQL("SELECT count(*) FROM (%s) due", self._exact_due_query(None, lock=False)))
        remaining = cr.fetchone()[0]
        return len(deliveries), remaining

    @api.model
    def _exact_commit(self):
        if _can_commit():
            # per batch / per sent mail, as Odoo's own mail queue does (see module doc)
            self.env.cr.commit()  # pylint: disable=invalid-commit

    def _exact_arm_all(self):
        """Step 1: build files, create mails, mark ``sending``; returns the armed deliveries."""
        armed = self.browse()
        first_time = self.filtered(lambda delivery: not delivery.attempts and not delivery.mail_id)
        first_time._exact_log_queued()
        for delivery in self:
            delivery.attempts += 1
            try:
                with self.env.cr.savepoint():
                    delivery._exact_arm()
                armed |= delivery
            except DeliveryProblem as problem:
                delivery._exact_record_problem(str(problem))
            except UserError as error:  # the file builder's list of reasons
                delivery._exact_record_problem(
                    self.env._("The file could not be made: %(reason)s", reason=error.args[0])
                )
            except psycopg2.Error:
                raise  # a database problem is not the document's: the whole batch is retried
            except Exception as error:
                _logger.exception("Exact Online delivery %s: preparation failed", delivery.id)
                delivery._exact_record_failure(policy.classify_exception(error))
        return armed

    def _exact_arm(self):
        self.ensure_one()
        company = self.company_id
        sender = company.exact_sender_email
        if not sender or not mailbox_lib.is_valid(sender):
            raise DeliveryProblem(
                self._exact_failure_text(policy.Failure(policy.KIND_MISSING_SENDER))
            )
        if not self.mailbox:
            raise DeliveryProblem(
                self._exact_failure_text(policy.Failure(policy.KIND_MISSING_RECIPIENT))
            )
        if not mailbox_lib.is_valid(self.mailbox):
            raise DeliveryProblem(
                self._exact_failure_text(policy.Failure(policy.KIND_INVALID_RECIPIENT))
            )
        attachment = self._exact_get_file()
        mail_server = self._exact_mail_server(sender)
        mail = self._exact_get_mail(attachment, mail_server)
        self.write(
            {
                "state": "sending",
                "mail_id": mail.id,
                "sending_date": fields.Datetime.now(),
                "next_attempt_date": False,
            }
        )

    def _exact_get_file(self):
        """The file to send: the existing attachment, or built once by the source document."""
        self.ensure_one()
        attachment = self.attachment_id.sudo()
        if attachment:
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
            }
        )
        vals = {"attachment_id": attachment.id}
        if result.get("notes"):
            vals["notes"] = "\n".join(str(note) for note in result["notes"])
        self.write(vals)
        return attachment

    def _exact_mail_server(self, sender):
        """The ``ir.mail_server`` Odoo would use for ``sender``, checked not to rewrite From."""
        self.ensure_one()
        company = self.company_id
        IrMailServer = self.env["ir.mail_server"].sudo().with_company(company)
        if company.alias_domain_id:
            IrMailServer = IrMailServer.with_context(
                domain_notifications_email=company.alias_domain_id.default_from_email
            )
        mail_server, smtp_from = IrMailServer._find_mail_server(sender)
        if email_normalize(smtp_from or "") != sender:
            raise DeliveryProblem(
                self.env._(
                    "No outgoing mail server may send from %(sender)s: Odoo would replace the "
                    "sender with %(other)s and Exact Online would block the mail. Add the "
                    "address (or its domain) to the \"FROM Filtering\" of an outgoing mail "
                    "server, then resend.",
                    sender=sender, other=smtp_from or "-",
                )
            )
        return mail_server or self.env["ir.mail_server"]

    def _exact_mail_subject(self, attachment):
        self.ensure_one()
        return " – ".join(
            part for part in (self.company_id.name, self.name, attachment.name) if part
        )

    def _exact_get_mail(self, attachment, mail_server):
        """Create the attempt's ``mail.mail`` (state ``cancel`` until step 2), or re-arm it."""
        self.ensure_one()
        company = self.company_id
        sender = company.exact_sender_email
        common = {
            "email_from": formataddr((company.name, sender)),
            "reply_to": formataddr((company.name, sender)),
            "email_to": self.mailbox,
            "mail_server_id": mail_server.id,
            "state": "cancel",
            "failure_type": False,
            "failure_reason": False,
        }
        mail = self.mail_id.sudo()
        if mail and mail.state in ("exception", "cancel", "outgoing"):
            mail.write(common)
            return mail
        body = self.env._(
            "%(document)s of %(company)s for Exact Online, in the attached file. This mail was "
            "sent automatically by Odoo.",
            document=self.name, company=company.name,
        )
        mail = self.env["mail.mail"].sudo().create(
            dict(
                common,
                subject=self._exact_mail_subject(attachment),
                body_html=Markup("<p>%s</p>") % body,
                body=Markup("<p>%s</p>") % body,
                author_id=company.partner_id.id,
                model=self._name,
                res_id=self.id,
                message_type="email_outgoing",
                auto_delete=False,
                is_notification=False,
                record_alias_domain_id=company.alias_domain_id.id,
                headers=repr({HEADER_DELIVERY_ID: str(self.id), "Return-Path": sender}),
            )
        )
        mail_attachment = self.env["ir.attachment"].sudo().create(
            {
                "name": attachment.name,
                "raw": attachment.raw,
                "mimetype": attachment.mimetype,
                "res_model": "mail.message",
                "res_id": mail.mail_message_id.id,
            }
        )
        mail.write({"attachment_ids": [fields.Command.set(mail_attachment.ids)]})
        return mail

    def _exact_send_armed(self):
        """Step 2: send the armed mail of this delivery and record the outcome."""
        self.ensure_one()
        cr = self.env.cr
        self.env.flush_all()
        cr.execute(
            SQL(
                "SELECT id FROM exact_mailbox_delivery WHERE id = %s AND state = 'sending' "
                "AND mail_id = %s FOR UPDATE SKIP LOCKED",
                self.id, self.mail_id.id,
            )
        )
        if not cr.fetchone():
            return
        self.invalidate_recordset()
        mail = self.mail_id.sudo()
        smtp_error = None
        try:
            with cr.savepoint():
                mail.write({"state": "outgoing"})
                try:
                    mail.with_company(self.company_id).send(raise_exception=False)
                except psycopg2.Error:
                    raise
                except Exception as error:  # e.g. SMTPServerDisconnected is re-raised by Odoo
                    smtp_error = error
        except psycopg2.Error as error:
            _logger.exception("Exact Online delivery %s: database error while sending", self.id)
            self._exact_record_interrupted(str(error))
            return
        self.invalidate_recordset()
        mail.invalidate_recordset()
        if self.state != "sending":  # recorded by mail.mail._postprocess_sent_message
            return
        if mail.state == "sent":
            self._exact_record_sent()
        elif smtp_error is not None:
            self._exact_record_failure(policy.classify_exception(smtp_error))
        else:
            self._exact_record_failure(
                policy.classify(mail.failure_type, mail.failure_reason or "")
            )

    def _exact_record_interrupted(self, detail):
        """The mail may or may not have reached the SMTP server: never resend blindly."""
        message = self.env._(
            "Sending was interrupted; the mail may or may not have reached the mail server. "
            "Check in Exact Online whether the document arrived; if not, press Resend."
        )
        if detail:
            message += "\n" + self.env._("Technical detail: %(detail)s", detail=detail)
        for delivery in self:
            delivery.write(
                {"state": "failed", "error_message": message, "next_attempt_date": False}
            )
            delivery._exact_post(self.env._("Delivery failed: %(reason)s", reason=message))
            delivery._exact_schedule_activity(message)

    @api.model
    def _exact_reconcile_stale(self):
        """Settle deliveries left in ``sending`` by a process that died (see module doc)."""
        cr = self.env.cr
        self.env.flush_all()
        cr.execute(
            SQL(
                "SELECT id FROM exact_mailbox_delivery WHERE state = 'sending' "
                "AND (sending_date IS NULL OR sending_date < %s) FOR UPDATE SKIP LOCKED",
                fields.Datetime.now() - STALE_SENDING,
            )
        )
        stale = self.browse([row[0] for row in cr.fetchall()])
        stale.invalidate_recordset()
        for delivery in stale:
            mail = delivery.mail_id
            if mail.state == "sent":
                delivery._exact_record_sent()
            elif mail.state == "exception":
                delivery._exact_record_failure(
                    policy.classify(mail.failure_type, mail.failure_reason or "")
                )
            else:
                delivery._exact_record_interrupted("")
        if stale:
            self._exact_commit()
        return stale

    # ------------------------------------------------------------------
    # Buttons
    # ------------------------------------------------------------------

    def action_resend(self):
        """Send a sent or failed delivery again, on purpose, with a new mail."""
        self.check_access("write")
        for delivery in self:
            if delivery.state not in ("sent", "failed"):
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
        for delivery in self.sudo():
            previous = delivery.state
            mailbox = delivery.journal_id.exact_mailbox or delivery.mailbox
            delivery.write(
                {
                    "state": "pending",
                    "mail_id": False,
                    "attempts": 0,
                    "error_message": False,
                    "next_attempt_date": False,
                    "sending_date": False,
                    "mailbox": mailbox,
                }
            )
            delivery._exact_post(
                self.env._(
                    "Resend requested by %(user)s (was %(state)s): a new mail will be sent to "
                    "%(mailbox)s.",
                    user=self.env.user.name,
                    state=previous,
                    mailbox=mailbox,
                )
            )
        self.env.ref(CRON_XMLID).sudo()._trigger()
        return True

    def action_cancel(self):
        """Stop a pending (or failed) delivery; it is never sent."""
        self.check_access("write")
        if any(delivery.state not in ("pending", "failed") for delivery in self):
            raise UserError(
                self.env._("Only pending or failed deliveries can be cancelled.")
            )
        for delivery in self.sudo():
            if delivery.mail_id.state in ("exception", "outgoing"):
                delivery.mail_id.write({"state": "cancel"})
            delivery.write({"state": "cancelled", "next_attempt_date": False})
            delivery._exact_post(
                self.env._("Delivery cancelled by %(user)s.", user=self.env.user.name)
            )
            delivery._exact_close_activities(self.env._("Cancelled"))
        return True

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
