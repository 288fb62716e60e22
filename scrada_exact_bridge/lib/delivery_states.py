"""The states of a delivery to Exact Online: the one definition every part of the addon uses.

Plain Python (no ``odoo`` import). The delivery model builds its ``state`` selection from
:data:`SELECTION`, the partial unique index from :data:`LIVE`, the cron's queries and the
buttons from the groups below; other models (invoices, statements, journals) import the same
groups. Views cannot import Python: they spell the keys, and ``tests/test_delivery_states.py``
checks every key they spell against this module.

Life cycle::

    pending --(cron: file built, transport prepared)--> sending --(delivered)--> sent
    sending --(transient failure, attempts left; or a wait)--> pending
    sending --(permanent failure / no attempts left)--> failed
    pending, failed --(a person: Cancel)--> cancelled
    sent, failed --(a person: Resend)--> pending
"""

PENDING = "pending"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"
CANCELLED = "cancelled"

# (key, label): the order is the order of the status bar and of the selection.
SELECTION = (
    (PENDING, "Pending"),
    (SENDING, "Sending"),
    (SENT, "Sent"),
    (FAILED, "Failed"),
    (CANCELLED, "Cancelled"),
)
ALL = tuple(key for key, _label in SELECTION)

# At most one delivery per document may be in one of these states (partial unique index):
# a second one would deliver the document twice.
LIVE = (PENDING, SENDING, SENT)
# Still to be delivered (the counters' "pending").
TO_DO = (PENDING, SENDING)
# A person may press Resend.
RESENDABLE = (SENT, FAILED)
# A person may press Cancel.
CANCELLABLE = (PENDING, FAILED)
# Everything but cancelled: the document has (or had) a delivery that counts.
NOT_CANCELLED = (PENDING, SENDING, SENT, FAILED)
# The document may already be in Exact Online (or is on its way).
DELIVERED_OR_ON_ITS_WAY = (SENDING, SENT)

HELP = (
    "Pending: waiting to be sent or retried. Sending: handed to the transport (mail server or "
    "Exact Online). Sent: delivered to Exact Online or accepted by the mail server. Failed: "
    "cannot be sent, a person must act. Cancelled: stopped by a person."
)


def sql_list(states):
    """``('pending', 'sending', 'sent')``: a literal SQL list of state keys.

    Only for the DDL of the partial unique index (indexes cannot take parameters); the keys
    are this module's constants, never user input.
    """
    for state in states:
        if state not in ALL:
            raise ValueError(f"unknown delivery state {state!r}")
    return "(" + ", ".join(f"'{state}'" for state in states) + ")"
