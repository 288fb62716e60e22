"""Mailbox-address checks (scrada_exact_bridge/lib/mailbox.py)."""

import pytest

from scrada_lib import mailbox


@pytest.mark.parametrize(
    "value",
    [
        "x55i@verkoop.exactonline.be",
        " X55I@Verkoop.ExactOnline.BE ",
        "shop123@exactonline.be",
        "first.last+tag@sub.example.co.uk",
    ],
)
def test_valid_addresses(value):
    assert mailbox.is_valid(value)


@pytest.mark.parametrize(
    "value",
    [
        "",
        None,
        "   ",
        "no-at-sign.exactonline.be",
        "a@b",  # no dot in the domain
        "Name <a@b.be>",  # display names are not a mailbox
        "a@@b.be",
        "a b@c.be",
        "a@b.be, c@d.be",  # one address only
        ".a@b.be",
        "a.@b.be",
        "a@-b.be",
        "a@b.c",  # one-letter top-level domain
        "é@b.be",
        "a" * 250 + "@b.be",
    ],
)
def test_invalid_addresses(value):
    assert not mailbox.is_valid(value)


def test_normalize_trims_and_lowers():
    assert mailbox.normalize("  X55I@Verkoop.ExactOnline.BE\t") == "x55i@verkoop.exactonline.be"
    assert mailbox.normalize(None) == ""


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("x55i@verkoop.exactonline.be", "sales"),
        ("x55i@inkoop.exactonline.nl", "purchase"),
        ("scan@achats.exactonline.fr", "purchase"),
        ("k4s9@bank.exactonline.be", "bank"),
        ("shop123@exactonline.be", None),
        # a word in the local part says nothing about the document type
        ("inkoop@exactonline.be", None),
    ],
)
def test_kind_from_domain(value, kind):
    assert mailbox.kind(value) == kind


def test_warnings_per_purpose():
    assert mailbox.warnings("x@inkoop.exactonline.nl", "invoices") == ["purchase_address"]
    assert mailbox.warnings("x@inkoop.exactonline.nl", "coda") == ["purchase_address"]
    assert mailbox.warnings("x@verkoop.exactonline.be", "invoices") == []
    assert mailbox.warnings("x@verkoop.exactonline.be", "coda") == ["sales_address_for_coda"]
    assert mailbox.warnings("x@bank.exactonline.be", "coda") == []
