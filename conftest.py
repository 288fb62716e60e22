# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""pytest-odoo glue for the addon's Odoo tests (odoo-bin's test runner does not read this).

    pytest --odoo-database=DB --odoo-addons-path="$(python3 tools/odoo_env.py addons-path)" \\
        --odoo-http scrada_exact_bridge/tests

The database must have the addon installed (pytest-odoo does not install modules). This file
sits at the repository root, not in the addon's ``tests/`` folder: pytest loads conftest files
before pytest-odoo maps the addon's modules to ``odoo.addons.*``.

pytest-odoo 2.x on Odoo 18 does not set ``odoo.modules.module.current_test``, which odoo-bin
sets while a test runs. Odoo (and this addon, see ``_can_commit`` in the delivery model) reads
it to know that it runs inside a test transaction: without it ``mail.mail.send`` would talk to a
real SMTP server and code that commits in production would commit the test's data. The fixture
below sets it for each test, as odoo-bin does. It does nothing for the plain tests (``tests/``),
which run without a database.
"""

import pytest


@pytest.fixture(autouse=True)
def _odoo_current_test(request):
    if not request.config.getoption("--odoo-database", default=None):
        yield
        return
    from odoo.modules import module as odoo_module

    previous = odoo_module.current_test
    odoo_module.current_test = getattr(request, "instance", None) or True
    yield
    odoo_module.current_test = previous


def pytest_collection_modifyitems(config, items):
    """Run what odoo-bin runs by default: tests tagged ``standard`` (not ``-standard`` ones,
    such as the documentation screenshots, which tools/screenshots.py runs on purpose)."""
    if not config.getoption("--odoo-database", default=None):
        return
    selected, deselected = [], []
    for item in items:
        tags = getattr(getattr(item, "cls", None), "test_tags", None)
        (deselected if tags is not None and "standard" not in tags else selected).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected
