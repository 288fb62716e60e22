# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The e-mail transport: one mail with one attachment to a linked e-mail address of the postbox.

* **Mail queue.** Each attempt goes through a ``mail.mail`` (``auto_delete=False``, linked to the
  delivery with ``model``/``res_id`` so it shows in its chatter). Step 2 makes the queue send
  *that* mail at once (``mail.send()``) instead of waiting for the hourly queue run; the outcome
  is recorded by ``mail.mail._postprocess_sent_message`` (``models/mail_mail.py`` calls
  :meth:`_on_mail_outcome`), in the same transaction as the mail's own state.
* **Crash safety.** Step 1 creates the mail in state ``cancel`` (so Odoo's own queue never picks
  it up); step 2 switches it to ``outgoing`` and sends it. After a crash the mail's state says
  whether the SMTP server accepted it (:meth:`_reconcile_interrupted`); when it cannot tell, a
  person checks. A mail is never re-sent blindly.
* **Sender.** The From address is the company's Exact sender address. Before sending, the mail
  server Odoo would pick is checked: if it would rewrite From (``from_filter`` not allowing the
  sender while a notification address exists), the delivery fails with an explanation instead
  of landing silently in Exact's "Blocked e-mails".
* **Attachment.** The mail carries its own ``ir.attachment`` owned by the ``mail.message`` (same
  checksum as the delivery's file, so no extra storage): Odoo never turns such an attachment into
  a download link, whatever its size.
* **Failures** are classified by ``lib/smtp_failures.py``.
"""

import logging

import psycopg2
from markupsafe import Markup
from odoo import fields, models
from odoo.tools import email_normalize, formataddr
from odoo.tools.mail import email_split_and_format

from ..lib import delivery_policy as policy
from ..lib import delivery_states as states
from ..lib import mailbox as mailbox_lib
from ..lib import smtp_failures as smtp
from ..lib import text as text_lib
from .exact_transport import DeliveryProblem

_logger = logging.getLogger(__name__)

HEADER_DELIVERY_ID = "X-Exact-Delivery-Id"


def _close_session(session):
    if session is None:
        return
    try:
        session.quit()
    except Exception:  # already closed by the server: nothing to close
        _logger.debug("SMTP session already closed", exc_info=True)



class ExactTransportEmail(models.AbstractModel):
    _name = "exact.transport.email"
    _inherit = "exact.transport"
    _description = "Exact Online transport: e-mail"

    _exact_transport_key = "email"

    # ------------------------------------------------------------------
    # Step 1: checks, file, mail (state cancel)
    # ------------------------------------------------------------------

    def _prepare(self, delivery):
        company = delivery.company_id
        sender = company.exact_sender_email
        if not sender or not mailbox_lib.is_valid(sender):
            raise DeliveryProblem(
                self._failure_text(delivery, smtp.failure(smtp.KIND_MISSING_SENDER))
            )
        if not delivery.mailbox:
            raise DeliveryProblem(
                self._failure_text(delivery, smtp.failure(smtp.KIND_MISSING_RECIPIENT))
            )
        if not mailbox_lib.is_valid(delivery.mailbox):
            raise DeliveryProblem(
                self._failure_text(delivery, smtp.failure(smtp.KIND_INVALID_RECIPIENT))
            )
        attachment = delivery._exact_get_file()
        mail_server = self._mail_server(delivery, sender)
        mail = self._get_mail(delivery, attachment, mail_server)
        delivery.write({"mail_id": mail.id})

    def _mail_server(self, delivery, sender):
        """The ``ir.mail_server`` Odoo would use for ``sender``, checked not to rewrite From.

        Looked up once per company, sender and language within a worker batch (the batch's
        ``exact_batch_cache`` context dict): the lookup searches every mail server.
        """
        company = delivery.company_id
        cache = self.env.context.get("exact_batch_cache")
        if cache is None:
            cache = {}
        key = ("mail_server", company.id, sender, self.env.lang)
        if key not in cache:
            cache[key] = self._find_mail_server(delivery, sender)
        server_id, problem = cache[key]
        if problem:
            raise DeliveryProblem(problem)
        return self.env["ir.mail_server"].browse(server_id)

    def _find_mail_server(self, delivery, sender):
        """``(server id or False, problem text or None)``."""
        company = delivery.company_id
        IrMailServer = self.env["ir.mail_server"].sudo().with_company(company)
        if company.alias_domain_id:
            IrMailServer = IrMailServer.with_context(
                domain_notifications_email=company.alias_domain_id.default_from_email
            )
        mail_server, smtp_from = IrMailServer._find_mail_server(sender)
        if email_normalize(smtp_from or "") != sender:
            return False, self.env._(
                "No outgoing mail server may send from %(sender)s: Odoo would replace the "
                "sender with %(other)s and Exact Online would block the mail. Add the "
                "address (or its domain) to the \"FROM Filtering\" of an outgoing mail "
                "server (Settings > Technical > Outgoing Mail Servers, in developer mode), "
                "then resend.",
                sender=sender, other=smtp_from or "-",
            )
        return (mail_server.id if mail_server else False), None

    def _mail_subject(self, delivery, attachment):
        parts = (delivery.company_id.name, delivery.name, attachment.name)
        return " – ".join(text_lib.header_text(part) for part in parts if part)

    def _get_mail(self, delivery, attachment, mail_server):
        """Create the attempt's ``mail.mail`` (state ``cancel`` until step 2), or re-arm it."""
        company = delivery.company_id
        sender = company.exact_sender_email
        name = text_lib.header_text(company.name)  # a line break would make the mail unbuildable
        common = {
            "email_from": formataddr((name, sender)),
            "reply_to": formataddr((name, sender)),
            "email_to": delivery.mailbox,
            "mail_server_id": mail_server.id,
            "state": "cancel",
            "failure_type": False,
            "failure_reason": False,
        }
        mail = delivery.mail_id.sudo()
        if mail and mail.state in ("exception", "cancel", "outgoing"):
            mail.write(common)
            return mail
        body = self.env._(
            "%(document)s of %(company)s for Exact Online, in the attached file. This mail was "
            "sent automatically by Odoo.",
            document=delivery.name, company=company.name,
        )
        mail = self.env["mail.mail"].sudo().create(
            dict(
                common,
                subject=self._mail_subject(delivery, attachment),
                body_html=Markup("<p>%s</p>") % body,
                body=Markup("<p>%s</p>") % body,
                author_id=company.partner_id.id,
                model=delivery._name,
                res_id=delivery.id,
                message_type="email_outgoing",
                auto_delete=False,
                is_notification=False,
                record_alias_domain_id=company.alias_domain_id.id,
                headers=repr({HEADER_DELIVERY_ID: str(delivery.id), "Return-Path": sender}),
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

    # ------------------------------------------------------------------
    # Step 2: send the armed mail
    # ------------------------------------------------------------------

    def _send(self, delivery):
        """Send the armed mail through the batch's SMTP session (one connection per mail
        server and sender for the whole batch, as Odoo's mail queue does)."""
        mail = delivery.mail_id.sudo()
        smtp_error = None
        # No savepoint: a database error here breaks the batch's transaction; the delivery
        # then stays "sending" with its handed_date committed, and the reconciliation asks
        # the mail's state (or a person) instead of sending again.
        mail.write({"state": "outgoing"})
        try:
            session = self._smtp_session(mail)
            # the worker records the outcome itself (same transaction): the mail queue's
            # hook need not look the delivery up again
            mail.with_company(delivery.company_id).with_context(
                exact_outcome_by_worker=True
            )._send(
                smtp_session=session,
                alias_domain_id=mail.record_alias_domain_id.id,
                mail_server=mail.mail_server_id,
            )
        except psycopg2.Error:
            raise
        except Exception as error:  # e.g. SMTPServerDisconnected is re-raised by Odoo
            self._drop_smtp_session(mail)
            smtp_error = error
        if mail.state == "sent":
            return policy.SENT
        if smtp_error is not None:
            return smtp.classify_exception(smtp_error)
        return smtp.classify(mail.failure_type, mail.failure_reason or "")

    def _smtp_key(self, mail):
        return ("smtp", mail.mail_server_id.id, mail.email_from)

    def _smtp_session(self, mail):
        """The batch's SMTP session for the mail's server and sender (connected once)."""
        cache = self.env.context.get("exact_batch_cache")
        key = self._smtp_key(mail)
        if cache is not None and cache.get(key) is not None:
            return cache[key]
        # as Odoo's mail queue does: the formatted From ("Name" <address>), which the session
        # then writes as the mail's From header
        emails_from = email_split_and_format(mail.email_from)
        smtp_from = emails_from[0] if emails_from else mail.email_from
        session = self.env["ir.mail_server"].sudo().connect(
            mail_server_id=mail.mail_server_id.id or None, smtp_from=smtp_from
        )
        if cache is not None:
            cache[key] = session
        return session

    def _drop_smtp_session(self, mail):
        cache = self.env.context.get("exact_batch_cache")
        if cache is not None:
            session = cache.pop(self._smtp_key(mail), None)
            _close_session(session)

    def _end_batch(self, cache):
        for key in [key for key in cache if isinstance(key, tuple) and key[0] == "smtp"]:
            _close_session(cache.pop(key))

    def _on_mail_outcome(self, deliveries, failure_reason=False, failure_type=None):
        """Called by ``mail.mail._postprocess_sent_message`` right after a send attempt."""
        for delivery in deliveries:
            mail = delivery.mail_id
            if mail.state == "sent":
                if delivery.state in (states.SENDING, states.PENDING, states.FAILED):
                    delivery._exact_record_sent()
            elif delivery.state == states.SENDING:
                delivery._exact_record_failure(
                    smtp.classify(
                        failure_type or mail.failure_type,
                        failure_reason or mail.failure_reason or "",
                    )
                )

    def _reconcile_interrupted(self, delivery):
        mail = delivery.mail_id
        if mail.state == "sent":
            return policy.SENT
        if mail.state == "exception":
            return smtp.classify(mail.failure_type, mail.failure_reason or "")
        return policy.Interrupted("")

    # ------------------------------------------------------------------
    # Hooks
    # ------------------------------------------------------------------

    def _after_failure(self, delivery, failure, message):
        mail = delivery.mail_id.sudo()
        if mail.state in ("exception", "outgoing"):
            # Odoo's queue must not pick the mail up by itself (a person may still retry)
            mail.write({"state": "exception", "failure_reason": failure.detail or message})

    def _on_cancel(self, delivery):
        if delivery.mail_id.state in ("exception", "outgoing"):
            delivery.mail_id.sudo().write({"state": "cancel"})

    def _resend_values(self, delivery):
        return {"mail_id": False}

    def _server_label(self, delivery):
        """"Outgoing mail server "Name" (host:port)" of the delivery's mail, for the texts."""
        server = delivery.mail_id.mail_server_id.sudo()
        if server:
            return self.env._(
                "The outgoing mail server \"%(name)s\" (%(host)s:%(port)s)",
                name=server.name, host=server.smtp_host, port=server.smtp_port,
            )
        return self.env._("The outgoing mail server of the Odoo configuration file")

    def _failure_text(self, delivery, failure):
        """What happened, in words a person can act on, then where to fix it; the technical
        detail comes last (the delivery adds when the next attempt is)."""
        code = failure.code or "-"
        server = self._server_label(delivery)
        where = self.env._(
            "Check it in Settings > Technical > Outgoing Mail Servers (developer mode; see the "
            "administrator guide, \"Outgoing mail server\")."
        )
        detail = (failure.detail or "").lower()
        refused = "refused" in detail or "errno 111" in detail
        texts = {
            smtp.KIND_CONNECTION: lambda: (
                self.env._("%(server)s refused the connection: it is not running, or Odoo "
                           "knows the wrong host or port.", server=server)
                if refused else
                self.env._("%(server)s could not be reached (network, name or connection "
                           "trouble).", server=server)
            ) + " " + where,
            smtp.KIND_TIMEOUT: lambda: self.env._(
                "%(server)s did not answer in time.", server=server) + " " + where,
            smtp.KIND_SMTP_TEMPORARY: lambda: self.env._(
                "%(server)s asked to try again later (code %(code)s); nothing was sent.",
                server=server, code=code,
            ),
            smtp.KIND_RECIPIENT_REFUSED: lambda: self.env._(
                "The mail server refused the mailbox address %(mailbox)s (code %(code)s). Check "
                "the Exact Online mailbox of journal %(journal)s (Exact Online tab of the "
                "journal), then resend.",
                mailbox=delivery.mailbox, code=code,
                journal=delivery.journal_id.display_name or "-",
            ),
            smtp.KIND_SENDER_REFUSED: lambda: self.env._(
                "The mail server refused the sender address %(sender)s (code %(code)s). Check "
                "that the outgoing mail server may send from this address, then resend.",
                sender=delivery.company_id.exact_sender_email, code=code,
            ),
            smtp.KIND_AUTHENTICATION: lambda: self.env._(
                "%(server)s refused the login (code %(code)s). Correct the user name and "
                "password of the outgoing mail server, then resend.", server=server, code=code,
            ) + " " + where,
            smtp.KIND_SMTP_REFUSED: lambda: self.env._(
                "The mail server refused the mail (code %(code)s). Read the technical detail, "
                "correct the cause, then resend.", code=code
            ),
            smtp.KIND_INVALID_RECIPIENT: lambda: self.env._(
                "The mailbox address \"%(mailbox)s\" is not a valid e-mail address. Correct the "
                "Exact Online mailbox of the journal, then resend.",
                mailbox=delivery.mailbox or "",
            ),
            smtp.KIND_MISSING_RECIPIENT: lambda: self.env._(
                "There is no mailbox address. Enter the Exact Online mailbox of the journal, "
                "then resend."
            ),
            smtp.KIND_INVALID_SENDER: lambda: self.env._(
                "The sender address of company %(company)s is not valid. Correct the Exact "
                "Online sender address, then resend.", company=delivery.company_id.display_name,
            ),
            smtp.KIND_MISSING_SENDER: lambda: self.env._(
                "Company %(company)s has no Exact Online sender address. Enter it, then "
                "resend.", company=delivery.company_id.display_name,
            ),
            smtp.KIND_MESSAGE_INVALID: lambda: self.env._(
                "The mail cannot be built: a name or subject contains a character that is not "
                "allowed in a mail header (e.g. a line break in the company name). Correct it, "
                "then resend."
            ),
            smtp.KIND_CONFIGURATION: lambda: self.env._(
                "No usable outgoing mail server is configured."
            ) + " " + where,
            smtp.KIND_UNKNOWN: lambda: self.env._("The mail could not be sent."),
        }
        text = texts.get(failure.kind, texts[smtp.KIND_UNKNOWN])()
        if failure.detail:
            text += "\n" + self.env._("Technical detail: %(detail)s", detail=failure.detail)
        return text
