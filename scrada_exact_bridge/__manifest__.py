# Copyright 2026 scrada_exact_bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "Exact Online Mailbox Bridge (UBL and CODA)",
    "summary": "Send daily-receipts invoices as UBL and cash statements as CODA "
    "to the Exact Online digital mailbox",
    "version": "18.0.1.0.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/scrada-exact-bridge/scrada_exact_bridge",
    "author": "scrada_exact_bridge contributors",
    "license": "LGPL-3",
    "development_status": "Alpha",
    "depends": ["account", "mail", "account_edi_ubl_cii"],
    "external_dependencies": {"python": ["python-stdnum"]},
    "data": [
        "security/security.xml",
        "security/cashbook_security.xml",
        "security/receipts_security.xml",
        "security/ir.model.access.csv",
        "data/ir_cron.xml",
        "data/ir_cron_coda.xml",
        "data/ir_cron_receipts.xml",
        "data/ir_cron_exact_status.xml",
        "views/exact_mailbox_delivery_views.xml",
        "views/res_config_settings_views.xml",
        "views/account_journal_views.xml",
        "views/account_move_views.xml",
        "views/account_bank_statement_views.xml",
        "views/account_journal_dashboard_views.xml",
        "wizards/exact_setup_wizard_views.xml",
        "views/menus.xml",
        "views/exact_cash_line_split_views.xml",
        "views/exact_receipts_journal_views.xml",
        "wizards/exact_receipts_book_report_views.xml",
        "report/exact_receipts_book_report.xml",
        "views/exact_receipts_entry_views.xml",
        "views/exact_online_connection_views.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "scrada_exact_bridge/static/tests/tours/*.js",
        ],
    },
}
