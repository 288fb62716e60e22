"""Scrada cash-book communication codes (shared/domain/scrada.md, "Cash book").

CODA carries no G/L account, so Scrada starts every cash-book movement's free
communication with a fixed code that the accounting package (Exact Online)
maps to an account by prefix, e.g. ``CB/CLIE/<customer>/<invoice no>/<remark>``.
The code must stay at the very start of the communication, inside the first 53
characters (record 21, shared/domain/coda.md section 1.4), which
:func:`build_communication` guarantees by always writing it first and by
replacing ``/`` in user text with ``-`` so a user part never looks like a code.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from types import MappingProxyType

from . import text
from .coda import CodaError

IN = "in"
OUT = "out"
BOTH = "both"

# Part layouts: which caller values follow the code, in order.
_PARTNER_INVOICE = ("partner", "invoice", "remark")
_DAY = ("day", "remark")
_DAY_METHODS = ("day", "methods", "remark")
_REMARK = ("remark",)


@dataclass(frozen=True)
class TransactionType:
    """One cash-book transaction type: its code, expected direction and part layout."""

    key: str
    code: str  # '' = no code (free communication)
    direction: str  # IN (amount > 0), OUT (amount < 0) or BOTH
    parts: tuple
    label: str


def _types(*items):
    return MappingProxyType({item.key: item for item in items})


#: All cash-book transaction types, keyed by ``type_key``.
TRANSACTION_TYPES = _types(
    TransactionType("bank_to_cash", "CB/BACA", IN, _REMARK, "Cash taken from the bank"),
    TransactionType("cash_to_bank", "CB/CABA", OUT, _REMARK, "Cash brought to the bank"),
    TransactionType(
        "customer_payment", "CB/CLIE", IN, _PARTNER_INVOICE, "Customer pays an invoice in cash"
    ),
    TransactionType(
        "supplier_payment", "CB/SUPP", OUT, _PARTNER_INVOICE, "Supplier invoice paid in cash"
    ),
    TransactionType("cash_receipt", "CB/DRCA", IN, _DAY, "Cash receipts entered by hand"),
    TransactionType(
        "receipts_day_total", "DR/DRIN", IN, _DAY_METHODS, "Day total of a receipts book"
    ),
    TransactionType(
        "receipts_non_cash", "DR/DRPM", OUT, _DAY_METHODS, "Non-cash part of the day total"
    ),
    TransactionType("private_withdrawal", "CB/PRTA", OUT, _REMARK, "Private withdrawal"),
    TransactionType("private_deposit", "CB/PRDE", IN, _REMARK, "Private deposit"),
    TransactionType("cash_difference", "CB/DIFF", BOTH, _REMARK, "Cash difference"),
    TransactionType("other", "", BOTH, _REMARK, "Other"),
)


def get_type(type_key):
    """Return the :class:`TransactionType` for ``type_key`` or raise ``CodaError``."""
    try:
        return TRANSACTION_TYPES[type_key]
    except KeyError:
        raise CodaError(
            "unknown_type", f"Unknown cash-book transaction type {type_key!r}.", type_key=type_key
        ) from None


def user_part(value):
    """Clean one user-supplied part: ASCII, one line, ``/`` replaced by ``-``."""
    return text.to_coda_text(str(value or "").replace("/", "-")).strip()


def format_day(day):
    """Return ``day`` as ``DD.MM.YYYY`` (the date format Scrada uses in communications)."""
    if isinstance(day, datetime):
        day = day.date()
    if not isinstance(day, date):
        raise CodaError("no_date", "A date is required for this transaction type.")
    return day.strftime("%d.%m.%Y")


def format_amount(amount):
    """Format a payment-method amount: ``200``, ``299.99``, ``500.10``, ``-12.50``."""
    if isinstance(amount, float) or isinstance(amount, bool):
        raise CodaError("amount_type", "Amounts must be Decimal, int or str, not float.")
    try:
        value = Decimal(str(amount).strip())
    except InvalidOperation:
        raise CodaError("amount_invalid", f"Invalid amount {amount!r}.", amount=amount) from None
    if not value.is_finite():
        raise CodaError("amount_invalid", f"Invalid amount {amount!r}.", amount=amount)
    value = value.quantize(Decimal("0.01"))
    if value == value.to_integral_value():
        return str(value.quantize(Decimal(1)))
    return str(value)


def _method_items(methods):
    """Accept a mapping or an iterable of ``(name, amount)`` pairs, keep the order."""
    if not methods:
        return []
    if hasattr(methods, "items"):
        return list(methods.items())
    return [tuple(item) for item in methods]


def format_methods(methods):
    """Return the ``<method>=<amount>`` parts (``/`` and ``=`` in names become ``-``)."""
    parts = []
    for name, amount in _method_items(methods):
        clean_name = user_part(str(name).replace("=", "-"))
        parts.append(f"{clean_name}={format_amount(amount)}")
    return parts


def _rendered_parts(ttype, *, partner, invoice, remark, day, methods):
    """Render the parts of ``ttype``'s layout in order (methods may expand to several)."""
    rendered = []
    for part in ttype.parts:
        if part == "partner":
            rendered.append(user_part(partner))
        elif part == "invoice":
            rendered.append(user_part(invoice))
        elif part == "remark":
            rendered.append(user_part(remark))
        elif part == "day":
            rendered.append(format_day(day))
        elif part == "methods":
            rendered.extend(format_methods(methods))
    return rendered


def build_communication(type_key, *, partner="", invoice="", remark="", day=None, methods=None):
    """Build the free communication of a cash-book movement, code first.

    Layouts (shared/domain/scrada.md):

    * ``CB/CLIE`` / ``CB/SUPP``: ``<code>/<partner>/<invoice>/<remark>``
    * ``CB/DRCA``: ``<code>/<DD.MM.YYYY>/<remark>`` (``day`` required)
    * ``DR/DRIN`` / ``DR/DRPM``: ``<code>/<DD.MM.YYYY>/<method>=<amount>/.../<remark>``
      (``day`` required; ``methods`` is a mapping or ``(name, amount)`` pairs)
    * the others: ``<code>/<remark>``; ``other`` has no code: just ``<remark>``.

    Empty middle parts are kept (``CB/CLIE//INV1``) so positions stay meaningful;
    empty trailing parts are dropped.  Values a layout does not use are ignored.
    """
    ttype = get_type(type_key)
    parts = _rendered_parts(
        ttype, partner=partner, invoice=invoice, remark=remark, day=day, methods=methods
    )
    while parts and not parts[-1]:
        parts.pop()
    if ttype.code:
        parts.insert(0, ttype.code)
    return "/".join(parts)


def direction_ok(type_key, amount):
    """True when the signed ``amount`` (> 0 in, < 0 out) fits the type's direction."""
    ttype = get_type(type_key)
    value = Decimal(str(amount)) if not isinstance(amount, Decimal) else amount
    if value == 0:
        return False
    if ttype.direction == IN:
        return value > 0
    if ttype.direction == OUT:
        return value < 0
    return True


def type_from_communication(communication):
    """Return the ``type_key`` whose code starts ``communication``, or ``'other'``."""
    value = communication or ""
    for ttype in TRANSACTION_TYPES.values():
        if ttype.code and (value == ttype.code or value.startswith(ttype.code + "/")):
            return ttype.key
    return "other"
