# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""A real SMTP server on 127.0.0.1 for tests (aiosmtpd), and helpers to send through it.

Usage in an Odoo test::

    from .smtp_server import SmtpSink, make_mail_server, real_smtp

    sink = SmtpSink()
    sink.start()                      # ephemeral port: sink.port
    self.addCleanup(sink.stop)
    make_mail_server(self.env, sink)  # ir.mail_server pointing at it
    with real_smtp():                 # odoo-bin's test mode never opens SMTP connections
        ...                           # run the code that sends
    (message,) = sink.messages        # email.message.EmailMessage (policy.default)

``sink.reject_with = (451, "4.3.0 try later")`` makes the server answer that code (on RCPT by
default, or on DATA with ``sink.reject_on = "DATA"``) until it is set back to None;
``sink.stop()`` then ``sink.start()`` simulates a server that is down, then up again on the same
port. ``sink.hold = threading.Event()`` makes the server keep the next message without answering
(``sink.holding`` is set then) until the event is set: the moment a sender cannot know whether
its mail was accepted. The sink needs the ``aiosmtpd`` package (a test dependency); without it
``start()`` skips the test.
"""

import asyncio
import email
import threading
from contextlib import contextmanager
from email import policy as email_policy
from unittest.mock import patch

from odoo.modules import module as odoo_module

from .common import missing_dependency

try:
    from aiosmtpd.controller import Controller
except ImportError:  # pragma: no cover - test dependency missing
    Controller = None

HOST = "127.0.0.1"


if Controller is not None:

    class _EphemeralController(Controller):
        """aiosmtpd Controller that can listen on port 0 (the OS picks a free port).

        ``Controller.start()`` opens a test connection to ``self.port``; with port 0 that would
        fail, so read the bound port from the listening socket first.
        """

        def _trigger_server(self):
            if not self.port and self.server is not None:
                self.port = self.server.sockets[0].getsockname()[1]
            return super()._trigger_server()


class _Handler:
    def __init__(self, sink):
        self.sink = sink

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self.sink._reply_for("RCPT")
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        reply = self.sink._reply_for("DATA")
        if reply:
            return reply
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode()
        message = email.message_from_bytes(raw, policy=email_policy.default)
        with self.sink._lock:
            self.sink.messages.append(message)
            self.sink.envelopes.append(
                {"mail_from": envelope.mail_from, "rcpt_tos": list(envelope.rcpt_tos), "raw": raw}
            )
        hold = self.sink.hold
        if hold is not None:
            # the server has the whole message but has not answered yet: the sender cannot
            # know whether it was accepted (a worker killed now leaves exactly that doubt)
            self.sink.holding.set()
            await asyncio.to_thread(hold.wait, 120)
        return "250 Message accepted for delivery"


class SmtpSink:
    """A local SMTP server that stores what it receives.

    :ivar port: the bound port (ephemeral on the first ``start()``, kept on restarts)
    :ivar messages: received ``email.message.EmailMessage`` objects, in order
    :ivar envelopes: dicts ``mail_from``, ``rcpt_tos``, ``raw`` (bytes), same order
    :ivar reject_with: ``None`` or ``(code, text)`` answered instead of accepting
    :ivar reject_on: ``"RCPT"`` (default) or ``"DATA"``: where ``reject_with`` is answered
    :ivar rejections: how many commands were rejected so far
    """

    def __init__(self, port=0):
        self.port = port
        self.messages = []
        self.envelopes = []
        self.reject_with = None
        self.reject_on = "RCPT"
        self.rejections = 0
        self.hold = None  # a threading.Event: DATA is stored, then answered once it is set
        self.holding = threading.Event()  # set when a message is being held
        self._lock = threading.Lock()
        self._controller = None

    def _reply_for(self, command):
        if self.reject_with and self.reject_on == command:
            with self._lock:
                self.rejections += 1
            code, text = self.reject_with
            return f"{code} {text}"
        return None

    @property
    def running(self):
        return self._controller is not None

    def start(self):
        if Controller is None:
            missing_dependency("aiosmtpd is not installed (pip install aiosmtpd)")
        if self._controller is not None:
            return self
        controller = _EphemeralController(_Handler(self), hostname=HOST, port=self.port)
        controller.start()
        self.port = controller.port
        self._controller = controller
        return self

    def stop(self):
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def clear(self):
        with self._lock:
            self.messages.clear()
            self.envelopes.clear()
            self.rejections = 0

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def make_mail_server(env, sink, from_filter=False, name="Test SMTP sink"):
    """Create an ``ir.mail_server`` for ``sink`` that Odoo picks before any other.

    ``from_filter`` False means "may send as anyone", so the From address is never rewritten.
    """
    return env["ir.mail_server"].sudo().create(
        {
            "name": name,
            "smtp_host": HOST,
            "smtp_port": sink.port,
            "smtp_encryption": "none",
            "smtp_authentication": "login",
            "from_filter": from_filter,
            "sequence": 0,
        }
    )


@contextmanager
def real_smtp():
    """Let ``ir.mail_server`` open real SMTP connections inside odoo-bin tests.

    odoo-bin sets ``odoo.modules.module.current_test``, which makes ``connect()`` return None
    and ``send_email()`` a no-op (Odoo's own ``MockEmail`` patches it the same way).
    """
    with patch.object(odoo_module, "current_test", False):
        yield
