# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""``assertRefused``: like ``assertRaisesRegex``, but inside a savepoint (as Odoo's own
``assertRaises``), so that what the refused call wrote before raising is rolled back as
the real request's transaction would be."""

from contextlib import contextmanager


class RefusalMixin:
    @contextmanager
    def assertRefused(self, exception, text):
        with self.assertRaises(exception) as caught:
            yield caught
        self.assertIn(text, str(caught.exception))
