# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The Exact Online set-up wizard (e-mail transport; the connection step against the stand-in of
Exact Online is in test_exact_setup_connection.py): steps, validation per step, nothing written
before "Save", warnings confirmed one by one, checklist ticks remembered, re-opening, test
deliveries, and who may run it."""

from odoo import Command
from odoo.addons.mail.tests.common import MockEmail
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import CASH_IBAN, CASH_MAILBOX, SALES_MAILBOX, SENDER, ExactCommon


@tagged("post_install", "-at_install")
class TestExactSetupWizard(ExactCommon, MockEmail):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # start from "nothing configured"
        (cls.sale_journal | cls.cash_journal).write(
            {"exact_send_invoices": False, "exact_send_coda": False, "exact_mailbox": False}
        )
        cls.cash_journal.bank_account_id = False
        cls.company.write({"exact_enabled": False, "exact_sender_email": False})

    def _wizard(self, user=None):
        env = self.env(user=user) if user else self.env
        return env["exact.setup.wizard"].with_company(self.company).create({})

    def _line(self, wizard, journal):
        return wizard.line_ids.filtered(lambda line: line.journal_id == journal)

    def _through_journals(self, wizard, cash=True):
        wizard.write({"exact_enabled": True, "sender_email": SENDER})
        wizard.action_next()
        self.assertEqual(wizard.step, "connection")
        wizard.action_next()
        self._line(wizard, self.sale_journal).write(
            {"send": True, "transport": "email", "mailbox": SALES_MAILBOX}
        )
        if cash:
            # CODA by e-mail is unconfirmed: the wizard warns, the accountant confirms
            self._line(wizard, self.cash_journal).write(
                {"send": True, "transport": "email", "mailbox": CASH_MAILBOX,
                 "warning_confirmed": True}
            )
        wizard.action_next()
        return wizard

    def _save(self, wizard):
        """From the IBAN step (or the checklist), through "Save" to the test step."""
        if wizard.step == "iban":
            wizard.action_next()
        self.assertEqual(wizard.step, "exact")
        wizard.action_next()
        self.assertEqual(wizard.step, "test")
        return wizard

    def _assert_nothing_written(self):
        self.env.invalidate_all()
        self.assertFalse(self.company.exact_enabled)
        self.assertFalse(self.company.exact_sender_email)
        for journal in (self.sale_journal, self.cash_journal):
            self.assertFalse(journal.exact_mailbox)
            self.assertFalse(journal.exact_send_invoices or journal.exact_send_coda)
        self.assertFalse(self.cash_journal.bank_account_id)

    # ------------------------------------------------------------------

    def test_lines_are_the_sale_and_cash_journals(self):
        wizard = self._wizard()
        self.assertEqual(wizard.step, "activate")
        self.assertFalse(wizard.exact_enabled)
        journals = wizard.line_ids.journal_id
        self.assertIn(self.sale_journal, journals)
        self.assertIn(self.cash_journal, journals)
        self.assertEqual(set(journals.mapped("type")), {"sale", "cash"})
        self.assertEqual(wizard.sale_line_ids.journal_id.mapped("type"), ["sale"] * len(
            wizard.sale_line_ids))
        self.assertTrue(all(t == "cash" for t in wizard.cash_line_ids.journal_id.mapped("type")))
        self.assertFalse(wizard.configured_summary)

    def test_full_flow_writes_only_when_saved(self):
        wizard = self._wizard()
        wizard.write({"exact_enabled": True, "sender_email": "  Boekhouding@Lab.Example "})
        action = wizard.action_next()
        self.assertEqual(action["res_model"], "exact.setup.wizard")
        self.assertEqual(action["res_id"], wizard.id)
        self.assertEqual(wizard.step, "connection")
        self.assertEqual(wizard.sender_email, SENDER)
        wizard.action_next()
        self.assertEqual(wizard.step, "journals")

        self._line(wizard, self.sale_journal).write(
            {"send": True, "transport": "email", "mailbox": SALES_MAILBOX}
        )
        cash_line = self._line(wizard, self.cash_journal)
        cash_line.write({"send": True, "transport": "email", "mailbox": CASH_MAILBOX.upper()})
        self.assertIn("CODA files received by e-mail", cash_line.warning)
        self.assertEqual(cash_line._fields["warning"].type, "text", "a list wraps it: in full")
        with self.assertRaisesRegex(UserError, "Use anyway"):
            wizard.action_next()
        cash_line.warning_confirmed = True
        wizard.action_next()
        self.assertEqual(wizard.step, "iban")
        self.assertEqual(wizard.coda_line_ids.journal_id, self.cash_journal)

        wizard.coda_line_ids.iban = "be83 1388 1173 5115"
        wizard.action_next()
        self.assertEqual(wizard.step, "exact")
        self.assertEqual(wizard.coda_line_ids.iban, "BE83 1388 1173 5115")
        self._assert_nothing_written()

        checklist = " ".join(wizard.check_ids.mapped("text")) + str(wizard.checklist_html)
        for expected in (SENDER, SALES_MAILBOX, CASH_MAILBOX, "BE83 1388 1173 5115",
                         "Other Belgian banks", "57xxxx", "55xxxx",
                         self.cash_journal.default_account_id.code, "Allowed senders",
                         "to the company (administration) and to this bank account",
                         "CodaBox", "e-mail route for CODA files is unconfirmed"):
            self.assertIn(expected, checklist)
        self.assertNotIn("Bank statements (CODA)", checklist)

        wizard.action_next()  # Save
        self.assertEqual(wizard.step, "test")
        self.assertTrue(wizard.saved)
        self.assertTrue(self.company.exact_enabled)
        self.assertEqual(self.company.exact_sender_email, SENDER)
        self.assertTrue(self.sale_journal.exact_send_invoices)
        self.assertEqual(self.sale_journal.exact_mailbox, SALES_MAILBOX)
        self.assertEqual(self.sale_journal.exact_transport, "email")
        self.assertEqual(self.cash_journal.exact_mailbox, CASH_MAILBOX)
        self.assertTrue(self.cash_journal.exact_send_coda)
        self.assertEqual(self.cash_journal.bank_account_id.sanitized_acc_number, CASH_IBAN)
        self.assertEqual(self.cash_journal.bank_account_id.partner_id, self.company.partner_id)
        self.assertEqual(self.cash_journal._exact_config_problems(), [])
        self.assertEqual(wizard.action_next()["type"], "ir.actions.act_window_close")

    def test_closing_halfway_writes_nothing(self):
        wizard = self._through_journals(self._wizard())
        wizard.coda_line_ids.iban = CASH_IBAN
        wizard.action_next()
        self.assertEqual(wizard.step, "exact")
        wizard.unlink()  # the dialog closed
        self._assert_nothing_written()

    def test_warnings_are_confirmed_one_by_one(self):
        wizard = self._wizard()
        wizard.write({"exact_enabled": True, "sender_email": SENDER})
        wizard.action_next()
        wizard.action_next()
        sale_line = self._line(wizard, self.sale_journal)
        cash_line = self._line(wizard, self.cash_journal)
        sale_line.write({"send": True, "transport": "email",
                         "mailbox": "p9q@inkoop.exactonline.be"})
        cash_line.write({"send": True, "transport": "email", "mailbox": SALES_MAILBOX})
        with self.assertRaises(UserError) as refusal:
            wizard.action_next()
        text = str(refusal.exception)
        self.assertIn("p9q@inkoop.exactonline.be", text)
        self.assertIn("purchase-invoice (scan) address", text)
        self.assertIn("sales-invoice address", text)
        self.assertEqual(wizard.step, "journals")
        sale_line.warning_confirmed = True
        with self.assertRaisesRegex(UserError, "sales-invoice address") as refusal:
            wizard.action_next()
        self.assertNotIn("purchase-invoice", str(refusal.exception))
        cash_line.warning_confirmed = True
        wizard.action_next()
        self.assertEqual(wizard.step, "iban")
        self._assert_nothing_written()

    def test_checklist_ticks_are_remembered(self):
        wizard = self._through_journals(self._wizard())
        wizard.coda_line_ids.iban = CASH_IBAN
        wizard.action_next()
        sender_item = wizard.check_ids.filtered(lambda c: c.key.startswith("sender:"))
        bank_item = wizard.check_ids.filtered(lambda c: c.key.startswith("cash_bank:"))
        self.assertEqual(len(sender_item), 1)
        self.assertEqual(len(bank_item), 1)
        self.assertFalse(any(wizard.check_ids.mapped("done")))
        (sender_item | bank_item).write({"done": True})
        self._save(wizard)

        again = self._wizard()
        again.action_next()
        again.action_next()
        again.action_next()
        again.action_next()
        self.assertEqual(again.step, "exact")
        done = again.check_ids.filtered("done")
        self.assertEqual(
            sorted(done.mapped("key")), sorted([sender_item.key, bank_item.key])
        )
        # a changed address is a new item: not ticked
        again.action_previous()
        again.action_previous()
        self._line(again, self.sale_journal).mailbox = "y66j@verkoop.exactonline.be"
        again.action_next()
        again.action_next()
        sender = again.check_ids.filtered(lambda c: c.key.startswith("sender:"))
        self.assertIn("y66j@verkoop.exactonline.be", sender.text)
        self.assertFalse(sender.done)
        self.assertTrue(again.check_ids.filtered(lambda c: c.key == bank_item.key).done)

    def test_back_skips_iban_without_cash(self):
        wizard = self._through_journals(self._wizard(), cash=False)
        self.assertEqual(wizard.step, "exact", "no cash journal sends: no IBAN step")
        self.assertNotIn("Other Belgian banks", " ".join(wizard.check_ids.mapped("text")))
        wizard.action_previous()
        self.assertEqual(wizard.step, "journals")
        wizard.action_previous()
        self.assertEqual(wizard.step, "connection")
        wizard.action_previous()
        self.assertEqual(wizard.step, "activate")

    def test_reopen_shows_configured_values(self):
        wizard = self._through_journals(self._wizard())
        wizard.coda_line_ids.iban = CASH_IBAN
        self._save(wizard)

        again = self._wizard()
        self.assertTrue(again.exact_enabled)
        self.assertEqual(again.sender_email, SENDER)
        sale_line = self._line(again, self.sale_journal)
        cash_line = self._line(again, self.cash_journal)
        self.assertTrue(sale_line.send)
        self.assertEqual(sale_line.mailbox, SALES_MAILBOX)
        self.assertTrue(cash_line.send)
        self.assertEqual(cash_line.transport, "email")
        self.assertEqual(cash_line.mailbox, CASH_MAILBOX)
        self.assertEqual(cash_line.iban.replace(" ", ""), CASH_IBAN)
        self.assertIn(SALES_MAILBOX, str(again.configured_summary))
        self.assertIn(SENDER, str(again.configured_summary))

    def test_activate_step_messages(self):
        wizard = self._wizard()
        wizard.write({"exact_enabled": True, "sender_email": False})
        with self.assertRaisesRegex(UserError, "sender address"):
            wizard.action_next()
        wizard.sender_email = "Lab <boekhouding@lab.example>"
        with self.assertRaisesRegex(UserError, "not a valid sender address"):
            wizard.action_next()
        self.assertEqual(wizard.step, "activate")
        self.assertFalse(self.company.exact_enabled)
        wizard.sender_email = SENDER
        wizard.action_next()
        self.assertEqual(wizard.step, "connection")
        self.assertFalse(self.company.exact_enabled, "nothing written before Save")

    def test_untick_activate_pauses_and_closes(self):
        self.company.write({"exact_enabled": True, "exact_sender_email": SENDER})
        wizard = self._wizard()
        self.assertTrue(wizard.exact_enabled)
        wizard.exact_enabled = False
        self.assertEqual(wizard.action_next()["type"], "ir.actions.act_window_close")
        self.assertFalse(self.company.exact_enabled)
        self.assertEqual(self.company.exact_sender_email, SENDER, "the address is kept")

    def test_journal_step_messages(self):
        wizard = self._wizard()
        wizard.write({"exact_enabled": True, "sender_email": SENDER})
        wizard.action_next()
        wizard.action_next()
        with self.assertRaisesRegex(UserError, "Tick at least one"):
            wizard.action_next()
        sale_line = self._line(wizard, self.sale_journal)
        sale_line.write({"send": True, "transport": "api"})
        with self.assertRaisesRegex(UserError, "connect to Exact Online"):
            wizard.action_next()
        sale_line.transport = "email"
        with self.assertRaisesRegex(UserError, "enter the Exact Online mailbox"):
            wizard.action_next()
        sale_line.mailbox = "not an address"
        self.assertIn("not a valid address", sale_line.warning)
        with self.assertRaisesRegex(UserError, "not a valid mailbox address"):
            wizard.action_next()
        self.assertEqual(wizard.step, "journals")
        self.assertFalse(self.sale_journal.exact_send_invoices)

    def test_mailbox_kind_warnings(self):
        wizard = self._wizard()
        sale_line = self._line(wizard, self.sale_journal)
        cash_line = self._line(wizard, self.cash_journal)
        sale_line.mailbox = "p9q@inkoop.exactonline.be"
        self.assertIn("purchase-invoice", sale_line.warning)
        cash_line.mailbox = SALES_MAILBOX
        self.assertIn("sales-invoice address", cash_line.warning)
        cash_line.mailbox = CASH_MAILBOX
        sale_line.mailbox = SALES_MAILBOX
        self.assertFalse(sale_line.warning)
        self.assertIn("CODA files received by e-mail", cash_line.warning, "e-mail for CODA")
        cash_line.write({"transport": "api", "mailbox": "kasboek@exactonline.be"})
        self.assertFalse(cash_line.warning)
        cash_line.mailbox = SALES_MAILBOX
        self.assertIn("looks like a linked e-mail address", cash_line.warning)
        cash_line.mailbox = False
        # a warning does not block once confirmed: the accountant may know better
        wizard.write({"exact_enabled": True, "sender_email": SENDER})
        wizard.action_next()
        wizard.action_next()
        sale_line.write({"send": True, "mailbox": "p9q@inkoop.exactonline.be"})
        with self.assertRaisesRegex(UserError, "purchase-invoice"):
            wizard.action_next()
        sale_line.warning_confirmed = True
        wizard.action_next()
        self.assertEqual(wizard.step, "exact", "no cash journal: no IBAN step")
        self._save(wizard)
        self.assertEqual(self.sale_journal.exact_mailbox, "p9q@inkoop.exactonline.be")

    def test_iban_step_messages(self):
        wizard = self._through_journals(self._wizard())
        with self.assertRaisesRegex(UserError, "enter the IBAN"):
            wizard.action_next()
        wizard.coda_line_ids.iban = "BE83 1388 1173 5116"
        self.assertTrue(wizard.coda_line_ids.iban_warning)
        with self.assertRaisesRegex(UserError, "not a valid IBAN"):
            wizard.action_next()
        self.assertEqual(wizard.step, "iban")
        self.assertFalse(self.cash_journal.exact_send_coda)

    def test_constraint_error_surfaces_in_its_step(self):
        usd = self.setup_other_currency("USD")
        self.cash_journal.currency_id = usd
        wizard = self._through_journals(self._wizard())
        wizard.coda_line_ids.iban = CASH_IBAN
        wizard.action_next()
        with self.assertRaisesRegex(UserError, "only made for cash journals in EUR"):
            wizard.action_next()
        self.assertEqual(wizard.step, "exact")
        self._assert_nothing_written()

    def test_untick_stops_sending(self):
        wizard = self._through_journals(self._wizard())
        wizard.coda_line_ids.iban = CASH_IBAN
        self._save(wizard)
        again = self._wizard()
        again.action_next()
        again.action_next()
        self._line(again, self.cash_journal).send = False
        again.action_next()
        self.assertEqual(again.step, "exact")
        self.assertTrue(self.cash_journal.exact_send_coda, "not before Save")
        again.action_next()
        self.assertFalse(self.cash_journal.exact_send_coda)
        self.assertTrue(self.sale_journal.exact_send_invoices)

    def test_send_test_document_per_mailbox(self):
        wizard = self._through_journals(self._wizard())
        wizard.coda_line_ids.iban = CASH_IBAN
        self._save(wizard)
        cron = self.env.ref("scrada_exact_bridge.ir_cron_exact_delivery")
        triggers_before = self.env["ir.cron.trigger"].sudo().search_count(
            [("cron_id", "=", cron.id)]
        )
        wizard.action_send_test()
        deliveries = wizard.test_delivery_ids
        self.assertEqual(len(deliveries), 2)
        self.assertEqual(set(deliveries.mapped("document_type")), {"test"})
        self.assertEqual(set(deliveries.mapped("state")), {"pending"})
        self.assertEqual(set(deliveries.mapped("mailbox")), {SALES_MAILBOX, CASH_MAILBOX})
        self.assertEqual(set(deliveries.mapped("transport")), {"email"})
        self.assertEqual(deliveries.journal_id, self.sale_journal | self.cash_journal)
        self.assertFalse(deliveries.move_id)
        self.assertFalse(deliveries.statement_id)
        for delivery in deliveries:
            attachment = delivery.attachment_id
            self.assertTrue(attachment.name.startswith("TEST_"))
            self.assertTrue(attachment.name.endswith(".txt"))
            self.assertEqual(attachment.mimetype, "text/plain")
            self.assertIn(b"TEST - Odoo -> Exact Online", attachment.raw)
            self.assertIn(delivery.mailbox.encode(), attachment.raw)
        self.assertGreater(
            self.env["ir.cron.trigger"].sudo().search_count([("cron_id", "=", cron.id)]),
            triggers_before,
        )
        # a re-opened wizard shows the last test per mailbox
        self.assertEqual(self._wizard().test_delivery_ids, deliveries)

        # the cron mails each test file, one attachment per mail, from the sender
        self.env.flush_all()  # the cron runs in its own transaction, after the wizard's
        with self.mock_mail_gateway():
            self.env["exact.mailbox.delivery"].sudo()._cron_process()
        wizard.action_refresh()
        self.assertEqual(set(wizard.test_delivery_ids.mapped("state")), {"sent"})
        for delivery in deliveries:
            self.assertSentEmail(
                f'"{self.company.name}" <{SENDER}>',
                [delivery.mailbox],
                attachments_info=[
                    {"name": delivery.attachment_id.name, "type": "text/plain"}
                ],
            )

    def test_send_test_needs_a_configured_journal(self):
        self.company.write({"exact_enabled": True, "exact_sender_email": SENDER})
        wizard = self._wizard()
        with self.assertRaisesRegex(UserError, "No journal sends to Exact Online"):
            wizard.action_send_test()
        self.company.exact_enabled = False
        with self.assertRaisesRegex(UserError, "Activate Exact Online"):
            wizard.action_send_test()

    def test_accounting_manager_who_is_not_admin(self):
        manager = new_test_user(
            self.env,
            login="exact_manager",
            groups="account.group_account_manager",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        self.assertFalse(manager.has_group("base.group_erp_manager"))
        self.assertFalse(manager.has_group("base.group_system"))
        with self.assertRaises(AccessError):
            self.company.with_user(manager).write({"exact_enabled": True})
        wizard = self._through_journals(self._wizard(user=manager))
        wizard.coda_line_ids.iban = CASH_IBAN
        self._save(wizard)
        self.assertTrue(self.company.exact_enabled)
        self.assertEqual(self.company.exact_sender_email, SENDER)
        self.assertTrue(self.cash_journal.exact_send_coda)
        wizard.action_send_test()
        self.assertEqual(len(wizard.test_delivery_ids), 2)

    def test_billing_user_refused(self):
        billing = new_test_user(
            self.env,
            login="exact_billing",
            groups="account.group_account_invoice",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        with self.assertRaises(AccessError):
            self._wizard(user=billing)
        # even with a wizard made for them, applying is refused
        wizard = self._wizard().with_user(billing)
        wizard.sudo().write({"exact_enabled": True, "sender_email": SENDER})
        with self.assertRaisesRegex(AccessError, "Only accounting administrators"):
            wizard.sudo(False).action_next()
        with self.assertRaisesRegex(AccessError, "Only accounting administrators"):
            wizard.action_send_test()
        self.assertFalse(self.company.exact_enabled)

    def test_settings_block_opens_the_wizard(self):
        arch = self.env["res.config.settings"].sudo().get_views([(False, "form")])["views"][
            "form"
        ]["arch"]
        action = self.env.ref("scrada_exact_bridge.action_exact_setup_wizard")
        self.assertIn(f'name="{action.id}"', arch)
        self.assertIn("o_exact_open_wizard", arch)
        self.assertEqual(action.res_model, "exact.setup.wizard")
        self.assertEqual(action.target, "new")

