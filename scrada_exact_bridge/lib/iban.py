"""IBAN checks for cash-book accounts.

A cash book's IBAN is issued by the sending system (as Scrada does), not by a
bank.  Its format and check digits must be right (ISO 13616 mod-97 and, for a
Belgian IBAN, the national BBAN check digits) but its bank code need not
belong to a known bank.  ``stdnum.be.iban.validate`` looks the bank code up
in the register of Belgian banks and would wrongly refuse such an IBAN, so it
is not used here.
"""

from stdnum import iban as std_iban
from stdnum.exceptions import ValidationError


class IbanError(ValueError):
    """``code`` is ``'missing'``, ``'format'`` or ``'be_check_digits'``."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def _be_check_digits(digits):
    check = int(digits) % 97
    return f"{check or 97:02d}"


def validate(value):
    """Return the compact IBAN (upper case, no spaces) or raise IbanError."""
    compact = std_iban.compact(value or "")
    if not compact:
        raise IbanError("missing", "No IBAN given.")
    try:
        compact = std_iban.validate(compact, check_country=False)
    except ValidationError as exc:
        raise IbanError("format", f"{value!r} is not a valid IBAN ({exc}).") from exc
    if compact.startswith("BE"):
        if len(compact) != 16 or not compact[4:].isdigit():
            raise IbanError("format", f"{value!r} is not a valid Belgian IBAN.")
        if compact[-2:] != _be_check_digits(compact[4:-2]):
            raise IbanError(
                "be_check_digits", f"The Belgian check digits of {value!r} are wrong."
            )
    return compact


def is_valid(value):
    try:
        validate(value)
    except IbanError:
        return False
    return True


def pretty(value):
    """Groups of four, as printed on statements."""
    return std_iban.format(value or "")


def normalize(value):
    """The form a cash-book IBAN is stored in: validated, upper case, in groups of four
    separated by one space (as Odoo's ``base_iban`` groups them), e.g. ``BE83 1388 1173 5115``.

    Raises IbanError when the value is not a valid IBAN.
    """
    return pretty(validate(value))


def country(value):
    return std_iban.compact(value or "")[:2]
