#!/usr/bin/env python3
"""List the mails of a Maildir and save their attachments (used by tools/demo.sh).

    python3 tools/demo_report.py demo-output/maildir demo-output/received
"""

import email
import email.policy
import importlib.util
import mailbox
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _coda_checker():
    """lib/coda.py of the addon, loaded without Odoo (as tests/conftest.py does)."""
    lib = ROOT / "scrada_exact_bridge" / "lib"
    spec = importlib.util.spec_from_file_location(
        "scrada_lib", lib / "__init__.py", submodule_search_locations=[str(lib)]
    )
    package = importlib.util.module_from_spec(spec)
    sys.modules["scrada_lib"] = package
    spec.loader.exec_module(package)
    from scrada_lib import coda

    return coda.check


def _ubl_validator():
    shared = Path(os.environ.get("SCRADA_SHARED_DIR", ROOT.parent / "shared"))
    script = shared / "ubl-validation" / "validate_ubl.py"
    return script if script.is_file() else None


def check_file(path):
    """One line saying whether a received file passes its checks."""
    if path.suffix == ".cod":
        problems = _coda_checker()(path.read_bytes())
        return "CODA: valid (strict checker)" if not problems else f"CODA: {problems[:3]}"
    if path.suffix == ".xml":
        script = _ubl_validator()
        if not script:
            return "UBL: validator not found (../shared/ubl-validation)"
        result = subprocess.run(
            [sys.executable, str(script), "--layers", "xsd,en16931", str(path)],
            capture_output=True,
            text=True,
            check=False,
        )
        return "UBL: valid (UBL 2.1 XSD + EN 16931)" if result.returncode == 0 else (
            "UBL: INVALID " + result.stdout.strip()[:300]
        )
    return ""


def main(maildir, target):
    target = Path(target)
    target.mkdir(parents=True, exist_ok=True)
    messages = sorted(
        mailbox.Maildir(maildir, factory=None, create=False),
        key=lambda m: str(m.get("Subject", "")),
    )
    if not messages:
        print("No mail received.")
        return 1
    for number, raw in enumerate(messages, start=1):
        message = email.message_from_bytes(raw.as_bytes(), policy=email.policy.default)
        attachments = list(message.iter_attachments())
        print(f"{number:2}. From: {message['From']}")
        print(f"    To: {message['To']}")
        print(f"    Subject: {message['Subject']}")
        for part in attachments:
            name = part.get_filename()
            payload = part.get_payload(decode=True)
            (target / name).write_bytes(payload)
            print(f"    Attachment: {name} ({len(payload)} bytes) -> {target / name}")
            verdict = check_file(target / name)
            if verdict:
                print(f"    {verdict}")
    print(f"{len(messages)} mail(s), attachments saved in {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
