"""Helpers for the plain tests: a missing test dependency skips locally and fails in CI."""

import importlib
import os

import pytest


def strict():
    """True in CI (``CI=true``) or when tools/test.sh runs in strict mode (``SCRADA_STRICT``):
    then a missing oracle, validator or ``shared/`` folder fails the test instead of skipping it."""
    return os.environ.get("CI") == "true" or bool(os.environ.get("SCRADA_STRICT"))


def missing(reason):
    """Skip the calling test because ``reason`` is missing, or fail it in strict mode."""
    if strict():
        pytest.fail(f"{reason} (a missing test dependency is a failure in CI)", pytrace=False)
    pytest.skip(reason)


def need(module_name, reason):
    """Import ``module_name`` for the calling test, or skip/fail it (see :func:`missing`)."""
    try:
        return importlib.import_module(module_name)
    except ImportError:
        missing(reason)
