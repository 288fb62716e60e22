"""Packaging of the scrada_exact_bridge Odoo addon with setuptools-odoo.

``pip install .`` installs the addon as ``odoo-addon-scrada_exact_bridge``
into the ``odoo.addons`` namespace of the Python environment, where an
installed Odoo 18 finds it without any change to its addons path.
Metadata (name, version, dependencies, summary) come from the addon's
``__manifest__.py`` through setuptools-odoo.
"""

import setuptools
from setuptools_odoo import core as setuptools_odoo_core

ADDON = "scrada_exact_bridge"
NAMESPACE = "odoo.addons"

# setuptools-odoo 3.3 describes the Odoo series up to 16.0.  Series 17 and 18
# package addons the same way (``odoo-addon-<name>`` in the ``odoo.addons``
# namespace), so register 18.0 with the 16.0 conventions.
setuptools_odoo_core.ODOO_VERSION_INFO.setdefault(
    "18.0",
    dict(
        setuptools_odoo_core.ODOO_VERSION_INFO["16.0"],
        odoo_dep="odoo>=18.0a,<18.1dev",
        pkg_version_specifier=">=18.0dev,<18.1dev",
    ),
)

# The version is the manifest's, as is (no git post-version): builds are reproducible
# from any checkout or sdist.
keywords = setuptools_odoo_core.get_addon_setuptools_keywords(
    ADDON, post_version_strategy_override="none"
)
keywords.pop("namespace_packages", None)
addon_packages = [ADDON] + [f"{ADDON}.{pkg}" for pkg in setuptools.find_packages(ADDON)]
keywords.update(
    packages=[f"{NAMESPACE}.{pkg}" for pkg in addon_packages],
    package_dir={f"{NAMESPACE}.{ADDON}": ADDON},
    include_package_data=True,
)

setuptools.setup(**keywords)
