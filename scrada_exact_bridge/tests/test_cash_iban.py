# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Issue 10 #3 and issue 12 #8: the cash book's IBAN.

Rules: the IBAN is validated wherever it is written (journal ``bank_acc_number`` and
``bank_account_id``, the ``res.partner.bank`` record itself, create and write) and stored
normalised; its bank account belongs to the journal's company and only an accounting
administrator of that company changes it; once CODA files were sent with it, changing
it needs an explicit confirmation.
"""

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from .common import CASH_IBAN, CASH_MAILBOX, ExactCommon
from .refusals import RefusalMixin

OTHER_IBAN = "BE71 0961 2345 6769"
BAD_IBAN = "BE83 1388 1173 5116"  # wrong check digits


@tagged("post_install", "-at_install")
class TestCashIban(RefusalMixin, ExactCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.setup_other_company(name="Company B")["company"]
        cls.bank = cls.cash_journal.bank_account_id
        cls.Bank = cls.env["res.partner.bank"]

        def user(login, groups, companies):
            return new_test_user(
                cls.env,
                login=login,
                groups=groups,
                company_id=companies[0].id,
                company_ids=[Command.set([c.id for c in companies])],
            )

        managers = "account.group_account_manager,base.group_partner_manager"
        cls.manager_a = user("iban_manager_a", managers, [cls.company])
        cls.manager_b = user("iban_manager_b", managers, [cls.company_b])
        # Community's "Invoicing: Administrator" without "Contact Creation"
        cls.manager_plain = user("iban_manager_plain", "account.group_account_manager",
                                 [cls.company])
        cls.billing = user(
            "iban_billing", "account.group_account_invoice,base.group_partner_manager",
            [cls.company],
        )
        cls.contacts = user("iban_contacts", "base.group_user,base.group_partner_manager",
                            [cls.company])

    def _new_cash_journal(self, **vals):
        values = {"name": "Kassa IBAN", "code": "CSHI", "type": "cash",
                  "company_id": self.company.id}
        values.update(vals)
        return self.env["account.journal"].create(values)

    def _mark_coda_sent(self):
        attachment = self.env["ir.attachment"].create({"name": "CODA.cod", "raw": b"0"})
        self.env["exact.mailbox.delivery"].sudo().create(
            {
                "company_id": self.company.id,
                "journal_id": self.cash_journal.id,
                "document_type": "coda",
                "mailbox": CASH_MAILBOX,
                "attachment_id": attachment.id,
                "state": "sent",
            }
        )

    # ------------------------------------------------------------------
    # normalised, belongs to the company
    # ------------------------------------------------------------------

    def test_stored_normalised_and_owned_by_the_company(self):
        self.assertEqual(self.bank.acc_number, "BE83 1388 1173 5115")
        self.assertEqual(self.bank.company_id, self.company)
        journal = self._new_cash_journal(bank_acc_number="be71096123456769")
        self.assertEqual(journal.bank_account_id.acc_number, OTHER_IBAN)
        self.assertEqual(journal.bank_account_id.company_id, self.company)
        journal.bank_acc_number = "be68 5390 0754 7034"
        self.assertEqual(journal.bank_account_id.acc_number, "BE68 5390 0754 7034")
        # the company's multi-company rule now applies: company B does not see it
        self.assertFalse(self.Bank.with_user(self.manager_b).search([("id", "=", self.bank.id)]))

    def test_bank_account_of_another_company_is_refused(self):
        bank_b = self.Bank.create(
            {"acc_number": OTHER_IBAN, "partner_id": self.company.partner_id.id,
             "company_id": self.company_b.id}
        )
        with self.assertRaises(UserError):  # ValidationError is a UserError
            self._new_cash_journal(bank_account_id=bank_b.id)

    # ------------------------------------------------------------------
    # validated wherever it is written
    # ------------------------------------------------------------------

    def test_validated_on_every_write_path(self):
        journal = self._new_cash_journal()  # not sending CODA: still validated
        with self.assertRefused(ValidationError, "not a valid IBAN"):
            journal.bank_acc_number = BAD_IBAN
        self.assertFalse(journal.bank_account_id)
        with self.assertRefused(ValidationError, "not a valid IBAN"):
            self._new_cash_journal(code="CSHJ", bank_acc_number=BAD_IBAN)
        # the journal's bank_acc_number is written through to the account: validated
        with self.assertRefused(ValidationError, "not a valid IBAN"):
            self.cash_journal.bank_acc_number = BAD_IBAN
        # the bank-account record itself
        with self.assertRefused(ValidationError, "not a valid IBAN"):
            self.bank.acc_number = BAD_IBAN
        with self.assertRefused(ValidationError, "not a valid IBAN"):
            self.bank.write({"acc_number": "not an iban"})
        # linking a bank account with a wrong number
        loose = self.Bank.create(
            {"acc_number": "123-4567890-12", "partner_id": self.company.partner_id.id}
        )
        with self.assertRefused(ValidationError, "not a valid IBAN"):
            journal.bank_account_id = loose
        self.assertEqual(self.bank.sanitized_acc_number, CASH_IBAN)

    def test_create_from_the_journal_leaves_no_invalid_account(self):
        """Issue 12 #8: the many-to-one "Create" and the journal form."""
        before = self.Bank.search_count([])
        Bank = self.Bank.with_context(
            exact_cash_book_iban=True, default_partner_id=self.company.partner_id.id
        )
        with self.assertRefused(ValidationError, "not a valid IBAN"):
            Bank.name_create(BAD_IBAN)
        self.assertEqual(self.Bank.search_count([]), before)
        bank_id, _name = Bank.name_create("be71096123456769")
        self.assertEqual(self.Bank.browse(bank_id).acc_number, OTHER_IBAN)
        # the journal form: a wrong IBAN is refused on save, nothing is left behind
        journal = self._new_cash_journal()
        before = self.Bank.search_count([])
        with self.assertRefused(ValidationError, "not a valid IBAN"), Form(journal) as form:
            form.bank_acc_number = BAD_IBAN
        self.assertEqual(self.Bank.search_count([]), before)
        journal.invalidate_recordset()
        self.assertFalse(journal.bank_account_id)

    # ------------------------------------------------------------------
    # who may change it
    # ------------------------------------------------------------------

    def test_only_managers_of_the_company_change_it(self):
        for user in (self.billing, self.contacts):
            with self.subTest(user=user.login):
                bank = self.bank.with_user(user)
                self.assertEqual(bank.acc_number, "BE83 1388 1173 5115")  # may read it
                with self.assertRaises(AccessError):
                    bank.write({"acc_number": OTHER_IBAN})
                with self.assertRaises(AccessError):
                    bank.write({"acc_holder_name": "Someone else"})
                with self.assertRaises(AccessError):
                    bank.unlink()
        with self.assertRaises(AccessError):
            self.bank.with_user(self.manager_b).write({"acc_number": OTHER_IBAN})
        with self.assertRaises(AccessError):
            self.cash_journal.with_user(self.manager_b).write({"bank_acc_number": OTHER_IBAN})
        self.assertEqual(self.bank.sanitized_acc_number, CASH_IBAN)
        # an accounting administrator of the company may (no file sent yet), on the journal
        # even without "Contact Creation"
        self.cash_journal.with_user(self.manager_plain).bank_acc_number = OTHER_IBAN
        self.assertEqual(self.cash_journal.bank_account_id.acc_number, OTHER_IBAN)
        self.bank.with_user(self.manager_a).acc_number = "BE68 5390 0754 7034"
        self.assertEqual(self.bank.sanitized_acc_number, "BE68539007547034")
        # other bank accounts stay as open as Odoo makes them
        other = self.Bank.create({"acc_number": "NL91ABNA0417164300",
                                  "partner_id": self.partner_a.id})
        other.with_user(self.contacts).acc_holder_name = "Partner A"
        self.assertEqual(other.acc_holder_name, "Partner A")

    # ------------------------------------------------------------------
    # changing it once CODA files were sent
    # ------------------------------------------------------------------

    def test_change_after_sending_needs_confirmation(self):
        self._mark_coda_sent()
        journal = self.cash_journal.with_user(self.manager_a)
        with self.assertRefused(UserError, "no longer be matched"):
            journal.bank_acc_number = OTHER_IBAN
        with self.assertRefused(UserError, "no longer be matched"):
            self.bank.with_user(self.manager_a).acc_number = OTHER_IBAN
        other = self.Bank.create({"acc_number": OTHER_IBAN,
                                  "partner_id": self.company.partner_id.id})
        with self.assertRefused(UserError, "no longer be matched"):
            journal.bank_account_id = other
        self.assertEqual(self.cash_journal.bank_account_id.sanitized_acc_number, CASH_IBAN)
        # the same number written differently is no change
        journal.bank_acc_number = "be83138811735115"
        self.assertEqual(self.cash_journal.bank_account_id, self.bank)
        # the form warns and asks for the confirmation
        with Form(self.cash_journal.with_user(self.manager_a)) as form:
            form.bank_acc_number = "BE68 5390 0754 7034"
            self.assertIn("no longer be matched", form.exact_iban_change_warning)
            self.assertIn("BE83 1388 1173 5115", form.exact_iban_change_warning)
            form.exact_iban_change_confirmed = True
        self.assertEqual(self.cash_journal.bank_account_id.acc_number, "BE68 5390 0754 7034")
        notes = self.cash_journal.message_ids.mapped("body")
        self.assertTrue(
            any("changed from BE83 1388 1173 5115 to BE68 5390 0754 7034" in body
                and "change the bank account in Exact Online" in body for body in notes),
            notes,
        )
