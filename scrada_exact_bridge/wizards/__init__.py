from . import exact_setup_wizard
from . import exact_receipts_book_report
