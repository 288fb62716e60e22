"""Tests of the daily-receipts book rules (lib/receipts.py): periods, entry rules, the day's
payment-method split and the hash chain."""

import dataclasses
from datetime import date, timedelta
from decimal import Decimal

import pytest

from scrada_lib import communication, receipts

TODAY = date(2025, 3, 12)
START = date(2025, 3, 1)


def facts(**values):
    base = {
        "entry_type": receipts.GENERAL,
        "day": TODAY,
        "today": TODAY,
        "start_day": START,
        "amounts": ("100.00", "21.00"),
        "split": ("121.00",),
        "last_day": TODAY - timedelta(days=1),
        "covered": frozenset(receipts.days_between(START, TODAY - timedelta(days=1))),
    }
    base.update(values)
    return receipts.EntryFacts(**base)


def codes(**values):
    return [problem.code for problem in receipts.entry_problems(facts(**values))]


# ----------------------------------------------------------------------
# periods
# ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "day", "expected"),
    [
        ("day", date(2025, 3, 4), (date(2025, 3, 4), date(2025, 3, 4))),
        ("week", date(2025, 3, 5), (date(2025, 3, 3), date(2025, 3, 9))),
        ("week", date(2025, 3, 9), (date(2025, 3, 3), date(2025, 3, 9))),
        ("month", date(2024, 2, 10), (date(2024, 2, 1), date(2024, 2, 29))),
        ("month", date(2025, 12, 31), (date(2025, 12, 1), date(2025, 12, 31))),
    ],
)
def test_period_bounds(period, day, expected):
    assert receipts.period_bounds(period, day) == expected


def test_unknown_period_is_refused():
    with pytest.raises(receipts.ReceiptsError):
        receipts.period_bounds("year", TODAY)


def test_next_period_starts_where_asked():
    assert receipts.next_period("month", date(2025, 3, 15)) == (
        date(2025, 3, 15),
        date(2025, 3, 31),
    )
    assert receipts.next_period("week", date(2025, 3, 3)) == (date(2025, 3, 3), date(2025, 3, 9))


@pytest.mark.parametrize(
    ("period", "start", "end", "label"),
    [
        ("month", date(2025, 3, 1), date(2025, 3, 31), "2025-03"),
        ("week", date(2025, 3, 3), date(2025, 3, 9), "2025-W10"),
        ("week", date(2024, 12, 30), date(2025, 1, 5), "2025-W01"),
        ("day", date(2025, 3, 4), date(2025, 3, 4), "2025-03-04"),
        ("month", date(2025, 3, 15), date(2025, 3, 31), "2025-03-15..2025-03-31"),
        ("week", date(2025, 3, 9), date(2025, 3, 9), "2025-03-09"),
    ],
)
def test_period_label(period, start, end, label):
    assert receipts.period_label(period, start, end) == label


def test_missing_days():
    covered = {date(2025, 3, 1), date(2025, 3, 3)}
    assert receipts.missing_days(covered, date(2025, 3, 1), date(2025, 3, 4)) == [
        date(2025, 3, 2),
        date(2025, 3, 4),
    ]
    assert receipts.missing_days(covered, date(2025, 3, 4), date(2025, 3, 3)) == []


# ----------------------------------------------------------------------
# entry rules
# ----------------------------------------------------------------------


def test_a_normal_day_total_passes():
    assert codes() == []


def test_split_must_equal_the_total():
    problems = receipts.entry_problems(facts(split=("100.00", "20.99")))
    assert [p.code for p in problems] == ["split_mismatch"]
    assert problems[0].params == {"total": "121.00", "split": "120.99", "difference": "0.01"}


def test_amounts_are_decimal_not_float():
    with pytest.raises(receipts.ReceiptsError):
        receipts.entry_problems(facts(amounts=(1.1,)))
    assert receipts.to_decimal("1.005") == Decimal("1.00")  # banker's rounding of Decimal
    assert receipts.format_amount(3) == "3.00"


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"day": START - timedelta(days=1)}, ["before_start"]),
        ({"day": TODAY + timedelta(days=1)}, ["future", "gap"]),
        ({"last_day": TODAY + timedelta(days=1)}, ["before_last"]),
        ({"invoiced_until": TODAY}, ["invoiced"]),
        ({"covered": frozenset({START})}, ["gap"]),
        ({"day": TODAY - timedelta(days=1), "day_final": True}, ["day_closed"]),
        ({"amounts": ("-5",), "split": ("-5",)}, ["negative_amount"]),
        ({"day_to": TODAY + timedelta(days=2)}, ["range_not_closed"]),
    ],
)
def test_general_rules(values, expected):
    assert codes(**values) == expected


def test_gap_lists_the_missing_days():
    (problem,) = receipts.entry_problems(
        facts(covered=frozenset(receipts.days_between(START, date(2025, 3, 8))))
    )
    assert problem.code == "gap"
    assert problem.params["days"] == (date(2025, 3, 9), date(2025, 3, 10), date(2025, 3, 11))


def test_first_entry_must_be_the_start_day():
    assert codes(last_day=None, covered=frozenset()) == ["gap"]
    assert codes(day=START, last_day=None, covered=frozenset()) == []


def test_a_past_day_can_be_filled_until_its_entries_are_final():
    yesterday = TODAY - timedelta(days=1)
    covered = frozenset(receipts.days_between(START, yesterday - timedelta(days=1)))
    assert codes(day=yesterday, last_day=yesterday - timedelta(days=1), covered=covered) == []
    assert codes(day=yesterday, last_day=yesterday, covered=covered | {yesterday}) == []
    assert codes(
        day=yesterday, last_day=yesterday, covered=covered | {yesterday}, day_final=True
    ) == ["day_closed"]


def test_specific_entry():
    assert (
        codes(entry_type=receipts.SPECIFIC, amounts=("300",), split=("300",), product="Bruidstaart")
        == []
    )
    assert codes(entry_type=receipts.SPECIFIC, amounts=("300",), split=("300",)) == [
        "specific_product"
    ]
    assert codes(
        entry_type=receipts.SPECIFIC, amounts=("250",), split=("250",), product="Taart"
    ) == ["specific_threshold"]


def test_correction_entry():
    ok = {
        "entry_type": receipts.CORRECTION,
        "amounts": ("-12.10", "2"),
        "split": ("-10.10",),
        "corrected_day": date(2025, 3, 5),
        "reason": "Ticket 45 was entered twice",
    }
    assert codes(**ok) == []
    assert (
        codes(
            **ok,
            day=TODAY + timedelta(days=1),
            covered=frozenset(receipts.days_between(START, TODAY)),
        )
        == []
    )
    assert codes(**{**ok, "day": TODAY - timedelta(days=1)}) == ["correction_past"]
    assert codes(**{**ok, "corrected_day": None}) == ["correction_day_missing"]
    assert codes(**{**ok, "corrected_day": TODAY + timedelta(days=1)}) == ["correction_day_range"]
    assert codes(**{**ok, "corrected_day": START - timedelta(days=1)}) == ["correction_day_range"]
    assert codes(**{**ok, "reason": "  "}) == ["correction_reason"]
    assert codes(**{**ok, "amounts": ("0",), "split": ()}) == ["correction_empty"]


def test_closed_entry_and_plans():
    closed = {"entry_type": receipts.CLOSED, "amounts": (), "split": ()}
    assert codes(**closed) == []
    assert codes(**{**closed, "amounts": ("1",), "split": ("1",)}) == ["closed_amounts"]
    # a plan over future days skips the gap rule (days are written when they end)
    future = TODAY + timedelta(days=10)
    assert codes(**closed, day=future, day_to=future + timedelta(days=3)) == []
    assert codes(**closed, day=future, day_to=future - timedelta(days=1)) == ["range_order"]
    assert receipts.is_plan(receipts.CLOSED, future, TODAY)
    assert receipts.is_plan(receipts.CLOSED, TODAY, TODAY, TODAY + timedelta(days=1))
    assert not receipts.is_plan(receipts.CLOSED, TODAY, TODAY)
    assert not receipts.is_plan(receipts.GENERAL, future, TODAY)


def test_unknown_type_is_a_programming_error():
    with pytest.raises(receipts.ReceiptsError):
        receipts.entry_problems(facts(entry_type="other"))


# ----------------------------------------------------------------------
# the day in the cash book
# ----------------------------------------------------------------------


def test_day_split_and_communication():
    splits = [
        ("Contant geld", "400.01"),
        ("Bancontact", "299.99"),
        ("Contant geld", "100"),
        ("Payconiq", "200"),
        ("Visa", "0"),
    ]
    everything, non_cash, total, non_cash_total = receipts.day_split(splits, {"Contant geld"})
    assert everything == [
        ("Contant geld", Decimal("500.01")),
        ("Bancontact", Decimal("299.99")),
        ("Payconiq", Decimal("200.00")),
    ]
    assert non_cash == everything[1:]
    assert (total, non_cash_total) == (Decimal("1000.00"), Decimal("499.99"))
    day = date(2021, 1, 15)
    assert communication.build_communication("receipts_day_total", day=day, methods=everything) == (
        "DR/DRIN/15.01.2021/Contant geld=500.01/Bancontact=299.99/Payconiq=200"
    )
    assert communication.build_communication("receipts_non_cash", day=day, methods=non_cash) == (
        "DR/DRPM/15.01.2021/Bancontact=299.99/Payconiq=200"
    )


# ----------------------------------------------------------------------
# hash chain
# ----------------------------------------------------------------------


def _chain(contents):
    items, previous = [], ""
    for number, content in enumerate(contents, start=1):
        entry_hash = receipts.chain_hash(previous, content)
        items.append(receipts.ChainItem(number, number, previous, entry_hash, content))
        previous = entry_hash
    return items


CONTENTS = [
    {"date": "2025-03-01", "type": "general", "amounts": [[1, "121.00"]]},
    {"date": "2025-03-02", "type": "closed", "amounts": []},
    {"date": "2025-03-03", "type": "general", "amounts": [[1, "12.10"], [2, "10.60"]]},
]


def test_chain_hash_is_canonical_and_chained():
    first = receipts.chain_hash("", {"b": 1, "a": "x"})
    assert first == receipts.chain_hash("", {"a": "x", "b": 1})
    assert len(first) == 64
    assert receipts.chain_hash(first, {"a": 1}) != receipts.chain_hash("", {"a": 1})


def test_intact_chain():
    report = receipts.verify_chain(_chain(CONTENTS))
    assert report.ok
    assert report.count == 3
    assert report.first_hash and report.last_hash and report.first_hash != report.last_hash


def test_changed_content_is_reported():
    items = _chain(CONTENTS)
    changed = dict(CONTENTS[1], amounts=[[1, "0.01"]])
    items[1] = dataclasses.replace(items[1], content=changed)
    report = receipts.verify_chain(items)
    assert [(b.kind, b.number) for b in report.breaks] == [("content", 2)]


def test_rehashed_entry_breaks_the_next_link():
    items = _chain(CONTENTS)
    changed = dict(CONTENTS[1], amounts=[[1, "0.01"]])
    items[1] = dataclasses.replace(
        items[1], content=changed, entry_hash=receipts.chain_hash(items[1].previous_hash, changed)
    )
    report = receipts.verify_chain(items)
    assert [(b.kind, b.number) for b in report.breaks] == [("link", 3)]


def test_removed_entry_is_reported():
    items = _chain(CONTENTS)
    del items[1]
    report = receipts.verify_chain(items)
    assert [(b.kind, b.number) for b in report.breaks] == [("missing", 3), ("link", 3)]
