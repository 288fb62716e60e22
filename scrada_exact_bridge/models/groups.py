# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Field-level ``groups`` of the fields the addon adds to Odoo's models (one definition).

Portal users read their own invoices and internal users read companies and bank
accounts (and, with other apps, journals): the addon's fields on those models (delivery
state and error, the Exact Online settings, the cash book and the daily-receipts book)
must not be readable by them, nor by receipts clerks, who enter receipts without any
accounting right. ``tests/test_security.py`` checks every added field against an explicit
table.
"""

# Everybody who works in Invoicing / Accounting: billing users (and the accounting
# administrators, whose group implies theirs) and the read-only auditors.
ACCOUNTING = "account.group_account_invoice,account.group_account_readonly"

# The company's Exact Online settings: accounting users and the settings administrators
# (the Settings page shows them).
COMPANY_SETTINGS = "account.group_account_invoice,account.group_account_readonly,base.group_system"
