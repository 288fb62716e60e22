# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Delivery policy, the same for every transport: what an attempt's outcome means, and when to
try again.

Plain Python (no ``odoo`` import) so that it is unit-tested without a database.

Exact Online has no idempotency key: a document that reached Exact Online (or an SMTP server
that forwards to it) must never be delivered again automatically. Each transport classifies its
own failures (``smtp_failures.py`` for e-mail, ``exact_failures.py`` for the Exact Online API)
into a :class:`Failure` that says whether it is

* **transient**: nothing was delivered and trying again later may work (server unreachable,
  timed out, "try later"); the delivery goes back to ``pending`` and is tried again after
  :func:`retry_delay`, until the company's maximum number of attempts is used up;
* **permanent**: retrying cannot help, a person must act; the delivery fails at once.

Besides a failure, an attempt ends in one of these outcomes:

* :data:`SENT`: delivered;
* :class:`Interrupted`: an interrupted attempt whose result nobody can tell (a person must check
  in Exact Online, nothing is resent blindly);
* :class:`Wait`: not an attempt at all (the Exact Online rate limit is used up, or the connection
  must be renewed by a person): the delivery waits as ``pending``, its attempt is not counted.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from .delivery_states import FAILED, PENDING

TRANSIENT = "transient"
PERMANENT = "permanent"

# Kinds every transport may use; transports add their own.
KIND_CONFIGURATION = "configuration"  # a problem found before sending that a person must solve
KIND_UNKNOWN = "unknown"

# The outcome of an attempt that delivered the document
SENT = "sent"

# Minutes to wait after the n-th failed attempt (n = 1, 2, ...); the last value repeats.
BACKOFF_MINUTES = (1, 5, 15, 60, 240, 720)


@dataclass(frozen=True)
class Failure:
    """A classified delivery failure.

    ``kind`` is one of the transport's ``KIND_*`` keys, ``code`` the reply code when one was
    found (SMTP or HTTP), ``detail`` the technical text (for the technical part of the user
    message), ``permanent`` whether retrying can never help.
    """

    kind: str
    code: int | None = None
    detail: str = ""
    permanent: bool = False

    @property
    def transient(self):
        return not self.permanent

    @property
    def severity(self):
        return TRANSIENT if self.transient else PERMANENT


@dataclass(frozen=True)
class Wait:
    """The attempt did not take place and does not count: wait until ``until`` (or until a
    person acts, when ``until`` is None). ``stop_company``: stop the batch for the company."""

    kind: str
    until: datetime | None = None
    detail: str = ""
    stop_company: bool = True


@dataclass(frozen=True)
class Interrupted:
    """The attempt was interrupted and nobody can tell whether the document arrived."""

    detail: str = ""


def retry_delay(attempts, schedule=BACKOFF_MINUTES):
    """How long to wait after ``attempts`` failed attempts (1 = after the first failure)."""
    if attempts < 1:
        return timedelta(0)
    index = min(attempts, len(schedule)) - 1
    return timedelta(minutes=schedule[index])


def next_state(failure, attempts, max_attempts):
    """``'pending'`` (try again later) or ``'failed'`` (a person must act).

    :param failure: :class:`Failure` of the attempt that just failed
    :param attempts: attempts made so far, including the one that just failed
    :param max_attempts: the company's ``exact_max_attempts`` (at least 1)
    """
    if not failure.transient:
        return FAILED
    if attempts >= max(1, int(max_attempts or 1)):
        return FAILED
    return PENDING
