# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The API transport: Exact Online's Mailbox REST API on the company's own connection.

One document = one message in the recipient postbox (found by its *name*) with one attachment:

1. the recipient postbox ID, resolved once per postbox name (``mailbox/Mailboxes`` with
   ``$filter=Mailbox eq '<name>'``) and cached in ``exact.online.mailbox``; looked up again
   when a journal names another postbox or Exact refuses the ID;
2. ``POST mailbox/MailMessagesSent`` (sender = the division's own postbox, ``Type`` 1100 for
   invoices and credit notes, 2000 for CODA, a unique ``Subject``);
3. ``POST mailbox/MailMessageAttachments`` (the file, base64, ``Type`` 130 UBL or 70 bank).

Two calls per document; lookups are cached and status reads batched.

**Exactly once.** Before the message is created its subject is committed on the delivery
(``exact_subject``): from then on a message may exist. The message ID is committed as soon as
it is known (``exact_message_id``), and ``exact_attachment_posted`` before the attachment is
sent. A later attempt (a retry after a timeout, or the reconciliation after a crash) therefore
looks the message up by its subject (``$filter=Subject eq '…'``) instead of creating a second
one, and checks the message's attachments before adding one. Only a person's *Resend* starts a
new message (a new subject).

**Limits.** Every answer's rate-limit headers are read; when the budget is used up or Exact
answers 429 the attempt becomes a ``Wait`` until the reset (the batch stops for the company and
the cron is re-armed for that time). 4xx answers (other than 401, which renews the token once
and retries once) are permanent for the delivery; 5xx and network trouble are transient.

**Processing status.** :meth:`_poll_statuses` reads ``RecipientStatus`` of sent messages, 25 per
call.
"""

import base64
import logging

import psycopg2
from odoo import fields, models
from odoo.tools import SQL

from ..lib import delivery_policy as policy
from ..lib import exact_api
from ..lib import exact_codes as codes
from ..lib import exact_failures as failures
from ..lib import mailbox as mailbox_lib
from .exact_online_connection import ExactCallFailed, ExactConnectionExpired, ExactRateLimited
from .exact_transport import DeliveryProblem

_logger = logging.getLogger(__name__)

STATUS_CRON = "scrada_exact_bridge.ir_cron_exact_status"


class ExactTransportApi(models.AbstractModel):
    _name = "exact.transport.api"
    _inherit = "exact.transport"
    _description = "Exact Online transport: Mailbox API"

    _exact_transport_key = "api"

    def _due_condition(self):
        # an expired or disconnected connection: documents wait, nothing fails
        return SQL(
            "EXISTS (SELECT 1 FROM exact_online_connection x "
            "WHERE x.id = c.exact_connection_id AND x.state = 'connected')"
        )

    @staticmethod
    def _connection(delivery):
        return delivery.company_id.exact_connection_id.sudo()

    # ------------------------------------------------------------------
    # Step 1: checks and file
    # ------------------------------------------------------------------

    def _prepare(self, delivery):
        connection = self._connection(delivery)
        problem = None
        if not connection:
            problem = failures.KIND_NOT_CONNECTED
        elif not connection.division or not connection.sender_mailbox_id:
            problem = failures.KIND_NO_SENDER_POSTBOX
        elif not delivery.mailbox:
            problem = failures.KIND_UNKNOWN_POSTBOX
        if problem:
            raise DeliveryProblem(self._failure_text(delivery, failures.failure(problem)))
        delivery._exact_get_file()

    # ------------------------------------------------------------------
    # Step 2: send
    # ------------------------------------------------------------------

    def _send(self, delivery):
        connection = self._connection(delivery)
        if not connection:
            return policy.Wait(failures.WAIT_CONNECTION_EXPIRED, None,
                               detail=self.env._("the company is not connected"))
        client = connection._exact_client()
        try:
            return self._deliver(client, delivery)
        except ExactRateLimited as limited:
            return policy.Wait(failures.WAIT_RATE_LIMIT, limited.until)
        except ExactConnectionExpired as expired:
            return policy.Wait(failures.WAIT_CONNECTION_EXPIRED, None, detail=str(expired))
        except ExactCallFailed as failed:
            return failed.failure
        except psycopg2.Error:
            raise  # the batch is retried; what was committed says where it stopped
        except Exception as error:
            # never leave the delivery to a crash loop: a bounded, transient failure (the
            # committed subject makes the next attempt look the message up first)
            _logger.exception("Exact Online delivery %s: unexpected error", delivery.id)
            return failures.failure(failures.KIND_UNKNOWN, None, f"{type(error).__name__}: {error}")
        finally:
            client.close()

    def _reconcile_interrupted(self, delivery):
        # the committed subject, message ID and attachment flag say what may exist in Exact
        # Online: _send finds it and completes the delivery instead of creating it again
        return self._send(delivery)

    def _deliver(self, client, delivery):
        if not delivery.exact_message_id and delivery.exact_subject:
            # an earlier attempt may have created the message: find it by its subject
            found = self._find_message(client, delivery.exact_subject)
            if found:
                delivery.write({"exact_message_id": found})
                delivery._exact_checkpoint()
        if not delivery.exact_message_id:
            self._create_message(client, delivery)
        elif delivery.exact_attachment_posted and self._has_attachment(
            client, delivery.exact_message_id
        ):
            return policy.SENT
        attachment = delivery.attachment_id.sudo()
        _message_type, attachment_type = codes.types_for(delivery.document_type)
        body = {
            "MailMessageID": delivery.exact_message_id,
            "AttachmentFileName": exact_api.file_name(attachment.name),
            "Attachment": base64.b64encode(attachment.raw).decode(),
        }
        if attachment_type is not None:
            body["Type"] = attachment_type
        delivery.write({"exact_attachment_posted": True})
        delivery._exact_checkpoint()
        client.call("POST", codes.ENDPOINT_ATTACHMENTS, body=body)
        return policy.SENT

    def _create_message(self, client, delivery):
        connection = client.connection
        recipient_id = self._recipient_id(client, delivery)
        message_type, _attachment_type = codes.types_for(delivery.document_type)
        subject = exact_api.message_subject(
            delivery.company_id.name, delivery.name, delivery.id, delivery.exact_send_number
        )
        # from now on the message may exist in Exact Online (see module doc)
        delivery.write({"exact_subject": subject, "exact_attachment_posted": False})
        delivery._exact_checkpoint()
        body = {
            "SenderMailboxID": connection.sender_mailbox_id,
            "RecipientMailboxID": recipient_id,
            "Subject": subject,
            "Type": message_type,
        }
        try:
            answer = client.call("POST", codes.ENDPOINT_MESSAGES, body=body, needed=2)
        except ExactCallFailed as failed:
            if not failures.is_recipient_refused(failed.failure):
                raise
            # the cached ID may be stale (postbox recreated): look the name up once more
            fresh_id = self._recipient_id(client, delivery, refresh=True)
            if fresh_id.lower() == str(recipient_id).lower():
                raise
            body["RecipientMailboxID"] = fresh_id
            answer = client.call("POST", codes.ENDPOINT_MESSAGES, body=body, needed=2)
        created = exact_api.record(answer.json())
        if not created.get("ID"):
            # the subject is committed: the next attempt finds the message if it exists
            raise ExactCallFailed(
                failures.failure(failures.KIND_SERVER, answer.status, "no message ID")
            )
        delivery.write(
            {
                "exact_message_id": created["ID"],
                "exact_recipient_status": codes.status_key(created.get("RecipientStatus"))
                or False,
            }
        )
        delivery._exact_checkpoint()

    def _recipient_id(self, client, delivery, refresh=False):
        """Exact's ID of the delivery's postbox name, from the cache or one lookup."""
        connection = client.connection
        name = mailbox_lib.normalize(delivery.mailbox)
        Mailbox = self.env["exact.online.mailbox"].sudo()
        cached = Mailbox.search(
            [("connection_id", "=", connection.id), ("name", "=", name)], limit=1
        )
        if cached and not refresh:
            return cached.exact_id
        found = exact_api.results(
            client.call(
                "GET", codes.ENDPOINT_MAILBOXES,
                params={
                    "$filter": exact_api.filter_equals("Mailbox", name),
                    "$select": "ID,Mailbox,Description,ForDivision",
                },
                needed=3,
            ).json()
        )
        box = next((box for box in found if box.get("ID")), None)
        if not box:
            if cached:
                connection._exact_forget_mailbox(name)
            raise ExactCallFailed(failures.failure(failures.KIND_UNKNOWN_POSTBOX, None, name))
        connection._exact_cache_mailboxes([dict(box, Mailbox=name)])
        return box["ID"]

    @staticmethod
    def _find_message(client, subject):
        found = exact_api.results(
            client.call(
                "GET", codes.ENDPOINT_MESSAGES,
                params={"$filter": exact_api.filter_equals("Subject", subject), "$select": "ID"},
            ).json()
        )
        return found[0]["ID"] if found and found[0].get("ID") else None

    @staticmethod
    def _has_attachment(client, message_id):
        found = exact_api.results(
            client.call(
                "GET", codes.ENDPOINT_ATTACHMENTS,
                params={
                    "$filter": f"MailMessageID eq {exact_api.guid_literal(message_id)}",
                    "$select": "ID",
                },
            ).json()
        )
        return bool(found)

    # ------------------------------------------------------------------
    # Processing status
    # ------------------------------------------------------------------

    def _poll_statuses(self, deliveries):
        """Read ``RecipientStatus`` of the deliveries' messages, 25 per call, per company.

        :return: number of calls made
        """
        calls = 0
        for company in deliveries.company_id:
            mine = deliveries.filtered(lambda d, company=company: d.company_id == company)
            connection = company.exact_connection_id.sudo()
            if connection.state != "connected":
                continue
            client = connection._exact_client()
            try:
                for chunk in exact_api.chunks(mine):
                    answer = client.call(
                        "GET", codes.ENDPOINT_MESSAGES,
                        params={
                            "$filter": exact_api.filter_ids(d.exact_message_id for d in chunk),
                            "$select": "ID,RecipientStatus",
                        },
                    )
                    statuses = {
                        str(rec.get("ID", "")).lower(): rec.get("RecipientStatus")
                        for rec in exact_api.results(answer.json())
                    }
                    now = fields.Datetime.now()
                    in_chunk = mine.browse([delivery.id for delivery in chunk])
                    for delivery in in_chunk._exact_in_lang():
                        code = statuses.get(delivery.exact_message_id.lower())
                        delivery._exact_set_recipient_status(code, now)
            except ExactRateLimited as limited:
                self.env.ref(STATUS_CRON).sudo()._trigger(limited.until)
            except ExactConnectionExpired:
                continue
            except ExactCallFailed as failed:
                _logger.warning(
                    "Exact Online: status of %s messages of company %s not read: %s",
                    len(mine), company.id, failed.failure.detail or failed.failure.kind,
                )
            finally:
                calls += client.calls
                client.close()
        return calls

    # ------------------------------------------------------------------
    # Hooks and texts
    # ------------------------------------------------------------------

    def _resend_values(self, delivery):
        return {
            "exact_message_id": False,
            "exact_subject": False,
            "exact_attachment_posted": False,
            "exact_recipient_status": False,
            "exact_recipient_status_code": 0,
            "exact_status_date": False,
            "exact_send_number": (delivery.exact_send_number or 1) + 1,
        }

    def _wait_text(self, delivery, wait):
        if wait.kind == failures.WAIT_RATE_LIMIT:
            return self.env._(
                "Exact Online's limit of calls for the company is used up; sending resumes at "
                "%(time)s (UTC). Nothing to do.",
                time=wait.until.strftime("%Y-%m-%d %H:%M:%S") if wait.until else "-",
            )
        return self.env._(
            "Waiting for the Exact Online connection: %(reason)s", reason=wait.detail or "-"
        )

    def _failure_text(self, delivery, failure):
        return self._failure_sentence(
            failure, connection=self._connection(delivery), mailbox=delivery.mailbox,
            journal=delivery.journal_id.display_name, company=delivery.company_id.display_name,
        )

    def _failure_sentence(self, failure, connection=None, mailbox=None, journal=None,
                          company=None):
        """What a failed call means and what to do (translated), with the technical detail."""
        code = failure.code or "-"
        mailbox = mailbox or "-"
        journal = journal or "-"
        company = company or (connection.company_id.display_name if connection else "-")
        division = (connection.division if connection else 0) or "-"
        url = (connection.base_url if connection else "") or "-"
        texts = {
            failures.KIND_CONNECTION: lambda: self.env._(
                "Exact Online (%(url)s) could not be reached: the Odoo server has no internet "
                "access or Exact Online is down. Nothing to do if it passes; if it repeats, "
                "check the internet access of the Odoo server and the Exact Online address on "
                "the connection (Invoicing/Accounting > Exact Online > Connection).",
                url=url,
            ),
            failures.KIND_TIMEOUT: lambda: self.env._(
                "Exact Online (%(url)s) did not answer in time. Nothing to do if it passes; "
                "Exact Online's status page tells whether it has trouble.",
                url=url,
            ),
            failures.KIND_SERVER: lambda: self.env._(
                "Exact Online had a problem of its own (HTTP %(code)s); nothing to do, the "
                "document is sent again later.",
                code=code,
            ),
            failures.KIND_TOO_EARLY: lambda: self.env._(
                "Exact Online refused to renew the access so soon; the next attempt works. If "
                "this repeats, check the clock of the Odoo server."
            ),
            failures.KIND_UNAUTHORIZED: lambda: self.env._(
                "Exact Online refused the access even after renewing it. Press Connect on the "
                "Exact Online connection, then resend."
            ),
            failures.KIND_SCOPE: lambda: self.env._(
                "The app registered in Exact's App Center lacks the scope \"Communication "
                "mailboxes\". Add it to the app, press Connect on the Exact Online connection "
                "again, then resend."
            ),
            failures.KIND_FEATURE: lambda: self.env._(
                "The Exact Online subscription has no digital postbox (Mailbox feature). Ask "
                "Exact Online to add it to the licence, then resend."
            ),
            failures.KIND_DIVISION: lambda: self.env._(
                "Exact Online refused access to division %(division)s (blocked, no access or "
                "wrong division). Check the division on the Exact Online connection and the "
                "user's rights in Exact Online, then resend.",
                division=division,
            ),
            failures.KIND_ACCOUNT: lambda: self.env._(
                "Exact Online refused the user or the customer account (blocked, inactive or "
                "licence expired). Solve it with Exact Online, then resend."
            ),
            failures.KIND_FORBIDDEN: lambda: self.env._(
                "Exact Online refused the request (HTTP 403). Check the app in Exact's App "
                "Center and the user's rights in Exact Online, then resend."
            ),
            failures.KIND_UNKNOWN_POSTBOX: lambda: self.env._(
                "Exact Online knows no postbox named \"%(mailbox)s\". Enter the postbox name "
                "(not a linked e-mail address; the Exact Online connection lists the names) on "
                "journal %(journal)s, then resend.",
                mailbox=mailbox, journal=journal,
            ),
            failures.KIND_RECIPIENT_REFUSED: lambda: self.env._(
                "Exact Online refused the postbox \"%(mailbox)s\" as recipient. Check the "
                "postbox name on journal %(journal)s, then resend.",
                mailbox=mailbox, journal=journal,
            ),
            failures.KIND_NO_SENDER_POSTBOX: lambda: self.env._(
                "The Exact Online connection does not know the division or its own postbox. "
                "Open the Exact Online connection and press Refresh postboxes (or Connect), "
                "then resend."
            ),
            failures.KIND_NOT_CONNECTED: lambda: self.env._(
                "Company %(company)s has no Exact Online connection. Create it (Invoicing/"
                "Accounting > Exact Online > Connection) and press Connect, or choose E-mail "
                "on journal %(journal)s, then resend.",
                company=company, journal=journal,
            ),
            failures.KIND_NOT_FOUND: lambda: self.env._(
                "Exact Online did not find what was asked (HTTP 404). Check the division on "
                "the Exact Online connection, then resend."
            ),
            failures.KIND_REFUSED: lambda: self.env._(
                "Exact Online refused the document (HTTP %(code)s). Read the technical detail, "
                "correct the cause, then resend.",
                code=code,
            ),
        }
        make = texts.get(failure.kind)
        text = make() if make else self.env._(
            "The document could not be delivered to Exact Online."
        )
        if failure.detail:
            text += "\n" + self.env._("Technical detail: %(detail)s", detail=failure.detail)
        return text
