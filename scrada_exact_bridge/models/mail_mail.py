# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import logging

from odoo import models

from ..lib import delivery_states as states

_logger = logging.getLogger(__name__)


class MailMail(models.Model):
    _inherit = "mail.mail"

    def _postprocess_sent_message(self, success_pids, failure_reason=False, failure_type=None):
        """Record the outcome on the Exact Online delivery as soon as the mail state is known.

        Runs in the transaction that writes the mail's state, so the delivery's ``sent`` is
        committed together with the mail's. It must never raise: ``mail.mail._send`` would then
        mark a mail the SMTP server accepted as failed. If it fails, the cron records the outcome
        from the mail state right after sending (or, after a crash, on its next run).
        """
        exact_mails = self.filtered(lambda mail: mail.model == "exact.mailbox.delivery")
        if exact_mails and not self.env.context.get("exact_outcome_by_worker"):
            # (the delivery worker, which sent the mail, records the outcome itself right
            # after ``send()``, in this same transaction: no second look-up of the delivery)
            try:
                with self.env.cr.savepoint():
                    deliveries = self.env["exact.mailbox.delivery"].sudo().search(
                        [
                            ("mail_id", "in", exact_mails.ids),
                            ("state", "in", (states.SENDING, states.PENDING, states.FAILED)),
                        ]
                    )
                    self.env["exact.transport.email"]._on_mail_outcome(
                        deliveries, failure_reason, failure_type
                    )
            except Exception:
                _logger.exception(
                    "Could not record the outcome of mails %s on their Exact Online deliveries",
                    exact_mails.ids,
                )
        return super()._postprocess_sent_message(
            success_pids, failure_reason=failure_reason, failure_type=failure_type
        )
