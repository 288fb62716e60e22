"""The Dutch and French translations are complete and keep every placeholder."""

import re
from pathlib import Path

import pytest

polib = pytest.importorskip("polib")  # in requirements-test.txt; CI installs it

I18N = Path(__file__).resolve().parents[1] / "scrada_exact_bridge" / "i18n"
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%[sd]")
TAG = re.compile(r"</?[a-zA-Z][^>]*>")


@pytest.fixture(scope="module")
def template():
    return polib.pofile(str(I18N / "scrada_exact_bridge.pot"))


@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_every_message_is_translated(template, lang):
    catalog = polib.pofile(str(I18N / f"{lang}.po"))
    translated = {entry.msgid: entry for entry in catalog if entry.msgstr and not entry.obsolete}
    missing = [entry.msgid for entry in template if entry.msgid not in translated]
    assert not missing, f"{lang}.po misses {len(missing)} message(s): {missing[:5]}"
    assert not catalog.fuzzy_entries()


@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_placeholders_and_markup_are_kept(lang):
    catalog = polib.pofile(str(I18N / f"{lang}.po"))
    for entry in catalog:
        assert sorted(PLACEHOLDER.findall(entry.msgid)) == sorted(
            PLACEHOLDER.findall(entry.msgstr)
        ), entry.msgid
        assert len(TAG.findall(entry.msgid)) == len(TAG.findall(entry.msgstr)), entry.msgid


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("nl", ["dagboek", "digitale brievenbus", "dagontvangsten", "kasboek"]),
        (
            "fr",
            ["journal", "boîte aux lettres numérique", "recettes journalières", "livre de caisse"],
        ),
    ],
)
def test_belgian_wording(lang, words):
    text = " ".join(entry.msgstr for entry in polib.pofile(str(I18N / f"{lang}.po"))).lower()
    for word in words:
        assert word in text, word
