"""Cash-book IBAN checks (scrada_exact_bridge/lib/iban.py)."""

import pytest
from stdnum.be import iban as be_iban

from scrada_lib import iban


def test_valid_belgian_iban_is_compacted():
    assert iban.validate("be71 0961 2345 6769") == "BE71096123456769"


def test_bank_code_in_no_register_is_accepted():
    """A cash book's IBAN is issued by the sending system, not by a bank."""
    number = "BE83138811735115"
    assert not be_iban.is_valid(number)  # stdnum's Belgian check looks the bank up ...
    assert iban.validate(number) == number  # ... ours does not


def test_foreign_iban():
    assert iban.validate("FR14 2004 1010 0505 0001 3M02 606") == "FR1420041010050500013M02606"
    assert iban.country("FR1420041010050500013M02606") == "FR"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "missing"),
        (None, "missing"),
        ("BE71 0961 2345 6768", "format"),  # IBAN mod-97 fails
        ("BE7109612345676", "format"),  # too short
        ("XX00 1234", "format"),
    ],
)
def test_invalid(value, code):
    with pytest.raises(iban.IbanError) as caught:
        iban.validate(value)
    assert caught.value.code == code
    assert not iban.is_valid(value)


def test_belgian_check_digits():
    # Valid ISO 13616 check digits ("BE58") but national check digits 16 instead of 15:
    # build one by recomputing the IBAN checksum for a wrong BBAN.
    from stdnum import iban as std_iban

    bban = "138811735116"
    check = std_iban.calc_check_digits("BE00" + bban)
    number = f"BE{check}{bban}"
    assert std_iban.validate(number, check_country=False) == number
    with pytest.raises(iban.IbanError) as caught:
        iban.validate(number)
    assert caught.value.code == "be_check_digits"


def test_pretty():
    assert iban.pretty("BE71096123456769") == "BE71 0961 2345 6769"


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("be83138811735115", "BE83 1388 1173 5115"),
        (" BE83 1388-1173 5115 ", "BE83 1388 1173 5115"),
        ("fr1420041010050500013m02606", "FR14 2004 1010 0505 0001 3M02 606"),
    ],
)
def test_normalize_groups_in_fours_upper_case(value, stored):
    assert iban.normalize(value) == stored
    assert iban.validate(iban.normalize(value)) == stored.replace(" ", "")


def test_normalize_refuses_an_invalid_iban():
    with pytest.raises(iban.IbanError):
        iban.normalize("BE83 1388 1173 5116")
