# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Exact Online sends the user back here after consent (OAuth2 authorisation-code flow)."""

import logging

from markupsafe import Markup, escape
from odoo import http
from odoo.exceptions import AccessError, UserError
from odoo.http import request

from ..lib import exact_codes as codes

_logger = logging.getLogger(__name__)


class ExactOAuthController(http.Controller):
    @http.route(codes.CALLBACK_PATH, type="http", auth="user", methods=["GET"], readonly=False)
    def exact_oauth_callback(self, state=None, code=None, error=None, error_description=None,
                             **_kwargs):
        """Check the single-use ``state``, exchange the ``code``, back to the connection form
        (or to the set-up wizard that pressed Connect).

        A missing, reused, expired or foreign ``state`` is refused (HTTP 400) before anything
        else happens; the code is then never exchanged.
        """
        Connection = request.env["exact.online.connection"]
        try:
            connection = Connection._exact_consume_state(state)
        except (UserError, AccessError) as refusal:
            _logger.warning("Exact Online callback refused for user %s", request.env.uid)
            return self._page(refusal.args[0], status=400)
        if error or not code:
            message = request.env._(
                "Exact Online did not grant access (%(error)s). Press Connect again and accept "
                "the request in Exact Online.",
                error=error_description or error or request.env._("no code"),
            )
            connection._exact_connect_failed(message)
        else:
            connection._exact_finish_connect(code)
        back = connection.env.context.get("exact_return_url") or (
            f"/odoo/action-scrada_exact_bridge.action_exact_online_connection/{connection.id}"
        )
        return request.redirect(back, local=True)

    def _page(self, message, status):
        title = request.env._("Exact Online connection")
        back = request.env._("Back to Odoo")
        body = Markup(
            "<!DOCTYPE html><html><head><meta charset='utf-8'><title>%s</title></head>"
            "<body><h1>%s</h1><p>%s</p><p><a href='/odoo'>%s</a></p></body></html>"
        ) % (title, title, escape(message), back)
        return request.make_response(
            str(body), headers=[("Content-Type", "text/html; charset=utf-8")], status=status
        )
