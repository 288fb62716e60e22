from . import test_journal_config
from . import test_delivery
from . import test_ubl
from . import test_cash_book
from . import test_wizard
from . import test_tours
from . import test_receipts_rules
from . import test_receipts_flow
