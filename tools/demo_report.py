#!/usr/bin/env python3
"""What reached "Exact Online" in the demo (used by tools/demo.sh): the mails of the SMTP sink
(e-mail transport) and the messages the stand-in of Exact Online received (the connection),
each attachment saved and checked, and whether every document arrived exactly once.

    python3 tools/demo_report.py demo-output/maildir demo-output/received \
        --standin http://127.0.0.1:18110
"""

import argparse
import base64
import collections
import email
import email.policy
import importlib.util
import mailbox
import os
import subprocess
import sys
from pathlib import Path

import requests

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


def report_mails(maildir, target):
    """Print the sink's mails; return the attachment names."""
    target.mkdir(parents=True, exist_ok=True)
    names = []
    messages = sorted(
        mailbox.Maildir(maildir, factory=None, create=False),
        key=lambda m: str(m.get("Subject", "")),
    )
    print(f"-- E-mail: {len(messages)} mail(s) in the SMTP sink")
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
            names.append(name)
            print(f"    Attachment: {name} ({len(payload)} bytes) -> {target / name}")
            verdict = check_file(target / name)
            if verdict:
                print(f"    {verdict}")
    return names


def report_standin(url, target):
    """Print the messages the stand-in of Exact Online received; return the attachment names."""
    target.mkdir(parents=True, exist_ok=True)
    state = requests.get(f"{url}/_standin/state", timeout=30).json()
    postboxes = {box["ID"].lower(): box["Mailbox"] for box in state["mailboxes"]}
    names = []
    messages = state["messages"]
    print(f"-- Exact Online connection: {len(messages)} message(s) in the stand-in of Exact "
          f"Online ({url}, division {state['division']})")
    for number, message in enumerate(messages, start=1):
        sender = postboxes.get(str(message.get("SenderMailboxID", "")).lower(), "?")
        recipient = postboxes.get(str(message.get("RecipientMailboxID", "")).lower(), "?")
        print(f"{number:2}. From postbox: {sender}")
        print(f"    To postbox: {recipient}")
        print(f"    Subject: {message.get('Subject')}  (Type {message.get('Type')}, "
              f"RecipientStatus {message.get('RecipientStatus')})")
        for attachment in message.get("Attachments", []):
            name = attachment.get("AttachmentFileName") or "attachment"
            payload = base64.b64decode(attachment.get("raw") or "")
            (target / name).write_bytes(payload)
            names.append(name)
            print(f"    Attachment: {name} ({len(payload)} bytes, Type "
                  f"{attachment.get('Type')}) -> {target / name}")
            verdict = check_file(target / name)
            if verdict:
                print(f"    {verdict}")
    calls = sum(state.get("counters", {}).values())
    print(f"   {calls} call(s) to the stand-in, {state.get('refreshes', 0)} token refresh(es)")
    return names


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("maildir")
    parser.add_argument("target")
    parser.add_argument("--standin", help="address of the running stand-in of Exact Online")
    args = parser.parse_args()
    target = Path(args.target)
    target.mkdir(parents=True, exist_ok=True)
    names = report_mails(args.maildir, target / "email")
    if args.standin:
        print()
        names += report_standin(args.standin, target / "exact-online")
    if not names:
        print("Nothing was received.")
        return 1
    twice = {name: count for name, count in collections.Counter(names).items() if count > 1}
    print()
    if twice:
        print(f"Received more than once: {twice}")
        return 1
    print(f"{len(names)} document(s), each received exactly once; files saved in {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
