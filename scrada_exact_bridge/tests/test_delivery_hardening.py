# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The delivery worker's hardening (issue 10 #1, #4, #6, #7, #8) and what its texts say
(issue 12 #2, #3, #4), against a real SMTP server on 127.0.0.1."""

from datetime import date, timedelta
from unittest.mock import patch

from odoo import fields
from odoo.addons.scrada_exact_bridge.lib import text as text_lib
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import ExactCommon
from .smtp_server import SmtpSink, make_mail_server, real_smtp

CRON = "scrada_exact_bridge.ir_cron_exact_delivery"
QUIET = ("odoo.addons.mail.models.mail_mail", "odoo.addons.base.models.ir_mail_server",
         "odoo.addons.scrada_exact_bridge.models.exact_mailbox_delivery")
DEAD_WORKER = "999999@2000-01-01T00:00:00+00:00"


@tagged("post_install", "-at_install")
class TestDeliveryHardening(ExactCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sink = SmtpSink().start()
        cls.addClassCleanup(cls.sink.stop)
        cls.mail_server = make_mail_server(cls.env, cls.sink, name="Sink of the lab")
        cls.Delivery = cls.env["exact.mailbox.delivery"]
        cls.cron = cls.env.ref(CRON)

    def setUp(self):
        super().setUp()
        self.sink.start()
        self.sink.clear()
        self.sink.reject_with = None

    # helpers ------------------------------------------------------------

    def _queue(self, name="TEST_0001.xml", company=None, **vals):
        company = company or self.company
        attachment = self.env["ir.attachment"].create(
            {"name": name, "raw": b"<Invoice/>", "mimetype": "application/xml",
             "company_id": company.id}
        )
        values = {"document_type": "test", "company_id": company.id,
                  "journal_id": self.sale_journal.id, "attachment_id": attachment.id}
        values.update(vals)
        return self.Delivery._exact_enqueue([values])

    def _run_cron(self):
        # the UBL file itself is test_ubl's subject: a fixed file here
        built = {"name": "INV.xml", "raw": b"<Invoice/>", "mimetype": "application/xml"}
        Move = self.registry["account.move"]
        with real_smtp(), mute_logger(*QUIET), patch.object(
            Move, "_exact_prepare_file", return_value=built
        ):
            self.cron.sudo().method_direct_trigger()

    def _make_due(self, deliveries):
        deliveries.sudo().write({"next_attempt_date": fields.Datetime.now() - timedelta(seconds=1)})

    def _chatter(self, record):
        return " ".join(record.sudo().message_ids.mapped("body"))

    def _cash_line(self, day, amount):
        return self.env["account.bank.statement.line"].create(
            {"journal_id": self.cash_journal.id, "date": day, "exact_cash_type": "cash_receipt",
             "exact_amount_in": amount}
        )

    def _invoice(self):
        return self.init_invoice(
            "out_invoice", partner=self.partner_a, products=self.product_a,
            journal=self.sale_journal, post=True,
        )

    def _use_language(self, code):
        """Activate ``code`` with the addon's translations; the responsible accountant reads it."""
        self.env["res.lang"]._activate_lang(code)
        self.env["ir.module.module"]._load_module_terms(
            ["base", "mail", "scrada_exact_bridge"], [code], overwrite=True
        )
        accountant = new_test_user(
            self.env, login=f"accountant_{code}", groups="account.group_account_manager",
            company_id=self.company.id, company_ids=[self.company.id], lang=code,
        )
        self.company.exact_responsible_id = accountant
        return accountant

    # issue 10 #1: cancel sticks --------------------------------------------

    def test_cancelled_coda_statement_is_never_queued_again(self):
        day = date(2025, 3, 3)
        self._cash_line(day, 25)
        Statement = self.env["account.bank.statement"]
        Statement._cron_exact_close_periods(today=day + timedelta(days=1))
        statement = Statement.search([("journal_id", "=", self.cash_journal.id)])
        self.assertEqual(len(statement), 1)
        delivery = statement.exact_delivery_ids
        self.assertEqual(delivery.state, "pending")
        delivery.action_cancel()
        # the scheduled actions run again, days later: the cancelled statement stays stopped
        for later in (2, 3):
            queued = Statement._cron_exact_close_periods(today=day + timedelta(days=later))
            self.assertNotIn(statement, queued)
        statement.invalidate_recordset()
        self.assertEqual(statement.exact_delivery_ids, delivery)
        self.assertEqual(statement.exact_delivery_state, "cancelled")
        self.assertIn("never sent automatically", self._chatter(delivery))
        # only a person's explicit action queues it again
        statement.action_exact_queue()
        statement.invalidate_recordset()
        self.assertEqual(len(statement.exact_delivery_ids), 2)
        self.assertEqual(statement.exact_delivery_state, "pending")
        with self.assertRaises(UserError):
            statement.action_exact_queue()  # it has a live delivery now

    def test_cancelled_invoice_is_queued_again_only_on_request(self):
        invoice = self._invoice()
        delivery = self.Delivery.search([("move_id", "=", invoice.id)])
        self.assertEqual(delivery.state, "pending")
        delivery.action_cancel()
        self._make_due(delivery)
        self._run_cron()
        self.assertEqual(delivery.state, "cancelled")
        self.assertEqual(self.Delivery.search_count([("move_id", "=", invoice.id)]), 1)
        self.assertFalse(self.sink.messages)
        # the server action on invoices
        action = self.env.ref("scrada_exact_bridge.action_server_exact_send")
        self.assertEqual(action.binding_model_id.model, "account.move")
        result = action.with_context(active_model="account.move", active_ids=invoice.ids).run()
        self.assertEqual(result["params"]["type"], "success")
        again = self.Delivery.search([("move_id", "=", invoice.id), ("state", "=", "pending")])
        self.assertEqual(len(again), 1)
        # twice: nothing more is queued (one live delivery per document)
        result = invoice.action_exact_send()
        self.assertEqual(result["params"]["type"], "warning")
        self.assertEqual(self.Delivery.search_count([("move_id", "=", invoice.id)]), 2)
        self._run_cron()
        self.assertEqual(again.state, "sent", again.error_message)
        self.assertEqual(len(self.sink.messages), 1)

    def test_queue_again_is_for_accounting_managers(self):
        invoice = self._invoice()
        billing = new_test_user(
            self.env, login="billing_only", groups="account.group_account_invoice",
            company_id=self.company.id, company_ids=[self.company.id],
        )
        with self.assertRaises(AccessError):
            invoice.with_user(billing).action_exact_send()

    # issue 12 #2: switched off, nothing lost ----------------------------------

    def test_documents_posted_while_switched_off_wait_and_go_out_after(self):
        self.company.exact_enabled = False
        invoice = self._invoice()
        delivery = self.Delivery.search([("move_id", "=", invoice.id)])
        self.assertEqual(delivery.state, "pending", "queued while paused")
        self._run_cron()
        self.assertEqual(delivery.state, "pending", "it waits while Exact Online is off")
        self.assertEqual(delivery.attempts, 0)
        self.assertFalse(self.sink.messages)
        self.company.exact_enabled = True
        self._run_cron()
        self.assertEqual(delivery.state, "sent", delivery.error_message)
        self.assertEqual(len(self.sink.messages), 1)

    # issue 10 #4: the file belongs to the delivery's company ---------------------

    def test_file_of_another_document_or_company_is_never_sent(self):
        company_b = self.env["res.company"].create({"name": "Other BV"})
        partner_b = self.env["res.partner"].create({"name": "B's customer",
                                                    "company_id": company_b.id})
        file_b = self.env["ir.attachment"].create(
            {"name": "B_INVOICE.xml", "raw": b"<Invoice>B</Invoice>", "company_id": company_b.id,
             "res_model": "res.partner", "res_id": partner_b.id}
        )
        delivery = self._queue()
        self.assertEqual(delivery.attachment_id.res_model, delivery._name,
                         "a file given when queueing becomes the delivery's own")
        self.assertEqual(delivery.attachment_id.res_id, delivery.id)
        self.assertTrue(self.Delivery._fields["attachment_id"].readonly)
        manager = new_test_user(
            self.env, login="manager_a", groups="account.group_account_manager",
            company_id=self.company.id, company_ids=[self.company.id],
        )
        with self.assertRaises(AccessError):
            delivery.with_user(manager).write({"attachment_id": file_b.id})
        with self.assertRaises(UserError):  # company check, even for the addon's own code
            delivery.sudo().write({"attachment_id": file_b.id})
        with self.assertRaises(UserError):
            self._queue(attachment_id=file_b.id)
        # a file of the same company that belongs to another record: re-checked before sending
        partner_a_file = self.env["ir.attachment"].create(
            {"name": "OTHER.xml", "raw": b"<Invoice>other</Invoice>",
             "company_id": self.company.id, "res_model": "res.partner",
             "res_id": self.partner_a.id}
        )
        delivery.sudo().write({"attachment_id": partner_a_file.id})
        self._run_cron()
        self.assertEqual(delivery.state, "failed")
        self.assertIn("does not belong to this delivery", delivery.error_message)
        self.assertFalse(self.sink.messages)

    # issue 10 #6: one trigger per batch ------------------------------------

    def test_one_cron_trigger_per_queued_batch(self):
        Trigger = self.env["ir.cron.trigger"].sudo()
        before = Trigger.search_count([("cron_id", "=", self.cron.id)])
        attachments = self.env["ir.attachment"].create(
            [{"name": f"DOC_{n}.xml", "raw": b"<d/>"} for n in range(5)]
        )
        deliveries = self.Delivery._exact_enqueue(
            [{"document_type": "test", "company_id": self.company.id,
              "journal_id": self.sale_journal.id, "attachment_id": attachment.id}
             for attachment in attachments]
        )
        self.assertEqual(len(deliveries), 5)
        self.assertEqual(Trigger.search_count([("cron_id", "=", self.cron.id)]), before + 1)

    # issue 10 #7: after a killed worker, only the document at the server needs a person ---

    def test_dead_worker_only_the_handed_document_needs_a_person(self):
        at_server = self._queue("AT_SERVER.xml")
        never_handed = self._queue("NEVER_HANDED.xml")
        live = self._queue("LIVE.xml")
        (at_server | never_handed | live).sudo()._exact_arm_all()
        self.assertEqual(set((at_server | never_handed | live).mapped("state")), {"sending"})
        self.assertTrue(live.exact_worker, "the worker that armed it is recorded")
        # the worker of the first two died (its database session is gone) while the first
        # mail was at the server; the third one's worker (this session) is alive
        (at_server | never_handed).sudo().write({"exact_worker": DEAD_WORKER})
        at_server.sudo().handed_date = fields.Datetime.now()
        with real_smtp(), mute_logger(*QUIET):
            self.Delivery.sudo()._exact_reconcile_stale()
        # no 15-minute wait: the worker is known to be dead
        self.assertEqual(never_handed.state, "pending")
        self.assertEqual(never_handed.attempts, 0, "an attempt that never began does not count")
        self.assertFalse(never_handed.activity_ids)
        self.assertIn("was not sent", self._chatter(never_handed))
        self.assertEqual(at_server.state, "failed")
        self.assertIn("may or may not have reached", at_server.error_message)
        self.assertEqual(live.state, "sending", "a live worker's delivery is left alone")
        self._run_cron()
        self.assertEqual(never_handed.state, "sent")
        self.assertEqual(at_server.state, "failed", "never resent blindly")
        subjects = [message["Subject"] for message in self.sink.messages]
        self.assertFalse([s for s in subjects if "AT_SERVER" in s])
        self.assertEqual(len([s for s in subjects if "NEVER_HANDED" in s]), 1)

    # issue 10 #8: control characters in the company name ---------------------------

    def test_line_break_in_company_name_is_cleaned_for_the_headers(self):
        self.company.name = "Lab\r\nBV\t"
        delivery = self._queue()
        self._run_cron()
        self.assertEqual(delivery.state, "sent")
        (message,) = self.sink.messages
        self.assertEqual(message["From"].addresses[0].display_name, "Lab BV")
        self.assertNotIn("\n", str(message["Subject"]))
        self.assertTrue(str(message["Subject"]).startswith("Lab BV"))

    def test_mail_that_cannot_be_built_fails_at_once(self):
        self.company.name = "Lab\r\nBV"
        delivery = self._queue()
        # as before the fix: the raw name goes into the headers
        with patch.object(text_lib, "header_text", lambda value: "" if value is None else value):
            self._run_cron()
        self.assertEqual(delivery.state, "failed", "not retried as a transient failure")
        self.assertEqual(delivery.attempts, 1)
        self.assertIn("cannot be built", delivery.error_message)
        self.assertTrue(delivery.activity_ids or self.sale_journal.activity_ids
                        or delivery.exact_todo_open)
        self.assertFalse(self.sink.messages)

    # issue 12 #4: failure texts a person can act on -----------------------------

    def test_connection_refused_names_the_server_the_fix_and_the_next_attempt(self):
        self.sink.stop()
        delivery = self._queue()
        self._run_cron()
        self.assertEqual(delivery.state, "pending")
        text = delivery.error_message
        first_line = text.split("\n")[0]
        self.assertIn('"Sink of the lab"', first_line)
        self.assertIn("refused the connection", first_line)
        self.assertIn("Settings > Technical > Outgoing Mail Servers", first_line)
        self.assertIn("The next attempt is in 1 minute (at ", first_line)
        self.assertNotIn("111", first_line, "the raw error is only the technical detail")
        self.assertIn("Technical detail:", text)
        self.assertIn("Attempt 1 of 5 failed", self._chatter(delivery))
        # second failure: plural
        self._make_due(delivery)
        self._run_cron()
        self.assertIn("The next attempt is in 5 minutes", delivery.error_message)

    # issue 12 #3: the reader's language ------------------------------------------

    def _check_language(self, code, words):
        self._use_language(code)
        self.sink.stop()
        delivery = self._queue()
        self._run_cron()  # run by the cron's user, in English: the texts are the reader's
        self.assertEqual(delivery.state, "pending")
        chatter = self._chatter(delivery)
        self.assertIn(words["queued"], chatter)
        self.assertIn(words["attempt"], chatter)
        self.assertIn(words["refused"], delivery.error_message)
        self.assertIn(words["next"], delivery.error_message)
        self.sink.start()
        self._make_due(delivery)
        self._run_cron()
        self.assertEqual(delivery.state, "sent")
        self.assertIn(words["sent"], self._chatter(delivery))
        (message,) = self.sink.messages
        self.assertIn(words["body"], message.get_body(("html", "plain")).get_content())
        # cancelling, by an English-speaking administrator: noted in the reader's language
        other = self._queue("OTHER.xml")
        other.with_context(lang="en_US").action_cancel()
        self.assertIn(words["cancelled"], self._chatter(other))

    def test_texts_in_dutch(self):
        self._check_language("nl_BE", {
            "queued": "In wachtrij geplaatst",
            "attempt": "Poging 1 van 5 mislukt",
            "refused": "weigerde de verbinding",
            "next": "De volgende poging is over 1 minuut",
            "sent": "Verzonden naar de digitale brievenbus",
            "body": "in het bijgevoegde bestand",
            "cancelled": "Aflevering geannuleerd door",
        })

    def test_texts_in_french(self):
        self._check_language("fr_BE", {
            "queued": "En file d'attente pour envoi",
            "attempt": "La tentative 1 sur 5 a échoué",
            "refused": "a refusé la connexion",
            "next": "La prochaine tentative aura lieu dans 1 minute",
            "sent": "Envoyé",
            "body": "dans le fichier joint",
            "cancelled": "Envoi annulé par",
        })
