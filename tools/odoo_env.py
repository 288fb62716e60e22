#!/usr/bin/env python3
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Where the installed Odoo 18 keeps its addons: one answer for every tool of this project.

Odoo can be installed two ways, and the standard addons (``account``, ``web``, ...) sit in a
different place in each:

* as a package (pip/deb): inside the ``odoo`` package, ``<site-packages>/odoo/addons``;
* as a source checkout (a git clone, or ``../shared/odoo-18.0``): in ``addons/`` *beside* the
  ``odoo`` package, while ``odoo/addons`` only holds ``base`` and a few technical modules.

``addons_path()`` finds both from the Odoo that ``python3`` imports, adds this project, and
honours ``ODOO_ADDONS_PATH`` (a comma-separated list that replaces the detected Odoo folders).

Trimmed trees. A source tree cut down to the modules a project needs (as ``../shared/odoo-18.0``
is) can miss two things a complete Odoo always has, and then no database can even be created:

* module categories that ``base/data/ir_module_module.xml`` refers to (Odoo creates categories
  from the manifests it finds, so a category whose only modules were removed does not exist);
* a module that a kept module imports in Python (Odoo 18's ``resource`` imports
  ``WorkIntervals`` from ``hr_work_entry_contract``).

For such a tree only, ``addons_path()`` adds a small compatibility folder written under the
user's cache directory: manifest-only, not installable modules that declare the missing
categories, and a stand-in ``hr_work_entry_contract.models.hr_work_intervals`` module. Nothing of
Odoo is copied; a complete Odoo needs none of it and gets none.

Command line (used by ``tools/test.sh``, ``tools/demo.sh`` and the other tools)::

    python3 tools/odoo_env.py addons-path     # comma-separated addons path, project included
    python3 tools/odoo_env.py odoo-dir        # the folder of the ``odoo`` package
    python3 tools/odoo_env.py check           # exit 0 when Odoo 18 is importable, else 1 + why
"""

import ast
import hashlib
import importlib.util
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMPAT_VERSION = "1"

# Module that kept Odoo code imports in Python -> {relative file: content} of its stand-in.
_IMPORT_STANDINS = {
    "hr_work_entry_contract": {
        "__init__.py": "",
        "models/__init__.py": "",
        "models/hr_work_intervals.py": (
            '"""Stand-in written by scrada_exact_bridge\'s tools/odoo_env.py for a trimmed Odoo\n'
            "tree without hr_work_entry_contract: Odoo 18's resource module imports this name.\n"
            "Working-time intervals are only used by HR features, which such a tree lacks.\n"
            '"""\n'
            "from odoo.addons.resource.models.utils import Intervals\n\n\n"
            "class WorkIntervals(Intervals):\n"
            '    """Intervals of working time (same behaviour as resource\'s Intervals)."""\n'
        ),
    },
}


def odoo_dir():
    """The folder of the importable ``odoo`` package (a Path), or None."""
    spec = importlib.util.find_spec("odoo")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        path = Path(location)
        if (path / "release.py").is_file():
            return path
    return None


def odoo_version():
    """``odoo.release.version_info`` read from the source (no import of Odoo), or None."""
    base = odoo_dir()
    if base is None:
        return None
    match = re.search(
        r"^version_info\s*=\s*\((\d+),\s*(\d+)", (base / "release.py").read_text(), re.MULTILINE
    )
    return (int(match.group(1)), int(match.group(2))) if match else None


def _is_module(path):
    return (path / "__manifest__.py").is_file()


def _holds_modules(folder):
    return folder.is_dir() and any(_is_module(child) for child in folder.iterdir())


def standard_addons_dirs():
    """Odoo's own addons folders: the one inside the package and, for a checkout, beside it."""
    override = os.environ.get("ODOO_ADDONS_PATH", "").strip()
    if override:
        return [
            Path(part.strip()).expanduser().resolve()
            for part in override.split(",")
            if part.strip()
        ]
    base = odoo_dir()
    if base is None:
        return []
    dirs = []
    for folder in (base / "addons", base.parent / "addons"):
        if _holds_modules(folder) and folder.resolve() not in dirs:
            dirs.append(folder.resolve())
    return dirs


def _manifests(dirs):
    for folder in dirs:
        for child in sorted(folder.iterdir()):
            manifest = child / "__manifest__.py"
            if manifest.is_file():
                try:
                    yield child.name, ast.literal_eval(manifest.read_text())
                except (ValueError, SyntaxError):
                    continue


def _category_xmlid(parts):
    return "module_category_" + "_".join(p.lower() for p in parts).replace("&", "and").replace(
        " ", "_"
    )


def missing_categories(dirs):
    """Category xmlids ``base`` refers to that no manifest or base data file creates."""
    base = next((d / "base" for d in dirs if _is_module(d / "base")), None)
    if base is None:
        return {}
    referenced = set(
        re.findall(
            r'ref="base\.(module_category_[a-z0-9_]+)"',
            (base / "data" / "ir_module_module.xml").read_text(),
        )
    )
    defined = set(
        re.findall(
            r'id="(module_category_[a-z0-9_]+)"',
            (base / "data" / "ir_module_category_data.xml").read_text(),
        )
    )
    names = {}  # xmlid -> display name of a defined category
    for _name, info in _manifests(dirs):
        parts = str(info.get("category") or "Uncategorized").split("/")
        for i in range(1, len(parts) + 1):
            defined.add(_category_xmlid(parts[:i]))
            names[_category_xmlid(parts[:i])] = parts[i - 1]
    missing = {}
    for xmlid in sorted(referenced - defined):
        # "module_category_services_timesheets" -> "Services/Timesheets", keeping the
        # parent's real name when a parent category exists.
        words = xmlid[len("module_category_") :].split("_")
        for cut in range(len(words) - 1, 0, -1):
            parent = "module_category_" + "_".join(words[:cut])
            if parent in defined:
                parent_name = names.get(parent) or " ".join(words[:cut]).title()
                leaf = " ".join(words[cut:]).title()
                missing[xmlid] = f"{parent_name}/{leaf}"
                break
        else:
            missing[xmlid] = " ".join(words).title()
    return missing


def _module_exists(dirs, name):
    return any(
        _is_module(folder / name) or (folder / name / "__init__.py").is_file() for folder in dirs
    )


def missing_imports(dirs):
    """Names of :data:`_IMPORT_STANDINS` modules that kept code imports but the tree lacks."""
    needed = []
    for name in _IMPORT_STANDINS:
        if _module_exists(dirs, name):
            continue
        pattern = f"odoo.addons.{name}."
        for folder in dirs:
            if any(
                pattern in path.read_text(errors="ignore") for path in folder.glob("*/models/*.py")
            ):
                needed.append(name)
                break
    return needed


def compat_dir(dirs):
    """The compatibility folder this tree needs (created on first use), or None."""
    categories = missing_categories(dirs)
    imports = missing_imports(dirs)
    if not categories and not imports:
        return None
    key = hashlib.sha256(
        repr((COMPAT_VERSION, [str(d) for d in dirs], sorted(categories.items()), imports)).encode()
    ).hexdigest()[:12]
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    target = cache / "scrada_exact_bridge" / f"odoo-compat-{key}"
    if (target / ".complete").is_file():
        return target
    files = {}
    for xmlid, category in categories.items():
        module = "seb_compat_" + xmlid[len("module_category_") :]
        files[f"{module}/__init__.py"] = ""
        files[f"{module}/__manifest__.py"] = (
            repr(
                {
                    "name": f"Category {category} (compatibility, not installable)",
                    "category": category,
                    "installable": False,
                    "license": "LGPL-3",
                }
            )
            + "\n"
        )
    for name in imports:
        for relative, content in _IMPORT_STANDINS[name].items():
            files[f"{name}/{relative}"] = content
    if not categories:
        # Odoo only accepts an addons folder that holds at least one manifest
        files["seb_compat_marker/__init__.py"] = ""
        files["seb_compat_marker/__manifest__.py"] = (
            repr({"name": "Compatibility folder marker", "installable": False, "license": "LGPL-3"})
            + "\n"
        )
    for relative, content in files.items():
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    (target / ".complete").write_text("written by tools/odoo_env.py\n")
    return target


def addons_path(project=ROOT):
    """The comma-separated addons path for this project on the installed Odoo."""
    dirs = standard_addons_dirs()
    parts = [str(d) for d in dirs]
    extra = compat_dir(dirs) if dirs else None
    if extra:
        parts.append(str(extra))
    parts.append(str(Path(project).resolve()))
    return ",".join(parts)


def check():
    """(True, version text) when Odoo 18 is importable, else (False, reason)."""
    if odoo_dir() is None:
        return False, f"no module named 'odoo' for {sys.executable}"
    version = odoo_version()
    if not version or version[0] != 18:
        return False, f"Odoo {version} found in {odoo_dir()}, 18 is needed"
    if not standard_addons_dirs():
        return False, f"no addons folder found for the Odoo in {odoo_dir()}"
    return True, f"Odoo {version[0]}.{version[1]} in {odoo_dir()}"


def main(argv):
    command = argv[1] if len(argv) > 1 else "addons-path"
    if command == "addons-path":
        ok, reason = check()
        if not ok:
            print(reason, file=sys.stderr)
            return 1
        print(addons_path())
    elif command == "odoo-dir":
        print(odoo_dir() or "")
    elif command == "check":
        ok, reason = check()
        print(reason)
        return 0 if ok else 1
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
