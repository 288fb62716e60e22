"""tools/odoo_env.py: Odoo's addons folders for a package install and for a source checkout."""

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("odoo_env", ROOT / "tools" / "odoo_env.py")
odoo_env = importlib.util.module_from_spec(spec)
spec.loader.exec_module(odoo_env)

BASE_MODULE_XML = """<odoo><data>
<record model="ir.module.module" id="base.module_timesheet_grid">
  <field name="category_id" ref="base.module_category_services_timesheets"/>
</record>
<record model="ir.module.module" id="base.module_accountant">
  <field name="category_id" ref="base.module_category_accounting_accounting"/>
</record>
</data></odoo>"""
BASE_CATEGORY_XML = """<odoo>
<record model="ir.module.category" id="module_category_services">
  <field name="name">Services</field>
</record>
<record model="ir.module.category" id="module_category_accounting_accounting"/>
</odoo>"""


def _module(folder, name, manifest="{'name': 'x'}", files=None):
    path = folder / name
    path.mkdir(parents=True)
    (path / "__init__.py").write_text("")
    (path / "__manifest__.py").write_text(manifest)
    for relative, content in (files or {}).items():
        (path / relative).parent.mkdir(parents=True, exist_ok=True)
        (path / relative).write_text(content)
    return path


def _odoo_package(folder):
    package = folder / "odoo"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "release.py").write_text("version_info = (18, 0, 0, 'final', 0, '')\n")
    _module(
        package / "addons",
        "base",
        files={
            "data/ir_module_module.xml": BASE_MODULE_XML,
            "data/ir_module_category_data.xml": BASE_CATEGORY_XML,
        },
    )
    return package


@pytest.fixture
def fake_odoo(tmp_path, monkeypatch):
    """Import ``odoo`` from a fake tree in tmp_path (never the machine's Odoo)."""
    monkeypatch.delenv("ODOO_ADDONS_PATH", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    saved = {name: module for name, module in sys.modules.items() if name.split(".")[0] == "odoo"}
    for name in saved:
        del sys.modules[name]
    monkeypatch.syspath_prepend(str(tmp_path / "tree"))
    yield tmp_path / "tree"
    for name in [n for n in sys.modules if n.split(".")[0] == "odoo"]:
        del sys.modules[name]
    sys.modules.update(saved)


def test_package_install_keeps_addons_inside_the_package(fake_odoo):
    package = _odoo_package(fake_odoo)
    _module(package / "addons", "account", "{'category': 'Services/Timesheets'}")
    assert odoo_env.odoo_dir() == package
    assert odoo_env.standard_addons_dirs() == [package / "addons"]
    assert odoo_env.check()[0]
    path = odoo_env.addons_path(project="/project").split(",")
    # the category exists (a manifest declares it): no compatibility folder
    assert path == [str(package / "addons"), str(Path("/project").resolve())]


def test_source_checkout_adds_the_addons_folder_beside_the_package(fake_odoo):
    package = _odoo_package(fake_odoo)
    _module(fake_odoo / "addons", "account", "{'category': 'Services/Timesheets'}")
    assert odoo_env.standard_addons_dirs() == [package / "addons", fake_odoo / "addons"]


def test_trimmed_tree_gets_categories_and_import_standins(fake_odoo):
    package = _odoo_package(fake_odoo)
    _module(
        fake_odoo / "addons",
        "resource",
        files={
            "models/resource_calendar.py": (
                "from odoo.addons.hr_work_entry_contract.models.hr_work_intervals import X\n"
            )
        },
    )
    dirs = odoo_env.standard_addons_dirs()
    assert odoo_env.missing_categories(dirs) == {
        "module_category_services_timesheets": "Services/Timesheets"
    }
    assert odoo_env.missing_imports(dirs) == ["hr_work_entry_contract"]
    path = odoo_env.addons_path(project="/project").split(",")
    assert path[:2] == [str(package / "addons"), str(fake_odoo / "addons")]
    compat = Path(path[2])
    manifest = (compat / "seb_compat_services_timesheets" / "__manifest__.py").read_text()
    assert "'category': 'Services/Timesheets'" in manifest
    assert "'installable': False" in manifest
    assert (compat / "hr_work_entry_contract" / "models" / "hr_work_intervals.py").is_file()
    # no manifest: Odoo never lists the stand-in as a module
    assert not (compat / "hr_work_entry_contract" / "__manifest__.py").exists()


def test_override_replaces_detected_folders(fake_odoo, monkeypatch, tmp_path):
    _odoo_package(fake_odoo)
    monkeypatch.setenv("ODOO_ADDONS_PATH", f"{tmp_path}/a, {tmp_path}/b")
    assert odoo_env.standard_addons_dirs() == [tmp_path / "a", tmp_path / "b"]
