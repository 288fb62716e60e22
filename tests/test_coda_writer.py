"""Tests of the CODA writer, checker and reader (scrada_exact_bridge/lib/coda.py).

The rules come from shared/domain/coda.md (section 1 layout and 1.11 consistency
rules, section 5 checklist).  Every generated file is also fed to two
independent parsers used as oracles: febelfin-coda 0.5.0 (the strictest one:
balance equation, trailer count/totals, record 8 = record 1 account) and codapy
0.3.28 (every field must have its exact width; ``dumps`` must reproduce the
file byte for byte).
"""

import dataclasses
import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from stdnum import iban as stdnum_iban
from support import need

from scrada_lib import coda, text


# The oracles are imported by the tests that use them: a test without an oracle never skips, and
# in CI a missing oracle fails the tests that need it (tests/conftest.py: need()).
def febelfin():
    return need("coda", "febelfin-coda 0.5.0 is needed as oracle")


def codafile():
    return need("pycoda.codafile", "codapy 0.3.28 is needed as oracle")


BE_IBAN = "BE68539007547034"
FR_IBAN = "FR1420041010050500013M02606"
COUNTERPARTY_IBAN = "BE71096123456769"
D = Decimal

# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def mv(amount, day=date(2025, 1, 2), communication="CB/BACA/test", **kwargs):
    """A movement with a Decimal amount given as a string."""
    return coda.Movement(amount=D(amount), entry_date=day, communication=communication, **kwargs)


def make_statement(movements=(), old_balance="150.00", **overrides):
    """A valid statement; the new balance is computed unless given."""
    old = D(old_balance)
    values = {
        "iban": "BE68 5390 0754 7034",
        "currency": "EUR",
        "holder_name": "Kassa Brasserie",
        "paper_number": 7,
        "coda_number": 12,
        "old_balance": old,
        "old_date": date(2024, 12, 31),
        "new_balance": old + sum((m.amount for m in movements), D(0)),
        "new_date": date(2025, 1, 3),
        "movements": tuple(movements),
    }
    values.update(overrides)
    return coda.Statement(**values)


def lines_of(data):
    """Decoded records (no line terminators)."""
    return data.decode("cp1252").splitlines()


def kinds(data):
    return [line[:2] if line[0] in "23" else line[0] for line in lines_of(data)]


def expected_communication(movement):
    if movement.structured:
        return "".join(ch for ch in movement.structured if ch.isdigit())
    return text.to_coda_text(movement.communication)[:149].rstrip()


def assert_febelfin(data, statement):
    """febelfin-coda parses the file and returns the statement's figures."""
    parsed = febelfin().CODA(io.StringIO(data.decode("cp1252")))
    assert len(parsed.statements) == 1
    result = parsed.statements[0]
    assert result.account == coda.compact_iban(statement.iban)
    assert result.account_currency == statement.currency
    assert result.old_balance == statement.old_balance
    assert result.new_balance == statement.new_balance
    assert result.old_balance_date == statement.old_date
    assert result.new_balance_date == statement.new_date
    assert result.old_sequence == f"{statement.paper_number:03d}"
    assert result.new_sequence == f"{statement.paper_number:03d}"
    assert result.coda_sequence == f"{statement.coda_number:03d}"
    assert result.version == 2
    assert len(result.moves) == len(statement.movements)
    for move, source in zip(result.moves, statement.movements, strict=True):
        assert move.amount == source.amount
        assert move.entry_date == source.entry_date
        assert move.value_date == (source.value_date or source.entry_date)
        assert move.communication == expected_communication(source)
        assert (move.counterparty_name or "") == text.to_coda_text(source.counterparty_name)
    return result


def assert_codapy(data, newline="\r\n"):
    """codapy loads the file and dumps it back byte for byte (dumps adds no final newline)."""
    content = data.decode("cp1252")
    parsed = codafile().CodaFile()
    parsed.loads(content)
    assert parsed.dumps(sep=newline) + newline == content
    return parsed.records


def assert_oracles(data, statement, newline="\r\n"):
    assert coda.check(data) == []
    assert_codapy(data, newline)
    return assert_febelfin(data, statement)


def write_ok(statement, **kwargs):
    """Write ``statement`` and run all oracles on the result."""
    data = coda.write(statement, **kwargs)
    assert_oracles(data, statement, kwargs.get("newline", "\r\n"))
    return data


def be_iban(bban):
    """A Belgian IBAN with correct IBAN check digits for any 12-digit BBAN."""
    return "BE" + stdnum_iban.calc_check_digits("BE00" + bban) + bban


def raises_code(code, statement):
    with pytest.raises(coda.CodaError) as info:
        coda.write(statement)
    assert info.value.code == code, str(info.value)
    assert str(info.value)
    return info.value


# ---------------------------------------------------------------------------
# encoding / framing
# ---------------------------------------------------------------------------


def test_every_record_is_128_printable_ascii_chars_with_crlf():
    data = write_ok(make_statement([mv("12.50"), mv("-2.25", communication="CB/CABA/x")]))
    assert data.endswith(b"\r\n")
    assert data.count(b"\r\n") == data.count(b"\n") == 6
    data.decode("ascii")
    for line in lines_of(data):
        assert len(line) == 128
        assert all(" " <= char <= "~" for char in line)


def test_lf_newline_is_supported_and_checked():
    statement = make_statement([mv("1")])
    data = write_ok(statement, newline="\n")
    assert b"\r" not in data and data.endswith(b"\n")
    assert data.replace(b"\n", b"\r\n") == coda.write(statement)


def test_invalid_newline_is_refused():
    with pytest.raises(coda.CodaError):
        coda.write(make_statement(), newline="\r")


def test_record_order_and_record_types():
    movements = [mv("1", communication="x" * 60), mv("-1", counterparty_name="Jan")]
    data = write_ok(make_statement(movements))
    assert kinds(data) == ["0", "1", "21", "22", "21", "22", "23", "8", "9"]


def test_identical_input_gives_identical_bytes():
    first = coda.write(make_statement([mv("10", reference="A1"), mv("-3", reference="A2")]))
    second = coda.write(make_statement([mv("10", reference="A1"), mv("-3", reference="A2")]))
    assert first == second


# ---------------------------------------------------------------------------
# header (record 0)
# ---------------------------------------------------------------------------


def test_header_layout():
    statement = make_statement(
        company_number="BE 0477.472.701",
        bic="gkcc bebb",
        addressee="Brasserie Zoë",
        file_reference="REF-1",
        creation_date=date(2025, 1, 4),
    )
    header = lines_of(write_ok(statement))[0]
    assert coda.HEADER_RE.fullmatch(header[:24])
    assert header[5:11] == "040125"
    assert header[11:16] == "00005"
    assert header[16] == " "
    assert header[24:34] == "REF-1     "
    assert header[34:60] == text.fit("Brasserie Zoe", 26)
    assert header[60:71] == "GKCCBEBB   "
    assert header[71:82] == "00477472701"
    assert header[83:88] == "00000"
    assert header[127] == "2"


def test_header_defaults_creation_date_addressee_and_company():
    header = lines_of(write_ok(make_statement()))[0]
    assert header[5:11] == "030125"  # new balance date, never today()
    assert header[34:60] == text.fit("Kassa Brasserie", 26)
    assert header[71:82] == "0" * 11  # codapy rejects blanks here


def test_header_duplicate_flag():
    header = lines_of(write_ok(make_statement(duplicate=True)))[0]
    assert header[16] == "D"


def test_company_number_with_wrong_length_is_refused():
    raises_code("company_number_invalid", make_statement(company_number="12345"))


def test_invalid_bic_is_refused():
    raises_code("bic_invalid", make_statement(bic="GKCC"))


# ---------------------------------------------------------------------------
# old / new balance (records 1 and 8)
# ---------------------------------------------------------------------------


def test_belgian_iban_uses_structure_2():
    data = write_ok(make_statement([mv("5")]))
    old, new = lines_of(data)[1], lines_of(data)[-2]
    assert old[1] == "2"
    assert old[2:5] == "007"
    assert old[5:21] == BE_IBAN
    assert old[21:39] == " " * 18
    assert old[39:42] == "EUR"
    assert old[125:128] == "012"
    assert new[1:4] == "007"
    assert new[4:41] == old[5:42]


def test_foreign_iban_uses_structure_3():
    statement = make_statement([mv("5")], iban=FR_IBAN, currency="EUR")
    data = write_ok(statement)
    old = lines_of(data)[1]
    assert old[1] == "3"
    assert old[5:39] == text.fit(FR_IBAN, 34)
    assert old[39:42] == "EUR"


def test_cash_book_iban_with_unknown_bank_code_is_accepted():
    iban = be_iban("112000000073")
    assert not stdnum_iban.is_valid(iban)  # the bank register does not know bank code 112
    data = write_ok(make_statement([mv("1")], iban=iban))
    assert lines_of(data)[1][5:21] == iban


@pytest.mark.parametrize(
    "iban",
    [
        "BE68539007547035",  # IBAN mod-97 wrong
        "BE6853900754703",  # too short
        "XX68539007547034",  # unknown country
        "",
        "not an iban",
    ],
)
def test_invalid_iban_is_refused(iban):
    raises_code("iban_invalid", make_statement(iban=iban))


def test_belgian_iban_with_wrong_bban_check_digits_is_refused():
    iban = be_iban("539007547035")  # IBAN check digits right, BBAN check digits wrong
    assert stdnum_iban.is_valid(iban, check_country=False)
    error = raises_code("iban_invalid", make_statement(iban=iban))
    assert "BBAN" in str(error)


@pytest.mark.parametrize("currency", ["eur", "EU", "EURO", "", "E1R"])
def test_invalid_currency_is_refused(currency):
    raises_code("currency_invalid", make_statement(currency=currency))


def test_negative_balances_get_sign_1():
    statement = make_statement([mv("-30.10")], old_balance="-5.00")
    data = write_ok(statement)
    old, new = lines_of(data)[1], lines_of(data)[-2]
    assert old[42:58] == "1000000000005000"
    assert new[41:57] == "1000000000035100"


def test_zero_balance_has_sign_0():
    data = write_ok(make_statement(old_balance="0"))
    assert lines_of(data)[1][42:58] == "0" + "0" * 15


def test_large_amounts_are_written_in_full():
    movements = [mv("1234567.89"), mv("-98765432109.99")]
    statement = make_statement(movements, old_balance="999999999999")
    data = write_ok(statement)
    old, first, second = lines_of(data)[1], lines_of(data)[2], lines_of(data)[3]
    assert old[43:58] == "999999999999000"
    assert first[31:47] == "0000001234567890"
    assert second[31:47] == "1098765432109990"


def test_largest_amount_uses_all_12_integer_digits():
    # Not given to febelfin-coda: it reads the first digit of a trailer total as a
    # sign, so it cannot parse totals of 10**11 or more (a parser limitation).
    data = coda.write(make_statement([mv("-999999999999.99")], old_balance="999999999999.99"))
    assert coda.check(data) == []
    assert_codapy(data)
    assert lines_of(data)[2][31:47] == "1999999999999990"
    assert lines_of(data)[-1][22:37] == "999999999999990"


def test_balance_mismatch_is_refused():
    statement = make_statement([mv("10")], new_balance=D("160.01"))
    error = raises_code("balance_mismatch", statement)
    assert error.params["new_balance"] == D("160.01")


def test_old_date_after_new_date_is_refused():
    raises_code("date_order", make_statement(old_date=date(2025, 2, 1)))


@pytest.mark.parametrize("field", ["old_date", "new_date"])
def test_missing_balance_date_is_refused(field):
    raises_code("no_date", make_statement(**{field: None}))


@pytest.mark.parametrize("number", [-1, 1000, "7", None])
@pytest.mark.parametrize("field", ["paper_number", "coda_number"])
def test_paper_and_coda_numbers_must_be_0_to_999(field, number):
    raises_code("number_invalid", make_statement(**{field: number}))


def test_paper_number_is_repeated_in_records_1_8_and_every_21():
    data = write_ok(make_statement([mv("1"), mv("2")], paper_number=999, coda_number=0))
    records = lines_of(data)
    assert records[1][2:5] == records[-2][1:4] == "999"
    assert [line[121:124] for line in records if line.startswith("21")] == ["999", "999"]
    assert records[1][125:128] == "000"


# ---------------------------------------------------------------------------
# amounts
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "code"),
    [
        (D("0"), "zero_amount"),
        (D("0.000"), "zero_amount"),
        (D("1000000000000"), "amount_too_large"),
        (D("-1000000000000"), "amount_too_large"),
        (D("1.0001"), "amount_precision"),
        (1.5, "amount_type"),
        (D("NaN"), "amount_invalid"),
    ],
)
def test_invalid_movement_amounts_are_refused(amount, code):
    movement = coda.Movement(amount=amount, entry_date=date(2025, 1, 2))
    raises_code(code, dataclasses.replace(make_statement(), movements=(movement,)))


def test_three_decimals_are_allowed():
    data = write_ok(make_statement([mv("0.005")]))
    assert lines_of(data)[2][31:47] == "0000000000000005"


def test_integer_amounts_are_accepted():
    movement = coda.Movement(amount=3, entry_date=date(2025, 1, 2))
    data = write_ok(make_statement([movement]))
    assert lines_of(data)[2][31:47] == "0000000000003000"


def test_old_balance_too_large_is_refused():
    raises_code("amount_too_large", make_statement(old_balance="1000000000000"))


def test_trailer_total_overflow_is_refused():
    movements = [mv("999999999999"), mv("1")]
    raises_code("amount_too_large", make_statement(movements, old_balance="-999999999999"))


# ---------------------------------------------------------------------------
# movements (records 21 / 22 / 23)
# ---------------------------------------------------------------------------


def test_zero_movements_gives_records_0_1_8_9_with_count_2():
    statement = make_statement()
    data = write_ok(statement)
    assert kinds(data) == ["0", "1", "8", "9"]
    trailer = lines_of(data)[-1]
    assert trailer[16:22] == "000002"
    assert trailer[22:52] == "0" * 30
    assert statement.new_balance == statement.old_balance


def test_movement_record_21_layout():
    movement = mv(
        "-12.34",
        day=date(2025, 1, 2),
        communication="CB/SUPP/Jansen/F-2025-1",
        value_date=date(2025, 1, 1),
        reference="CASH-7-0001",
    )
    record = lines_of(write_ok(make_statement([movement])))[2]
    assert record[:10] == "2100010000"
    assert record[10:31] == text.fit("CASH-7-0001", 21)
    assert record[31] == "1"
    assert record[32:47] == "000000000012340"
    assert record[47:53] == "010125"
    assert record[53:61] == "00901000"
    assert record[61] == "0"
    assert record[62:115] == text.fit("CB/SUPP/Jansen/F-2025-1", 53)
    assert record[115:121] == "020125"
    assert record[121:124] == "007"
    assert record[124:128] == "00 0"


def test_value_date_defaults_to_entry_date():
    record = lines_of(write_ok(make_statement([mv("1", day=date(2025, 1, 3))])))[2]
    assert record[47:53] == record[115:121] == "030125"


def test_sequence_numbers_run_from_0001_with_detail_0000():
    movements = [mv("1", communication="y" * 120, reference=f"R{i}") for i in range(3)]
    data = write_ok(make_statement(movements))
    keys = [(line[:2], line[2:10]) for line in lines_of(data)[2:-2]]
    assert keys == [(kind, f"{seq:04d}0000") for seq in (1, 2, 3) for kind in ("21", "22", "23")]


def test_communication_up_to_53_chars_stays_in_record_21():
    data = write_ok(make_statement([mv("1", communication="c" * 53)]))
    assert kinds(data)[2:-2] == ["21"]
    assert lines_of(data)[2][125] == "0"


def test_communication_over_53_chars_continues_in_record_22():
    communication = "CB/CLIE/Klant/F1/" + "a" * 36 + "B" * 10
    data = write_ok(make_statement([mv("1", communication=communication)]))
    records = lines_of(data)
    assert kinds(data)[2:-2] == ["21", "22"]
    assert records[2][125] == "1" and records[3][125] == "0"
    assert records[2][62:115] == communication[:53]
    assert records[3][10:63] == text.fit("B" * 10, 53)


def test_communication_over_106_chars_continues_in_record_23():
    communication = "".join(chr(ord("a") + i % 26) for i in range(140))
    data = write_ok(make_statement([mv("1", communication=communication)]))
    records = lines_of(data)
    assert kinds(data)[2:-2] == ["21", "22", "23"]
    assert [line[125] for line in records[2:5]] == ["1", "1", "0"]
    assert records[3][10:63] == communication[53:106]
    assert records[4][82:125] == text.fit(communication[106:], 43)


def test_communication_is_truncated_at_149_chars():
    communication = "x" * 149 + "TAIL"
    data = write_ok(make_statement([mv("1", communication=communication)]))
    assert coda.parse_summary(data)["movements"][0][2] == "x" * 149


def test_counterparty_goes_to_record_23_behind_an_empty_22():
    movement = mv("25", counterparty_name="Jan Peeters", counterparty_account="BE71 0961 2345 6769")
    data = write_ok(make_statement([movement]))
    records = lines_of(data)
    assert kinds(data)[2:-2] == ["21", "22", "23"]
    assert records[3][10:125] == " " * 115
    assert records[4][10:47] == text.fit(COUNTERPARTY_IBAN, 34) + "EUR"
    assert records[4][47:82] == text.fit("Jan Peeters", 35)
    assert records[4][125:128] == "0 0"


def test_customer_reference_and_bic_go_to_record_22():
    movement = mv("5", customer_reference="E2E-123", counterparty_bic="KREDBEBB")
    data = write_ok(make_statement([movement]))
    record = lines_of(data)[3]
    assert kinds(data)[2:-2] == ["21", "22"]
    assert record[63:98] == text.fit("E2E-123", 35)
    assert record[98:109] == "KREDBEBB   "


def test_non_iban_counterparty_account_is_written_without_currency():
    data = write_ok(make_statement([mv("5", counterparty_account="12345-678")]))
    assert lines_of(data)[4][10:47] == text.fit("12345678", 37)


def test_invalid_counterparty_iban_is_refused():
    statement = make_statement([mv("5", counterparty_account="BE71096123456768")])
    raises_code("counterparty_iban_invalid", statement)


def test_accents_euro_sign_and_newlines_are_transliterated():
    movement = mv(
        "7.5",
        communication="CB/CLIE/Zoë Ł/F1/Prix 5 €\r\nmerci\tbeaucoup",
        counterparty_name="Brasserie «L’Œuf»\nGent",
    )
    statement = make_statement([movement], holder_name="Café Müller\tßtraße", description="Kassa €")
    data = write_ok(statement)
    records = lines_of(data)
    assert records[1][64:90] == text.fit("Cafe Muller sstrasse", 26)
    assert records[1][90:125] == text.fit("Kassa EUR", 35)
    assert records[2][62:115] == text.fit("CB/CLIE/Zoe L/F1/Prix 5 EUR merci beaucoup", 53)
    assert records[4][47:82] == text.fit('Brasserie "L\'OEuf" Gent', 35)


def test_default_transaction_codes_are_counter_transactions():
    data = write_ok(make_statement([mv("1"), mv("-1")]))
    records = lines_of(data)
    assert records[2][53:61] == "00950000"
    assert records[3][53:61] == "00901000"


def test_caller_transaction_code_that_agrees_with_the_sign_is_used():
    data = write_ok(make_statement([mv("1", transaction_code="00150000")]))
    assert lines_of(data)[2][53:61] == "00150000"


@pytest.mark.parametrize(("amount", "code"), [("1", "00901000"), ("-1", "00950000")])
def test_transaction_code_against_the_sign_is_refused(amount, code):
    raises_code("transaction_code_direction", make_statement([mv(amount, transaction_code=code)]))


@pytest.mark.parametrize("code", ["0095000", "1095000X", "10950000", "00950001"])
def test_malformed_transaction_code_is_refused(code):
    raises_code("transaction_code_invalid", make_statement([mv("1", transaction_code=code)]))


def test_structured_communication_uses_type_101():
    movement = mv("1", communication="ignored", structured="+++090/9337/55493+++")
    data = write_ok(make_statement([movement]))
    record = lines_of(data)[2]
    assert record[61:77] == "1101090933755493"
    assert record[77:115] == " " * 38
    assert coda.parse_summary(data)["movements"][0][2] == "+++090/9337/55493+++"


def test_invalid_structured_communication_is_refused():
    raises_code("structured_invalid", make_statement([mv("1", structured="090933755494")]))


def test_entry_date_outside_the_statement_period_is_refused():
    raises_code("date_out_of_range", make_statement([mv("1", day=date(2024, 12, 30))]))
    raises_code("date_out_of_range", make_statement([mv("1", day=date(2025, 1, 4))]))


def test_entry_dates_on_the_period_limits_are_accepted():
    write_ok(make_statement([mv("1", day=date(2024, 12, 31)), mv("2", day=date(2025, 1, 3))]))


def test_missing_entry_date_is_refused():
    raises_code("no_date", make_statement([coda.Movement(amount=D("1"), entry_date=None)]))


def test_date_beyond_ddmmyy_range_is_refused():
    statement = make_statement(old_date=date(1960, 1, 1))
    raises_code("date_unsupported", statement)


def test_duplicate_bank_reference_is_refused():
    movements = [mv("1", reference="SAME"), mv("2", reference="SAME")]
    raises_code("reference_duplicate", make_statement(movements))


def test_ten_thousand_movements_wrap_the_sequence_number():
    movements = [
        mv("1.01" if index % 3 else "-0.5", communication=f"CB/DRCA/{index}", reference=f"L{index}")
        for index in range(1, 10003)
    ]
    data = write_ok(make_statement(movements))
    sequences = [line[2:6] for line in lines_of(data) if line.startswith("21")]
    assert sequences[:2] == ["0001", "0002"]
    assert sequences[9997:10002] == ["9998", "9999", "0000", "0001", "0002"]
    assert lines_of(data)[-1][16:22] == "010004"


# ---------------------------------------------------------------------------
# trailer (record 9)
# ---------------------------------------------------------------------------


def test_trailer_count_and_totals():
    movements = [mv("100.10", communication="z" * 120), mv("-40.05"), mv("-0.05")]
    data = write_ok(make_statement(movements))
    trailer = lines_of(data)[-1]
    assert trailer[:16] == "9" + " " * 15
    assert trailer[16:22] == "000007"  # 1 + 21,22,23 + 21 + 21 + 8
    assert trailer[22:37] == "000000000040100"
    assert trailer[37:52] == "000000000100100"
    assert trailer[52:127] == " " * 75
    assert trailer[127] == "2"


# ---------------------------------------------------------------------------
# parse_summary
# ---------------------------------------------------------------------------


def test_parse_summary_reads_back_the_statement():
    movements = [
        mv("500.01", communication="DR/DRIN/02.01.2025/Contant geld=500.01/" + "p" * 30),
        mv("-20", day=date(2025, 1, 3), counterparty_name="Jan", reference="X"),
    ]
    statement = make_statement(movements)
    summary = coda.parse_summary(write_ok(statement))
    assert summary["iban"] == BE_IBAN
    assert summary["structure"] == "2"
    assert summary["currency"] == "EUR"
    assert summary["old_balance"] == D("150")
    assert summary["new_balance"] == D("630.01")
    assert summary["old_date"] == date(2024, 12, 31)
    assert summary["new_date"] == date(2025, 1, 3)
    assert summary["paper_number"] == 7
    assert summary["coda_number"] == 12
    assert summary["movements"] == [
        (D("500.01"), date(2025, 1, 2), movements[0].communication),
        (D("-20"), date(2025, 1, 3), "CB/BACA/test"),
    ]
    assert summary["details"][1]["counterparty_name"] == "Jan"
    assert summary["details"][1]["reference"] == "X"


def test_parse_summary_without_statement_raises():
    with pytest.raises(coda.CodaError):
        coda.parse_summary(b"")


# ---------------------------------------------------------------------------
# check(): mutations of a valid file (coda.md section 2.5)
# ---------------------------------------------------------------------------


@pytest.fixture
def valid_file():
    movements = [
        mv("500.01", communication="DR/DRIN/02.01.2025/Contant geld=500.01/Bancontact=299.99"),
        mv("-20.50", communication="CB/SUPP/Jan/F1", counterparty_name="Jan Peeters"),
        mv("12", structured="090933755493"),
    ]
    return coda.write(make_statement(movements, company_number="0477472701"))


def replace(data, line_index, start, new):
    """Replace characters of one record (0-based ``start``) and return the new bytes."""
    records = lines_of(data)
    line = records[line_index]
    records[line_index] = line[:start] + new + line[start + len(new) :]
    return ("\r\n".join(records) + "\r\n").encode("cp1252")


def problems_mention(problems, fragment):
    return any(fragment in problem for problem in problems)


def test_check_accepts_the_valid_file_in_every_framing(valid_file):
    assert coda.check(valid_file) == []
    assert coda.check(valid_file.replace(b"\r\n", b"\n")) == []
    assert coda.check(valid_file[:-2]) == []


@pytest.mark.parametrize(
    ("line_index", "start", "new", "fragment"),
    [
        (-1, 16, "000009", "record count"),
        (-1, 22, "000000000020510", "debit total"),
        (-1, 37, "000000000512000", "credit total"),
        (-2, 56, "1", "not new balance"),
        (-2, 4, "BE71096123456769", "differs from record 1"),
        (0, 127, "1", "version code"),
        (0, 127, "3", "version code"),
        (0, 11, "ABC", "0{5}"),
        (0, 71, "12345678901", "account holder id"),
        (1, 1, "3", "Belgian IBAN must use account structure 2"),
        (1, 5, "BE68539007547035", "structure 2"),
        (2, 47, "000000", "value date"),
        (2, 47, "310225", "value date"),
        (2, 32, "      ", "amount"),
        (2, 31, "2", "sign"),
        (2, 2, "0002", "sequence number"),
        (3, 2, "0009", "differs from its record 21"),
        (2, 125, "0", "next code"),
        (5, 125, "0", "next code"),
        (3, 125, "1", "next code"),
        (6, 125, "1", "next code of record 23"),
        (2, 127, "1", "link code"),
        (2, 53, "00901000", "credit movement with debit transaction code"),
        (2, 53, "40950000", "transaction type 4"),
        (2, 121, "008", "paper number"),
        (-2, 1, "008", "paper number"),
        (2, 115, "020226", "entry date outside"),
        (7, 61, "1101090933755494", "fails mod-97"),
        (7, 61, "11010909337554 ", "not 12 digits"),
        (-1, 127, "3", "multiple-file code"),
        (2, 124, "X", "globalisation code"),
    ],
)
def test_check_reports_each_broken_rule(valid_file, line_index, start, new, fragment):
    broken = replace(valid_file, line_index, start, new)
    assert broken != valid_file
    problems = coda.check(broken)
    assert problems_mention(problems, fragment), problems


def test_check_reports_a_short_and_a_long_record(valid_file):
    records = lines_of(valid_file)
    short = records[:]
    short[0] = short[0][:127]
    long = records[:]
    long[2] = long[2] + " "
    for variant in (short, long):
        data = ("\r\n".join(variant) + "\r\n").encode("cp1252")
        assert problems_mention(coda.check(data), "not 128"), coda.check(data)


def test_check_reports_utf8_text_in_a_record(valid_file):
    broken = valid_file.replace(b"CB/SUPP/Jan/F1", "CB/SUPP/Jén/F1".encode())
    assert problems_mention(coda.check(broken), "not 128")


def test_check_reports_bytes_undefined_in_cp1252(valid_file):
    broken = valid_file.replace(b"CB/SUPP/Jan/F1", b"CB/SUPP/J\x81n/F1")
    assert problems_mention(coda.check(broken), "0x81")


def test_check_reports_a_tab_inside_a_record(valid_file):
    broken = valid_file.replace(b"CB/SUPP/Jan/F1", b"CB/SUPP/J\tn/F1")
    assert problems_mention(coda.check(broken), "control character")


def test_check_reports_an_empty_line(valid_file):
    broken = valid_file.replace(b"\r\n", b"\r\n\r\n", 1)
    assert problems_mention(coda.check(broken), "empty line")


def test_check_reports_mixed_line_endings(valid_file):
    broken = valid_file.replace(b"\r\n", b"\n", 1)
    assert problems_mention(coda.check(broken), "mixes")


def test_check_reports_a_missing_trailer(valid_file):
    broken = b"\r\n".join(valid_file.split(b"\r\n")[:-2]) + b"\r\n"
    assert problems_mention(coda.check(broken), "does not end with a trailer")


def test_check_reports_an_unknown_record_type(valid_file):
    broken = valid_file + b"5" + b" " * 127 + b"\r\n"
    assert problems_mention(coda.check(broken), "unknown record type")


def test_check_reports_records_out_of_order(valid_file):
    records = lines_of(valid_file)
    records[2], records[3] = records[3], records[2]
    broken = ("\r\n".join(records) + "\r\n").encode("cp1252")
    assert problems_mention(coda.check(broken), "may not appear after record 1")


def test_check_reports_an_empty_file():
    assert coda.check(b"") == ["file is empty"]


def test_check_reports_records_after_a_last_trailer(valid_file):
    assert problems_mention(coda.check(valid_file + valid_file), "announced the last file")


def test_check_accepts_two_concatenated_statements(valid_file):
    first = replace(valid_file, -1, 127, "1")
    assert coda.check(first + valid_file) == []


def test_check_accepts_free_message_after_record_8(valid_file):
    records = lines_of(valid_file)
    records[-2] = records[-2][:127] + "1"
    message = "4 00010000" + " " * 22 + text.fit("Free message", 80) + " " * 15 + "0"
    records.insert(-1, message)
    data = ("\r\n".join(records) + "\r\n").encode("cp1252")
    assert coda.check(data) == []


def test_check_accepts_empty_statement_0_1_9():
    records = lines_of(coda.write(make_statement()))
    del records[2]  # drop record 8
    records[-1] = records[-1][:16] + "000001" + records[-1][22:]
    assert coda.check(("\r\n".join(records) + "\r\n").encode("cp1252")) == []


# ---------------------------------------------------------------------------
# check(): public sample files (shared/samples/coda, provenance in SOURCES.md)
# ---------------------------------------------------------------------------

VALID_SAMPLES = [
    "febelfin-coda_CODA.txt",
    "php-coda-parser_sample1.cod",
    "pycoda_Coda_foreign_account.txt",
]
INVALID_SAMPLES = {
    "oca_l10n-belgium_Ontvangen_CODA.2012-01-11-18.59.15.txt": "differs from record 1",
    "pycoda_Coda_v2_3_multi_statements.txt": "differs from record 1",
    "coda-demo-spring_coda_example.txt": "not 128",
}
# What strict mode still reports on the consistent samples: check digits of the
# anonymised account numbers / OGMs, and the informative bank references of KBC.
STRICT_ONLY = ("check digits", "mod-97", "bank reference")


def sample(shared, name):
    return (shared / "samples" / "coda" / name).read_bytes()


@pytest.mark.parametrize("name", VALID_SAMPLES)
def test_consistent_samples_pass_the_checker(shared, name):
    data = sample(shared, name)
    assert coda.check(data, strict=False) == []
    for problem in coda.check(data):
        assert any(reason in problem for reason in STRICT_ONLY), problem


@pytest.mark.parametrize("name", sorted(INVALID_SAMPLES))
@pytest.mark.parametrize("strict", [True, False])
def test_inconsistent_samples_are_rejected(shared, name, strict):
    problems = coda.check(sample(shared, name), strict=strict)
    assert problems_mention(problems, INVALID_SAMPLES[name]), problems


def test_oca_sample_balance_equation_is_reported(shared):
    name = "oca_l10n-belgium_Ontvangen_CODA.2012-01-11-18.59.15.txt"
    assert problems_mention(coda.check(sample(shared, name)), "not new balance")


def test_parse_summary_reads_a_bank_sample(shared):
    summary = coda.parse_summary(sample(shared, "pycoda_Coda_foreign_account.txt"))
    assert summary["iban"] == "FR1234567890240924002304825"
    assert summary["currency"] == "EUR"
    assert summary["old_balance"] == D("443390.700")
    assert summary["new_balance"] == D("443346.300")
    assert [amount for amount, _day, _text in summary["movements"]] == [D("-37"), D("-7.4")]


def test_datetimes_are_treated_as_dates():
    statement = make_statement(
        [mv("1", day=datetime(2025, 1, 2, 23, 59))],
        old_date=datetime(2024, 12, 31, 8, 0),
        new_date=datetime(2025, 1, 3, 0, 0),
    )
    data = coda.write(statement)
    assert coda.check(data) == []
    summary = coda.parse_summary(data)
    assert summary["old_date"] == date(2024, 12, 31)
    assert summary["movements"][0][1] == date(2025, 1, 2)


def test_coda_error_carries_code_params_and_english_message():
    error = raises_code("currency_invalid", make_statement(currency="eur"))
    assert isinstance(error, ValueError)
    assert error.params == {"currency": "eur"}
    assert str(error) == "Currency 'eur' is not a 3-letter ISO code."
