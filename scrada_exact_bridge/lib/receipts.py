"""Daily-receipts book (dagontvangstenboek / livre des recettes journalieres): pure rules.

Belgian VAT law (KB nr. 1 art. 14 par. 2) makes shops without invoices keep a book of each
day's receipts incl. VAT per VAT rate, with goods over 250 EUR written separately and no gap
in the dates (shared/domain/scrada.md).  This module holds what needs no database:

* the entry types and their rules (:func:`entry_problems`): every rule returns a *code* and
  its parameters; the Odoo model turns codes into translated messages;
* the period arithmetic of the daily-receipts invoices (:func:`period_bounds`,
  :func:`next_period`, :func:`period_label`) and of the gaps (:func:`missing_days`);
* the payment-method split of a day (:func:`day_split`) laid out as the cash-book
  communication ``DR/DRIN/<dd.mm.yyyy>/<method>=<amount>/...`` by ``communication.py``;
* the inalterable hash chain over the entries (:func:`chain_hash`, :func:`verify_chain`),
  built as Odoo's own chain of posted moves: ``sha256(previous hash + canonical JSON)``.

Amounts are ``Decimal`` (or ``str``/``int``), never ``float``.
"""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

GENERAL = "general"
SPECIFIC = "specific"
CORRECTION = "correction"
CLOSED = "closed"
ENTRY_TYPES = (GENERAL, SPECIFIC, CORRECTION, CLOSED)

#: Goods over this amount incl. VAT per unit are written separately (type Specific).
SPECIFIC_THRESHOLD = Decimal("250.00")
PERIODS = ("day", "week", "month")
CENT = Decimal("0.01")
HASH_VERSION = 1
#: Rule codes about the date of an entry (checked when it is entered; its date never changes).
DATE_CODES = frozenset(
    {"before_start", "correction_past", "future", "before_last", "invoiced", "day_closed", "gap"}
)


class ReceiptsError(ValueError):
    """A value this module cannot work with (not a rule break: a programming error)."""


def to_decimal(amount):
    """``amount`` as a Decimal rounded to the cent (``float`` is refused)."""
    if isinstance(amount, (float, bool)):
        raise ReceiptsError("Amounts must be Decimal, int or str, not float.")
    try:
        value = Decimal(str(amount if amount is not None else 0).strip() or "0")
    except InvalidOperation:
        raise ReceiptsError(f"Invalid amount {amount!r}.") from None
    if not value.is_finite():
        raise ReceiptsError(f"Invalid amount {amount!r}.")
    return value.quantize(CENT)


def format_amount(amount):
    """``12.50``: two decimals, as written in the hash chain and the legal book."""
    return f"{to_decimal(amount):.2f}"


# ----------------------------------------------------------------------
# Periods
# ----------------------------------------------------------------------


def _check_period(period):
    if period not in PERIODS:
        raise ReceiptsError(f"Unknown invoice period {period!r}.")


def period_bounds(period, day):
    """First and last day of the ``period`` ('day', 'week', 'month') containing ``day``.

    Weeks run Monday to Sunday (ISO), as in the cash book.
    """
    _check_period(period)
    if period == "week":
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    if period == "month":
        start = day.replace(day=1)
        following = (start + timedelta(days=32)).replace(day=1)
        return start, following - timedelta(days=1)
    return day, day


def next_period(period, first_day):
    """The period that starts at ``first_day``: ``(first_day, end of its period)``.

    Used after the last invoiced period (or from the book's start date): a book that starts
    on the 15th invoices 15th-31st first, a change of period setting starts cleanly the day
    after the last invoiced one.
    """
    return first_day, period_bounds(period, first_day)[1]


def period_label(period, start, end):
    """A short label naming the period: ``2025-03``, ``2025-W10``, ``2025-03-04``.

    A period cut short (first period of a book, change of setting) names its days:
    ``2025-03-15..2025-03-31``.
    """
    _check_period(period)
    if (start, end) != period_bounds(period, start):
        if start == end:
            return start.isoformat()
        return f"{start.isoformat()}..{end.isoformat()}"
    if period == "month":
        return start.strftime("%Y-%m")
    if period == "week":
        year, week, _weekday = start.isocalendar()
        return f"{year}-W{week:02d}"
    return start.isoformat()


def days_between(start, end):
    """Every day from ``start`` to ``end`` included (empty when ``end < start``)."""
    return [start + timedelta(days=offset) for offset in range((end - start).days + 1)]


def missing_days(covered, start, end):
    """The days from ``start`` to ``end`` (included) that are not in ``covered``."""
    covered = set(covered)
    return [day for day in days_between(start, end) if day not in covered]


def format_day(day):
    """``DD.MM.YYYY``, the Belgian way (also the layout of the cash-book communication)."""
    return day.strftime("%d.%m.%Y")


# ----------------------------------------------------------------------
# Rules of an entry
# ----------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One broken rule: ``code`` plus the values its message needs."""

    code: str
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class EntryFacts:
    """What the rules of one new or changed entry look at.

    ``amounts``: amounts incl. VAT per category; ``split``: amounts per payment method;
    ``last_day``: the date of the book's latest entry (plans not counted), None if none;
    ``covered``: the days from the start date that have at least one entry;
    ``invoiced_until``: the last day of the last period handled by the invoices, or None;
    ``day_final``: the day is over and its entries are final (registered on an earlier day
    than today): it takes no more entries.
    """

    entry_type: str
    day: date
    today: date
    start_day: date
    amounts: tuple = ()
    split: tuple = ()
    day_to: date = None
    product: str = ""
    corrected_day: date = None
    reason: str = ""
    last_day: date = None
    covered: frozenset = frozenset()
    invoiced_until: date = None
    day_final: bool = False


def is_plan(entry_type, day, today, day_to=None):
    """A Closed entry over a future day or over several days is a plan (closing days
    planned ahead): the scheduled action writes one Closed entry per day when it ends."""
    return entry_type == CLOSED and (day > today or bool(day_to and day_to != day))


def entry_total(amounts):
    return sum((to_decimal(amount) for amount in amounts), Decimal("0.00"))


def split_problem(amounts, split):
    """``Problem('split_mismatch')`` when the split per method differs from the total."""
    total, split_total = entry_total(amounts), entry_total(split)
    if total != split_total:
        return Problem(
            "split_mismatch",
            {
                "total": f"{total:.2f}",
                "split": f"{split_total:.2f}",
                "difference": f"{total - split_total:.2f}",
            },
        )
    return None


def _amount_problems(facts):
    amounts = [to_decimal(amount) for amount in facts.amounts]
    split = [to_decimal(amount) for amount in facts.split]
    total = entry_total(amounts)
    problems = []
    if facts.entry_type == CLOSED:
        if any(amounts) or any(split):
            problems.append(Problem("closed_amounts"))
        return problems
    if facts.entry_type in (GENERAL, SPECIFIC) and any(amount < 0 for amount in [*amounts, *split]):
        problems.append(Problem("negative_amount"))
    if facts.entry_type == SPECIFIC and total <= SPECIFIC_THRESHOLD:
        problems.append(
            Problem(
                "specific_threshold",
                {"threshold": f"{SPECIFIC_THRESHOLD:.2f}", "total": f"{total:.2f}"},
            )
        )
    if facts.entry_type == CORRECTION and not any(amounts):
        problems.append(Problem("correction_empty"))
    mismatch = split_problem(amounts, split)
    if mismatch:
        problems.append(mismatch)
    return problems


def _field_problems(facts):
    problems = []
    if facts.entry_type == SPECIFIC and not (facts.product or "").strip():
        problems.append(Problem("specific_product"))
    if facts.entry_type == CORRECTION:
        if not facts.corrected_day:
            problems.append(Problem("correction_day_missing"))
        elif facts.corrected_day > facts.day or facts.corrected_day < facts.start_day:
            problems.append(
                Problem(
                    "correction_day_range",
                    {"corrected": facts.corrected_day, "start": facts.start_day, "day": facts.day},
                )
            )
        if not (facts.reason or "").strip():
            problems.append(Problem("correction_reason"))
    if facts.day_to and facts.entry_type != CLOSED:
        problems.append(Problem("range_not_closed"))
    if facts.day_to and facts.day_to < facts.day:
        problems.append(Problem("range_order", {"day": facts.day, "day_to": facts.day_to}))
    return problems


def _date_problems(facts):
    day, today = facts.day, facts.today
    problems = []
    if day < facts.start_day:
        return [Problem("before_start", {"day": day, "start": facts.start_day})]
    if facts.entry_type == CORRECTION and day < today:
        problems.append(Problem("correction_past", {"day": day, "today": today}))
    if facts.entry_type in (GENERAL, SPECIFIC) and day > today:
        problems.append(Problem("future", {"day": day, "today": today}))
    if facts.last_day and day < facts.last_day:
        problems.append(Problem("before_last", {"day": day, "last": facts.last_day}))
        return problems
    if facts.invoiced_until and day <= facts.invoiced_until:
        problems.append(Problem("invoiced", {"day": day, "until": facts.invoiced_until}))
        return problems
    if is_plan(facts.entry_type, day, today, facts.day_to):
        return problems
    if day < today and facts.day_final:
        problems.append(Problem("day_closed", {"day": day}))
    gap = missing_days(facts.covered, facts.start_day, day - timedelta(days=1))
    if gap:
        problems.append(Problem("gap", {"days": tuple(gap), "day": day}))
    return problems


def entry_problems(facts):
    """Every rule a new entry breaks (empty list: it may be registered).

    Rules (issue 13, part 2):

    * dates: not before the book's start date, not before the book's last entry, no day
      left without entry before it (``gap``), not in a period already invoiced, General
      and Specific not in the future, a Correction is registered today or later, a day that
      is over and whose entries are final takes no more (a correction is the way);
    * Specific: one item over 250 EUR incl. VAT with its product name;
    * Correction: corrected date (from the start date to the registration date) and reason;
      negative amounts allowed, at least one amount;
    * Closed: zero amounts; a range of days (``day_to``) only for Closed;
    * General and Specific: no negative amount;
    * every type: the split per payment method equals the total.
    """
    if facts.entry_type not in ENTRY_TYPES:
        raise ReceiptsError(f"Unknown entry type {facts.entry_type!r}.")
    return [*_date_problems(facts), *_field_problems(facts), *_amount_problems(facts)]


# ----------------------------------------------------------------------
# The day in the cash book
# ----------------------------------------------------------------------


def day_split(splits, cash_methods):
    """Sum the split of a day's entries per method, in first-seen order.

    ``splits``: iterable of ``(method name, amount)`` (several entries of the day);
    ``cash_methods``: the names of the methods of kind cash.
    Returns ``(all methods, non-cash methods, day total, non-cash total)``; methods whose
    day sum is zero are left out of the communication.
    """
    totals = {}
    for name, amount in splits:
        totals[name] = totals.get(name, Decimal("0.00")) + to_decimal(amount)
    everything = [(name, amount) for name, amount in totals.items() if amount]
    non_cash = [(name, amount) for name, amount in everything if name not in cash_methods]
    return (
        everything,
        non_cash,
        entry_total(amount for _name, amount in everything),
        entry_total(amount for _name, amount in non_cash),
    )


# ----------------------------------------------------------------------
# Hash chain
# ----------------------------------------------------------------------


def canonical(content):
    """The canonical JSON of an entry's content (sorted keys, ASCII, no spaces)."""
    return json.dumps(
        content, sort_keys=True, ensure_ascii=True, separators=(",", ":"), default=str
    )


def chain_hash(previous_hash, content):
    """``sha256(previous hash + canonical JSON of content)`` in hex."""
    return hashlib.sha256(((previous_hash or "") + canonical(content)).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainItem:
    """One hashed entry as stored: its key (id), number in the chain, stored hashes, and
    its content as read back now."""

    key: object
    number: int
    previous_hash: str
    entry_hash: str
    content: dict


@dataclass(frozen=True)
class ChainBreak:
    """``kind``: 'content' (the entry changed), 'link' (its previous hash is not the hash of
    the entry before it) or 'missing' (numbers skipped: entries removed)."""

    kind: str
    key: object
    number: int
    expected: str = ""
    found: str = ""


@dataclass(frozen=True)
class ChainReport:
    count: int
    breaks: tuple
    first_hash: str = ""
    last_hash: str = ""

    @property
    def ok(self):
        return not self.breaks


def verify_chain(items):
    """Check a chain of :class:`ChainItem` in order of their numbers (1, 2, 3 ...)."""
    breaks = []
    previous_hash = ""
    expected_number = 1
    first = last = ""
    count = 0
    for item in items:
        count += 1
        if item.number != expected_number:
            breaks.append(
                ChainBreak(
                    "missing",
                    item.key,
                    item.number,
                    expected=str(expected_number),
                    found=str(item.number),
                )
            )
        expected_number = item.number + 1
        if (item.previous_hash or "") != previous_hash:
            breaks.append(
                ChainBreak(
                    "link",
                    item.key,
                    item.number,
                    expected=previous_hash,
                    found=item.previous_hash or "",
                )
            )
        computed = chain_hash(item.previous_hash, item.content)
        if computed != item.entry_hash:
            breaks.append(
                ChainBreak(
                    "content", item.key, item.number, expected=computed, found=item.entry_hash or ""
                )
            )
        previous_hash = item.entry_hash or ""
        first = first or item.entry_hash
        last = item.entry_hash
    return ChainReport(count=count, breaks=tuple(breaks), first_hash=first, last_hash=last)
