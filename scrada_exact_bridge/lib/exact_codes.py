"""Every code and endpoint of Exact Online's Mailbox API the addon uses, in one table.

Plain Python (no ``odoo`` import). The values come from Exact's published REST reference as
copied by its client libraries (see ``docs/architecture.md``); nobody here can reach a live
Exact Online, so where a live system disagrees, change it here and only here.
"""

# ----------------------------------------------------------------------------------------
# Hosts (one per country; ``start.exactonline.<tld>``)
# ----------------------------------------------------------------------------------------
BASE_URLS = (
    ("be", "https://start.exactonline.be", "Belgium"),
    ("nl", "https://start.exactonline.nl", "Netherlands"),
    ("de", "https://start.exactonline.de", "Germany"),
    ("fr", "https://start.exactonline.fr", "France"),
    ("uk", "https://start.exactonline.co.uk", "United Kingdom"),
    ("com", "https://start.exactonline.com", "United States"),
    ("es", "https://start.exactonline.es", "Spain"),
)
DEFAULT_REGION = "be"

# ----------------------------------------------------------------------------------------
# Paths (relative to the base URL) and endpoints (relative to /api/v1/{division}/)
# ----------------------------------------------------------------------------------------
AUTH_PATH = "/api/oauth2/auth"
TOKEN_PATH = "/api/oauth2/token"
ME_PATH = "/api/v1/current/Me"
API_PATH = "/api/v1/{division}/{endpoint}"

ENDPOINT_DEFAULT_MAILBOX = "read/mailbox/DefaultMailbox"
ENDPOINT_MAILBOXES = "mailbox/Mailboxes"
ENDPOINT_MESSAGES = "mailbox/MailMessagesSent"
ENDPOINT_ATTACHMENTS = "mailbox/MailMessageAttachments"

# The redirect URI the app must declare in Exact's App Center: <web.base.url> + this path
CALLBACK_PATH = "/scrada_exact_bridge/oauth/callback"
# The scope the app needs in the App Center
REQUIRED_SCOPE = "Communication mailboxes"

# ----------------------------------------------------------------------------------------
# MailMessagesSent.Type and MailMessageAttachments.Type
# ----------------------------------------------------------------------------------------
MESSAGE_TYPE_OTHER = 0
MESSAGE_TYPE_PURCHASE_INVOICE = 1000
MESSAGE_TYPE_SALES_INVOICE = 1100
MESSAGE_TYPE_SODA = 1300
MESSAGE_TYPE_BANK = 2000
MESSAGE_TYPE_SCANNED = 7000

ATTACHMENT_TYPE_PDF = 10
ATTACHMENT_TYPE_PEPPOL = 23
ATTACHMENT_TYPE_EFFF = 24
ATTACHMENT_TYPE_BANK = 70
ATTACHMENT_TYPE_UBL21 = 130

# Delivery document type -> (message Type, attachment Type or None when none fits)
DOCUMENT_TYPES = {
    "invoice": (MESSAGE_TYPE_SALES_INVOICE, ATTACHMENT_TYPE_UBL21),
    "credit_note": (MESSAGE_TYPE_SALES_INVOICE, ATTACHMENT_TYPE_UBL21),
    "coda": (MESSAGE_TYPE_BANK, ATTACHMENT_TYPE_BANK),
    "test": (MESSAGE_TYPE_OTHER, None),
}


def types_for(document_type):
    """(message Type, attachment Type or None) for a delivery's ``document_type``."""
    return DOCUMENT_TYPES.get(document_type, (MESSAGE_TYPE_OTHER, None))


# ----------------------------------------------------------------------------------------
# MailMessagesSent.RecipientStatus: (code, key, English label)
# ----------------------------------------------------------------------------------------
RECIPIENT_STATUSES = (
    (5, "rejected", "Rejected"),
    (10, "draft", "Draft"),
    (20, "open", "Open"),
    (25, "prepared", "Prepared"),
    (30, "approved", "Approved"),
    (40, "realized", "Realized"),
    (42, "in_process", "In process"),
    (43, "scanning", "At scanning service"),
    (45, "error", "Error during processing"),
    (46, "blocked", "Blocked"),
    (50, "processed", "Processed"),
)
STATUS_SELECTION = [(key, label) for _code, key, label in RECIPIENT_STATUSES]
STATUS_BY_CODE = {code: key for code, key, _label in RECIPIENT_STATUSES}
# A person must look at the document in Exact Online
PROBLEM_STATUSES = frozenset({"rejected", "error", "blocked"})
# Exact will not change these any more: no need to ask again
FINAL_STATUSES = frozenset({"processed", "rejected"})


def status_key(code):
    """The key of a RecipientStatus code (int or numeric string), or None if unknown."""
    try:
        return STATUS_BY_CODE.get(int(code))
    except (TypeError, ValueError):
        return None


# ----------------------------------------------------------------------------------------
# Reason headers and error words
# ----------------------------------------------------------------------------------------
REASON_TOO_EARLY = "TooEarlyToRefreshTokens"
REASONS_SCOPE = ("Application Scope Violated", "ApplicationScopeViolated")
REASONS_DIVISION = ("DivisionBlocked", "NoDivisionAccess", "WrongDivision")
REASONS_ACCOUNT = ("BlockedUser", "InactiveUser", "BlockedCustomer", "LicenseExpired")
OLD_REFRESH_TOKEN = "Old refresh token used."
ERROR_UNAUTHORIZED_CLIENT = "unauthorized_client"

# ----------------------------------------------------------------------------------------
# Rate-limit headers (resets in epoch milliseconds)
# ----------------------------------------------------------------------------------------
HEADER_DAILY_LIMIT = "X-RateLimit-Limit"
HEADER_DAILY_REMAINING = "X-RateLimit-Remaining"
HEADER_DAILY_RESET = "X-RateLimit-Reset"
HEADER_MINUTELY_LIMIT = "X-RateLimit-Minutely-Limit"
HEADER_MINUTELY_REMAINING = "X-RateLimit-Minutely-Remaining"
HEADER_MINUTELY_RESET = "X-RateLimit-Minutely-Reset"
HEADER_REASON = "Reason"
