"""One definition of the delivery states: the views spell only keys that exist."""

import re
from pathlib import Path

import pytest

from scrada_lib import delivery_policy as policy
from scrada_lib import delivery_states as states

ADDON = Path(__file__).resolve().parents[1] / "scrada_exact_bridge"
# "state == 'sent'", "state in ('pending', 'sending')", "('state', 'in', ('pending', ...))"
_COMPARE = re.compile(r"\bstate\s*(?:==|!=)\s*'(\w+)'")
_IN = re.compile(r"\bstate\s+(?:not\s+)?in\s*\(([^)]*)\)")
_DOMAIN = re.compile(r"\('state',\s*'(?:=|!=|in|not in)',\s*(\([^)]*\)|'\w+')")
_KEY = re.compile(r"'(\w+)'")


def _keys_in(text):
    keys = set(_COMPARE.findall(text))
    for group in _IN.findall(text) + _DOMAIN.findall(text):
        keys.update(_KEY.findall(group))
    return keys


def test_groups_are_made_of_known_states():
    assert states.ALL == ("pending", "sending", "sent", "failed", "cancelled")
    for group in (states.LIVE, states.TO_DO, states.RESENDABLE, states.CANCELLABLE,
                  states.NOT_CANCELLED, states.DELIVERED_OR_ON_ITS_WAY):
        assert set(group) <= set(states.ALL)
    assert states.CANCELLED not in states.LIVE
    assert states.FAILED not in states.LIVE
    assert policy.next_state(policy.Failure("x", permanent=True), 1, 1) in states.ALL


def test_sql_list_is_made_of_known_states_only():
    assert states.sql_list(states.LIVE) == "('pending', 'sending', 'sent')"
    with pytest.raises(ValueError):
        states.sql_list(("pending", "sent'; DROP TABLE x; --"))


@pytest.mark.parametrize(
    "view", ["views/exact_mailbox_delivery_views.xml", "wizards/exact_setup_wizard_views.xml"]
)
def test_views_spell_known_states(view):
    keys = _keys_in((ADDON / view).read_text(encoding="utf-8"))
    assert keys, "the view compares delivery states"
    assert keys <= set(states.ALL), keys - set(states.ALL)
