"""Checks on Exact Online digital-mailbox addresses.

An Exact Online mailbox that receives documents by e-mail has one *linked
e-mail address* per document type (``…@verkoop.exactonline.be`` for sales
invoices, ``…@inkoop.exactonline.nl`` for purchase invoices, …).  The journal
stores that address; these helpers normalise it, check its syntax and guess
which document type it belongs to, so that the user can be warned when a
purchase (scan) address was entered for a daily-receipts or cash journal.
"""

import re

# addr-spec only (no display name, no comments), a dotted domain with a
# 2+ letter top-level label.  Deliberately stricter than RFC 5322: Exact
# generates short ASCII local parts.
_LOCAL = r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_ADDRESS_RE = re.compile(rf"^{_LOCAL}@(?:{_LABEL}\.)+[a-z]{{2,63}}$")

# First-level words that Exact (and accountants' own domains) use per
# document type, in the languages our users meet.
PURCHASE_WORDS = frozenset(
    {"inkoop", "aankoop", "aankopen", "purchase", "purchases", "achat", "achats", "einkauf"}
)
SALES_WORDS = frozenset({"verkoop", "verkopen", "sales", "sale", "vente", "ventes", "verkauf"})
BANK_WORDS = frozenset({"bank", "banque", "coda", "kas", "caisse", "cash"})

MAX_LENGTH = 254


def normalize(value):
    """Return the stored form of a mailbox address: trimmed, lower case."""
    return (value or "").strip().lower()


def is_valid(value):
    """True when ``value`` (normalised) is one syntactically valid address."""
    address = normalize(value)
    return bool(address) and len(address) <= MAX_LENGTH and bool(_ADDRESS_RE.match(address))


def _domain_words(address):
    domain = normalize(address).rpartition("@")[2]
    return set(re.split(r"[.-]", domain)) if domain else set()


def kind(value):
    """Guess the document type of a linked address from its domain.

    Returns ``'purchase'``, ``'sales'``, ``'bank'`` or ``None`` when the
    domain says nothing about it.
    """
    words = _domain_words(value)
    if words & PURCHASE_WORDS:
        return "purchase"
    if words & SALES_WORDS:
        return "sales"
    if words & BANK_WORDS:
        return "bank"
    return None


def warnings(value, purpose):
    """Warnings (machine keys) for an address used for ``purpose``.

    ``purpose`` is ``'invoices'`` (daily-receipts journal) or ``'coda'``
    (cash journal).  Keys: ``'purchase_address'`` (the purchase/scan address
    was entered: Exact would book the documents as purchases) and
    ``'sales_address_for_coda'`` (a sales address on a cash journal).
    """
    found = kind(value)
    result = []
    if found == "purchase":
        result.append("purchase_address")
    elif found == "sales" and purpose == "coda":
        result.append("sales_address_for_coda")
    return result
