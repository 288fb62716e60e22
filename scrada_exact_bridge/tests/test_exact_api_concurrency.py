# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Two workers at once against the stand-in of Exact Online: a refresh token is never used
twice, and each document becomes exactly one message.

Real cursors in real threads: the records are committed by a dedicated cursor so that the
workers see them, and removed again in a cleanup.
"""

import threading
import uuid
from datetime import timedelta

from odoo import SUPERUSER_ID, api, fields
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from .api_common import OWN_POSTBOX, QUIET, SALES_POSTBOX
from .common import drop_committed_company
from .exact_standin import ExactStandin


@tagged("post_install", "-at_install")
class TestExactApiConcurrency(TransactionCase):
    def setUp(self):
        super().setUp()
        self.standin = ExactStandin(sender_mailbox=OWN_POSTBOX, mailboxes=[SALES_POSTBOX])
        self.standin.start()
        self.addCleanup(self.standin.stop)
        self.standin.freeze()

    def _committed_connection(self, token_age):
        """A company connected to the stand-in, committed; its access token ``token_age`` old."""
        tokens = self.standin.issue_tokens()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            trigger_ids = env["ir.cron.trigger"].search([]).ids
            company = env["res.company"].create(
                {"name": f"Gelijktijdig BV {uuid.uuid4().hex[:8]}", "exact_enabled": True,
                 "exact_sender_email": "boekhouding@gelijktijdig.example"}
            )
            now = fields.Datetime.now()
            connection = env["exact.online.connection"].create(
                {"company_id": company.id, "region": "custom", "base_url": self.standin.url,
                 "client_id": self.standin.client_id}
            )
            connection.write(
                {
                    "client_secret": self.standin.client_secret,
                    "access_token": tokens["access_token"],
                    "refresh_token": tokens["refresh_token"],
                    "token_issued_at": now - token_age,
                    "token_expires_at": now - token_age + timedelta(seconds=600),
                    "refresh_token_issued_at": now - token_age,
                    "state": "connected",
                    "division": self.standin.division,
                    "sender_mailbox": OWN_POSTBOX,
                    "sender_mailbox_id": self.standin.default_mailbox_id,
                }
            )
            cr.commit()  # pylint: disable=invalid-commit
        self.addCleanup(self._cleanup, company.id, connection.id, trigger_ids)
        self.standin.advance(token_age.total_seconds())
        return company.id, connection.id

    def _cleanup(self, company_id, connection_id, trigger_ids):
        with self.registry.cursor() as cr:
            cr.execute("SET LOCAL lock_timeout = '20s'")  # never hang on a stuck worker
            cr.transaction = api.Transaction(self.registry)
            env = api.Environment(cr, SUPERUSER_ID, {})
            deliveries = env["exact.mailbox.delivery"].search([("company_id", "=", company_id)])
            env["ir.attachment"].search(
                [("res_model", "=", "exact.mailbox.delivery"), ("res_id", "in", deliveries.ids)]
            ).unlink()
            deliveries.unlink()
            env["exact.online.connection"].browse(connection_id).unlink()
            drop_committed_company(env, company_id, trigger_ids)

    def _in_two_workers(self, work):
        """Run ``work(env)`` in two threads with their own cursors, released together."""
        barrier = threading.Barrier(2)
        errors, results = [], []

        def worker():
            try:
                with self.registry.cursor() as cr:
                    # Registry(dbname) would wait for the registry lock the test runner holds
                    cr.transaction = api.Transaction(self.registry)
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    barrier.wait(timeout=30)
                    results.append(work(env))
                    cr.commit()  # pylint: disable=invalid-commit
            except Exception as error:  # reported in the main thread
                errors.append(error)

        with mute_logger(*QUIET):
            threads = [threading.Thread(target=worker, daemon=True) for _ in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=120)
        self.assertFalse(any(thread.is_alive() for thread in threads), "workers are stuck")
        self.assertFalse(errors)
        return results

    def test_two_workers_need_a_new_token_at_once_one_refresh(self):
        _company_id, connection_id = self._committed_connection(timedelta(seconds=601))
        self.standin.slow_token_seconds = 0.5  # the second worker arrives while it refreshes
        tokens = self._in_two_workers(
            lambda env: env["exact.online.connection"].browse(connection_id)._exact_token()
        )
        self.assertEqual(len(tokens), 2)
        self.assertEqual(len(set(tokens)), 1, "the second worker re-read the new token")
        self.assertEqual(self.standin.refreshes(), 1, "one refresh")
        self.assertEqual(self.standin.refreshes("old"), 0, "no refresh token used twice")
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT state, access_token, refresh_token FROM exact_online_connection "
                "WHERE id = %s", [connection_id],
            )
            state, access, refresh = cr.fetchone()
        self.assertEqual(state, "connected")
        self.assertEqual(access, tokens[0])
        self.assertFalse(self.standin.refresh_tokens[refresh]["spent"], "the stored one is live")

    def test_two_workers_deliver_each_document_once(self):
        company_id, _connection_id = self._committed_connection(timedelta(seconds=601))
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            attachments = env["ir.attachment"].create(
                [{"name": f"DOC_{n}.xml", "raw": b"<doc n='%d'/>" % n,
                  "mimetype": "application/xml"} for n in range(6)]
            )
            deliveries = env["exact.mailbox.delivery"]._exact_enqueue(
                [{"document_type": "test", "company_id": company_id, "transport": "api",
                  "mailbox": SALES_POSTBOX, "attachment_id": attachment.id}
                 for attachment in attachments]
            )
            ids = deliveries.ids
            cr.commit()  # pylint: disable=invalid-commit

        def work(env):
            done_total = 0
            while True:
                done, _remaining = env["exact.mailbox.delivery"]._exact_process_batch(2)
                env.cr.commit()  # pylint: disable=invalid-commit
                if not done:
                    return done_total
                done_total += done

        processed = self._in_two_workers(work)
        self.assertEqual(sum(processed), 6)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            deliveries = env["exact.mailbox.delivery"].browse(ids)
            self.assertEqual(set(deliveries.mapped("state")), {"sent"})
            self.assertEqual(set(deliveries.mapped("attempts")), {1})
            subjects = deliveries.mapped("exact_subject")
        received = self.standin.received()
        self.assertEqual(len(received), 6, "each document exactly once")
        self.assertEqual(sorted(message["Subject"] for message, _atts in received),
                         sorted(subjects))
        self.assertTrue(all(len(atts) == 1 for _message, atts in received))
        self.assertEqual(self.standin.refreshes(), 1, "the expired token was renewed once")
        self.assertEqual(self.standin.refreshes("old"), 0)
