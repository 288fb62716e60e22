# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Delivery through Exact Online's Mailbox API, against a stand-in of Exact Online on
127.0.0.1: the exact bytes arrive once, whatever fails on the way."""

import logging
import time
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged

from ..lib import exact_codes as codes
from ..models.exact_transport_api import ExactTransportApi
from .api_common import CASH_POSTBOX, SALES_POSTBOX, ExactApiCommon
from .smtp_server import SmtpSink, make_mail_server, real_smtp

_logger = logging.getLogger(__name__)


class _Crash(BaseException):
    """The process dies (not an Exception: nothing catches it)."""


@tagged("post_install", "-at_install")
class TestExactApiDelivery(ExactApiCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partner_a.country_id = cls.env.ref("base.be")

    def setUp(self):
        super().setUp()
        self._connect()

    def _messages(self):
        return self.standin.received()

    def _assert_one_message(self, delivery, postbox=SALES_POSTBOX, types=(0, None)):
        received = self._messages()
        self.assertEqual(len(received), 1, "exactly one message reaches Exact Online")
        message, attachments = received[0]
        self.assertEqual(message["RecipientMailboxID"], self.standin.mailbox_id(postbox))
        self.assertEqual(message["SenderMailboxID"], self.standin.default_mailbox_id)
        self.assertEqual(message["Type"], types[0])
        self.assertEqual(message["Subject"], delivery.exact_subject)
        self.assertIn(f"[Odoo {delivery.id}-", message["Subject"])
        self.assertEqual(len(attachments), 1, "one document, one attachment")
        self.assertEqual(attachments[0]["raw"], delivery.attachment_id.raw)
        if types[1] is not None:
            self.assertEqual(attachments[0]["Type"], types[1])
        self.assertEqual(delivery.exact_message_id, message["ID"])
        return message, attachments[0]

    # ------------------------------------------------------------------

    def test_deliver_ubl_and_coda_by_postbox_name(self):
        invoice = self._invoice()
        refund = self._invoice("out_refund")
        day = fields.Date.context_today(self.env.user) - timedelta(days=2)
        self.env["account.bank.statement.line"].create(
            {"journal_id": self.cash_journal.id, "date": day,
             "exact_cash_type": "bank_to_cash", "exact_amount_in": 250.0,
             "exact_remark": "wisselgeld"}
        )
        self.env["account.bank.statement"]._cron_exact_close_periods(
            today=day + timedelta(days=1)
        )
        deliveries = self.Delivery.sudo().search([("company_id", "=", self.company.id)])
        self.assertEqual(len(deliveries), 3)
        self.assertEqual(set(deliveries.mapped("transport")), {"api"}, "recorded when queued")
        self._run_cron()
        self.assertEqual(set(deliveries.mapped("state")), {"sent"})
        received = {message["ID"]: (message, atts) for message, atts in self._messages()}
        self.assertEqual(len(received), 3)
        for delivery in deliveries:
            message, (attachment,) = received[delivery.exact_message_id]
            self.assertEqual(attachment["raw"], delivery.attachment_id.raw, "the exact bytes")
            self.assertEqual(message["SenderMailboxID"], self.standin.default_mailbox_id)
            if delivery.document_type == "coda":
                self.assertEqual((message["Type"], attachment["Type"]), (2000, 70))
                self.assertEqual(message["RecipientMailboxID"],
                                 self.standin.mailbox_id(CASH_POSTBOX))
                self.assertTrue(attachment["AttachmentFileName"].endswith(".cod"))
                self.assertTrue(attachment["raw"].startswith(b"0"))
            else:
                self.assertEqual((message["Type"], attachment["Type"]), (1100, 130))
                self.assertEqual(message["RecipientMailboxID"],
                                 self.standin.mailbox_id(SALES_POSTBOX))
                self.assertIn(b"<Invoice" if delivery.move_id == invoice else b"<CreditNote",
                              attachment["raw"])
                self.assertIn(delivery.move_id.name, message["Subject"])
            self.assertEqual(delivery.exact_recipient_status, "open")
        self.assertIn("Sent to the Exact Online mailbox",
                      " ".join(refund.message_ids.mapped("body")))
        # exactly once: nothing automatic sends again
        self._make_due(deliveries)
        self._run_cron()
        self.assertEqual(len(self._messages()), 3)
        self.assertEqual(self.standin.calls("POST mailbox/MailMessagesSent"), 3)

    def test_calls_per_document_and_time_against_email(self):
        """The budget: 2 calls per document plus a constant (one lookup per postbox name, one
        status read per 25 messages). Logs calls and seconds per document, API and e-mail."""
        count = 10
        invoices = self.env["account.move"]
        for _n in range(count):
            invoices |= self._invoice(post=False)
        invoices.action_post()
        deliveries = self.Delivery.sudo().search([("move_id", "in", invoices.ids)])
        # the UBL files are built first: the times below compare the transports only
        started = time.perf_counter()
        for delivery in deliveries:
            delivery._exact_get_file()
        build_seconds = time.perf_counter() - started
        # as for a postbox the connection did not list: its ID is looked up once
        self.connection.sudo().mailbox_ids.unlink()
        started = time.perf_counter()
        self._run_cron()
        api_seconds = time.perf_counter() - started
        self.assertEqual(set(deliveries.mapped("state")), {"sent"})
        self.assertEqual(self.standin.calls("POST mailbox/MailMessagesSent"), count)
        self.assertEqual(self.standin.calls("POST mailbox/MailMessageAttachments"), count)
        self.assertEqual(self.standin.calls("GET mailbox/Mailboxes"), 1, "one lookup per name")
        self.assertEqual(self.standin.calls("oauth2"), 0, "a valid token is not refreshed")
        sending_calls = self.standin.calls()
        self.assertEqual(sending_calls, 2 * count + 1)
        self.assertEqual(self.Delivery._cron_exact_poll_status(), 1, "one status read")
        total = self.standin.calls()
        self.assertEqual(total, 2 * count + 2)
        # the same documents by e-mail, in the same run, for the time per document
        self.sale_journal.exact_transport = "email"
        with SmtpSink() as sink:
            make_mail_server(self.env, sink)
            deliveries.action_resend()
            started = time.perf_counter()
            with real_smtp():
                self._run_cron()
            mail_seconds = time.perf_counter() - started
            self.assertEqual(len(sink.messages), count)
        self.assertEqual(set(deliveries.mapped("transport")), {"email"})
        _logger.info(
            "Exact Online budget: %s documents, %s calls to send (%.2f per document), %s with "
            "the status read; per document: %.3f s through the API, %.3f s by e-mail (stand-in "
            "and SMTP sink on 127.0.0.1), after %.3f s to build its UBL file",
            count, sending_calls, sending_calls / count, total, api_seconds / count,
            mail_seconds / count, build_seconds / count,
        )

    def test_rate_limit_stops_the_batch_then_recovers(self):
        self.standin.set_limits(minutely=3)  # one document (2 calls), then it is used up
        deliveries = self._test_document("A.xml") | self._test_document("B.xml") | (
            self._test_document("C.xml")
        )
        cron = self.env.ref("scrada_exact_bridge.ir_cron_exact_delivery")
        before = self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)])
        self._run_cron()
        states = deliveries.mapped("state")
        self.assertEqual(states.count("sent"), 1)
        waiting = deliveries.filtered(lambda d: d.state == "pending")
        self.assertEqual(len(waiting), 2)
        self.assertEqual(set(waiting.mapped("attempts")), {0}, "a wait is not an attempt")
        self.assertIn("limit of calls", waiting[0].error_message)
        self.assertEqual(self.standin.calls("POST mailbox/MailMessagesSent"), 1,
                         "the used-up budget is known from the headers: no call is wasted")
        reset = waiting[0].next_attempt_date
        self.assertGreater(reset, fields.Datetime.now() - timedelta(seconds=1))
        triggers = self.env["ir.cron.trigger"].search(
            [("cron_id", "=", cron.id), ("id", "not in", before.ids)]
        )
        self.assertIn(reset, triggers.mapped("call_at"), "the cron is re-armed at the reset")
        # a 429 that the headers did not announce (another app or worker used the budget)
        self._minute_passes()
        self._make_due(waiting)
        self.standin.fault("POST mailbox/MailMessagesSent", status=429, message="Too many")
        self._run_cron()
        self.assertEqual(set(waiting.mapped("state")), {"pending"})
        self.assertEqual(set(waiting.mapped("attempts")), {0})
        # the minute is over: everything goes, once
        self._minute_passes()
        self.standin.set_limits(minutely=60)
        self._make_due(waiting)
        self._run_cron()
        self.assertEqual(set(deliveries.mapped("state")), {"sent"})
        subjects = [message["Subject"] for message, _atts in self._messages()]
        self.assertEqual(len(subjects), 3)
        self.assertEqual(len(set(subjects)), 3)

    def test_crash_after_the_message_was_created_makes_no_second_message(self):
        delivery = self._test_document()
        delivery.sudo()._exact_arm_all()
        self.assertEqual(delivery.state, "sending")
        checkpoints = []
        original = type(delivery)._exact_checkpoint

        def checkpoint(record):
            checkpoints.append(record.exact_message_id)
            original(record)
            if record.exact_message_id:
                raise _Crash()  # the process dies right after the message ID was stored

        with patch.object(type(delivery), "_exact_checkpoint", checkpoint):
            self._raises(_Crash, delivery.sudo()._exact_send_armed)
        self.assertTrue(delivery.exact_message_id, "stored as soon as it was known")
        self.assertEqual(len(self._messages()), 1)
        self.assertFalse(self._messages()[0][1], "no attachment yet")
        # the next run finds the interrupted delivery and completes the same message
        delivery.sudo().sending_date = fields.Datetime.now() - timedelta(hours=1)
        self._run_cron()
        self.assertEqual(delivery.state, "sent")
        self._assert_one_message(delivery)
        self.assertEqual(self.standin.calls("POST mailbox/MailMessagesSent"), 1)

    def test_answer_lost_after_the_post_makes_no_second_message(self):
        delivery = self._test_document()
        self.standin.fault("POST mailbox/MailMessagesSent", "drop_after")
        self._run_cron()
        self.assertEqual(delivery.state, "pending", "a lost answer is transient")
        self.assertFalse(delivery.exact_message_id)
        self.assertIn("could not be reached", delivery.error_message)
        self.assertEqual(len(self._messages()), 1, "Exact created it all the same")
        self._make_due(delivery)
        self._run_cron()
        self.assertEqual(delivery.state, "sent")
        self._assert_one_message(delivery)
        self.assertEqual(self.standin.calls("GET mailbox/MailMessagesSent"), 1,
                         "found by its unique subject")
        self.assertEqual(self.standin.calls("POST mailbox/MailMessagesSent"), 1)

    def test_server_error_and_timeout_are_retried_one_message(self):
        delivery = self._test_document()
        self.standin.fault("POST mailbox/MailMessagesSent", status=503, message="Busy")
        self._run_cron()
        self.assertEqual((delivery.state, delivery.attempts), ("pending", 1))
        self.assertIn("HTTP 503", delivery.error_message)
        self.assertGreater(delivery.next_attempt_date, fields.Datetime.now())
        # the attachment call hangs past the timeout: Exact never answered
        self.standin.fault("POST mailbox/MailMessageAttachments", "hang", seconds=6)
        self._make_due(delivery)
        self._run_cron()
        self.assertEqual((delivery.state, delivery.attempts), ("pending", 2))
        self.assertIn("did not answer in time", delivery.error_message)
        self.assertTrue(delivery.exact_message_id)
        self._make_due(delivery)
        self._run_cron()
        self.assertEqual((delivery.state, delivery.attempts), ("sent", 3))
        self._assert_one_message(delivery)
        self.assertEqual(self.standin.calls("GET mailbox/MailMessageAttachments"), 1,
                         "the message's attachments are checked before adding one")

    def test_client_errors_fail_at_once_with_what_to_do(self):
        unknown = self._test_document(mailbox="nobody-here@exactonline.be")
        self.standin.forbid("POST mailbox/MailMessagesSent", reason="Application Scope Violated",
                            message="Forbidden")
        scope = self._test_document("SCOPE.xml")
        self._run_cron()
        self.assertEqual((unknown.state, unknown.attempts), ("failed", 1))
        self.assertIn("knows no postbox named \"nobody-here@exactonline.be\"",
                      unknown.error_message)
        self.assertEqual((scope.state, scope.attempts), ("failed", 1))
        self.assertIn("Communication mailboxes", scope.error_message)
        self.assertTrue(scope.activity_ids, "the accountant gets a to-do")
        self.assertEqual(self.standin.calls("POST mailbox/MailMessagesSent"), 1,
                         "a 4xx is never retried blindly")
        self._make_due(unknown | scope)
        self._run_cron()
        self.assertEqual(self.standin.calls("POST mailbox/MailMessagesSent"), 1)
        self.standin.allow()
        self.standin.forbid("POST mailbox/MailMessagesSent", reason="DivisionBlocked")
        scope.action_resend()
        self._run_cron()
        self.assertIn("division", scope.error_message)
        self.standin.allow()
        self.standin.forbid("POST mailbox/MailMessagesSent", message="Feature not licensed")
        scope.action_resend()
        self._run_cron()
        self.assertIn("Mailbox feature", scope.error_message)

    def test_stale_postbox_id_is_looked_up_again(self):
        delivery = self._test_document()
        cached = self.connection.sudo().mailbox_ids.filtered(lambda box: box.name == SALES_POSTBOX)
        cached.exact_id = "00000000-0000-0000-0000-0000000000aa"  # the postbox was recreated
        self._run_cron()
        self.assertEqual(delivery.state, "sent")
        self._assert_one_message(delivery)
        self.assertEqual(cached.exact_id, self.standin.mailbox_id(SALES_POSTBOX))

    def test_expired_connection_waits_then_delivers_after_reconnecting(self):
        delivery = self._test_document()
        self._expire_token()
        self.standin.fault("POST oauth2/token", "drop_after")  # the renewal's answer is lost
        self._run_cron()
        self.assertEqual(delivery.state, "pending")
        self._make_due(delivery)
        self._run_cron()  # the stored refresh token is spent: "Old refresh token used."
        self.assertEqual(self.connection.state, "expired")
        self.assertEqual(delivery.state, "pending", "nothing fails")
        self.assertIn("Waiting for the Exact Online connection", delivery.error_message)
        self.assertTrue(self.connection.activity_ids)
        self._make_due(delivery)
        self._run_cron()  # expired: the delivery waits without any call
        self.assertEqual(self.standin.calls("POST mailbox"), 0)
        self._connect()
        self._run_cron()
        self.assertEqual(delivery.state, "sent", "nothing lost")
        self._assert_one_message(delivery)

    def test_status_is_read_in_batches_and_problems_become_todos(self):
        invoices = self.env["account.move"]
        for _n in range(3):
            invoices |= self._invoice(post=False)
        invoices.action_post()
        self._run_cron()
        deliveries = self.Delivery.sudo().search([("move_id", "in", invoices.ids)], order="id")
        self.assertEqual(set(deliveries.mapped("state")), {"sent"})
        for delivery, status in zip(deliveries, (50, 5, 45), strict=True):
            self.standin.set_status(delivery.exact_message_id, status)
        self.standin.counters.clear()
        self.assertEqual(self.Delivery._cron_exact_poll_status(), 1)
        self.assertEqual(self.standin.calls("GET mailbox/MailMessagesSent"), 1, "one call")
        self.env.invalidate_all()
        self.assertEqual(deliveries.mapped("exact_recipient_status"),
                         ["processed", "rejected", "error"])
        self.assertEqual(deliveries.mapped("exact_recipient_status_code"), [50, 5, 45])
        self.assertFalse(invoices[0].activity_ids)
        for invoice in invoices[1:]:
            self.assertEqual(len(invoice.activity_ids), 1)
            self.assertIn("Exact Online", invoice.activity_ids.summary)
        self.assertIn("processing status: Processed",
                      " ".join(deliveries[0].message_ids.mapped("body")))
        # processed and rejected are final: only the error is read again
        self.standin.set_status(deliveries[2].exact_message_id, 50)
        self.Delivery._cron_exact_poll_status()
        self.assertEqual(deliveries[2].exact_recipient_status, "processed")
        self.assertEqual(len(invoices[2].activity_ids), 1, "no second to-do")
        self.assertEqual(self.Delivery._cron_exact_poll_status(), 0, "nothing left to read")
        self.assertEqual(codes.status_key(42), "in_process")

    def test_resend_makes_a_new_message_on_purpose(self):
        delivery = self._test_document()
        self._run_cron()
        first = delivery.exact_message_id
        delivery.action_resend()
        self.assertEqual(delivery.state, "pending")
        self.assertFalse(delivery.exact_message_id)
        self.assertEqual(delivery.exact_send_number, 2)
        self._run_cron()
        self.assertEqual(delivery.state, "sent")
        self.assertNotEqual(delivery.exact_message_id, first)
        subjects = [message["Subject"] for message, _atts in self._messages()]
        self.assertEqual(len(subjects), 2)
        self.assertTrue(subjects[1].endswith(f"[Odoo {delivery.id}-2]"))
        self.assertIn("Resend requested", " ".join(delivery.message_ids.mapped("body")))

    def test_transport_is_declared(self):
        Transport = self.env["exact.transport"]
        self.assertEqual(Transport._exact_keys(), ["api", "email"])
        self.assertEqual(
            [key for key, _label in self.Delivery._fields["transport"].selection],
            ["api", "email"],
        )
        self.assertIsInstance(Transport._exact_for_key("api"), ExactTransportApi)
        with self.assertRaises(KeyError):
            Transport._exact_for_key("pigeon")
