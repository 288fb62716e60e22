"""Unit tests of the neutral delivery policy (back-off, attempts, outcomes)."""

import itertools
from datetime import timedelta

from scrada_lib import delivery_policy as policy
from scrada_lib import delivery_states as states
from scrada_lib import smtp_failures as smtp


def test_retry_delay_grows_then_stays_at_the_last_step():
    delays = [policy.retry_delay(n) for n in range(1, 9)]
    assert delays[:6] == [timedelta(minutes=m) for m in policy.BACKOFF_MINUTES]
    assert delays[6] == delays[7] == timedelta(minutes=policy.BACKOFF_MINUTES[-1])
    assert all(a < b for a, b in itertools.pairwise(delays[:6]))
    assert policy.retry_delay(0) == timedelta(0)


def test_next_state():
    transient = smtp.failure(smtp.KIND_CONNECTION)
    permanent = smtp.failure(smtp.KIND_RECIPIENT_REFUSED, 550)
    assert policy.next_state(transient, 1, 5) == "pending"
    assert policy.next_state(transient, 4, 5) == "pending"
    assert policy.next_state(transient, 5, 5) == "failed"
    assert policy.next_state(transient, 1, 1) == "failed"
    assert policy.next_state(transient, 1, 0) == "failed"  # nonsense setting: no retry
    assert policy.next_state(permanent, 1, 5) == "failed"


def test_failure_is_transient_unless_declared_permanent():
    assert policy.Failure("whatever").transient
    assert policy.Failure(policy.KIND_CONFIGURATION, permanent=True).severity == policy.PERMANENT
    assert policy.next_state(policy.Failure("x", permanent=True), 1, 5) == states.FAILED
    assert policy.next_state(policy.Failure("x"), 1, 5) == states.PENDING


def test_wait_is_not_a_failure():
    wait = policy.Wait("rate_limited")
    assert wait.until is None
    assert wait.stop_company
    assert not isinstance(wait, policy.Failure)


def test_interrupted_carries_its_detail():
    assert policy.Interrupted("server gone").detail == "server gone"
    assert policy.Interrupted().detail == ""
