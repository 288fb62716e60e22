"""Tests of the CODA text helpers (scrada_exact_bridge/lib/text.py)."""

import pytest

from scrada_lib import text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Café Zoë", "Cafe Zoe"),
        ("ÀÉÎÕÜ àéîõü çÇñÑ", "AEIOU aeiou cCnN"),
        ("Prijs 5 €", "Prijs 5 EUR"),
        ("Straße ẞ", "Strasse SS"),
        ("Æsop æ Œuvre œ", "AEsop ae OEuvre oe"),
        ("Łódź ł", "Lodz l"),
        ("Øre ø Đ đ Þ þ", "Ore o D d Th th"),
        ("‘single’ “double” „low‟ «guill» ‹a›", '\'single\' "double" "low" "guill" \'a\''),
        ("a–b—c‒d−e‐f", "a-b-c-d-e-f"),
        ("wait…", "wait..."),
        ("½ ¼", "1/2 1/4"),
        ("™ ® ©", "TM (R) (c)"),
        ("ﬁne ２", "fine 2"),
        ("£ 3 ¥ 4", "GBP 3 JPY 4"),
    ],
)
def test_transliteration(value, expected):
    assert text.to_coda_text(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "a\tb",
        "a\r\nb",
        "a\nb",
        "a\rb",
        "a\x0bb",
        "a\x0cb",
        "a\x00b",
        "a\x7fb",
        "a\u2028b",
        "a\u00a0b",
        "a\u2003b",
        "a  \t \n b",
    ],
)
def test_control_characters_and_whitespace_become_one_blank(value):
    assert text.to_coda_text(value) == "a b"


def test_leading_and_trailing_whitespace_is_removed():
    assert text.to_coda_text("  \n hello \t ") == "hello"


@pytest.mark.parametrize(
    ("value", "expected"), [("中文 ok", "ok"), ("a 😀 b", "a b"), ("x\u200by", "xy")]
)
def test_untransliterable_characters_are_dropped_without_placeholder(value, expected):
    assert text.to_coda_text(value) == expected


def test_none_and_non_strings():
    assert text.to_coda_text(None) == ""
    assert text.to_coda_text("") == ""
    assert text.to_coda_text(42) == "42"


def test_result_is_printable_ascii_and_cp1252_safe():
    everything = "".join(chr(code) for code in range(0, 0x3000))
    result = text.to_coda_text(everything)
    assert result
    assert all(" " <= char <= "~" for char in result)
    assert result.encode("cp1252").decode("ascii") == result
    assert "  " not in result


def test_ascii_text_is_unchanged():
    value = "CB/CLIE/Klant 1/F-2025-001/rest: 12,50 (ok) #3 [x] {y} @z ~"
    assert text.to_coda_text(value) == value


def test_to_coda_text_is_idempotent():
    value = "Brasserie «L’Œuf» €\tGent"
    once = text.to_coda_text(value)
    assert text.to_coda_text(once) == once


@pytest.mark.parametrize(
    ("value", "width", "expected"),
    [
        ("abc", 5, "abc  "),
        ("abcdef", 3, "abc"),
        ("abc", 3, "abc"),
        ("", 4, "    "),
        (None, 2, "  "),
        ("abc", 0, ""),
    ],
)
def test_fit(value, width, expected):
    assert text.fit(value, width) == expected
    assert len(text.fit(value, width)) == width


def test_fit_rejects_negative_width():
    with pytest.raises(ValueError):
        text.fit("a", -1)


# mail headers (issue 10 #8): one line, letters kept
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Lab\r\nBV", "Lab BV"),
        ("Lab BV\n", "Lab BV"),
        ("Café\tSeñor  Ünal", "Café Señor Ünal"),
        ("Line\u2028separator\x00nul", "Line separator nul"),
        (None, ""),
        ("", ""),
    ],
)
def test_header_text_is_one_clean_line(value, expected):
    assert text.header_text(value) == expected
