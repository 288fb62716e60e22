# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Issue 12 #1 and #7: what invoices and menus show of Exact Online.

* the badge reads "Exact Online: sent / pending / failed";
* "Reset to Draft" is hidden once the invoice is (being) delivered;
* the invoice list has an optional "Exact Online" column and a "Not yet in Exact Online"
  filter;
* the deliveries and the set-up are in menus that a Community billing administrator and a
  billing user see (they lack "Show Full Accounting Features").
"""

from odoo import Command
from odoo.tests import new_test_user, tagged

from .common import ExactCommon


@tagged("post_install", "-at_install")
class TestInvoiceStatus(ExactCommon):
    def _invoice(self, post=True):
        return self.init_invoice("out_invoice", partner=self.partner_a, amounts=[100.0],
                                 post=post)

    def _delivery(self, invoice):
        return self.env["exact.mailbox.delivery"].search([("move_id", "=", invoice.id)])

    def test_badge_says_exact_online(self):
        selection = dict(
            self.env["account.move"]._fields["exact_delivery_state"]._description_selection(
                self.env
            )
        )
        self.assertEqual(selection["sent"], "Exact Online: sent")
        self.assertEqual(selection["pending"], "Exact Online: pending")
        self.assertEqual(selection["failed"], "Exact Online: failed")
        delivery_states = self.env["exact.mailbox.delivery"]._fields["state"].get_values(self.env)
        self.assertEqual(sorted(selection), sorted(delivery_states), "one set of states")
        # in Dutch too
        self.env["res.lang"]._activate_lang("nl_BE")
        self.env["ir.module.module"]._load_module_terms(
            ["scrada_exact_bridge"], ["nl_BE"], overwrite=True
        )
        dutch = dict(
            self.env["account.move"].with_context(lang="nl_BE")._fields[
                "exact_delivery_state"
            ]._description_selection(self.env["account.move"].with_context(lang="nl_BE").env)
        )
        self.assertTrue(dutch["sent"].startswith("Exact Online: "))
        self.assertNotEqual(dutch["sent"], "Exact Online: sent")

    def test_reset_to_draft_hidden_once_in_exact_online(self):
        invoice = self._invoice()
        delivery = self._delivery(invoice)
        self.assertEqual(delivery.state, "pending")
        self.assertTrue(invoice.show_reset_to_draft_button, "pending: it may still be stopped")
        for state, shown in (("sending", False), ("sent", False), ("failed", True),
                             ("cancelled", True)):
            with self.subTest(state=state):
                delivery.sudo().state = state
                invoice.invalidate_recordset(["show_reset_to_draft_button"])
                self.assertEqual(invoice.show_reset_to_draft_button, shown)
        # the form's button follows the field
        arch = self.env["account.move"].get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="button_draft"', arch)
        self.assertIn("show_reset_to_draft_button", arch)

    def test_list_column_and_not_yet_filter(self):
        sent, failed, pending = self._invoice(), self._invoice(), self._invoice()
        draft = self._invoice(post=False)
        self._delivery(sent).sudo().state = "sent"
        self._delivery(failed).sudo().state = "failed"
        mine = sent | failed | pending | draft
        Move = self.env["account.move"]
        self.assertEqual(
            Move.search([("id", "in", mine.ids), ("exact_delivery_state", "=", "sent")]), sent
        )
        self.assertEqual(
            Move.search([("id", "in", mine.ids), ("exact_delivery_state", "!=", "sent")]),
            failed | pending | draft,
        )
        self.assertEqual(
            Move.search([("id", "in", mine.ids), ("exact_delivery_state", "=", False)]), draft
        )
        self.assertEqual(
            Move.search([("id", "in", mine.ids),
                         ("exact_delivery_state", "in", ["failed", "pending"])]),
            failed | pending,
        )
        # a resent document counts by its latest delivery
        self._delivery(sent).sudo().action_resend()
        self.assertEqual(
            Move.search([("id", "in", mine.ids), ("exact_delivery_state", "=", "pending")]),
            pending | sent,
        )
        self._delivery(sent).sudo().state = "sent"
        # the search view's filter
        search = Move.get_views([(False, "search")])["views"]["search"]["arch"]
        self.assertIn('name="exact_not_sent"', search)
        domain = [
            ("journal_id.exact_send_invoices", "=", True),
            ("move_type", "in", ("out_invoice", "out_refund")),
            ("state", "=", "posted"),
            ("exact_delivery_state", "!=", "sent"),
        ]
        self.assertEqual(Move.search([("id", "in", mine.ids), *domain]), failed | pending)
        # the list's optional column
        action = self.env.ref("account.action_move_out_invoice_type")
        arch = Move.with_context(default_move_type="out_invoice").get_views(
            [(action.view_id.id, "list")]
        )["views"]["list"]["arch"]
        self.assertRegex(arch, r'<field name="exact_delivery_state"[^>]*optional="show"')


@tagged("post_install", "-at_install")
class TestMenus(ExactCommon):
    """The deliveries and the set-up are reachable on Community."""

    def _visible(self, user):
        menus = self.env["ir.ui.menu"].with_user(user)._visible_menu_ids()
        return {
            xmlid: self.env.ref(xmlid).id in menus
            for xmlid in (
                "scrada_exact_bridge.menu_exact_online",
                "scrada_exact_bridge.menu_exact_mailbox_delivery",
                "scrada_exact_bridge.menu_exact_setup_wizard",
                "scrada_exact_bridge.menu_exact_cash_book",
                "account.menu_finance_entries",  # Odoo's "Accounting": not on Community
            )
        }

    def _user(self, login, groups):
        return new_test_user(
            self.env, login=login, groups=groups, company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )

    def test_billing_administrator_and_billing_user(self):
        admin = self._user("community_admin", "base.group_system,account.group_account_manager")
        billing = self._user("community_billing", "account.group_account_invoice")
        for user in (admin, billing):
            self.assertFalse(user.has_group("account.group_account_user"))
        self.assertEqual(
            self._visible(admin),
            {
                "scrada_exact_bridge.menu_exact_online": True,
                "scrada_exact_bridge.menu_exact_mailbox_delivery": True,
                "scrada_exact_bridge.menu_exact_setup_wizard": True,
                "scrada_exact_bridge.menu_exact_cash_book": True,
                "account.menu_finance_entries": False,
            },
        )
        self.assertEqual(
            self._visible(billing),
            {
                "scrada_exact_bridge.menu_exact_online": True,
                "scrada_exact_bridge.menu_exact_mailbox_delivery": True,
                "scrada_exact_bridge.menu_exact_setup_wizard": False,  # administrators only
                "scrada_exact_bridge.menu_exact_cash_book": True,
                "account.menu_finance_entries": False,
            },
        )
        # all under the Invoicing / Accounting app
        root = self.env.ref("account.menu_finance")
        for xmlid in ("scrada_exact_bridge.menu_exact_mailbox_delivery",
                      "scrada_exact_bridge.menu_exact_setup_wizard"):
            self.assertEqual(self.env.ref(xmlid).parent_id.parent_id, root)
        # the deliveries open for both
        for user in (admin, billing):
            self.env["exact.mailbox.delivery"].with_user(user).search([])

    def test_no_accounting_menu_path_left_in_messages(self):
        """Messages name menus that exist on Community and Enterprise."""
        self.company.exact_enabled = False
        journal = self.env["account.journal"].new(
            {"name": "J", "code": "JJJ", "type": "sale", "company_id": self.company.id,
             "exact_mailbox": "a@verkoop.exactonline.be", "exact_send_invoices": True}
        )
        message = "\n".join(journal._exact_config_problems())
        self.assertIn("Invoicing/Accounting > Exact Online > Set-up", message)
        self.assertNotIn("Accounting > Configuration", message)
