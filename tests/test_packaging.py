"""``pip wheel`` builds an installable odoo-addon-scrada_exact_bridge."""

import ast
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from support import need

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    need("setuptools_odoo", "setuptools-odoo is needed to build the wheel")
    out = tmp_path_factory.mktemp("wheel")
    # build from a copy: an in-tree build would leave build/ and *.egg-info behind
    source = tmp_path_factory.mktemp("source") / "src"
    shutil.copytree(
        ROOT, source, ignore=shutil.ignore_patterns(".git", "build", "*.egg-info", "__pycache__")
    )
    # --no-deps: the wheel requires "odoo", which no package registry ships;
    # --no-build-isolation: use the setuptools-odoo of requirements-test.txt.
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--quiet", "-w", str(out), str(source)],
        check=True,
    )
    (path,) = out.glob("*.whl")
    return path


def test_wheel_name_and_metadata(wheel):
    manifest = ast.literal_eval((ROOT / "scrada_exact_bridge" / "__manifest__.py").read_text())
    assert wheel.name == f"odoo_addon_scrada_exact_bridge-{manifest['version']}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        metadata = next(n for n in archive.namelist() if n.endswith("METADATA"))
        text = archive.read(metadata).decode()
    name = next(line.split(": ", 1)[1] for line in text.splitlines() if line.startswith("Name: "))
    assert re.sub(r"[-_.]+", "-", name).lower() == "odoo-addon-scrada-exact-bridge"
    assert "Requires-Dist: odoo<18.1dev,>=18.0a" in text
    assert "Requires-Dist: python-stdnum" in text


def test_wheel_contains_the_whole_addon_in_the_odoo_addons_namespace(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    prefix = "odoo/addons/scrada_exact_bridge/"
    tracked = subprocess.run(
        ["git", "ls-files", "scrada_exact_bridge"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    if not tracked:  # not a git checkout: compare with the files on disk
        tracked = [
            str(p.relative_to(ROOT)) for p in (ROOT / "scrada_exact_bridge").rglob("*")
            if p.is_file() and "__pycache__" not in p.parts
        ]
    expected = {prefix + name.split("/", 1)[1] for name in tracked}
    assert expected <= names, sorted(expected - names)
    # never ship a namespace __init__ that would shadow Odoo's own packages
    assert "odoo/__init__.py" not in names
    assert "odoo/addons/__init__.py" not in names
