"""Load ``scrada_exact_bridge/lib`` as a standalone package.

Importing ``scrada_exact_bridge`` itself would import Odoo (its ``__init__``
loads the models), so the pure-Python tests load the ``lib`` sub-package by
path under the name ``scrada_lib``.
"""

import importlib.util
import os
import sys
from pathlib import Path

import pytest
from support import missing

ROOT = Path(__file__).resolve().parents[1]
LIB_DIR = ROOT / "scrada_exact_bridge" / "lib"


def _load_lib():
    if "scrada_lib" in sys.modules:
        return sys.modules["scrada_lib"]
    spec = importlib.util.spec_from_file_location(
        "scrada_lib", LIB_DIR / "__init__.py", submodule_search_locations=[str(LIB_DIR)]
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["scrada_lib"] = module
    spec.loader.exec_module(module)
    return module


_load_lib()


# pytest-odoo (a package of this project's design card) adds session fixtures that open an Odoo
# registry for every test it collects and fail without --odoo-database ("Missing database
# name"). These tests need no Odoo: the same-named fixtures below replace the plugin's for this
# folder, so the plain tests pass with and without pytest-odoo installed.
@pytest.fixture(scope="session", autouse=True)
def load_registry():
    yield


@pytest.fixture(scope="session", autouse=True)
def load_http():
    yield


@pytest.fixture(scope="module", autouse=True)
def enable_odoo_test_flag():
    yield


def shared_dir():
    """The workspace's ``shared/`` folder (beside the clone), or None."""
    env = os.environ.get("SCRADA_SHARED_DIR")
    candidates = [Path(env)] if env else []
    candidates.append(ROOT.parent / "shared")
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    return None


@pytest.fixture(scope="session")
def shared():
    path = shared_dir()
    if path is None:
        missing("shared/ folder not found beside the repository (set SCRADA_SHARED_DIR)")
    return path
