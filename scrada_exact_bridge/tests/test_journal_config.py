# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from .common import CASH_IBAN, ExactCommon


@tagged("post_install", "-at_install")
class TestJournalConfig(ExactCommon):
    """Company and journal settings of the Exact Online link (issue 2)."""

    def _new_journal(self, **vals):
        values = {
            "name": "Test journal",
            "code": "TST",
            "type": "sale",
            "company_id": self.company.id,
        }
        values.update(vals)
        return self.env["account.journal"].create(values)

    def assertRaisesMentioning(self, words, func, *args, **kwargs):
        with self.assertRaises(ValidationError) as caught:
            func(*args, **kwargs)
        message = str(caught.exception)
        for word in words:
            self.assertIn(word, message)
        return message

    def test_fields_exist_with_their_names(self):
        journal_fields = self.env["account.journal"]._fields
        self.assertEqual(journal_fields["exact_mailbox"].type, "char")
        self.assertEqual(journal_fields["exact_send_invoices"].type, "boolean")
        self.assertEqual(journal_fields["exact_send_coda"].type, "boolean")
        self.assertEqual(journal_fields["exact_coda_period"].type, "selection")
        self.assertEqual(
            [key for key, _label in journal_fields["exact_coda_period"].selection],
            ["day", "week", "month"],
        )
        company_fields = self.env["res.company"]._fields
        self.assertEqual(company_fields["exact_enabled"].type, "boolean")
        self.assertEqual(company_fields["exact_sender_email"].type, "char")

    def test_defaults(self):
        journal = self._new_journal(type="cash", code="CSHX", name="Cash X")
        self.assertEqual(journal.exact_coda_period, "day")
        self.assertFalse(journal.exact_send_coda)
        self.assertFalse(journal.exact_mailbox)

    def test_valid_configuration_saves_and_mailbox_is_normalised(self):
        journal = self._new_journal(
            exact_mailbox="  X55I@Verkoop.ExactOnline.BE ", exact_send_invoices=True
        )
        self.assertEqual(journal.exact_mailbox, "x55i@verkoop.exactonline.be")
        journal.exact_mailbox = " Other@Verkoop.ExactOnline.be"
        self.assertEqual(journal.exact_mailbox, "other@verkoop.exactonline.be")
        self.assertFalse(journal.exact_mailbox_warning)

    def test_flag_without_mailbox(self):
        self.assertRaisesMentioning(
            ["Test journal", "mailbox"], self._new_journal, exact_send_invoices=True
        )
        journal = self._new_journal(exact_mailbox="a1@verkoop.exactonline.be")
        self.assertRaisesMentioning(
            ["Test journal"], journal.write, {"exact_mailbox": False, "exact_send_invoices": True}
        )

    def test_invalid_mailbox(self):
        for address in ("not-an-address", "name <a@b.be>", "a@b", "a@@b.be", "a b@c.be"):
            with self.subTest(address=address):
                self.assertRaisesMentioning(
                    ["not a valid mailbox address"], self._new_journal, exact_mailbox=address
                )

    def test_send_flag_on_wrong_journal_type(self):
        mailbox = "a1@verkoop.exactonline.be"
        self.assertRaisesMentioning(
            ["only for sales"],
            self._new_journal,
            type="purchase",
            exact_mailbox=mailbox,
            exact_send_invoices=True,
        )
        self.assertRaisesMentioning(
            ["only for cash"],
            self._new_journal,
            type="sale",
            exact_mailbox=mailbox,
            exact_send_coda=True,
        )
        self.assertRaisesMentioning(
            ["only for cash"],
            self._new_journal,
            type="bank",
            code="BNKX",
            exact_mailbox=mailbox,
            exact_send_coda=True,
        )

    def test_coda_needs_a_valid_iban(self):
        vals = {
            "type": "cash",
            "code": "CSHX",
            "name": "Kassa X",
            "exact_mailbox": "k1@bank.exactonline.be",
            "exact_send_coda": True,
        }
        self.assertRaisesMentioning(["Kassa X", "no IBAN"], self._new_journal, **vals)
        # wrong Belgian check digits (mod-97 of the IBAN itself also fails)
        self.assertRaisesMentioning(
            ["not a valid IBAN"],
            self._new_journal,
            bank_acc_number="BE83138811735116",
            **vals,
        )
        # a bank code that belongs to no known bank is fine for a cash book
        journal = self._new_journal(bank_acc_number="BE83 1388 1173 5115", **vals)
        self.assertEqual(journal.bank_account_id.sanitized_acc_number, CASH_IBAN)
        self.assertEqual(journal.bank_account_id.partner_id, self.company.partner_id)

    def test_cash_journal_keeps_its_bank_acc_number(self):
        """Odoo drops bank_acc_number on cash journals; the addon keeps it."""
        journal = self._new_journal(type="cash", code="CSHY", name="Kassa Y")
        journal.write({"bank_acc_number": "BE71 0961 2345 6769"})
        self.assertEqual(journal.bank_account_id.sanitized_acc_number, "BE71096123456769")
        # and the number can be set together with the flag in one write
        other = self._new_journal(type="cash", code="CSHZ", name="Kassa Z")
        other.write(
            {
                "bank_acc_number": "BE68539007547034",
                "exact_mailbox": "k2@bank.exactonline.be",
                "exact_send_coda": True,
            }
        )
        self.assertTrue(other.exact_send_coda)
        self.assertEqual(other.bank_account_id.sanitized_acc_number, "BE68539007547034")

    def test_coda_only_in_eur(self):
        usd = self.env.ref("base.USD")
        usd.active = True
        self.assertRaisesMentioning(
            ["USD", "EUR"],
            self._new_journal,
            type="cash",
            code="CSHU",
            name="Cash USD",
            currency_id=usd.id,
            bank_acc_number="BE71096123456769",
            exact_mailbox="k3@bank.exactonline.be",
            exact_send_coda=True,
        )

    def test_flags_refused_while_company_not_activated(self):
        journal = self._new_journal(exact_mailbox="a2@verkoop.exactonline.be")
        self.company.exact_enabled = False
        self.assertRaisesMentioning(
            ["not activated", self.company.name], journal.write, {"exact_send_invoices": True}
        )
        # deactivating a company whose journals are flagged only pauses them
        self.assertTrue(self.sale_journal.exact_send_invoices)

    def test_company_sender_address(self):
        self.assertRaisesMentioning(
            ["sender address"],
            self.company.write,
            {"exact_sender_email": False},
        )
        self.assertRaisesMentioning(
            ["not a valid e-mail address"],
            self.company.write,
            {"exact_sender_email": "Boekhouding <b@lab.example>"},
        )
        self.company.exact_sender_email = " Boekhouding@Lab.Example "
        self.assertEqual(self.company.exact_sender_email, "boekhouding@lab.example")
        self.assertRaisesMentioning(["at least 1"], self.company.write, {"exact_max_attempts": 0})

    def test_purchase_address_warns_but_saves(self):
        journal = self._new_journal(
            exact_mailbox="x55i@inkoop.exactonline.nl", exact_send_invoices=True
        )
        self.assertTrue(journal.exact_send_invoices)
        self.assertIn("purchase", journal.exact_mailbox_warning)
        with Form(self.sale_journal) as form:
            form.exact_mailbox = "Scan@Inkoop.ExactOnline.nl"
            self.assertEqual(form.exact_mailbox, "scan@inkoop.exactonline.nl")
            self.assertIn("purchase", form.exact_mailbox_warning)
        cash_warning = self._new_journal(
            type="cash", code="CSHW", name="Kassa W", exact_mailbox="k9@verkoop.exactonline.be"
        ).exact_mailbox_warning
        self.assertIn("bank statements", cash_warning)

    def test_messages_are_translated(self):
        self.env["res.lang"]._activate_lang("nl_BE")
        self.env["ir.module.module"]._load_module_terms(
            ["scrada_exact_bridge"], ["nl_BE"], overwrite=True
        )
        journal = self._new_journal().with_context(lang="nl_BE")
        with self.assertRaises(ValidationError) as caught:
            journal.write({"exact_send_invoices": True})
        self.assertIn("brievenbus", str(caught.exception))

    def test_only_managers_change_settings(self):
        billing = new_test_user(
            self.env,
            login="exact_billing",
            groups="account.group_account_invoice",
            company_id=self.company.id,
        )
        journal = self.sale_journal.with_user(billing)
        # everyone with accounting access sees the settings ...
        self.assertEqual(journal.exact_mailbox, self.sale_journal.exact_mailbox)
        # ... only accounting managers change them
        with self.assertRaises(AccessError):
            journal.write({"exact_send_invoices": False})
        manager = new_test_user(
            self.env,
            login="exact_manager",
            groups="account.group_account_manager",
            company_id=self.company.id,
        )
        self.sale_journal.with_user(manager).write({"exact_coda_period": "week"})
        self.assertEqual(self.sale_journal.exact_coda_period, "week")

    def test_cash_book_iban_is_never_proposed_to_customers(self):
        """The cash book's IBAN is a bank account of the company, but nobody pays to it."""
        cash_bank = self.cash_journal.bank_account_id
        self.assertEqual(cash_bank.partner_id, self.company.partner_id)
        invoice = self.init_invoice("out_invoice", partner=self.partner_a, amounts=[100.0])
        self.assertFalse(invoice.partner_bank_id)
        real_bank = self.env["res.partner.bank"].create(
            {"acc_number": "BE71 0961 2345 6769", "partner_id": self.company.partner_id.id}
        )
        invoice = self.init_invoice("out_invoice", partner=self.partner_a, amounts=[100.0])
        self.assertEqual(invoice.partner_bank_id, real_bank)
