# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Delivery of documents to the Exact Online mailbox, against a real local SMTP server."""

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from unittest.mock import patch

import psycopg2
from odoo import SUPERUSER_ID, api, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools import config as odoo_config
from odoo.tools import mute_logger

from .common import SALES_MAILBOX, SENDER, ExactCommon, drop_committed_company
from .smtp_server import SmtpSink, make_mail_server, real_smtp

CRON = "scrada_exact_bridge.ir_cron_exact_delivery"
FILE_BYTES = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Invoice>caf\xc3\xa9 \xe2\x82\xac 12.50</Invoice>\n'
)
QUIET = ("odoo.addons.mail.models.mail_mail", "odoo.addons.base.models.ir_mail_server",
         "odoo.addons.scrada_exact_bridge.models.exact_mailbox_delivery")


@tagged("post_install", "-at_install")
class TestDelivery(ExactCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sink = SmtpSink().start()
        cls.addClassCleanup(cls.sink.stop)
        cls.mail_server = make_mail_server(cls.env, cls.sink)
        cls.Delivery = cls.env["exact.mailbox.delivery"]
        cls.cron = cls.env.ref(CRON)
        # a sale journal without "send invoices": posting there queues nothing by itself
        cls.plain_sale_journal = cls.env["account.journal"].create(
            {
                "name": "Sales (manual)",
                "code": "SALM",
                "type": "sale",
                "company_id": cls.company.id,
                "exact_mailbox": SALES_MAILBOX,
            }
        )

    def setUp(self):
        super().setUp()
        self.sink.start()
        self.sink.clear()
        self.sink.reject_with = None
        self.sink.reject_on = "RCPT"

    # helpers ------------------------------------------------------------

    def _attachment(self, name="TEST_0001.xml", raw=FILE_BYTES):
        return self.env["ir.attachment"].create(
            {"name": name, "raw": raw, "mimetype": "application/xml"}
        )

    def _queue_test_document(self, name="TEST_0001.xml", raw=FILE_BYTES, **vals):
        attachment = self._attachment(name, raw)
        values = {
            "document_type": "test",
            "company_id": self.company.id,
            "journal_id": self.sale_journal.id,
            "attachment_id": attachment.id,
        }
        values.update(vals)
        return self.Delivery._exact_enqueue([values])

    def _run_cron(self):
        """Run the scheduled action as the cron does, with real SMTP connections."""
        with real_smtp(), mute_logger(*QUIET):
            self.cron.sudo().method_direct_trigger()

    def _make_due(self, delivery):
        delivery.sudo().next_attempt_date = fields.Datetime.now() - timedelta(seconds=1)

    def _invoice(self, move_type="out_invoice"):
        return self.init_invoice(
            move_type, partner=self.partner_a, products=self.product_a,
            journal=self.plain_sale_journal, post=True,
        )

    def _assert_one_mail(self, delivery, name="TEST_0001.xml", raw=FILE_BYTES):
        self.assertEqual(len(self.sink.messages), 1, "exactly one mail reaches the server")
        message = self.sink.messages[0]
        envelope = self.sink.envelopes[0]
        self.assertEqual(envelope["rcpt_tos"], [delivery.mailbox])
        self.assertEqual([a.addr_spec for a in message["To"].addresses], [delivery.mailbox])
        self.assertEqual([a.addr_spec for a in message["From"].addresses], [SENDER])
        self.assertEqual(message["From"].addresses[0].display_name, "Lab BV")
        self.assertEqual(envelope["mail_from"], SENDER)
        self.assertEqual(message["X-Exact-Delivery-Id"], str(delivery.id))
        self.assertIn(name, message["Subject"])
        self.assertIn("Lab BV", message["Subject"])
        attachments = list(message.iter_attachments())
        self.assertEqual(len(attachments), 1, "one document, one attachment")
        self.assertEqual(attachments[0].get_filename(), name)
        self.assertEqual(attachments[0].get_content_type(), "application/xml")
        self.assertEqual(attachments[0].get_payload(decode=True), raw)
        return message

    # tests --------------------------------------------------------------

    def test_queue_triggers_cron_and_sends_once(self):
        before = self.env["ir.cron.trigger"].sudo().search_count([("cron_id", "=", self.cron.id)])
        delivery = self._queue_test_document()
        self.assertEqual(delivery.state, "pending")
        self.assertEqual(delivery.mailbox, SALES_MAILBOX)
        self.assertTrue(delivery.queued_date)
        after = self.env["ir.cron.trigger"].sudo().search_count([("cron_id", "=", self.cron.id)])
        self.assertEqual(after, before + 1, "queueing wakes the cron up at once")

        self._run_cron()
        self.assertEqual(delivery.state, "sent")
        self.assertEqual(delivery.attempts, 1)
        self.assertTrue(delivery.sent_date)
        self.assertFalse(delivery.error_message)
        message = self._assert_one_mail(delivery)
        self.assertNotIn("Invoice", message.get_body(("plain", "html")).get_content())
        mail = delivery.mail_id
        self.assertEqual(mail.state, "sent")
        self.assertFalse(mail.auto_delete)
        self.assertEqual((mail.model, mail.res_id), (delivery._name, delivery.id))
        # the mail's attachment is owned by its message: never turned into a download link
        self.assertEqual(mail.attachment_ids.res_model, "mail.message")
        self.assertEqual(mail.attachment_ids.raw, FILE_BYTES)
        chatter = " ".join(delivery.message_ids.mapped("body"))
        self.assertIn("Sent to the Exact Online mailbox", chatter)

        # exactly once: nothing automatic sends it again
        self._run_cron()
        self.Delivery._cron_process()
        self.assertEqual(len(self.sink.messages), 1)
        self.assertEqual(delivery.attempts, 1)

    def test_posted_invoice_and_credit_note(self):
        invoice = self._invoice()
        refund = self._invoice("out_refund")
        deliveries = self.Delivery._exact_enqueue(
            [
                {"move_id": invoice.id, "attachment_id": self._attachment("INV_1.xml").id},
                {"move_id": refund.id, "attachment_id": self._attachment("RINV_1.xml").id},
            ]
        )
        self.assertEqual(deliveries.mapped("document_type"), ["invoice", "credit_note"])
        self.assertEqual(deliveries.journal_id, self.plain_sale_journal)
        self.assertEqual(deliveries.company_id, self.company)
        self.assertEqual(deliveries.mapped("name"), [invoice.name, refund.name])
        # a second queueing of the same document returns the live delivery
        again = self.Delivery._exact_enqueue([{"move_id": invoice.id}])
        self.assertEqual(again, deliveries[0])
        self.assertEqual(self.Delivery.search_count([("move_id", "=", invoice.id)]), 1)

        self._run_cron()
        self.assertEqual(deliveries.mapped("state"), ["sent", "sent"])
        self.assertEqual(len(self.sink.messages), 2)
        subjects = sorted(message["Subject"] for message in self.sink.messages)
        self.assertEqual(len(set(subjects)), 2, "subjects are unique per document")
        self.assertTrue(any(invoice.name in subject for subject in subjects))
        bodies = " ".join(invoice.message_ids.mapped("body"))
        self.assertIn("Queued for delivery", bodies)
        self.assertIn("Sent to the Exact Online mailbox", bodies)
        # still sent: queueing again does not create or send anything
        self.assertEqual(self.Delivery._exact_enqueue([{"move_id": invoice.id}]), deliveries[0])
        self._run_cron()
        self.assertEqual(len(self.sink.messages), 2)

    def test_second_live_delivery_is_refused_by_the_database(self):
        invoice = self._invoice()
        self.Delivery._exact_enqueue([{"move_id": invoice.id}])
        with self.assertRaises(psycopg2.IntegrityError), mute_logger("odoo.sql_db"):
            with self.env.cr.savepoint():
                self.Delivery.sudo().create(
                    {"move_id": invoice.id, "company_id": self.company.id, "state": "pending"}
                )

    def test_file_is_built_lazily_once(self):
        invoice = self._invoice()
        delivery = self.Delivery._exact_enqueue([{"move_id": invoice.id}])
        built = {"name": "INV_2019_00001.xml", "raw": FILE_BYTES, "mimetype": "application/xml",
                 "notes": ["sent without PDF"]}
        Move = self.registry["account.move"]
        with patch.object(Move, "_exact_prepare_file", create=True, return_value=built) as build:
            self._run_cron()
            self._run_cron()
        self.assertEqual(build.call_count, 1)
        self.assertEqual(delivery.state, "sent")
        self.assertEqual(delivery.notes, "sent without PDF")
        self.assertEqual(delivery.attachment_id.raw, FILE_BYTES)
        self.assertEqual(
            (delivery.attachment_id.res_model, delivery.attachment_id.res_id),
            (delivery._name, delivery.id),
        )
        self._assert_one_mail(delivery, name="INV_2019_00001.xml")

    def test_file_builder_error_fails_with_activity(self):
        invoice = self._invoice()
        delivery = self.Delivery._exact_enqueue([{"move_id": invoice.id}])
        Move = self.registry["account.move"]
        error = UserError("The customer has no VAT number.")
        with patch.object(Move, "_exact_prepare_file", create=True, side_effect=error):
            self._run_cron()
        self.assertEqual(delivery.state, "failed")
        self.assertIn("The customer has no VAT number.", delivery.error_message)
        self.assertFalse(delivery.attachment_id)
        self.assertFalse(delivery.mail_id, "never mailed")
        self.assertFalse(self.sink.messages)
        activity = invoice.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.company._exact_responsible_user())
        self.assertEqual(activity.activity_type_id, self.env.ref("mail.mail_activity_data_todo"))
        # the data is fixed, a person resends: the file is built, sent, the to-do is done
        built = {"name": "INV_FIXED.xml", "raw": FILE_BYTES, "mimetype": "application/xml"}
        delivery.action_resend()
        with patch.object(Move, "_exact_prepare_file", create=True, return_value=built):
            self._run_cron()
        self.assertEqual(delivery.state, "sent")
        self._assert_one_mail(delivery, name="INV_FIXED.xml")
        self.assertFalse(invoice.activity_ids)

    def test_server_down_then_up_is_delivered_exactly_once(self):
        port = self.sink.port
        self.sink.stop()
        delivery = self._queue_test_document()
        triggers = self.env["ir.cron.trigger"].sudo().search([("cron_id", "=", self.cron.id)])

        self._run_cron()
        self.assertEqual(delivery.state, "pending")
        self.assertEqual(delivery.attempts, 1)
        self.assertIn("refused the connection", delivery.error_message)
        self.assertEqual(delivery.mail_id.state, "exception")
        self.assertGreater(delivery.next_attempt_date, fields.Datetime.now())
        new_triggers = self.env["ir.cron.trigger"].sudo().search(
            [("cron_id", "=", self.cron.id), ("id", "not in", triggers.ids)]
        )
        self.assertIn(delivery.next_attempt_date, new_triggers.mapped("call_at"),
                      "the cron is woken up when the retry is due")
        first_mail = delivery.mail_id

        self._run_cron()  # not due yet: nothing happens
        self.assertEqual(delivery.attempts, 1)

        self.sink.start()
        self.assertEqual(self.sink.port, port)
        self._make_due(delivery)
        self._run_cron()
        self.assertEqual(delivery.state, "sent")
        self.assertEqual(delivery.attempts, 2)
        self.assertEqual(delivery.mail_id, first_mail, "the retry re-uses the same mail")
        self._assert_one_mail(delivery)
        self._make_due(delivery)
        self._run_cron()
        self.assertEqual(len(self.sink.messages), 1)

    def test_temporary_refusal_gives_up_after_max_attempts(self):
        self.company.exact_max_attempts = 2
        self.sink.reject_with = (451, "4.3.0 try later")
        delivery = self._queue_test_document()
        self._run_cron()
        self.assertEqual((delivery.state, delivery.attempts), ("pending", 1))
        self.assertIn("451", delivery.error_message)
        first_wait = delivery.next_attempt_date
        self._make_due(delivery)
        self._run_cron()
        self.assertEqual((delivery.state, delivery.attempts), ("failed", 2))
        self.assertIn("Gave up after 2 attempts", delivery.error_message)
        self.assertTrue(first_wait)
        self.assertEqual(self.sink.rejections, 2)
        self.assertFalse(self.sink.messages)
        activity = delivery.activity_ids
        self.assertEqual(len(activity), 1, "a test document has no source: activity on delivery")
        self.assertEqual(activity.user_id, self.company._exact_responsible_user())
        self._make_due(delivery)
        self._run_cron()
        self.assertEqual(self.sink.rejections, 2, "a failed delivery is never retried by itself")

    def test_permanent_refusal_fails_at_once(self):
        self.sink.reject_with = (550, "5.1.1 unknown recipient")
        delivery = self._queue_test_document()
        self._run_cron()
        self.assertEqual((delivery.state, delivery.attempts), ("failed", 1))
        self.assertIn("550", delivery.error_message)
        self.assertIn(SALES_MAILBOX, delivery.error_message)
        self.assertEqual(self.sink.rejections, 1)
        self.assertTrue(delivery.activity_ids)

    def test_one_bad_document_does_not_block_the_others(self):
        bad_mailbox = self._queue_test_document("BAD.xml", mailbox="not a mailbox")
        missing_file = self._queue_test_document("EMPTY.xml")
        missing_file.attachment_id.sudo().unlink()
        empty = self._queue_test_document("EMPTY2.xml", raw=b"")
        good = self._queue_test_document("GOOD.xml")
        self._run_cron()
        self.assertEqual(bad_mailbox.state, "failed")
        self.assertIn("not a valid e-mail address", bad_mailbox.error_message)
        self.assertEqual(missing_file.state, "failed")
        self.assertIn("no longer exists", missing_file.error_message)
        self.assertEqual(empty.state, "failed")
        self.assertIn("missing or empty", empty.error_message)
        self.assertEqual(good.state, "sent")
        self._assert_one_mail(good, name="GOOD.xml")
        self.assertEqual(self.sink.rejections, 0, "permanent problems never reach the server")

    def test_sender_would_be_rewritten(self):
        alias_domain = self.env["mail.alias.domain"].sudo().create({"name": "other.example"})
        self.company.alias_domain_id = alias_domain
        self.mail_server.from_filter = "other.example"
        delivery = self._queue_test_document()
        self._run_cron()
        self.assertEqual(delivery.state, "failed")
        self.assertIn("notifications@other.example", delivery.error_message)
        self.assertFalse(self.sink.messages)

    def test_disabled_company_waits(self):
        self.company.exact_enabled = False
        delivery = self._queue_test_document()
        self._run_cron()
        self.assertEqual((delivery.state, delivery.attempts), ("pending", 0))
        self.assertFalse(self.sink.messages)
        self.company.exact_enabled = True
        self._run_cron()
        self.assertEqual(delivery.state, "sent")

    def test_resend_sends_a_new_mail(self):
        delivery = self._queue_test_document()
        self._run_cron()
        first_mail = delivery.mail_id
        with self.assertRaises(UserError):
            self._queue_test_document().action_resend()  # pending: nothing to resend
        delivery.with_user(self.env.user).action_resend()
        self.assertEqual(delivery.state, "pending")
        self.assertFalse(delivery.mail_id)
        self._run_cron()
        self.assertEqual(delivery.state, "sent")
        self.assertNotEqual(delivery.mail_id, first_mail)
        self.assertEqual(first_mail.state, "sent", "the first mail stays as history")
        mails_of_delivery = [m for m in self.sink.messages
                             if m["X-Exact-Delivery-Id"] == str(delivery.id)]
        self.assertEqual(len(mails_of_delivery), 2)
        self.assertIn("Resend requested", " ".join(delivery.message_ids.mapped("body")))

    def test_resend_of_failed_and_rights(self):
        self.sink.reject_with = (550, "5.1.1 unknown recipient")
        delivery = self._queue_test_document()
        self._run_cron()
        self.assertEqual(delivery.state, "failed")
        billing = new_test_user(
            self.env, login="exact_billing", groups="account.group_account_invoice",
            company_id=self.company.id, company_ids=[self.company.id],
        )
        with self.assertRaises(AccessError):
            delivery.with_user(billing).action_resend()
        with self.assertRaises(AccessError):
            delivery.with_user(billing).action_cancel()
        self.assertEqual(delivery.with_user(billing).state, "failed", "billing users can read")
        self.sink.reject_with = None
        self.sale_journal.exact_mailbox = "y66j@verkoop.exactonline.be"
        delivery.action_resend()
        self.assertEqual(delivery.mailbox, "y66j@verkoop.exactonline.be", "resend takes the "
                         "journal's current mailbox")
        self._run_cron()
        self.assertEqual(delivery.state, "sent")
        self.assertEqual(self.sink.envelopes[-1]["rcpt_tos"], ["y66j@verkoop.exactonline.be"])

    def test_cancel_stops_a_pending_delivery(self):
        self.sink.stop()
        delivery = self._queue_test_document()
        self._run_cron()
        self.assertEqual(delivery.state, "pending")
        delivery.action_cancel()
        self.assertEqual(delivery.state, "cancelled")
        self.assertEqual(delivery.mail_id.state, "cancel")
        self.sink.start()
        self._make_due(delivery)
        self._run_cron()
        self.assertEqual(delivery.state, "cancelled")
        self.assertFalse(self.sink.messages)
        sent = self._queue_test_document("SENT.xml")
        self._run_cron()
        with self.assertRaises(UserError):
            sent.action_cancel()

    def test_interrupted_send_is_not_resent_blindly(self):
        delivery = self._queue_test_document()
        delivery.sudo()._exact_arm_all()  # step 1 done
        # step 2 began (the mail may be at the server), then the process "dies"
        delivery.sudo().handed_date = fields.Datetime.now()
        self.assertEqual(delivery.state, "sending")
        self.assertEqual(delivery.mail_id.state, "cancel", "Odoo's queue must not pick it up")
        with real_smtp():
            self.env["mail.mail"].sudo().process_email_queue(ids=delivery.mail_id.ids)
        self.assertFalse(self.sink.messages)
        delivery.sudo().sending_date = fields.Datetime.now() - timedelta(hours=1)
        self._run_cron()
        self.assertEqual(delivery.state, "failed")
        self.assertIn("may or may not have reached", delivery.error_message)
        self.assertTrue(delivery.activity_ids)
        self.assertFalse(self.sink.messages)

    def test_interrupted_after_the_mail_was_sent_is_reconciled(self):
        delivery = self._queue_test_document()
        delivery.sudo()._exact_arm_all()
        delivery.sudo().handed_date = fields.Datetime.now()
        delivery.mail_id.sudo().write({"state": "sent"})
        delivery.sudo().sending_date = fields.Datetime.now() - timedelta(hours=1)
        self._run_cron()
        self.assertEqual(delivery.state, "sent")
        self.assertFalse(self.sink.messages)

    def test_journal_counters_and_action(self):
        sent = self._queue_test_document("A.xml")
        self._run_cron()
        self.sink.reject_with = (550, "5.1.1 unknown recipient")
        self._queue_test_document("B.xml")
        self._run_cron()
        self.sink.stop()
        self._queue_test_document("C.xml")
        self._run_cron()
        journal = self.sale_journal
        journal.invalidate_recordset()
        self.assertEqual(journal.exact_delivery_count, 3)
        self.assertEqual(journal.exact_delivery_pending_count, 1)
        self.assertEqual(journal.exact_delivery_failed_count, 1)
        self.assertEqual(journal.exact_last_sent_date, sent.sent_date)
        self.assertEqual(self.cash_journal.exact_delivery_count, 0)
        action = journal.action_exact_open_deliveries()
        self.assertEqual(action["res_model"], "exact.mailbox.delivery")
        self.assertEqual(self.Delivery.search_count(action["domain"]), 3)


@tagged("post_install", "-at_install")
class TestDeliveryConcurrency(TransactionCase):
    """Two cron workers at the same time never send a document twice.

    The records must be committed to be seen by the workers' cursors: they are created by a
    dedicated cursor and removed again in a cleanup.
    """

    DOCUMENTS = 6

    def _cleanup(self, company_id, server_id, delivery_ids, attachment_ids, trigger_ids):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            deliveries = env["exact.mailbox.delivery"].browse(delivery_ids).exists()
            mails = env["mail.mail"].search(
                [("model", "=", "exact.mailbox.delivery"), ("res_id", "in", delivery_ids)]
            )
            mails.unlink()
            env["ir.attachment"].search(
                [("res_model", "=", "exact.mailbox.delivery"), ("res_id", "in", delivery_ids)]
            ).unlink()
            deliveries.unlink()
            env["ir.attachment"].browse(attachment_ids).exists().unlink()
            env["ir.mail_server"].browse(server_id).unlink()
            drop_committed_company(env, company_id, trigger_ids)

    def _commit_queued_company(self, sink, name, count, mailbox):
        """A company ``name`` with a mail server to ``sink`` and ``count`` queued test
        deliveries to ``mailbox``, committed so that workers see them (removed in a cleanup).
        Returns the deliveries' ids."""
        slug = name.split()[0].lower()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            trigger_ids = env["ir.cron.trigger"].search([]).ids
            company = env["res.company"].create(
                {"name": name, "exact_enabled": True,
                 "exact_sender_email": f"boekhouding@{slug}.example"}
            )
            server = make_mail_server(env, sink)
            attachments = env["ir.attachment"].create(
                [{"name": f"{slug.upper()}_{n}.xml", "raw": b"<doc n='%d'/>" % n,
                  "mimetype": "application/xml", "company_id": company.id}
                 for n in range(count)]
            )
            deliveries = env["exact.mailbox.delivery"]._exact_enqueue(
                [{"document_type": "test", "company_id": company.id,
                  "mailbox": mailbox, "attachment_id": attachment.id}
                 for attachment in attachments]
            )
            ids = deliveries.ids
            cr.commit()  # pylint: disable=invalid-commit
            self.addCleanup(self._cleanup, company.id, server.id, ids, attachments.ids,
                            trigger_ids)
        return ids

    def test_two_workers_never_send_the_same_document(self):
        sink = SmtpSink().start()
        self.addCleanup(sink.stop)
        ids = self._commit_queued_company(
            sink, "Concurrency BV", self.DOCUMENTS, "c0nc@verkoop.exactonline.be"
        )

        barrier = threading.Barrier(2)
        errors, processed = [], []

        def worker():
            try:
                with self.registry.cursor() as cr:
                    # Registry(dbname) would wait for the registry lock the test runner holds
                    cr.transaction = api.Transaction(self.registry)
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    barrier.wait(timeout=30)
                    while True:
                        done, _remaining = env["exact.mailbox.delivery"]._exact_process_batch(2)
                        cr.commit()  # pylint: disable=invalid-commit
                        if not done:
                            break
                        processed.append(done)
            except Exception as error:  # reported in the main thread
                errors.append(error)

        with real_smtp(), mute_logger(*QUIET):
            threads = [threading.Thread(target=worker) for _ in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=120)
        self.assertFalse(any(thread.is_alive() for thread in threads), "workers are stuck")
        self.assertFalse(errors)
        self.assertEqual(sum(processed), self.DOCUMENTS)

        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            deliveries = env["exact.mailbox.delivery"].browse(ids)
            self.assertEqual(set(deliveries.mapped("state")), {"sent"})
            self.assertEqual(set(deliveries.mapped("attempts")), {1})
        received = sorted(int(message["X-Exact-Delivery-Id"]) for message in sink.messages)
        self.assertEqual(received, sorted(ids), "each document exactly once")

    def _kill_worker_at_the_server(self, sink):
        """Start a worker process, SIGKILL it while the sink holds its first mail; the id of the
        delivery of that mail."""
        sink.hold = threading.Event()
        self.addCleanup(sink.hold.set)
        worker = subprocess.Popen(
            [sys.executable, "-c", WORKER_SCRIPT, self.env.cr.dbname,
             odoo_config["addons_path"], *_db_args()],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )
        self.addCleanup(lambda: worker.poll() is None and worker.kill())
        held = sink.holding.wait(timeout=180)
        if not held:
            worker.kill()
            output = worker.communicate(timeout=30)[0].decode(errors="replace")
            self.fail(f"the worker never reached the SMTP server:\n{output[-3000:]}")
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
        sink.hold.set()
        (held_message,) = sink.messages
        return int(held_message["X-Exact-Delivery-Id"])

    def test_worker_killed_while_the_server_holds_a_mail(self):
        """Issue 10 #7: a real worker process, killed with SIGKILL while the real SMTP server
        holds its first mail. Only that document needs a person; the others of its batch go
        back to pending at once (no 15-minute wait) and are sent exactly once."""
        sink = SmtpSink().start()
        self.addCleanup(sink.stop)
        ids = self._commit_queued_company(sink, "Killed BV", 3, "k1ll@verkoop.exactonline.be")

        held_id = self._kill_worker_at_the_server(sink)
        others = [delivery_id for delivery_id in ids if delivery_id != held_id]

        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            Delivery = env["exact.mailbox.delivery"]
            killed = Delivery.browse(ids)
            self.assertEqual(set(killed.mapped("state")), {"sending"})
            self.assertTrue(Delivery.browse(held_id).handed_date)
            self.assertFalse(Delivery.browse(others).filtered("handed_date"))
            # PostgreSQL notices the dead client: its session disappears
            for _ in range(100):
                if Delivery._exact_dead_workers(killed.mapped("exact_worker")):
                    break
                time.sleep(0.1)
            with real_smtp(), mute_logger(*QUIET):
                Delivery._exact_reconcile_stale()  # right away: no 15 minutes
                cr.commit()  # pylint: disable=invalid-commit
                self.assertEqual(Delivery.browse(held_id).state, "failed")
                self.assertIn("may or may not have reached",
                              Delivery.browse(held_id).error_message)
                self.assertEqual(set(Delivery.browse(others).mapped("state")), {"pending"})
                self.assertEqual(set(Delivery.browse(others).mapped("attempts")), {0})
                Delivery._exact_process_batch(10)
                cr.commit()  # pylint: disable=invalid-commit
            self.assertEqual(set(Delivery.browse(others).mapped("state")), {"sent"})
            self.assertEqual(Delivery.browse(held_id).state, "failed")
        # (the failure to-do's notification to the accountant is a mail too: not counted)
        received = sorted(int(message["X-Exact-Delivery-Id"]) for message in sink.messages
                          if message["X-Exact-Delivery-Id"])
        self.assertEqual(received, sorted(ids), "each document reached the server once")


def _db_args():
    args = []
    for key, option in (("db_host", "--db_host"), ("db_port", "--db_port"),
                        ("db_user", "--db_user"), ("db_password", "--db_password")):
        if odoo_config.get(key):
            args += [option, str(odoo_config[key])]
    return args


# A delivery worker in its own process: one batch, committing as the cron does.
WORKER_SCRIPT = """
import sys
from odoo.tools import config
config.parse_config(["-d", sys.argv[1], "--addons-path", sys.argv[2], "--max-cron-threads", "0",
                     "--log-level", "warn", *sys.argv[3:]])
from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry
registry = Registry(sys.argv[1])
with registry.cursor() as cr:
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["exact.mailbox.delivery"]._exact_process_batch(10)
    cr.commit()
"""
