"""Plain-Python core of scrada_exact_bridge.

Nothing in this package imports ``odoo``: it is unit-tested without a
database (see the repository's top-level ``tests/``).  The Odoo models
import it as ``odoo.addons.scrada_exact_bridge.lib``; modules inside it only
use relative imports so that the tests can load it on its own.
"""
