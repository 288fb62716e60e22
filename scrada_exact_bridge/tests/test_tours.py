# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Browser tours (headless Chromium) through the Exact Online set-up wizard, the
journal's "Exact Online" page, its deliveries and the Accounting dashboard card,
in English and in Dutch.

The wizard tour starts from "nothing configured" on a Belgian company, as an
accounting manager who is not a system administrator, and ends with the
journals configured and a test document per mailbox received by a local SMTP
server on 127.0.0.1.

``TestExactScreenshots`` replays the same tours with screenshot steps; it is
excluded from the normal suite (tag ``-standard``) and run by
``tools/screenshots.py``.
"""

import base64
import io
import json
import logging
import os
from contextlib import contextmanager
from pathlib import Path
from unittest.mock import patch

from odoo import fields
from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon
from odoo.tests import tagged
from odoo.tests.common import ChromeBrowser

from .common import CASH_IBAN, CASH_MAILBOX, COMPANY_VALUES, SALES_MAILBOX, SENDER
from .smtp_server import SmtpSink, make_mail_server, real_smtp

_logger = logging.getLogger(__name__)

DASHBOARD = "/odoo/action-account.open_account_journal_dashboard_kanban"


class ExactTourCommon(AccountTestInvoicingHttpCommon):
    @classmethod
    @AccountTestInvoicingHttpCommon.setup_country("be")
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls.company.write(COMPANY_VALUES)
        cls.sale_journal = cls.company_data["default_journal_sale"]
        cls.cash_journal = cls.company_data["default_journal_cash"]
        cls.user = cls.env.user  # accountman: accounting manager, not a system administrator
        # the company starts with nothing configured for Exact Online

    def _set_lang(self, lang):
        if lang != "en_US":
            self.env["res.lang"]._activate_lang(lang)
            self.env["ir.module.module"]._load_module_terms(
                ["base", "web", "account", "scrada_exact_bridge"], [lang]
            )
        self.user.lang = lang

    @contextmanager
    def _smtp_sink(self):
        """A local SMTP server on 127.0.0.1 and an outgoing mail server pointing at it."""
        with SmtpSink() as sink:
            make_mail_server(self.env, sink)
            yield sink

    def _run_delivery_cron(self):
        """What the triggered cron does, really sending (the test runner disables SMTP)."""
        self.env.invalidate_all()
        with real_smtp():
            self.env["exact.mailbox.delivery"].sudo()._cron_process()
        self.env.invalidate_all()

    def _wizard_flow(self, lang, suffix=""):
        self._set_lang(lang)
        self.start_tour(DASHBOARD, f"exact_setup_wizard_tour{suffix}", login=self.user.login)
        self.env.invalidate_all()
        self.assertTrue(self.company.exact_enabled)
        self.assertEqual(self.company.exact_sender_email, SENDER)
        self.assertTrue(self.sale_journal.exact_send_invoices)
        self.assertEqual(self.sale_journal.exact_mailbox, SALES_MAILBOX)
        self.assertTrue(self.cash_journal.exact_send_coda)
        self.assertEqual(self.cash_journal.exact_mailbox, CASH_MAILBOX)
        self.assertEqual(self.cash_journal.bank_account_id.sanitized_acc_number, CASH_IBAN)
        tests = self.env["exact.mailbox.delivery"].search(
            [("company_id", "=", self.company.id), ("document_type", "=", "test")]
        )
        self.assertEqual(len(tests), 2)
        self.assertEqual(set(tests.mapped("state")), {"pending"})

        with self._smtp_sink() as sink:
            self._run_delivery_cron()
        self.assertEqual(set(tests.mapped("state")), {"sent"}, tests.mapped("error_message"))
        received = {
            tuple(envelope["rcpt_tos"]): message
            for envelope, message in zip(sink.envelopes, sink.messages, strict=True)
        }
        self.assertEqual(set(received), {(SALES_MAILBOX,), (CASH_MAILBOX,)})
        for message in received.values():
            self.assertIn(SENDER, message["From"])
            files = list(message.iter_attachments())
            self.assertEqual(len(files), 1, "one document, one attachment per mail")
            self.assertTrue(files[0].get_filename().startswith("TEST_Odoo_Exact_Online_"))
            self.assertIn(b"TEST - Odoo -> Exact Online", files[0].get_payload(decode=True))

        self.start_tour(DASHBOARD, f"exact_setup_wizard_reopen_tour{suffix}",
                        login=self.user.login)
        return tests

    def _journal_flow(self, lang, suffix=""):
        self._set_lang(lang)
        self.company.write({"exact_enabled": True, "exact_sender_email": SENDER})
        self.sale_journal.write({"exact_mailbox": SALES_MAILBOX, "exact_send_invoices": True})
        self.cash_journal.write(
            {"bank_acc_number": CASH_IBAN, "exact_mailbox": CASH_MAILBOX, "exact_send_coda": True}
        )
        Delivery = self.env["exact.mailbox.delivery"].sudo()
        for journal in (self.sale_journal, self.cash_journal):
            attachment = self.env["ir.attachment"].create(
                {
                    "name": f"TEST_Odoo_Exact_Online_{journal.code}.txt",
                    "raw": b"TEST - Odoo -> Exact Online\n",
                    "mimetype": "text/plain",
                }
            )
            Delivery.create(
                {
                    "company_id": self.company.id,
                    "journal_id": journal.id,
                    "document_type": "test",
                    "mailbox": journal.exact_mailbox,
                    "attachment_id": attachment.id,
                    "state": "sent",
                    "attempts": 1,
                    "sent_date": fields.Datetime.now(),
                }
            )
        failed_file = self.env["ir.attachment"].create(
            {"name": "CODA_CSH1_2026-001.cod", "raw": b"0" * 128, "mimetype": "text/plain"}
        )
        Delivery.create(
            {
                "company_id": self.company.id,
                "journal_id": self.cash_journal.id,
                "document_type": "coda",
                "mailbox": CASH_MAILBOX,
                "attachment_id": failed_file.id,
                "state": "failed",
                "attempts": 5,
                "error_message": "The outgoing mail server could not be reached.",
            }
        )
        Delivery.create(
            {
                "company_id": self.company.id,
                "journal_id": self.sale_journal.id,
                "document_type": "test",
                "mailbox": SALES_MAILBOX,
                "state": "pending",
            }
        )
        self.start_tour(
            f"/odoo/action-account.action_account_journal_form/{self.cash_journal.id}",
            f"exact_journal_page_tour{suffix}",
            login=self.user.login,
        )
        self.env.invalidate_all()
        self.assertEqual(self.cash_journal.exact_coda_period, "week")


@tagged("post_install", "-at_install")
class TestExactTours(ExactTourCommon):
    def test_wizard_tour_en(self):
        self._wizard_flow("en_US")

    def test_wizard_tour_nl(self):
        self._wizard_flow("nl_BE")

    def test_journal_page_tour_en(self):
        self._journal_flow("en_US")

    def test_journal_page_tour_nl(self):
        self._journal_flow("nl_BE")


# ----------------------------------------------------------------------
# Documentation screenshots (tools/screenshots.py)
# ----------------------------------------------------------------------

SCREENSHOT_PREFIX = "exact-screenshot "
MAX_WIDTH = 1100


def _screenshot_dir():
    default = Path(__file__).resolve().parents[2] / "docs" / "images"
    return Path(os.environ.get("EXACT_SCREENSHOT_DIR") or default)


def _save_png(raw, path):
    """Shrink to at most MAX_WIDTH px and 256 colours to keep the PNG small."""
    from PIL import Image

    image = Image.open(io.BytesIO(raw)).convert("RGB")
    if image.width > MAX_WIDTH:
        height = round(image.height * MAX_WIDTH / image.width)
        image = image.resize((MAX_WIDTH, height), Image.Resampling.LANCZOS)
    image = image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, format="PNG", optimize=True)


@contextmanager
def _screenshots(lang):
    """Capture the screenshots the tours ask for (see screenshotStep in exact_tours.js)."""
    original = ChromeBrowser._handle_console
    target = _screenshot_dir()
    suffix = "" if lang == "en_US" else f"_{lang.split('_')[0]}"

    def handle_console(browser, type, args=None, stackTrace=None, **kw):
        first = (args or [{}])[0]
        text = first.get("value") if isinstance(first, dict) else None
        if type == "log" and isinstance(text, str) and text.startswith(SCREENSHOT_PREFIX):
            request = json.loads(text[len(SCREENSHOT_PREFIX):])
            clip = dict(request["clip"], scale=1)
            future = browser._websocket_send(
                "Page.captureScreenshot",
                params={"format": "png", "clip": clip, "captureBeyondViewport": True},
                with_future=True,
            )

            def done(fut, request=request):
                try:
                    raw = base64.b64decode(fut.result()["data"])
                    path = target / f"{request['name']}{suffix}.png"
                    _save_png(raw, path)
                    _logger.info("screenshot %s (%d bytes)", path, path.stat().st_size)
                finally:
                    browser._websocket_send(
                        "Runtime.evaluate",
                        params={
                            "expression": f"window.__exactShotDone = {json.dumps(request['token'])}"
                        },
                    )

            future.add_done_callback(done)
            return None
        return original(browser, type, args=args, stackTrace=stackTrace, **kw)

    with patch.object(ChromeBrowser, "_handle_console", handle_console):
        yield target


@tagged("post_install", "-at_install", "-standard", "exact_screenshots")
class TestExactScreenshots(ExactTourCommon):
    browser_size = "1280x1000"

    def _shots(self, lang):
        with _screenshots(lang):
            self._wizard_flow(lang, suffix="_screenshots")

    def _journal_shots(self, lang):
        with _screenshots(lang):
            self._journal_flow(lang, suffix="_screenshots")

    def test_screenshots_wizard_en(self):
        self._shots("en_US")

    def test_screenshots_journal_en(self):
        self._journal_shots("en_US")

    def test_screenshots_receipts_entry_en(self):
        from datetime import timedelta

        from odoo import Command

        from .receipts_common import setup_book

        today = self.env["exact.receipts.book"]._exact_today(self.sale_journal)
        setup_book(self.env, self.sale_journal, self.cash_journal, today - timedelta(days=1))
        clerk = self.env["res.users"].create(
            {
                "name": "Kassierster Lien",
                "login": "lien_shot",
                "password": "lien_shot",
                "company_id": self.company.id,
                "company_ids": [Command.set(self.company.ids)],
                "groups_id": [Command.set(
                    [self.env.ref("scrada_exact_bridge.group_exact_receipts_clerk").id]
                )],
            }
        )
        self.sale_journal.exact_receipts_clerk_ids = clerk
        with _screenshots("en_US"):
            self.start_tour("/odoo", "exact_receipts_entry_screenshot_tour", login="lien_shot")

    def test_screenshots_wizard_nl(self):
        if os.environ.get("EXACT_SCREENSHOT_LANGS", "en_US").find("nl_BE") < 0:
            self.skipTest("Dutch screenshots not asked for (EXACT_SCREENSHOT_LANGS)")
        self._shots("nl_BE")

    def test_screenshots_journal_nl(self):
        if os.environ.get("EXACT_SCREENSHOT_LANGS", "en_US").find("nl_BE") < 0:
            self.skipTest("Dutch screenshots not asked for (EXACT_SCREENSHOT_LANGS)")
        self._journal_shots("nl_BE")
