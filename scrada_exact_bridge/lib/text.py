"""Plain-ASCII text for CODA fields.

CODA records are fixed-width single-byte lines read as windows-1252 by every
parser (shared/domain/coda.md section 1.1): one multi-byte character shifts
every following field, and bytes such as 0x81 make parsers crash.  Everything
the writer puts in an alphanumeric field therefore goes through
:func:`to_coda_text`, which returns printable 7-bit ASCII (a subset of cp1252)
on a single line, and :func:`fit`, which pads/truncates to the field width.
"""

import unicodedata

#: Characters that Unicode NFKD does not reduce to ASCII, with their spelling.
_EXPLICIT = {
    "\u20ac": "EUR",  # euro sign
    "\u00a3": "GBP",
    "\u00a5": "JPY",
    "\u00df": "ss",
    "\u1e9e": "SS",
    "\u00e6": "ae",
    "\u00c6": "AE",
    "\u0153": "oe",
    "\u0152": "OE",
    "\u00f8": "o",
    "\u00d8": "O",
    "\u0142": "l",
    "\u0141": "L",
    "\u0111": "d",
    "\u0110": "D",
    "\u00f0": "d",
    "\u00d0": "D",
    "\u00fe": "th",
    "\u00de": "Th",
    "\u0131": "i",
    "\u0127": "h",
    "\u0126": "H",
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u2032": "'",
    "\u2039": "'",
    "\u203a": "'",
    "\u00b4": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u201f": '"',
    "\u2033": '"',
    "\u00ab": '"',
    "\u00bb": '"',
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2015": "-",
    "\u2212": "-",
    "\u2022": "-",
    "\u00b7": "-",
    "\u2044": "/",
    "\u00d7": "x",
    "\u00f7": "/",
    "\u00a9": "(c)",
    "\u00ae": "(R)",
    "\u00b0": "o",
    "\u00a7": "S",
    "\u00bf": "?",
    "\u00a1": "!",
}


def _space_out_controls(value):
    """Replace control characters and Unicode line/paragraph separators by a blank."""
    return "".join(
        " " if unicodedata.category(char) in ("Cc", "Zl", "Zp") or char.isspace() else char
        for char in value
    )


def _decompose(value):
    """NFKD-decompose and drop the combining marks (``é`` -> ``e``)."""
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _keep_printable_ascii(value):
    """Drop whatever is not printable ASCII (0x20-0x7E), without a placeholder."""
    return "".join(char for char in value if " " <= char <= "~")


def to_coda_text(value):
    """Return ``value`` as single-line printable ASCII, safe for any CODA field.

    Control characters (TAB, CR, LF, ...) become blanks, accents are stripped,
    ``€``/``ß``/``æ``/``Ł``/typographic quotes and dashes are spelled in ASCII,
    anything else that is not ASCII is removed, and runs of whitespace are
    collapsed to one blank (leading/trailing blanks removed).  ``None`` gives ``''``.
    """
    if value is None:
        return ""
    text = _space_out_controls(str(value))
    text = _decompose(text)
    text = "".join(_EXPLICIT.get(char, char) for char in text)
    # A mapped or decomposed character may decompose further (one half -> 1, FRACTION SLASH, 2).
    text = "".join(_EXPLICIT.get(char, char) for char in _decompose(text))
    text = _keep_printable_ascii(_space_out_controls(text))
    return " ".join(text.split())


def header_text(value):
    """``value`` on one line, for a mail header (a display name, a subject).

    Control characters (CR, LF, TAB, ...) and line separators become blanks and runs of blanks
    collapse to one, as Odoo does for partner names: a company name typed with a line break
    would otherwise make every mail impossible to build ("Header values may not contain
    linefeed or carriage return characters"). Accents and other letters are kept (headers are
    encoded when needed). ``None`` gives ``''``.
    """
    if value is None:
        return ""
    return " ".join(_space_out_controls(str(value)).split())


def fit(value, width):
    """Return ``value`` left-aligned, blank-padded and truncated to exactly ``width`` chars."""
    if width < 0:
        raise ValueError("width must not be negative")
    value = "" if value is None else str(value)
    return value[:width].ljust(width)
