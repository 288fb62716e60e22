# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Context flags that the addon's own code sets for itself, never a client.

Some writes must skip a rule: the daily-receipts book numbers and hashes entries whose day is
over (which nobody else may change), an entry's ``create`` makes its amount lines before the
entry's rules run, a write of many split rows is checked once at the end. Those writes are
marked with a context flag. A JSON-RPC client can send any context key, so a flag whose value
came from a request would let a billing user rewrite or delete a final entry. The value of
these flags is therefore :data:`INTERNAL`, a Python object that no JSON request can produce,
and :func:`is_set` recognises that object only: ``{"exact_receipts_system": true}`` sent by
a client is ignored.
"""

#: The value of an internal flag (compared by identity).
INTERNAL = object()

#: Writes of the daily-receipts book itself (end of day, hash chain, cash lines, invoices).
RECEIPTS_SYSTEM = "exact_receipts_system"
#: An entry's ``create`` making its amount and payment lines (its rules run right after).
RECEIPTS_ENTRY_CREATE = "exact_receipts_entry_create"
#: An entry's ``write`` changing its lines (the entry's rules run once, after every line).
RECEIPTS_LINES_DEFERRED = "exact_receipts_lines_deferred"
#: A cash line's ``write`` changing its split rows (checked once, after every row).
SPLIT_DEFERRED = "exact_split_deferred"


def flag(*names):
    """Context values that set the internal flags ``names``: ``with_context(**flag(...))``."""
    return dict.fromkeys(names, INTERNAL)


def is_set(env, name):
    """True when the flag ``name`` was set by the addon's code in ``env``'s context."""
    return env.context.get(name) is INTERNAL
