"""Tests of the Scrada cash-book communication codes (lib/communication.py)."""

from datetime import date
from decimal import Decimal

import pytest

from scrada_lib import coda, communication

EXPECTED_TABLE = {
    "bank_to_cash": ("CB/BACA", "in"),
    "cash_to_bank": ("CB/CABA", "out"),
    "customer_payment": ("CB/CLIE", "in"),
    "supplier_payment": ("CB/SUPP", "out"),
    "cash_receipt": ("CB/DRCA", "in"),
    "receipts_day_total": ("DR/DRIN", "in"),
    "receipts_non_cash": ("DR/DRPM", "out"),
    "private_withdrawal": ("CB/PRTA", "out"),
    "private_deposit": ("CB/PRDE", "in"),
    "cash_difference": ("CB/DIFF", "both"),
    "other": ("", "both"),
}


def test_transaction_type_table():
    table = {
        key: (ttype.code, ttype.direction) for key, ttype in communication.TRANSACTION_TYPES.items()
    }
    assert table == EXPECTED_TABLE
    assert all(ttype.key == key for key, ttype in communication.TRANSACTION_TYPES.items())


def test_table_is_read_only():
    with pytest.raises(TypeError):
        communication.TRANSACTION_TYPES["new"] = None


def test_customer_payment():
    result = communication.build_communication(
        "customer_payment", partner="Jan Peeters", invoice="F2025/0001", remark="cash"
    )
    assert result == "CB/CLIE/Jan Peeters/F2025-0001/cash"


def test_supplier_payment_without_remark_drops_the_trailing_part():
    result = communication.build_communication(
        "supplier_payment", partner="Brouwerij", invoice="INV-9"
    )
    assert result == "CB/SUPP/Brouwerij/INV-9"


def test_empty_middle_parts_are_kept():
    result = communication.build_communication("customer_payment", invoice="F1", remark="r")
    assert result == "CB/CLIE//F1/r"


def test_cash_receipt_with_day():
    result = communication.build_communication(
        "cash_receipt", day=date(2021, 1, 15), remark="kassa"
    )
    assert result == "CB/DRCA/15.01.2021/kassa"


def test_receipts_day_total_matches_the_scrada_example():
    methods = [
        ("Contant geld", Decimal("500.01")),
        ("Bancontact", Decimal("299.99")),
        ("Payconiq", Decimal("200")),
    ]
    result = communication.build_communication(
        "receipts_day_total", day=date(2021, 1, 15), methods=methods
    )
    assert result == "DR/DRIN/15.01.2021/Contant geld=500.01/Bancontact=299.99/Payconiq=200"


def test_methods_as_mapping_keep_their_order_and_format_amounts():
    methods = {"Bancontact": Decimal("80.10"), "Pay/conIQ=x": "-12.5", "Visa": 3}
    result = communication.build_communication(
        "receipts_non_cash", day=date(2021, 1, 15), methods=methods, remark="z"
    )
    assert result == "DR/DRPM/15.01.2021/Bancontact=80.10/Pay-conIQ-x=-12.50/Visa=3/z"


def test_float_method_amount_is_refused():
    with pytest.raises(coda.CodaError) as info:
        communication.build_communication(
            "receipts_day_total", day=date(2021, 1, 15), methods={"Cash": 1.5}
        )
    assert info.value.code == "amount_type"


@pytest.mark.parametrize("type_key", ["cash_receipt", "receipts_day_total", "receipts_non_cash"])
def test_day_is_required_for_dated_types(type_key):
    with pytest.raises(coda.CodaError) as info:
        communication.build_communication(type_key, remark="x")
    assert info.value.code == "no_date"


@pytest.mark.parametrize(
    ("type_key", "expected"),
    [
        ("bank_to_cash", "CB/BACA/van bank"),
        ("cash_to_bank", "CB/CABA/van bank"),
        ("private_withdrawal", "CB/PRTA/van bank"),
        ("private_deposit", "CB/PRDE/van bank"),
        ("cash_difference", "CB/DIFF/van bank"),
        ("other", "van bank"),
    ],
)
def test_remark_only_types(type_key, expected):
    assert communication.build_communication(type_key, remark="van bank") == expected


def test_code_alone_when_there_is_no_remark():
    assert communication.build_communication("bank_to_cash") == "CB/BACA"
    assert communication.build_communication("other") == ""


def test_values_a_layout_does_not_use_are_ignored():
    result = communication.build_communication(
        "bank_to_cash", partner="P", invoice="I", remark="r", day=date(2021, 1, 1)
    )
    assert result == "CB/BACA/r"


def test_slashes_in_user_text_cannot_fake_a_code():
    result = communication.build_communication(
        "customer_payment", partner="CB/SUPP", invoice="A/B", remark="x/y/z"
    )
    assert result == "CB/CLIE/CB-SUPP/A-B/x-y-z"
    assert result.count("/") == 4


def test_other_with_slashes_does_not_look_like_a_code():
    result = communication.build_communication("other", remark="CB/SUPP/x")
    assert result == "CB-SUPP-x"
    assert communication.type_from_communication(result) == "other"


def test_user_text_is_transliterated_to_one_ascii_line():
    result = communication.build_communication(
        "customer_payment", partner="Zoë Łukasz\n", invoice="F\t1", remark="5 € merci"
    )
    assert result == "CB/CLIE/Zoe Lukasz/F 1/5 EUR merci"
    assert result.isascii()


def test_code_stays_inside_the_first_record_and_survives_the_writer():
    long_remark = "r" * 200
    result = communication.build_communication(
        "supplier_payment", partner="S", invoice="I", remark=long_remark
    )
    assert result.startswith("CB/SUPP/S/I/")
    movement = coda.Movement(Decimal("-1"), date(2025, 1, 2), communication=result)
    statement = coda.Statement(
        iban="BE68539007547034",
        currency="EUR",
        holder_name="Kassa",
        paper_number=1,
        coda_number=1,
        old_balance=Decimal("10"),
        old_date=date(2025, 1, 1),
        new_balance=Decimal("9"),
        new_date=date(2025, 1, 2),
        movements=(movement,),
    )
    record_21 = coda.write(statement).decode("ascii").splitlines()[2]
    assert record_21[62:74] == "CB/SUPP/S/I/"


def test_unknown_type_is_refused():
    with pytest.raises(coda.CodaError) as info:
        communication.build_communication("nope")
    assert info.value.code == "unknown_type"
    with pytest.raises(coda.CodaError):
        communication.direction_ok("nope", Decimal("1"))


@pytest.mark.parametrize(
    ("type_key", "amount", "expected"),
    [
        ("bank_to_cash", "10", True),
        ("bank_to_cash", "-10", False),
        ("cash_to_bank", "-10", True),
        ("cash_to_bank", "10", False),
        ("customer_payment", "0.01", True),
        ("supplier_payment", "0.01", False),
        ("cash_receipt", "5", True),
        ("receipts_day_total", "-5", False),
        ("receipts_non_cash", "-5", True),
        ("private_withdrawal", "5", False),
        ("private_deposit", "5", True),
        ("cash_difference", "-0.05", True),
        ("cash_difference", "0.05", True),
        ("other", "-3", True),
        ("other", "0", False),
        ("bank_to_cash", "0", False),
    ],
)
def test_direction_ok(type_key, amount, expected):
    assert communication.direction_ok(type_key, Decimal(amount)) is expected


def test_every_type_allows_at_least_one_direction():
    for key in communication.TRANSACTION_TYPES:
        assert communication.direction_ok(key, Decimal(1)) or communication.direction_ok(
            key, Decimal(-1)
        )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("CB/CLIE/Jan/F1/x", "customer_payment"),
        ("DR/DRIN/15.01.2021/Cash=1", "receipts_day_total"),
        ("CB/BACA", "bank_to_cash"),
        ("CB/BACAX/1", "other"),
        ("", "other"),
        (None, "other"),
    ],
)
def test_type_from_communication(value, expected):
    assert communication.type_from_communication(value) == expected


def test_every_built_communication_maps_back_to_its_type():
    for key, ttype in communication.TRANSACTION_TYPES.items():
        built = communication.build_communication(
            key, partner="p", invoice="i", remark="r", day=date(2021, 1, 15), methods={"Cash": 1}
        )
        assert built.startswith(ttype.code)
        assert communication.type_from_communication(built) == key
