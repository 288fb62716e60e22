"""CODA 2 writer, strict checker and small reader (pure Python, no Odoo).

Layout written (shared/domain/coda.md, positions 1-based, every record 128 chars):

* ``0``  header (section 1.2): creation date, application ``05``, duplicate flag,
  file reference, addressee, BIC, ``0`` + company number, version ``2`` at 128.
* ``1``  old balance (section 1.3): structure ``2`` (Belgian IBAN) or ``3``
  (foreign IBAN), paper number, 37-char account zone with the currency at 40-42,
  signed 12+3 amount, date, holder name, description, CODA number.
* per movement (sections 1.4-1.6): ``21`` (sequence 0001.. wrapping 9999 ->
  0000, detail 0000, bank reference, sign, amount, value date, transaction code,
  communication 1..53, entry date, paper number, next code), optionally ``22``
  (communication 54..106, customer reference, counterparty BIC) and ``23``
  (counterparty account and name, communication 107..149).  No type-3
  records are written, so every link code is ``0``; globalisation code ``0``.
* ``8``  new balance (section 1.8): same account zone as record 1.
* ``9``  trailer (section 1.10): number of records 1/2x/3x/8, debit and credit
  totals, ``2`` = last file.

:func:`write` refuses (``CodaError``) anything that would give an inconsistent
file (rules of section 1.11); :func:`check` verifies a file against the rules of
section 1.11 and the checklist of section 5 that can be checked inside one file;
:func:`parse_summary` reads the figures back for tests and previews.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from stdnum import iban as stdnum_iban

from . import text

RECORD_LENGTH = 128
ENCODING = "cp1252"
CREDIT = "0"
DEBIT = "1"
MAX_AMOUNT = Decimal(10) ** 12
MILLI = Decimal(1000)
COMMUNICATION_21 = 53
COMMUNICATION_22 = 53
COMMUNICATION_23 = 43
COMMUNICATION_MAX = COMMUNICATION_21 + COMMUNICATION_22 + COMMUNICATION_23  # 149
DEFAULT_CREDIT_CODE = "00950000"  # family 09 counter transactions, 50 = cash deposit
DEFAULT_DEBIT_CODE = "00901000"  # family 09 counter transactions, 01 = cash withdrawal
MAX_TRAILER_COUNT = 999999
# strptime('%y') maps 69-99 to 19xx and 00-68 to 20xx: only those years round-trip.
MIN_YEAR, MAX_YEAR = 1969, 2068

HEADER_RE = re.compile(r"0{5}\d{9}05[ D] {7}")
BIC_RE = re.compile(r"[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?")
IBAN_SHAPE_RE = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]{1,30}")
CURRENCY_RE = re.compile(r"[A-Z]{3}")
OGM_RE = re.compile(r"\d{12}")


class CodaError(ValueError):
    """A statement that cannot be written as a valid CODA file.

    ``code`` is a short machine key (``iban_invalid``, ``currency_invalid``,
    ``balance_mismatch``, ``amount_too_large``, ``no_date``, ``zero_amount`` ...),
    ``params`` the values involved, ``str()`` an English message.
    """

    def __init__(self, code, message, **params):
        super().__init__(message)
        self.code = code
        self.message = message
        self.params = params

    def __str__(self):
        return self.message


@dataclass(frozen=True)
class Movement:
    """One cash movement (records 21/22/23).  ``amount`` > 0 is money in."""

    amount: Decimal
    entry_date: date
    communication: str = ""
    value_date: date | None = None
    reference: str = ""
    counterparty_name: str = ""
    counterparty_account: str = ""
    structured: str = ""
    transaction_code: str = ""
    customer_reference: str = ""  # record 22 pos 64-98 (extension of the agreed API)
    counterparty_bic: str = ""  # record 22 pos 99-109 (extension of the agreed API)


@dataclass(frozen=True)
class Statement:
    """One CODA statement (one file: records 0, 1, movements, 8, 9)."""

    iban: str
    currency: str
    holder_name: str
    paper_number: int
    coda_number: int
    old_balance: Decimal
    old_date: date
    new_balance: Decimal
    new_date: date
    movements: tuple = ()
    creation_date: date | None = None
    description: str = ""
    company_number: str = ""
    bic: str = ""
    addressee: str = ""
    file_reference: str = ""
    duplicate: bool = False


# --------------------------------------------------------------------------
# shared helpers
# --------------------------------------------------------------------------


def compact_iban(value):
    """Return ``value`` without blanks/dots/dashes, upper case."""
    return re.sub(r"[\s.\-]", "", str(value or "")).upper()


def belgian_bban_ok(bban):
    """True when a 12-digit Belgian account number has the right check digits.

    Last 2 digits = first 10 digits mod 97 (97 when the remainder is 0).  The
    bank code is deliberately not looked up: a cash-book IBAN need not belong
    to a real bank.
    """
    if not re.fullmatch(r"\d{12}", bban or ""):
        return False
    return int(bban[10:]) == (int(bban[:10]) % 97 or 97)


def iban_problem(value):
    """Return an English reason why ``value`` is not a usable IBAN, or ``''``."""
    number = compact_iban(value)
    if not IBAN_SHAPE_RE.fullmatch(number):
        return f"{number!r} is not an IBAN"
    if not stdnum_iban.is_valid(number, check_country=False):
        return f"IBAN {number} fails the mod-97 / length check"
    if number.startswith("BE") and not belgian_bban_ok(number[4:]):
        return f"Belgian IBAN {number} has wrong BBAN check digits"
    return ""


def ogm_digits(value):
    """Return the 12 digits of a Belgian structured communication, or ``''`` if invalid."""
    digits = re.sub(r"[+*/\s.]", "", str(value or ""))
    if not OGM_RE.fullmatch(digits):
        return ""
    if int(digits[10:]) != (int(digits[:10]) % 97 or 97):
        return ""
    return digits


def format_ogm(digits):
    """``123456789002`` -> ``+++123/4567/89002+++``."""
    return f"+++{digits[:3]}/{digits[3:7]}/{digits[7:]}+++"


def _parse_date(value):
    """Parse ``DDMMYY`` like the parsers do; ``None`` when invalid."""
    try:
        return datetime.strptime(value, "%d%m%y").date()
    except ValueError:
        return None


def _parse_amount(sign, digits):
    """Signed Decimal from a sign char and 15 digits (3 implied decimals), or None."""
    if sign not in (CREDIT, DEBIT) or not re.fullmatch(r"\d{15}", digits):
        return None
    amount = Decimal(int(digits)) / MILLI
    return -amount if sign == DEBIT else amount


# --------------------------------------------------------------------------
# writer: validation
# --------------------------------------------------------------------------


def _as_date(value, what):
    """Return ``value`` as a ``date`` within the years CODA can express."""
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        raise CodaError("no_date", f"{what} is missing or not a date.", field=what)
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise CodaError(
            "date_unsupported",
            f"{what} {value.isoformat()} cannot be written as DDMMYY.",
            field=what,
            date=value,
        )
    return value


def _as_amount(value, what, *, allow_zero=True):
    """Validate a money amount: Decimal/int, finite, < 10**12, at most 3 decimals."""
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        raise CodaError(
            "amount_type", f"{what} must be a Decimal, not {type(value).__name__}.", field=what
        )
    value = Decimal(value)
    if not value.is_finite():
        raise CodaError("amount_invalid", f"{what} is not a finite number.", field=what)
    if abs(value) >= MAX_AMOUNT:
        raise CodaError(
            "amount_too_large",
            f"{what} {value} does not fit in 12 digits.",
            field=what,
            amount=value,
        )
    if (value * MILLI) % 1:
        raise CodaError(
            "amount_precision",
            f"{what} {value} has more than 3 decimals.",
            field=what,
            amount=value,
        )
    if not allow_zero and value == 0:
        raise CodaError("zero_amount", f"{what} is zero.", field=what)
    return value


def _as_number(value, what, maximum):
    """Validate a 0..maximum integer counter (paper/CODA number)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= maximum:
        raise CodaError(
            "number_invalid",
            f"{what} must be an integer from 0 to {maximum}.",
            field=what,
            value=value,
        )
    return value


def _valid_iban(value):
    """Compact and validate the statement IBAN."""
    number = compact_iban(value)
    problem = iban_problem(number)
    if problem:
        raise CodaError("iban_invalid", problem + ".", iban=number)
    return number


def _valid_currency(value):
    currency = str(value or "").strip()
    if not CURRENCY_RE.fullmatch(currency):
        raise CodaError(
            "currency_invalid",
            f"Currency {value!r} is not a 3-letter ISO code.",
            currency=value,
        )
    return currency


def _valid_bic(value, what):
    bic = re.sub(r"\s", "", str(value or "")).upper()
    if bic and not BIC_RE.fullmatch(bic):
        raise CodaError("bic_invalid", f"{what} {value!r} is not a BIC.", field=what, bic=value)
    return bic


def _company_digits(value):
    """Return the 10-digit company number (KBO/BCE, or from a BE VAT number), or ''."""
    digits = re.sub(r"\D", "", str(value or ""))
    if not digits:
        return ""
    if len(digits) == 9:
        digits = "0" + digits
    if len(digits) != 10:
        raise CodaError(
            "company_number_invalid",
            f"Company number {value!r} must have 10 digits.",
            company_number=value,
        )
    return digits


def _transaction_code(movement, amount):
    """The 8-digit transaction code, defaulted or checked against the sign."""
    code = str(movement.transaction_code or "").strip()
    if not code:
        return DEFAULT_CREDIT_CODE if amount > 0 else DEFAULT_DEBIT_CODE
    if not re.fullmatch(r"0\d{4}000", code):
        raise CodaError(
            "transaction_code_invalid",
            f"Transaction code {code!r} must be 8 digits: type 0, family, transaction, "
            "category 000.",
            transaction_code=code,
        )
    debit_code = 1 <= int(code[3:5]) <= 49
    credit_code = 50 <= int(code[3:5]) <= 99
    if (amount > 0 and not credit_code) or (amount < 0 and not debit_code):
        raise CodaError(
            "transaction_code_direction",
            f"Transaction code {code} does not match the sign of amount {amount}.",
            transaction_code=code,
            amount=amount,
        )
    return code


def _counterparty_zone(value, currency):
    """Record 23 pos 11-47: IBAN (34) + currency (3), another account number, or blanks."""
    account = compact_iban(value)
    if not account:
        return text.fit("", 37)
    if IBAN_SHAPE_RE.fullmatch(account):
        problem = iban_problem(account)
        if problem:
            raise CodaError("counterparty_iban_invalid", problem + ".", iban=account)
        return text.fit(account, 34) + currency
    account = re.sub(r"[^A-Z0-9]", "", text.to_coda_text(account))
    if not account or len(account) > 34:
        raise CodaError(
            "counterparty_account_invalid",
            f"Counterparty account {value!r} is not usable.",
            account=value,
        )
    return text.fit(account, 37)


@dataclass(frozen=True)
class _Line:
    """A validated movement, ready to be rendered."""

    amount: Decimal
    entry_date: date
    value_date: date
    reference: str
    transaction_code: str
    communication: str
    ogm: str
    customer_reference: str
    counterparty_bic: str
    counterparty_zone: str
    counterparty_name: str


def _prepare_movement(movement, index, period, currency):
    """Validate one movement (``index`` is 1-based) and return a :class:`_Line`."""
    what = f"Movement {index}"
    amount = _as_amount(movement.amount, f"{what} amount", allow_zero=False)
    entry_date = _as_date(movement.entry_date, f"{what} entry date")
    value_date = entry_date
    if movement.value_date is not None:
        value_date = _as_date(movement.value_date, f"{what} value date")
    old_date, new_date = period
    if not old_date <= entry_date <= new_date:
        raise CodaError(
            "date_out_of_range",
            f"{what} entry date {entry_date.isoformat()} is outside the statement period "
            f"{old_date.isoformat()} - {new_date.isoformat()}.",
            index=index,
            date=entry_date,
        )
    ogm = ""
    if movement.structured:
        ogm = ogm_digits(movement.structured)
        if not ogm:
            raise CodaError(
                "structured_invalid",
                f"{what}: {movement.structured!r} is not a valid structured communication.",
                index=index,
                structured=movement.structured,
            )
    communication = "" if ogm else text.to_coda_text(movement.communication)
    return _Line(
        amount=amount,
        entry_date=entry_date,
        value_date=value_date,
        reference=text.fit(text.to_coda_text(movement.reference), 21).rstrip(),
        transaction_code=_transaction_code(movement, amount),
        communication=communication[:COMMUNICATION_MAX].rstrip(),
        ogm=ogm,
        customer_reference=text.to_coda_text(movement.customer_reference),
        counterparty_bic=_valid_bic(movement.counterparty_bic, f"{what} counterparty BIC"),
        counterparty_zone=_counterparty_zone(movement.counterparty_account, currency),
        counterparty_name=text.to_coda_text(movement.counterparty_name),
    )


def _check_unique_references(lines):
    """Two movements may not share a (non-blank) bank reference."""
    seen = {}
    for index, line in enumerate(lines, start=1):
        if not line.reference:
            continue
        if line.reference in seen:
            raise CodaError(
                "reference_duplicate",
                f"Movements {seen[line.reference]} and {index} share bank reference "
                f"{line.reference!r}.",
                reference=line.reference,
            )
        seen[line.reference] = index


def _check_balance(old_balance, new_balance, lines):
    total = sum((line.amount for line in lines), Decimal(0))
    if old_balance + total != new_balance:
        raise CodaError(
            "balance_mismatch",
            f"Old balance {old_balance} + movements {total} = {old_balance + total}, "
            f"not the new balance {new_balance}.",
            old_balance=old_balance,
            total=total,
            new_balance=new_balance,
        )
    for sign in (1, -1):
        side = sum((line.amount for line in lines if line.amount * sign > 0), Decimal(0))
        if abs(side) >= MAX_AMOUNT:
            raise CodaError(
                "amount_too_large",
                f"Trailer total {abs(side)} does not fit in 12 digits.",
                amount=abs(side),
            )


@dataclass(frozen=True)
class _Prepared:
    """A validated statement, ready to be rendered."""

    iban: str
    structure: str
    zone: str
    old_balance: Decimal
    new_balance: Decimal
    old_date: date
    new_date: date
    creation_date: date
    lines: tuple
    company: str
    bic: str


def _account_zone(iban, currency):
    """Structure digit and 37-char account zone (section 1.3, structure 2 or 3)."""
    if iban.startswith("BE"):
        return "2", text.fit(iban, 31) + "   " + currency
    return "3", text.fit(iban, 34) + currency


def _prepare(statement):
    """Validate ``statement`` completely; raise ``CodaError`` on the first problem."""
    iban = _valid_iban(statement.iban)
    currency = _valid_currency(statement.currency)
    _as_number(statement.paper_number, "Paper statement number", 999)
    _as_number(statement.coda_number, "CODA sequence number", 999)
    old_date = _as_date(statement.old_date, "Old balance date")
    new_date = _as_date(statement.new_date, "New balance date")
    if old_date > new_date:
        raise CodaError(
            "date_order",
            f"Old balance date {old_date.isoformat()} is after new balance date "
            f"{new_date.isoformat()}.",
            old_date=old_date,
            new_date=new_date,
        )
    creation_date = new_date
    if statement.creation_date is not None:
        creation_date = _as_date(statement.creation_date, "Creation date")
    old_balance = _as_amount(statement.old_balance, "Old balance")
    new_balance = _as_amount(statement.new_balance, "New balance")
    lines = tuple(
        _prepare_movement(movement, index, (old_date, new_date), currency)
        for index, movement in enumerate(statement.movements or (), start=1)
    )
    _check_unique_references(lines)
    _check_balance(old_balance, new_balance, lines)
    structure, zone = _account_zone(iban, currency)
    return _Prepared(
        iban=iban,
        structure=structure,
        zone=zone,
        old_balance=old_balance,
        new_balance=new_balance,
        old_date=old_date,
        new_date=new_date,
        creation_date=creation_date,
        lines=lines,
        company=_company_digits(statement.company_number),
        bic=_valid_bic(statement.bic, "BIC"),
    )


# --------------------------------------------------------------------------
# writer: rendering
# --------------------------------------------------------------------------


def _date6(value):
    return value.strftime("%d%m%y")


def _sign(amount):
    return DEBIT if amount < 0 else CREDIT


def _amount15(amount):
    return str(int(abs(amount) * MILLI)).zfill(15)


def _num(value, width):
    return str(value).zfill(width)


def _sequence(index):
    """Continuous sequence number of the ``index``-th movement: 0001..9999, 0000, 0001.."""
    return _num(index % 10000, 4)


def _record(*fields):
    line = "".join(fields)
    if len(line) != RECORD_LENGTH:  # pragma: no cover - guards the layout code itself
        raise AssertionError(f"record of {len(line)} chars: {line!r}")
    return line


def _header(statement, prepared):
    # '0' + 10 digits; all zeros when unknown (blanks are allowed by the standard but
    # codapy rejects them, and banks write zeros, e.g. sample pycoda_Coda_foreign_account).
    company = "0" + (prepared.company or "0" * 10)
    return _record(
        "0",
        "0000",
        _date6(prepared.creation_date),
        "000",  # bank identification number
        "05",
        "D" if statement.duplicate else " ",
        " " * 7,
        text.fit(text.to_coda_text(statement.file_reference), 10),
        text.fit(text.to_coda_text(statement.addressee or statement.holder_name), 26),
        text.fit(prepared.bic, 11),
        text.fit(company, 11),
        " ",
        "00000",  # separate application
        " " * 16,  # transaction reference
        " " * 16,  # related reference
        " " * 7,
        "2",  # version
    )


def _old_balance(statement, prepared):
    return _record(
        "1",
        prepared.structure,
        _num(statement.paper_number, 3),
        prepared.zone,
        _sign(prepared.old_balance),
        _amount15(prepared.old_balance),
        _date6(prepared.old_date),
        text.fit(text.to_coda_text(statement.holder_name), 26),
        text.fit(text.to_coda_text(statement.description), 35),
        _num(statement.coda_number, 3),
    )


def _needs_22(line):
    return (
        len(line.communication) > COMMUNICATION_21
        or bool(line.customer_reference)
        or bool(line.counterparty_bic)
        or _needs_23(line)
    )


def _needs_23(line):
    return (
        len(line.communication) > COMMUNICATION_21 + COMMUNICATION_22
        or bool(line.counterparty_name)
        or bool(line.counterparty_zone.strip())
    )


def _communication_zone(line):
    """Record 21 pos 62-115: type digit + 53 chars (free text or ``101`` + OGM)."""
    if line.ogm:
        return "1" + text.fit("101" + line.ogm, COMMUNICATION_21)
    return "0" + text.fit(line.communication[:COMMUNICATION_21], COMMUNICATION_21)


def _movement_records(line, index, paper_number):
    """Records 21 [22] [23] of one movement; a 23 is always preceded by a 22."""
    seq = _sequence(index) + "0000"
    has_22, has_23 = _needs_22(line), _needs_23(line)
    records = [
        _record(
            "21",
            seq,
            text.fit(line.reference, 21),
            _sign(line.amount),
            _amount15(line.amount),
            _date6(line.value_date),
            line.transaction_code,
            _communication_zone(line),
            _date6(line.entry_date),
            _num(paper_number, 3),
            "0",  # globalisation code
            "1" if has_22 else "0",
            " ",
            "0",  # link code: no record 31
        )
    ]
    if has_22:
        records.append(
            _record(
                "22",
                seq,
                text.fit(line.communication[COMMUNICATION_21:][:COMMUNICATION_22], 53),
                text.fit(line.customer_reference, 35),
                text.fit(line.counterparty_bic, 11),
                " " * 3,
                " ",  # type of R-transaction
                " " * 4,  # reason
                " " * 4,  # category purpose
                " " * 4,  # purpose
                "1" if has_23 else "0",
                " ",
                "0",
            )
        )
    if has_23:
        records.append(
            _record(
                "23",
                seq,
                line.counterparty_zone,
                text.fit(line.counterparty_name, 35),
                text.fit(line.communication[COMMUNICATION_21 + COMMUNICATION_22 :], 43),
                "0",
                " ",
                "0",
            )
        )
    return records


def _new_balance(statement, prepared):
    return _record(
        "8",
        _num(statement.paper_number, 3),
        prepared.zone,
        _sign(prepared.new_balance),
        _amount15(prepared.new_balance),
        _date6(prepared.new_date),
        " " * 64,
        "0",  # no record 4 follows
    )


def _trailer(count, debit, credit):
    if count > MAX_TRAILER_COUNT:
        raise CodaError(
            "too_many_movements", f"{count} records do not fit the trailer count.", count=count
        )
    return _record(
        "9", " " * 15, _num(count, 6), _amount15(debit), _amount15(credit), " " * 75, "2"
    )


def render_lines(statement):
    """Validate ``statement`` and return its records as a list of 128-char strings."""
    prepared = _prepare(statement)
    records = [_header(statement, prepared), _old_balance(statement, prepared)]
    for index, line in enumerate(prepared.lines, start=1):
        records.extend(_movement_records(line, index, statement.paper_number))
    records.append(_new_balance(statement, prepared))
    debit = sum((-line.amount for line in prepared.lines if line.amount < 0), Decimal(0))
    credit = sum((line.amount for line in prepared.lines if line.amount > 0), Decimal(0))
    records.append(_trailer(len(records) - 1, debit, credit))  # counts 1, 2x, 8 (not 0)
    return records


def write(statement, *, newline="\r\n"):
    """Return ``statement`` as CODA 2 bytes (cp1252/ASCII, 128-char records, final newline).

    Raises :class:`CodaError` instead of writing an inconsistent file.  The
    output depends only on ``statement`` (identical input -> identical bytes).
    """
    if newline not in ("\r\n", "\n"):
        raise CodaError("newline_invalid", "newline must be '\\r\\n' or '\\n'.")
    body = newline.join(render_lines(statement)) + newline
    return body.encode(ENCODING)


# --------------------------------------------------------------------------
# checker
# --------------------------------------------------------------------------

UNDEFINED_CP1252 = {0x81, 0x8D, 0x8F, 0x90, 0x9D}
KNOWN_KINDS = {"0", "1", "21", "22", "23", "31", "32", "33", "4", "8", "9"}
# Which record may follow which (order 0,1,(21[22][23][31[32[33]]]*)*,8,4*,9; 0,1,9 = empty).
ALLOWED_NEXT = {
    None: {"0"},
    "0": {"1"},
    "1": {"21", "8", "9"},
    "21": {"21", "22", "23", "31", "8"},
    "22": {"21", "23", "31", "8"},
    "23": {"21", "31", "8"},
    "31": {"21", "31", "32", "8"},
    "32": {"21", "31", "33", "8"},
    "33": {"21", "31", "8"},
    "8": {"4", "9"},
    "4": {"4", "9"},
    "9": {"0"},
}
CANCELLATION_TRANSACTIONS = {49, 99}  # "cancellation or correction": either sign
COUNTED_KINDS = {"1", "21", "22", "23", "31", "32", "33", "8"}


def _kind(line):
    """Record kind: ``'0'``, ``'1'``, ``'21'`` ... (2/3 include the article)."""
    if not line:
        return ""
    if line[0] in "23":
        return line[:2]
    return line[0]


def _split_lines(data, problems):
    """Split ``data`` into ``(line_number, text)``; LF or CRLF, final newline optional."""
    if not data:
        problems.append("file is empty")
        return []
    raw_lines = data.split(b"\n")
    if raw_lines[-1] == b"":
        raw_lines.pop()
    endings = set()
    result = []
    for number, raw in enumerate(raw_lines, start=1):
        content = raw
        if raw.endswith(b"\r"):
            content = raw[:-1]
            endings.add("CRLF")
        elif number < len(raw_lines) or data.endswith(b"\n"):
            endings.add("LF")
        result.append((number, _decode_line(number, content, problems)))
    if len(endings) > 1:
        problems.append("file mixes CRLF and LF line endings")
    return result


def _decode_line(number, raw, problems):
    """Decode one line as cp1252, reporting undefined bytes and control characters."""
    bad = sorted({byte for byte in raw if byte in UNDEFINED_CP1252})
    if bad:
        listed = ", ".join(f"0x{byte:02X}" for byte in bad)
        problems.append(f"line {number}: byte(s) {listed} undefined in cp1252")
    line = raw.decode(ENCODING, errors="replace")
    if any(ord(char) < 32 or ord(char) == 127 for char in line):
        problems.append(f"line {number}: contains a control character (TAB/CR/...)")
    return line


class _StatementState:
    """Running totals of the statement being checked."""

    def __init__(self):
        self.zone = None
        self.structure = None
        self.paper = None
        self.old_balance = None
        self.old_date = None
        self.new_balance = None
        self.new_date = None
        self.count = 0
        self.debit = Decimal(0)
        self.credit = Decimal(0)
        self.entry_dates = []
        self.sequence = 0  # last top-level continuous sequence number (int)
        self.detail = 0  # last detail number used within that sequence (21 or 31)
        self.move_key = None  # seq+detail of the last 21
        self.move_reference = None
        self.info_key = None  # seq+detail of the last 31
        self.references = {}


class _Checker:
    """Strict CODA checker; see :func:`check`."""

    def __init__(self, strict=True):
        self.strict = strict
        self.problems = []
        self.state = None

    def report(self, number, message):
        self.problems.append(f"line {number}: {message}")

    def run(self, data):
        lines = _split_lines(data, self.problems)
        previous = None
        last_trailer_code = None
        for position, (number, raw_line) in enumerate(lines):
            line = raw_line
            if not line:
                self.report(number, "empty line")
                continue
            kind = _kind(line)
            if kind not in KNOWN_KINDS:
                self.report(number, f"unknown record type {line[:2]!r}")
                continue
            if len(line) != RECORD_LENGTH:
                self.report(number, f"record is {len(line)} characters long, not 128")
                line = line.ljust(RECORD_LENGTH)[:RECORD_LENGTH]
            if kind not in ALLOWED_NEXT[previous]:
                after = f"after record {previous}" if previous else "at the start of the file"
                self.report(number, f"record {kind} may not appear {after}")
            if previous == "9" and last_trailer_code == "2":
                self.report(number, "records follow a trailer that announced the last file")
            following = self._following_kind(lines, position)
            if kind == "9":
                last_trailer_code = line[127]
            self._dispatch(kind, number, line, following)
            previous = kind
        if previous is None and lines:
            self.problems.append("no CODA records found")
        elif previous is not None and previous != "9":
            self.problems.append("file does not end with a trailer record 9")
        return self.problems

    @staticmethod
    def _following_kind(lines, position):
        for _number, line in lines[position + 1 :]:
            if line:
                return _kind(line)
        return None

    def _dispatch(self, kind, number, line, following):
        if kind == "0":
            self.state = _StatementState()
            self._check_header(number, line)
            return
        if self.state is None:
            self.state = _StatementState()
        if kind in COUNTED_KINDS:
            self.state.count += 1
        handler = {
            "1": self._check_old_balance,
            "21": self._check_movement_1,
            "22": self._check_movement_2,
            "23": self._check_movement_3,
            "31": self._check_information_1,
            "32": self._check_information_more,
            "33": self._check_information_more,
            "8": self._check_new_balance,
            "4": self._check_free_message,
            "9": self._check_trailer,
        }[kind]
        handler(number, line, following)

    # -- small field checks -------------------------------------------------

    def _digits(self, number, value, what):
        if not value.isdigit() or not value.isascii():
            self.report(number, f"{what} {value!r} is not numeric")
            return False
        return True

    def _blank(self, number, value, what):
        if value.strip():
            self.report(number, f"{what} must be blank, found {value!r}")

    def _date(self, number, value, what):
        parsed = _parse_date(value)
        if parsed is None:
            self.report(number, f"{what} {value!r} is not a valid DDMMYY date")
        return parsed

    def _amount(self, number, sign, digits, what):
        amount = _parse_amount(sign, digits)
        if amount is None:
            self.report(number, f"{what}: sign {sign!r} / amount {digits!r} invalid")
        return amount

    def _next_code(self, number, value, expected):
        wanted = "1" if expected else "0"
        if value != wanted:
            self.report(number, f"next code (pos 126) is {value!r}, expected {wanted!r}")

    def _link_code(self, number, value, following):
        wanted = "1" if following == "31" else "0"
        if value != wanted:
            self.report(number, f"link code (pos 128) is {value!r}, expected {wanted!r}")

    # -- record checks --------------------------------------------------------

    def _check_header(self, number, line):
        if not HEADER_RE.fullmatch(line[:24]):
            self.report(number, "header positions 1-24 do not match 0{5}\\d{9}05[ D] {7}")
        self._date(number, line[5:11], "creation date")
        company = line[71:82]
        if company.strip() and not re.fullmatch(r"0\d{10}", company):
            self.report(number, f"account holder id (pos 72-82) {company!r} is not 0 + 10 digits")
        self._blank(number, line[82], "position 83")
        self._digits(number, line[83:88], "separate application code (pos 84-88)")
        self._blank(number, line[120:127], "positions 121-127")
        if line[127] != "2":
            self.report(number, f"version code (pos 128) is {line[127]!r}, expected '2'")

    def _check_account_zone(self, number, structure, zone):
        """Check the 37-char account zone of record 1 for its structure digit."""
        if structure == "0":
            self._check_bban_zone(number, zone)
        elif structure == "1":
            if not zone[:34].strip():
                self.report(number, "foreign account number (pos 6-39) is blank")
        elif structure == "2":
            iban = zone[:16]
            problem = iban_problem(iban) if self.strict else self._iban_shape_problem(iban)
            if problem or not iban.startswith("BE"):
                self.report(number, f"structure 2 needs a valid Belgian IBAN: {problem or iban}")
            self._blank(number, zone[16:31], "positions 22-36 after the Belgian IBAN")
        elif structure == "3":
            iban = zone[:34].rstrip()
            problem = iban_problem(iban) if self.strict else self._iban_shape_problem(iban)
            if problem:
                self.report(number, f"structure 3 needs a valid IBAN: {problem}")
            elif iban.startswith("BE"):
                self.report(number, "a Belgian IBAN must use account structure 2, not 3")
        else:
            self.report(number, f"account structure (pos 2) {structure!r} is not 0-3")
            return
        currency = zone[13:16] if structure == "0" else zone[34:37]
        if not CURRENCY_RE.fullmatch(currency):
            self.report(number, f"currency {currency!r} is not a 3-letter ISO code")

    @staticmethod
    def _iban_shape_problem(iban):
        """Format-only IBAN check (``strict=False``): country, check digits, alphanumerics."""
        if IBAN_SHAPE_RE.fullmatch(iban):
            return ""
        return f"{iban!r} is not an IBAN"

    def _check_bban_zone(self, number, zone):
        """Structure 0: 12 N account, blank, currency, qualification digit, country, blanks."""
        if not re.fullmatch(r"\d{12}", zone[:12]):
            self.report(number, f"Belgian account number {zone[:12]!r} is not 12 digits")
        elif self.strict and not belgian_bban_ok(zone[:12]):
            self.report(number, f"Belgian account number {zone[:12]} has wrong check digits")
        self._blank(number, zone[12], "position 18")
        if not zone[16].isdigit():
            self.report(number, f"qualification code {zone[16]!r} is not a digit")
        if not re.fullmatch(r"[A-Z]{2}", zone[17:19]):
            self.report(number, f"country code {zone[17:19]!r} is not 2 letters")
        self._blank(number, zone[19:22], "positions 25-27")

    def _check_old_balance(self, number, line, following):
        state = self.state
        state.structure = line[1]
        state.paper = line[2:5]
        state.zone = line[5:42]
        self._digits(number, state.paper, "paper statement number (pos 3-5)")
        self._check_account_zone(number, state.structure, state.zone)
        state.old_balance = self._amount(number, line[42], line[43:58], "old balance")
        state.old_date = self._date(number, line[58:64], "old balance date")
        self._digits(number, line[125:128], "CODA sequence number (pos 126-128)")

    def _check_sequence(self, number, line):
        """Sequence/detail numbering of a record 21 (rule 6)."""
        state = self.state
        seq, detail = line[2:6], line[6:10]
        if not (self._digits(number, seq, "sequence") and self._digits(number, detail, "detail")):
            return
        if detail == "0000":
            expected = _sequence(state.sequence + 1)
            if seq != expected:
                self.report(number, f"sequence number {seq}, expected {expected}")
            state.sequence += 1
            state.detail = 0
        else:
            expected = _sequence(state.sequence) + _num(state.detail + 1, 4)
            if seq + detail != expected:
                self.report(number, f"sequence/detail {seq}{detail}, expected {expected}")
            state.detail = int(detail)

    def _check_movement_1(self, number, line, following):
        state = self.state
        self._check_sequence(number, line)
        state.move_key = line[2:10]
        state.move_reference = line[10:31]
        top_level = line[6:10] == "0000"
        amount = self._amount(number, line[31], line[32:47], "movement amount")
        self._date(number, line[47:53], "value date")
        self._check_transaction_code(number, line[53:61], line[31], top_level)
        self._check_communication(number, line[61], line[62:115])
        entry_date = self._date(number, line[115:121], "entry date")
        if line[121:124] != state.paper:
            self.report(number, f"paper number {line[121:124]!r} differs from record 1")
        if not line[124].isdigit():
            self.report(number, f"globalisation code {line[124]!r} is not a digit")
        self._next_code(number, line[125], following in ("22", "23"))
        self._blank(number, line[126], "position 127")
        self._link_code(number, line[127], following)
        if top_level:
            self._add_top_level(number, amount, entry_date, state.move_reference)

    def _add_top_level(self, number, amount, entry_date, reference):
        state = self.state
        if amount is not None:
            if amount == 0:
                self.report(number, "movement amount is zero")
            elif amount > 0:
                state.credit += amount
            else:
                state.debit -= amount
        if entry_date is not None:
            state.entry_dates.append((number, entry_date))
        if self.strict and reference.strip():
            if reference in state.references:
                self.report(
                    number,
                    f"bank reference {reference.strip()!r} already used on line "
                    f"{state.references[reference]}",
                )
            state.references[reference] = number

    def _check_transaction_code(self, number, code, sign, top_level):
        if not (code.isdigit() and len(code) == 8):
            self.report(number, f"transaction code {code!r} is not 8 digits")
            return
        if code[0] == "4":
            self.report(number, "transaction type 4 does not exist")
        elif top_level != (code[0] in "0123"):
            self.report(
                number,
                f"transaction type {code[0]} does not fit detail number "
                f"({'0000' if top_level else 'detail'})",
            )
        transaction = int(code[3:5])
        if not top_level or transaction in CANCELLATION_TRANSACTIONS:
            return  # details may carry costs/taxes against the total; 49/99 reverse entries
        if sign == DEBIT and not 1 <= transaction <= 49:
            self.report(number, f"debit movement with credit transaction code {code}")
        if sign == CREDIT and not 50 <= transaction <= 99:
            self.report(number, f"credit movement with debit transaction code {code}")

    def _check_communication(self, number, kind, zone):
        if kind == "0":
            return
        if kind != "1":
            self.report(number, f"communication type (pos 62) {kind!r} is not 0 or 1")
            return
        structured_type = zone[:3]
        if not structured_type.isdigit():
            self.report(number, f"structured communication type {structured_type!r} invalid")
        elif structured_type in ("101", "102"):
            digits = zone[3:15]
            if not OGM_RE.fullmatch(digits):
                self.report(number, f"structured communication {digits!r} is not 12 digits")
            elif self.strict and not ogm_digits(digits):
                self.report(number, f"structured communication {digits} fails mod-97")

    def _check_repeat(self, number, line, key, parent):
        if key is None:
            self.report(number, f"record {line[:2]} has no parent record")
        elif line[2:10] != key:
            self.report(
                number, f"sequence/detail {line[2:10]} differs from its record {parent} ({key})"
            )

    def _check_movement_2(self, number, line, following):
        self._check_repeat(number, line, self.state.move_key, "21")
        self._next_code(number, line[125], following == "23")
        self._blank(number, line[126], "position 127")
        self._link_code(number, line[127], following)

    def _check_movement_3(self, number, line, following):
        self._check_repeat(number, line, self.state.move_key, "21")
        if line[125] != "0":
            self.report(number, f"next code of record 23 is {line[125]!r}, expected '0'")
        self._blank(number, line[126], "position 127")
        self._link_code(number, line[127], following)

    def _check_information_1(self, number, line, following):
        state = self.state
        seq, detail = line[2:6], line[6:10]
        expected = _sequence(state.sequence) + _num(state.detail + 1, 4)
        if seq + detail != expected:
            self.report(number, f"sequence/detail {seq}{detail}, expected {expected}")
        if detail.isdigit():
            state.detail = int(detail)
        if self.strict and line[10:31] != state.move_reference:
            self.report(number, "bank reference differs from its movement's")
        if not (line[31:39].isdigit() and len(line[31:39]) == 8):
            self.report(number, f"transaction code {line[31:39]!r} is not 8 digits")
        if line[39] not in "01":
            self.report(number, f"communication structure (pos 40) {line[39]!r} is not 0 or 1")
        state.info_key = line[2:10]
        self._next_code(number, line[125], following == "32")
        self._blank(number, line[126], "position 127")
        self._link_code(number, line[127], following)

    def _check_information_more(self, number, line, following):
        self._check_repeat(number, line, self.state.info_key, "31")
        if line[:2] == "32":
            self._next_code(number, line[125], following == "33")
        elif line[125] != "0":
            self.report(number, f"next code of record 33 is {line[125]!r}, expected '0'")
        self._blank(number, line[126], "position 127")
        self._link_code(number, line[127], following)

    def _check_new_balance(self, number, line, following):
        state = self.state
        if line[1:4] != state.paper:
            self.report(number, f"paper number {line[1:4]!r} differs from record 1")
        if line[4:41] != state.zone:
            self.report(number, "account/currency zone differs from record 1")
        state.new_balance = self._amount(number, line[41], line[42:57], "new balance")
        state.new_date = self._date(number, line[57:63], "new balance date")
        self._blank(number, line[63:127], "positions 64-127")
        wanted = "1" if following == "4" else "0"
        if line[127] != wanted:
            self.report(number, f"link code (pos 128) is {line[127]!r}, expected {wanted!r}")

    def _check_free_message(self, number, line, following):
        self._blank(number, line[1], "position 2")
        self._digits(number, line[2:10], "sequence/detail")
        wanted = "1" if following == "4" else "0"
        if line[127] != wanted:
            self.report(number, f"link code (pos 128) is {line[127]!r}, expected {wanted!r}")

    def _check_trailer(self, number, line, following):
        state = self.state
        self._blank(number, line[1:16], "positions 2-16")
        self._blank(number, line[52:127], "positions 53-127")
        if line[127] not in "12":
            self.report(number, f"multiple-file code (pos 128) {line[127]!r} is not 1 or 2")
        if self._digits(number, line[16:22], "record count") and int(line[16:22]) != state.count:
            self.report(number, f"record count {int(line[16:22])}, the file has {state.count}")
        debit = self._amount(number, "0", line[22:37], "debit total")
        credit = self._amount(number, "0", line[37:52], "credit total")
        if debit is not None and debit != state.debit:
            self.report(number, f"debit total {debit}, movements sum to {state.debit}")
        if credit is not None and credit != state.credit:
            self.report(number, f"credit total {credit}, movements sum to {state.credit}")
        self._check_balances(number)
        self.state = None

    def _check_balances(self, number):
        """new = old + credit - debit, and old date <= entry dates <= new date (rule 3)."""
        state = self.state
        new_balance = state.new_balance if state.new_balance is not None else state.old_balance
        new_date = state.new_date if state.new_date is not None else state.old_date
        if state.old_balance is not None and new_balance is not None:
            expected = state.old_balance + state.credit - state.debit
            if expected != new_balance:
                self.report(
                    number,
                    f"old balance {state.old_balance} + movements "
                    f"{state.credit - state.debit} = {expected}, not new balance {new_balance}",
                )
        if state.old_date and new_date:
            if state.old_date > new_date:
                self.report(number, "old balance date is after the new balance date")
            for line_number, entry_date in state.entry_dates:
                if not state.old_date <= entry_date <= new_date:
                    self.report(line_number, "entry date outside old/new balance dates")


def check(data, *, strict=True):
    """Return the problems of a CODA file (English, one per string); ``[]`` when valid.

    Checks every rule of shared/domain/coda.md section 1.11 and checklist
    section 5 that can be verified inside one file: cp1252 bytes, 128-char
    records, record order, header, account zone per structure (full mod-97
    and BBAN checks for structure 2), record 8 zone = record 1 zone, paper
    numbers, sequence/detail numbers, next and link codes, dates, amounts,
    transaction-code direction, structured communications, unique bank
    references, trailer count/totals and the balance equation.  LF and CRLF
    are both accepted; several concatenated statements are checked one by one.

    ``strict=False`` (for third-party bank files) skips only what public bank
    files do not meet although they are otherwise consistent: check digits of
    account numbers and structured communications (the public samples are
    anonymised) and the bank-reference rules (unique per movement, record 31
    repeating its movement's reference: informative only, SPEC section 7.4).
    A last trailer with ``1`` ("another file follows") is accepted because
    banks deliver such series as separate physical files.
    """
    if isinstance(data, str):
        data = data.encode(ENCODING, errors="replace")
    return _Checker(strict=strict).run(bytes(data))


# --------------------------------------------------------------------------
# small reader
# --------------------------------------------------------------------------


def _account_from_zone(structure, zone):
    if structure == "0":
        return zone[:12], zone[13:16]
    if structure == "2":
        return zone[:31].strip(), zone[34:37]
    return zone[:34].strip(), zone[34:37]


def _communication_text(parts, structured):
    if structured:
        return format_ogm(structured)
    return "".join(parts).rstrip()


def _read_movement_1(line):
    zone = line[62:115]
    structured = ""
    if line[61] == "1" and zone[:3] in ("101", "102"):
        structured = zone[3:15]
    return {
        "sequence": line[2:6],
        "detail": line[6:10],
        "reference": line[10:31].rstrip(),
        "amount": _parse_amount(line[31], line[32:47]),
        "value_date": _parse_date(line[47:53]),
        "transaction_code": line[53:61],
        "structured": structured,
        "entry_date": _parse_date(line[115:121]),
        "_parts": [zone if line[61] == "0" else ""],
        "customer_reference": "",
        "counterparty_bic": "",
        "counterparty_account": "",
        "counterparty_name": "",
    }


def _finish_statement(summary):
    movements = []
    for move in summary["details"]:
        move["communication"] = _communication_text(move.pop("_parts"), move["structured"])
        if move["detail"] == "0000":
            movements.append((move["amount"], move["entry_date"], move["communication"]))
    summary["movements"] = movements
    return summary


def parse_summaries(data):
    """Read every statement of ``data`` leniently (no checks; use :func:`check` for that).

    Returns a list of dicts with ``iban`` (account number), ``structure``,
    ``currency``, ``old_balance``/``new_balance`` (signed Decimal),
    ``old_date``/``new_date``, ``paper_number``/``coda_number`` (int),
    ``creation_date``, ``holder_name``, ``duplicate``, ``movements`` (list of
    ``(amount, entry_date, communication)`` for detail-0000 movements) and
    ``details`` (one dict per record 21 with references, codes, counterparty).
    """
    if isinstance(data, bytes):
        data = data.decode(ENCODING, errors="replace")
    summaries, current = [], None
    for raw_line in data.splitlines():
        line = raw_line.ljust(RECORD_LENGTH)
        kind = _kind(line)
        if kind == "0":
            current = {
                "creation_date": _parse_date(line[5:11]),
                "duplicate": line[16] == "D",
                "details": [],
            }
            summaries.append(current)
        elif current is None:
            continue
        elif kind == "1":
            account, currency = _account_from_zone(line[1], line[5:42])
            current.update(
                structure=line[1],
                iban=account,
                currency=currency,
                paper_number=int(line[2:5]) if line[2:5].isdigit() else None,
                old_balance=_parse_amount(line[42], line[43:58]),
                old_date=_parse_date(line[58:64]),
                holder_name=line[64:90].rstrip(),
                description=line[90:125].rstrip(),
                coda_number=int(line[125:128]) if line[125:128].isdigit() else None,
            )
        elif kind == "21":
            current["details"].append(_read_movement_1(line))
        elif kind == "22" and current["details"]:
            move = current["details"][-1]
            move["_parts"].append(line[10:63])
            move["customer_reference"] = line[63:98].rstrip()
            move["counterparty_bic"] = line[98:109].rstrip()
        elif kind == "23" and current["details"]:
            move = current["details"][-1]
            move["counterparty_account"] = line[10:44].rstrip()
            move["counterparty_name"] = line[47:82].rstrip()
            move["_parts"].append(line[82:125])
        elif kind == "8":
            current["new_balance"] = _parse_amount(line[41], line[42:57])
            current["new_date"] = _parse_date(line[57:63])
        elif kind == "9":
            current.setdefault("new_balance", current.get("old_balance"))
            current.setdefault("new_date", current.get("old_date"))
    return [_finish_statement(summary) for summary in summaries]


def parse_summary(data):
    """Read the first statement of ``data``; see :func:`parse_summaries`."""
    summaries = parse_summaries(data)
    if not summaries:
        raise CodaError("no_statement", "No CODA statement found in the data.")
    return summaries[0]
