#!/usr/bin/env python3
"""Make the documentation screenshots from the real Odoo screens.

Runs the tagged, normally excluded test class ``TestExactScreenshots``
(``scrada_exact_bridge/tests/test_tours.py``): the same browser tours as the
tests (set-up wizard, journal "Exact Online" page, deliveries, dashboard card),
in headless Chromium against Odoo on 127.0.0.1, with screenshot steps in
between.  The PNGs are cropped to the dialog / card / page, reduced to 256
colours and written to ``docs/images/`` (English; ``--langs en_US,nl_BE`` also
writes ``*_nl.png``).

The database must have ``account`` and ``l10n_be`` installed (the test makes
its own Belgian company and rolls everything back); the addon is installed or
updated in it first.  Needs Chromium (``apt-get install chromium``) and the
Python package ``websocket-client``; nothing leaves the machine.

    python3 tools/screenshots.py -d seb_wiz --port 8104
    python3 tools/screenshots.py -d seb_wiz --langs en_US,nl_BE
"""

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODULE = "scrada_exact_bridge"
MAX_BYTES = 200_000


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-d", "--database", required=True,
                        help="database with account and l10n_be installed")
    parser.add_argument("--port", type=int, default=8069, help="HTTP port for this run")
    parser.add_argument("--out", default=str(ROOT / "docs" / "images"), help="output folder")
    parser.add_argument("--langs", default="en_US", help="comma-separated: en_US,nl_BE")
    parser.add_argument("--odoo", default=None,
                        help="odoo command (default: this Python's 'python -m odoo')")
    parser.add_argument("--install", action="store_true",
                        help="install the addon (-i) instead of updating it (-u)")
    return parser.parse_args()


def main():
    args = parse_args()
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    before = {path: path.stat().st_mtime for path in out.glob("*.png")}
    env = dict(os.environ, EXACT_SCREENSHOT_DIR=str(out), EXACT_SCREENSHOT_LANGS=args.langs)
    sys.path.insert(0, str(ROOT / "tools"))
    import odoo_env

    odoo = args.odoo.split() if args.odoo else [sys.executable, "-m", "odoo"]
    command = [
        *odoo,
        "-d", args.database,
        f"--addons-path={odoo_env.addons_path()}",
        "-i" if args.install else "-u", MODULE,
        "--test-tags", f"exact_screenshots/{MODULE}",
        "--stop-after-init",
        "--http-interface", "127.0.0.1",
        "--http-port", str(args.port),
        "--log-level", "test",
    ]
    print("$", " ".join(command), flush=True)
    result = subprocess.run(command, env=env, check=False)
    made = sorted(
        path for path in out.glob("*.png")
        if path not in before or path.stat().st_mtime != before[path]
    )
    too_big = [path for path in made if path.stat().st_size > MAX_BYTES]
    for path in made:
        print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}"
              f"  {path.stat().st_size // 1024} kB")
    if not made:
        print("no screenshot was made (is Chromium installed?)", file=sys.stderr)
    for path in too_big:
        print(f"{path.name} is larger than {MAX_BYTES // 1000} kB", file=sys.stderr)
    return result.returncode or (1 if not made or too_big else 0)


if __name__ == "__main__":
    sys.exit(main())
