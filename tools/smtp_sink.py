#!/usr/bin/env python3
"""A local SMTP sink for the demo: accepts every mail on 127.0.0.1 and stores
it in a Maildir (``<dir>/new/*``), so that the files Odoo "sent to Exact
Online" can be looked at.  Never relays anything anywhere.

    python3 tools/smtp_sink.py --port 2525 --maildir demo-output/maildir
"""

import argparse
import mailbox
import signal
import threading
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=2525)
    parser.add_argument("--maildir", default="demo-output/maildir")
    args = parser.parse_args()
    path = Path(args.maildir)
    path.parent.mkdir(parents=True, exist_ok=True)
    mailbox.Maildir(str(path), create=True)
    controller = Controller(Mailbox(str(path)), hostname="127.0.0.1", port=args.port)
    controller.start()
    print(f"SMTP sink listening on 127.0.0.1:{args.port}, storing mail in {path}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
