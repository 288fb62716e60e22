# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The transport contract: how a delivery reaches Exact Online.

A transport is an abstract model ``exact.transport.<key>`` that inherits ``exact.transport``
and sets ``_exact_transport_key``; the delivery finds it by its ``transport`` field
(:meth:`ExactTransport._exact_for_key`). Today: ``email`` (Odoo's mail queue to a linked e-mail
address, ``exact_transport_email.py``) and ``api`` (Exact Online's Mailbox REST API on the
company's connection, ``exact_transport_api.py``).

What a transport does, and what it leaves to the delivery
(``exact.mailbox.delivery``: queueing, states, locking, commits, retries, chatter, activities,
buttons):

``_prepare(delivery)``
    Step 1 of an attempt, inside the batch transaction: check what the transport needs (raise
    :class:`DeliveryProblem` with a text a person can act on), have the file built
    (``delivery._exact_get_file()``) and prepare what step 2 sends. The delivery then commits
    it as ``sending``.
``_send(delivery)``
    Step 2: send, and return the outcome (``delivery_policy.SENT``, a ``Failure``, a ``Wait``
    or ``Interrupted``). A transport may store what it learns as soon as it knows it with
    ``delivery._exact_checkpoint()``.
``_failure_text(delivery, failure)``
    A translated sentence for a classified failure: what happened and what to do.
``_reconcile_interrupted(delivery)``
    After a crash left the delivery in ``sending``: did the interrupted send arrive? Returns
    an outcome like ``_send`` (``Interrupted`` when nobody can tell: a person checks).

Optional hooks have defaults below (``_due_condition``, ``_after_failure``, ``_on_cancel``,
``_resend_values``, ``_wait_text``, ``_end_batch``).
"""

from odoo import api, models


class DeliveryProblem(Exception):
    """A problem found before sending that a person must solve (permanent failure)."""


# The transports a journal and a delivery can use; each key has its ``exact.transport.<key>``.
TRANSPORT_SELECTION = [
    ("api", "Exact Online connection"),
    ("email", "E-mail"),
]


class ExactTransport(models.AbstractModel):
    _name = "exact.transport"
    _description = "Exact Online transport"

    _exact_transport_key = None

    @api.model
    def _exact_for_key(self, key):
        """The transport registered for ``key`` (``exact.transport.<key>``), as superuser."""
        name = f"{self._name}.{key}"
        if name not in self.env.registry or self.env[name]._exact_transport_key != key:
            raise KeyError(f"no Exact Online transport for {key!r}")
        return self.env[name].sudo()

    @api.model
    def _exact_keys(self):
        """The keys of every registered transport."""
        prefix = f"{self._name}."
        return sorted(
            self.env[name]._exact_transport_key
            for name in self.env.registry
            if name.startswith(prefix) and self.env[name]._exact_transport_key
        )

    # ------------------------------------------------------------------
    # The contract (every transport implements these)
    # ------------------------------------------------------------------

    def _prepare(self, delivery):
        raise NotImplementedError

    def _send(self, delivery):
        raise NotImplementedError

    def _failure_text(self, delivery, failure):
        raise NotImplementedError

    def _reconcile_interrupted(self, delivery):
        raise NotImplementedError

    # ------------------------------------------------------------------
    # Optional hooks
    # ------------------------------------------------------------------

    @api.model
    def _due_condition(self):
        """SQL (``odoo.tools.SQL``) a due delivery ``d`` of company ``c`` must also meet to be
        picked up by this transport, or None. Deliveries that do not meet it wait as
        ``pending`` without an attempt (e.g. an Exact Online connection a person must renew)."""
        return None

    def _after_failure(self, delivery, failure, message):
        """Called after a failed attempt was recorded (pending again or failed)."""

    def _on_cancel(self, delivery):
        """Called when a person cancels the delivery."""

    def _resend_values(self, delivery):
        """Delivery values that make a person's *Resend* a new delivery for this transport."""
        return {}

    def _end_batch(self, cache):
        """Called once at the end of a worker batch with the batch's cache (``exact_batch_cache``
        context dict): close what the transport kept open for the batch (SMTP sessions)."""

    def _wait_text(self, delivery, wait):
        """A translated sentence for a :class:`~..lib.delivery_policy.Wait`."""
        return self.env._("Waiting: %(reason)s", reason=wait.detail or wait.kind)
