#!/usr/bin/env python3
"""List the mails of a Maildir and save their attachments (used by tools/demo.sh).

    python3 tools/demo_report.py demo-output/maildir demo-output/received
"""

import email
import email.policy
import mailbox
import sys
from pathlib import Path


def main(maildir, target):
    target = Path(target)
    target.mkdir(parents=True, exist_ok=True)
    messages = sorted(
        mailbox.Maildir(maildir, factory=None, create=False),
        key=lambda m: m.get("Date", ""),
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
    print(f"{len(messages)} mail(s), attachments saved in {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
