# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""A company's connection to Exact Online (OAuth2 authorisation-code flow, Mailbox REST API).

One connection per company (``res.company.exact_connection_id``), managed by accounting managers.
The app (client ID and secret) is registered by the company or its accountant in Exact's App
Center with the redirect URI shown on the form and the scope "Communication mailboxes".

Token rules (Exact's published behaviour; the timing rules themselves are in
``lib/exact_api.py``):

* an access token lives 600 s; it is refreshed only when at most 30 s are left and never
  earlier than 570 s after it was issued;
* refresh tokens are single use: the refresh happens under a row lock on the connection
  (``SELECT … FOR NO KEY UPDATE`` in a separate READ COMMITTED transaction), the tokens are re-read
  after the lock is taken (another worker may have refreshed already) and the new ones are
  committed in that transaction, before any other call, so that neither a crash nor a second
  worker can burn the chain; a refresh token that comes back with an error (rate limit) is
  stored all the same;
* "Old refresh token used." / ``unauthorized_client``, or an unused refresh token older than
  30 days: the connection becomes ``expired``, the responsible accountant gets an activity, and
  deliveries wait as ``pending`` until a person reconnects.

Technical state (tokens, rate limits, state, last error) is only ever written through
:meth:`_exact_side_env` (its own short transaction): the transaction of a cron or a request never
writes the connection's row, so the row lock of a refresh can never wait for the very
transaction that asked for it.

Secrets (``client_secret``, the tokens, the pending ``state``) are readable by system
administrators only (field ``groups``), are never logged, never in the chatter, never copied.
Accounting managers enter the client secret through a write-only field.
"""

import hashlib
import logging
import secrets
from contextlib import contextmanager
from datetime import timedelta

import requests
from markupsafe import Markup
from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..lib import exact_api, exact_failures
from ..lib import exact_codes as codes

_logger = logging.getLogger(__name__)

STATE_TTL = timedelta(minutes=15)  # time to consent in Exact Online
LOCK_NAMESPACE = 0x5EB1  # pg_advisory_xact_lock(namespace, company): one request at a time
DELIVERY_CRON = "scrada_exact_bridge.ir_cron_exact_delivery"
REGIONS = [(key, label) for key, _url, label in codes.BASE_URLS] + [
    ("custom", "Other address (test or demo)")
]


class ExactRateLimited(Exception):
    """Exact Online's budget is used up until ``until`` (naive UTC)."""

    def __init__(self, until):
        super().__init__(until)
        self.until = until


class ExactConnectionExpired(Exception):
    """The connection must be renewed by a person (expired, disconnected)."""


class ExactCallFailed(Exception):
    """A call failed; ``failure`` is its ``delivery_policy.Failure``."""

    def __init__(self, failure):
        super().__init__(failure.detail or failure.kind)
        self.failure = failure


def _hash(value):
    return hashlib.sha256((value or "").encode()).hexdigest()


class ExactOnlineConnection(models.Model):
    _name = "exact.online.connection"
    _description = "Exact Online connection"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _check_company_auto = True

    name = fields.Char(compute="_compute_name")
    company_id = fields.Many2one(
        "res.company", required=True, index=True, ondelete="cascade",
        default=lambda self: self.env.company,
    )
    region = fields.Selection(
        selection=REGIONS, string="Exact Online country", default=codes.DEFAULT_REGION,
        required=True, tracking=True,
    )
    base_url = fields.Char(
        string="Exact Online address", compute="_compute_base_url", store=True, readonly=False,
        required=True, tracking=True,
        help="https://start.exactonline.be for Belgium. Any http(s) address is accepted for "
        "tests and demos (a local stand-in of Exact Online).",
    )
    redirect_uri = fields.Char(
        string="Redirect URI", compute="_compute_redirect_uri",
        help="Enter this address as the redirect URI of the app in Exact's App Center.",
    )
    client_id = fields.Char(
        string="Client ID", tracking=True, copy=False,
        help="The Client ID of the app registered in Exact's App Center (scope "
        "\"Communication mailboxes\").",
    )
    client_secret = fields.Char(string="Client secret", copy=False, groups="base.group_system")
    new_client_secret = fields.Char(
        string="Client secret", compute="_compute_new_client_secret",
        inverse="_inverse_new_client_secret",
        help="The Client secret of the app. It is stored but never shown again.",
    )
    has_client_secret = fields.Boolean(
        string="Client secret stored", compute="_compute_has_client_secret"
    )
    division = fields.Integer(
        tracking=True, copy=False,
        help="The Exact Online administration (division) documents are delivered to. Filled "
        "in from Exact Online when connecting.",
    )
    sender_mailbox = fields.Char(
        string="Own postbox", tracking=True, copy=False, readonly=True,
        help="The name of the division's own postbox in Exact Online: the sender of every "
        "document. Read from Exact Online when connecting.",
    )
    sender_mailbox_id = fields.Char(string="Own postbox ID", copy=False, readonly=True)
    state = fields.Selection(
        selection=[
            ("draft", "Not connected"),
            ("connected", "Connected"),
            ("expired", "Reconnect needed"),
        ],
        default="draft", required=True, readonly=True, tracking=True, copy=False,
        help="Reconnect needed: Exact Online no longer accepts the connection (a person must "
        "press Connect again). Documents wait and go out once it is connected again.",
    )
    last_error = fields.Text(string="Last error", readonly=True, copy=False)
    connected_date = fields.Datetime(string="Connected on", readonly=True, copy=False)
    connected_user_id = fields.Many2one(
        "res.users", string="Connected by", readonly=True, copy=False
    )
    mailbox_ids = fields.One2many(
        "exact.online.mailbox", "connection_id", string="Postboxes", readonly=True
    )
    # secrets and technical state (see module doc)
    access_token = fields.Char(string="Access token", copy=False, groups="base.group_system")
    refresh_token = fields.Char(string="Refresh token", copy=False, groups="base.group_system")
    oauth_state_hash = fields.Char(
        string="Pending sign-in", copy=False, groups="base.group_system"
    )
    oauth_state_user_id = fields.Many2one(
        "res.users", string="Sign-in started by", copy=False, groups="base.group_system"
    )
    oauth_state_expires = fields.Datetime(
        string="Sign-in valid until", copy=False, groups="base.group_system"
    )
    oauth_return_url = fields.Char(
        string="Back to after sign-in", copy=False, groups="base.group_system",
        help="Where the callback sends the user back to (an address inside this Odoo, e.g. "
        "the set-up wizard that pressed Connect); the connection's form when empty.",
    )
    token_issued_at = fields.Datetime(string="Access token issued", readonly=True, copy=False)
    token_expires_at = fields.Datetime(string="Access token expires", readonly=True, copy=False)
    refresh_token_issued_at = fields.Datetime(
        string="Refresh token issued", readonly=True, copy=False
    )
    rate_minutely_limit = fields.Integer(string="Calls per minute", readonly=True, copy=False)
    rate_minutely_remaining = fields.Integer(
        string="Calls left this minute", readonly=True, copy=False
    )
    rate_minutely_reset = fields.Datetime(string="Minute ends", readonly=True, copy=False)
    rate_daily_limit = fields.Integer(string="Calls per day", readonly=True, copy=False)
    rate_daily_remaining = fields.Integer(string="Calls left today", readonly=True, copy=False)
    rate_daily_reset = fields.Datetime(string="Day ends", readonly=True, copy=False)

    _sql_constraints = [
        ("company_uniq", "unique(company_id)", "A company has one Exact Online connection."),
    ]

    # ------------------------------------------------------------------
    # Computes and checks
    # ------------------------------------------------------------------

    @api.depends("company_id.name")
    def _compute_name(self):
        for connection in self:
            connection.name = self.env._(
                "Exact Online connection of %(company)s", company=connection.company_id.name
            )

    @api.depends("region")
    def _compute_base_url(self):
        for connection in self:
            url = exact_api.base_url_of_region(connection.region)
            if url:
                connection.base_url = url
            # "custom": the address a person types stays

    def _compute_redirect_uri(self):
        base = self.env["ir.config_parameter"].sudo().get_param("web.base.url")
        for connection in self:
            connection.redirect_uri = exact_api.redirect_uri(base)

    def _compute_new_client_secret(self):
        for connection in self:
            connection.new_client_secret = False

    def _inverse_new_client_secret(self):
        for connection in self:
            if connection.new_client_secret:
                connection.sudo().client_secret = connection.new_client_secret.strip()

    def _compute_has_client_secret(self):
        for connection in self:
            connection.has_client_secret = bool(connection.sudo().client_secret)

    @api.model
    def _exact_base_url_problem(self, url):
        """The translated reason why ``url`` cannot be an Exact Online address, or False."""
        try:
            exact_api.normalize_base_url(url)
        except ValueError:
            return self.env._(
                "\"%(url)s\" is not an http(s) address. Choose the country of your "
                "Exact Online, or enter an address such as https://start.exactonline.be.",
                url=url or "",
            )
        return False

    @api.constrains("base_url")
    def _check_base_url(self):
        for connection in self:
            problem = self._exact_base_url_problem(connection.base_url)
            if problem:
                raise ValidationError(problem)

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            # checked before the insert: the one-per-company constraint must not answer first
            asked = {vals.get("company_id") or self.env.company.id for vals in vals_list}
            foreign = self.env["res.company"].browse(asked) - self.env.companies
            if foreign:
                raise AccessError(self.env._(
                    "You may only set up the Exact Online connection of your own companies "
                    "(not %(companies)s).",
                    companies=", ".join(foreign.sudo().mapped("display_name"))))
        for vals in vals_list:
            if not vals.get("base_url"):
                region = vals.get("region") or codes.DEFAULT_REGION
                vals["base_url"] = exact_api.base_url_of_region(region) or (
                    exact_api.base_url_of_region(codes.DEFAULT_REGION)
                )
        connections = super().create(vals_list)
        for connection in connections:
            if not connection.company_id.exact_connection_id:
                connection.company_id.sudo().exact_connection_id = connection
        return connections

    def write(self, vals):
        if vals.get("base_url"):
            vals = dict(vals, base_url=self._exact_normalized_url(vals["base_url"]))
        return super().write(vals)

    @api.model
    def _exact_normalized_url(self, url):
        """The normalised address, or ``url`` as typed (``_check_base_url`` explains)."""
        try:
            return exact_api.normalize_base_url(url)
        except ValueError:
            return url

    def copy(self, default=None):
        # one connection per company; its secrets are never copied to another company
        if self:
            raise UserError(self.env._("An Exact Online connection cannot be duplicated."))
        return super().copy(default)

    # ------------------------------------------------------------------
    # Side transactions (see module doc)
    # ------------------------------------------------------------------

    @contextmanager
    def _exact_side_env(self):
        """A superuser environment on a cursor of its own, committed on success.

        READ COMMITTED, so that ``SELECT … FOR NO KEY UPDATE`` returns the row as the worker that
        held the lock committed it. ``NO KEY``: rows the caller's own transaction inserts that
        point at the connection (postboxes) hold a key-share lock on it, which must not block.
        In tests (registry test mode) the cursor is a savepoint of the test transaction.
        """
        self.env.flush_all()
        registry = self.env.registry
        with registry.cursor() as cr:
            if not registry.in_test_mode():
                cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
            # this registry, not Registry(dbname) (which waits while a registry is loading)
            cr.transaction = api.Transaction(registry)
            yield api.Environment(cr, SUPERUSER_ID, {})
        self.env.invalidate_all()

    def _exact_side_write(self, vals):
        self.ensure_one()
        with self._exact_side_env() as env:
            env.cr.execute(
                "SELECT id FROM exact_online_connection WHERE id = %s FOR NO KEY UPDATE",
                [self.id],
            )
            env[self._name].browse(self.id).write(vals)

    # ------------------------------------------------------------------
    # Connect / disconnect
    # ------------------------------------------------------------------

    def _exact_check_app(self):
        self.ensure_one()
        has_id, has_secret = bool(self.client_id), bool(self.sudo().client_secret)
        if has_id and has_secret:
            return
        if not has_id and not has_secret:
            message = self.env._(
                "Enter the Client ID and the Client secret of the app registered in Exact's App "
                "Center first."
            )
        elif not has_id:
            message = self.env._(
                "Enter the Client ID of the app registered in Exact's App Center first."
            )
        else:
            message = self.env._(
                "Enter the Client secret of the app registered in Exact's App Center first."
            )
        raise UserError(message)

    def action_exact_connect(self, return_url=None):
        """Send the user to Exact Online to consent; Exact sends them back to the callback.

        :param return_url: a path inside this Odoo the callback ends on (the set-up wizard);
            anything that is not a local path is ignored (the connection's form then).
        """
        self.ensure_one()
        self.check_access("write")
        self._exact_check_app()
        state = secrets.token_urlsafe(32)
        self.sudo().write(
            {
                "oauth_state_hash": _hash(state),
                "oauth_state_user_id": self.env.uid,
                "oauth_state_expires": fields.Datetime.now() + STATE_TTL,
                "oauth_return_url": exact_api.local_path(return_url) or False,
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": exact_api.auth_url(self.base_url, self.client_id, self.redirect_uri, state),
            "target": "self",
        }

    def action_exact_disconnect(self):
        """Forget the tokens; documents wait until the company connects again."""
        self.check_access("write")
        for connection in self:
            connection.sudo().write(
                {
                    "access_token": False,
                    "refresh_token": False,
                    "token_issued_at": False,
                    "token_expires_at": False,
                    "refresh_token_issued_at": False,
                    "state": "draft",
                    "last_error": False,
                }
            )
            # stored text: in the company's reader's language (issue 12 #3)
            reader = connection.with_context(lang=connection.sudo().company_id._exact_lang())
            reader.message_post(
                body=Markup("<p>%s</p>")
                % reader.env._("Disconnected by %(user)s.", user=self.env.user.name),
                subtype_xmlid="mail.mt_note",
            )
        return True

    @api.model
    def _exact_consume_state(self, state):
        """The connection a callback's ``state`` belongs to, once (single use), for this user.

        Returns the connection (as the current user) or raises UserError.
        """
        refused = UserError(
            self.env._(
                "This Exact Online sign-in link is not valid (unknown, already used, expired or "
                "started by another user). Open the Exact Online connection and press Connect "
                "again."
            )
        )
        if not state:
            raise refused
        found = None
        with self._exact_side_env() as env:
            env.cr.execute(
                "SELECT id, oauth_state_user_id, oauth_state_expires, oauth_return_url "
                "FROM exact_online_connection WHERE oauth_state_hash = %s FOR NO KEY UPDATE",
                [_hash(state)],
            )
            row = env.cr.fetchone()
            if row:
                # single use: spent whoever presents it
                env[self._name].browse(row[0]).write(
                    {"oauth_state_hash": False, "oauth_state_user_id": False,
                     "oauth_state_expires": False, "oauth_return_url": False}
                )
                if row[1] == self.env.uid and row[2] and row[2] >= fields.Datetime.now():
                    found = row[0]
        if not found:
            raise refused
        connection = self.browse(found)
        connection.check_access("write")
        return connection.with_context(exact_return_url=exact_api.local_path(row[3]))

    def _exact_finish_connect(self, code):
        """Exchange the authorisation code, read the division and its postboxes.

        Returns ``(ok, message)``, the message translated for the user; errors also end in
        ``last_error``.
        """
        self.ensure_one()
        connection = self.sudo()
        redirect = self.redirect_uri
        now = fields.Datetime.now()
        try:
            self._exact_lock()
            answer = exact_api.request(
                "POST", exact_api.token_url(connection.base_url),
                form=exact_api.code_form(
                    code, redirect, connection.client_id, connection.client_secret
                ),
                timeout=self._exact_timeout(),
            )
        except requests.RequestException as error:
            failure = exact_failures.classify_exception(error)
            return self._exact_connect_failed(self._exact_failure_sentence(failure))
        tokens = exact_api.parse_token_answer(answer)
        if not tokens.ok:
            return self._exact_connect_failed(
                self.env._(
                    "Exact Online refused the sign-in (%(error)s). Check the Client ID, the "
                    "Client secret and the redirect URI of the app, then press Connect again.",
                    error=(tokens.description or tokens.error),
                )
            )
        self._exact_side_write(
            {
                "access_token": tokens.access_token,
                "refresh_token": tokens.refresh_token,
                "token_issued_at": now,
                "token_expires_at": exact_api.expiry(now, tokens.expires_in),
                "refresh_token_issued_at": now,
                "state": "connected",
                "last_error": False,
                "connected_date": now,
                "connected_user_id": self.env.uid,
            }
        )
        ok, message = self._exact_refresh_account()
        self._exact_after_connect()
        return ok, message

    def _exact_connect_failed(self, message):
        self._exact_side_write({"last_error": message})
        return False, message

    def _exact_refresh_account(self):
        """Read the division, the own postbox and the postbox names.

        Returns ``(ok, message)``. Works on what the answers say, not on re-read fields: the
        values are committed by a side transaction the caller's snapshot may not see.
        """
        self.ensure_one()
        client = self._exact_client()
        division = self.division
        try:
            if not division:
                me = exact_api.record(
                    client.call(
                        "GET", url=exact_api.me_url(self.base_url),
                        params={"$select": "CurrentDivision"},
                    ).json()
                )
                if not me.get("CurrentDivision"):
                    raise ExactCallFailed(exact_failures.configuration("no CurrentDivision"))
                division = int(me["CurrentDivision"])
                self._exact_side_write({"division": division})
                client.division = division
            own = exact_api.record(
                client.call("GET", codes.ENDPOINT_DEFAULT_MAILBOX).json()
            )
            if not own.get("ID"):
                raise ExactCallFailed(exact_failures.failure(exact_failures.KIND_NO_SENDER_POSTBOX))
            self._exact_side_write(
                {"sender_mailbox": own.get("Mailbox") or "", "sender_mailbox_id": own["ID"],
                 "last_error": False}
            )
            self._exact_load_mailboxes(client)
        except ExactCallFailed as error:
            message = self.env._(
                "Connected, but Exact Online did not give the division or its postboxes: "
                "%(reason)s", reason=self._exact_failure_sentence(error.failure),
            )
            self._exact_side_write({"last_error": message})
            return False, message
        except (ExactRateLimited, ExactConnectionExpired) as error:
            message = self.env._(
                "Connected, but the postboxes could not be read yet (%(reason)s). Press "
                "\"Refresh postboxes\" later.", reason=str(error),
            )
            self._exact_side_write({"last_error": message})
            return False, message
        finally:
            client.close()
        return True, self.env._(
            "Connected to Exact Online: division %(division)s, own postbox %(mailbox)s.",
            division=division, mailbox=own.get("Mailbox") or "-",
        )

    def _exact_load_mailboxes(self, client):
        """Replace the list of postbox names with what ``mailbox/Mailboxes`` says."""
        boxes = exact_api.results(
            client.call(
                "GET", codes.ENDPOINT_MAILBOXES,
                params={"$select": "ID,Mailbox,Description,ForDivision"},
            ).json()
        )
        self._exact_cache_mailboxes(boxes, replace=True)

    def _exact_cache_mailboxes(self, boxes, replace=False):
        """Store postboxes (``Mailboxes`` records) by name, in a transaction of their own.

        An upsert under READ COMMITTED: two workers that look the same name up at once both
        store it without a conflict. ``replace``: forget the names not in ``boxes``.
        """
        self.ensure_one()
        rows = {}
        for box in boxes:
            name = (box.get("Mailbox") or "").strip().lower()
            if box.get("ID") and name:
                rows[name] = (str(box["ID"]), box.get("Description") or None,
                              int(box.get("ForDivision") or 0))
        with self._exact_side_env() as env:
            cr = env.cr
            for name, (exact_id, description, for_division) in rows.items():
                cr.execute(
                    """INSERT INTO exact_online_mailbox (connection_id, company_id, name, exact_id,
                              description, for_division, create_uid, create_date, write_uid,
                              write_date)
                       VALUES (%s, %s, %s, %s, %s, %s, %s, now() at time zone 'UTC', %s,
                               now() at time zone 'UTC')
                       ON CONFLICT (connection_id, name) DO UPDATE
                          SET exact_id = EXCLUDED.exact_id, description = EXCLUDED.description,
                              for_division = EXCLUDED.for_division,
                              write_date = EXCLUDED.write_date""",
                    [self.id, self.company_id.id, name, exact_id, description, for_division,
                     SUPERUSER_ID, SUPERUSER_ID],
                )
            if replace:
                cr.execute(
                    "DELETE FROM exact_online_mailbox WHERE connection_id = %s "
                    "AND NOT (name = ANY(%s))",
                    [self.id, list(rows)],
                )

    def _exact_forget_mailbox(self, name):
        self.ensure_one()
        with self._exact_side_env() as env:
            env.cr.execute(
                "DELETE FROM exact_online_mailbox WHERE connection_id = %s AND name = %s",
                [self.id, name],
            )

    def _exact_after_connect(self):
        """Close the reconnect to-dos and let waiting documents go."""
        user_name = self.env.user.name
        # stored texts: in the company's reader's language (issue 12 #3)
        reader = self.with_context(lang=self.sudo().company_id._exact_lang())
        todo = self.env.ref("mail.mail_activity_data_todo")
        activities = reader.sudo().activity_ids.filtered(lambda a: a.activity_type_id == todo)
        if activities:
            activities.action_feedback(feedback=reader.env._("Reconnected"))
        reader.sudo().message_post(
            body=Markup("<p>%s</p>")
            % reader.env._("Connected to Exact Online by %(user)s.", user=user_name),
            subtype_xmlid="mail.mt_note",
        )
        self.env.ref(DELIVERY_CRON).sudo()._trigger()

    def action_exact_refresh_mailboxes(self):
        """Button: read the division's own postbox and the postbox names again."""
        self.ensure_one()
        self.check_access("write")
        if self.state != "connected":
            raise UserError(self.env._("Connect to Exact Online first."))
        ok, message = self._exact_refresh_account()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "message": message,
                "type": "success" if ok else "danger",
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    # ------------------------------------------------------------------
    # Tokens (see module doc)
    # ------------------------------------------------------------------

    @api.model
    def _exact_timeout(self):
        seconds = float(
            self.env["ir.config_parameter"].sudo().get_param(
                "scrada_exact_bridge.api_timeout", exact_api.TIMEOUT[1]
            )
        )
        return (min(exact_api.TIMEOUT[0], seconds), seconds)

    def _exact_lock(self):
        """One request at a time per company (all workers): a transaction-level advisory lock."""
        self.env.cr.execute(
            "SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, self.company_id.id]
        )

    def _exact_token(self, force=False, used_token=None):
        """A valid access token; refreshes it when due (or ``force``) under the row lock.

        :param used_token: the token an API call just refused (401): when the stored one differs,
            another worker refreshed meanwhile and the stored one is returned.
        :raises ExactConnectionExpired: a person must reconnect.
        :raises ExactRateLimited: the token call was refused for the rate limit.
        :raises ExactCallFailed: the token call failed (network, 5xx, too early).
        """
        self.ensure_one()
        expired_reason = None
        outcome = None
        with self._exact_side_env() as env:
            cr = env.cr
            cr.execute(
                "SELECT state, access_token, refresh_token, token_issued_at, token_expires_at, "
                "refresh_token_issued_at, base_url, client_id, client_secret "
                "FROM exact_online_connection WHERE id = %s FOR NO KEY UPDATE",
                [self.id],
            )
            (state, access, refresh, issued, expires, refresh_issued, base_url, client_id,
             client_secret) = cr.fetchone()
            now = fields.Datetime.now()
            if state != "connected" or not refresh:
                raise ExactConnectionExpired(self.env._("The company is not connected."))
            if used_token and access and access != used_token:
                return access  # another worker refreshed meanwhile
            if access and not force and not exact_api.refresh_due(now, issued, expires):
                return access
            connection = env[self._name].browse(self.id)
            if exact_api.refresh_token_outlived(now, refresh_issued):
                expired_reason = self.env._(
                    "the connection was not used for 30 days and Exact Online forgot it"
                )
            else:
                outcome = connection._exact_refresh_locked(
                    refresh, base_url, client_id, client_secret, now
                )
                if outcome == "too_early":
                    if access and expires and expires > now:
                        return access  # Exact says the current token is still good
                    outcome = ExactCallFailed(
                        exact_failures.failure(exact_failures.KIND_TOO_EARLY)
                    )
                elif outcome == "expired":
                    expired_reason = self.env._(
                        "Exact Online no longer accepts the connection (the sign-in was "
                        "revoked, renewed elsewhere, or a renewal was lost)"
                    )
                elif isinstance(outcome, str):
                    return outcome
            if expired_reason:
                connection._exact_mark_expired(expired_reason)
        if expired_reason:
            raise ExactConnectionExpired(expired_reason)
        raise outcome

    def _exact_refresh_locked(self, refresh, base_url, client_id, client_secret, now):
        """Refresh with the lock held (``self`` in the side environment).

        Returns the new access token, ``"expired"``, ``"too_early"``, or an exception to raise
        after the commit.
        """
        try:
            answer = exact_api.request(
                "POST", exact_api.token_url(base_url),
                form=exact_api.refresh_form(refresh, client_id, client_secret),
                timeout=self._exact_timeout(),
            )
        except requests.RequestException as error:
            # the refresh token may be spent without us knowing the new one: the next
            # refresh then says so ("Old refresh token used.") and a person reconnects
            return ExactCallFailed(exact_failures.classify_exception(error))
        tokens = exact_api.parse_token_answer(answer)
        if tokens.refresh_token:
            # stored even when the answer reports an error (rate limit): the old one is spent
            self.write(
                {
                    "access_token": tokens.access_token or False,
                    "refresh_token": tokens.refresh_token,
                    "token_issued_at": now,
                    "token_expires_at": exact_api.expiry(now, tokens.expires_in),
                    "refresh_token_issued_at": now,
                }
            )
        if tokens.ok or (tokens.rate_limited and tokens.access_token):
            return tokens.access_token
        return self._exact_refresh_refused(tokens, answer, now)

    @api.model
    def _exact_refresh_refused(self, tokens, answer, now):
        """What a refused refresh means: ``"expired"``, ``"too_early"`` or an exception."""
        if tokens.chain_broken:
            return "expired"
        if tokens.too_early:
            return "too_early"
        if tokens.rate_limited:
            return ExactRateLimited(
                exact_api.retry_at_after_429(now, exact_api.parse_rate_limits(answer))
            )
        return ExactCallFailed(exact_failures.classify_error(exact_api.parse_error(answer)))

    def _exact_mark_expired(self, reason):
        """The chain is broken: state expired, a to-do for the accountant (side environment).
        Written in the company's reader's language, whoever's call found it (issue 12 #3)."""
        self.ensure_one()
        return self.with_context(
            lang=self.sudo().company_id._exact_lang()
        )._exact_mark_expired_in_lang(reason)

    def _exact_mark_expired_in_lang(self, reason):
        message = self.env._(
            "Reconnect to Exact Online: %(reason)s. Documents wait and go out once a person "
            "presses Connect on the Exact Online connection.", reason=reason,
        )
        self.write(
            {"state": "expired", "last_error": message, "access_token": False,
             "refresh_token": False}
        )
        self.message_post(body=Markup("<p>%s</p>") % message, subtype_xmlid="mail.mt_note")
        user = self.company_id._exact_responsible_user()
        if user:
            self.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=self.env._("Reconnect Exact Online"),
                note=Markup("<p>%s</p>") % message,
                user_id=user.id,
            )

    # ------------------------------------------------------------------
    # Calls
    # ------------------------------------------------------------------

    def _exact_client(self):
        self.ensure_one()
        return ExactClient(self.sudo())

    def _exact_store_limits(self, limits):
        vals = {}
        for name in ("minutely_limit", "minutely_remaining", "minutely_reset", "daily_limit",
                     "daily_remaining", "daily_reset"):
            value = getattr(limits, name)
            if value is not None:
                vals[f"rate_{name}"] = value
        if vals:
            self._exact_side_write(vals)

    def _exact_limits(self):
        self.ensure_one()
        return exact_api.RateLimits(
            daily_limit=self.rate_daily_limit or None,
            daily_remaining=self.rate_daily_remaining if self.rate_daily_reset else None,
            daily_reset=self.rate_daily_reset or None,
            minutely_limit=self.rate_minutely_limit or None,
            minutely_remaining=self.rate_minutely_remaining if self.rate_minutely_reset else None,
            minutely_reset=self.rate_minutely_reset or None,
        )

    def _exact_failure_sentence(self, failure):
        """What a failed call means and what to do (translated)."""
        return self.env["exact.transport.api"]._failure_sentence(failure, connection=self)


class ExactClient:
    """Calls to one company's Exact Online during one run (a cron batch, a callback).

    Reads the budget before each call and stops when it is used up, takes the company's request
    lock, uses (and refreshes) the access token, refreshes once and retries once after a 401,
    reads the rate-limit headers of every answer. Raises :class:`ExactRateLimited`,
    :class:`ExactConnectionExpired` or :class:`ExactCallFailed`; returns ``exact_api.Answer``.
    """

    def __init__(self, connection):
        self.connection = connection
        self.base_url = connection.base_url
        self.division = connection.division
        self.limits = connection._exact_limits()
        self.timeout = connection._exact_timeout()
        self.token = None
        self.calls = 0
        self._limits_changed = False

    def call(self, method, endpoint=None, *, url=None, params=None, body=None, needed=1):
        now = fields.Datetime.now()
        wait = exact_api.budget_wait(now, self.limits, needed)
        if wait:
            raise ExactRateLimited(wait)
        url = url or exact_api.api_url(self.base_url, self.division, endpoint)
        retried = False
        while True:
            if self.token is None:
                self.token = self.connection._exact_token()
            self.connection._exact_lock()
            try:
                answer = exact_api.request(
                    method, url, token=self.token, params=params, json_body=body,
                    timeout=self.timeout,
                )
            except requests.RequestException as error:
                raise ExactCallFailed(exact_failures.classify_exception(error)) from error
            self.calls += 1
            self._note_limits(exact_api.parse_rate_limits(answer))
            if answer.status == 401 and not retried:
                retried = True
                self.token = self.connection._exact_token(force=True, used_token=self.token)
                continue
            if answer.status == 429:
                until = exact_api.retry_at_after_429(now, exact_api.parse_rate_limits(answer))
                self.close()
                raise ExactRateLimited(until)
            if not answer.ok:
                raise ExactCallFailed(
                    exact_failures.classify_error(exact_api.parse_error(answer))
                )
            return answer

    def _note_limits(self, limits):
        if limits.empty:
            return
        merged = {
            name: getattr(limits, name) if getattr(limits, name) is not None
            else getattr(self.limits, name)
            for name in self.limits.__dataclass_fields__
        }
        self.limits = exact_api.RateLimits(**merged)
        self._limits_changed = True

    def close(self):
        """Persist what the answers said about the budget (one side transaction)."""
        if self._limits_changed:
            self._limits_changed = False
            self.connection._exact_store_limits(self.limits)
