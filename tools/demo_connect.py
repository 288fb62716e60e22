#!/usr/bin/env python3
"""Connect the demo company to the stand-in of Exact Online the way a person does, over HTTP
against the running Odoo (used by tools/demo.sh):

1. log in to Odoo (``/web/session/authenticate``) and press *Connect* on the company's Exact
   Online connection (the button's ``action_exact_connect``): Odoo answers with the address of
   Exact Online's sign-in page;
2. open that page (the stand-in consents at once, as a person would after logging in) and
   follow its redirect to Odoo's callback with the session cookie: Odoo checks the single-use
   ``state``, exchanges the code for tokens and reads the division and its postboxes;
3. read the connection back and print it.

Only 127.0.0.1 is contacted.

    python3 tools/demo_connect.py --url http://127.0.0.1:8069 --db scrada_exact_demo \\
        --company "Bakkerij Demo BV"
"""

import argparse
import sys
from urllib.parse import urlsplit

import requests

TIMEOUT = 120


def call(session, url, model, method, args, **kwargs):
    answer = session.post(
        f"{url}/web/dataset/call_kw/{model}/{method}",
        json={"jsonrpc": "2.0", "method": "call",
              "params": {"model": model, "method": method, "args": args, "kwargs": kwargs}},
        timeout=TIMEOUT,
    )
    body = answer.json()
    if body.get("error"):
        data = body["error"].get("data") or {}
        raise SystemExit(f"{model}.{method}: {data.get('message') or body['error']}")
    return body["result"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="the running Odoo, e.g. http://127.0.0.1:8069")
    parser.add_argument("--db", required=True)
    parser.add_argument("--company", required=True)
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    args = parser.parse_args()
    for address in (args.url,):
        if urlsplit(address).hostname != "127.0.0.1":
            raise SystemExit("the demo only talks to 127.0.0.1")
    session = requests.Session()
    login = session.post(
        f"{args.url}/web/session/authenticate",
        json={"jsonrpc": "2.0", "params": {"db": args.db, "login": args.login,
                                           "password": args.password}},
        timeout=TIMEOUT,
    ).json()
    if not (login.get("result") or {}).get("uid"):
        raise SystemExit(f"could not log in to {args.url} as {args.login}: {login.get('error')}")
    companies = call(session, args.url, "res.company", "search_read",
                     [[["name", "=", args.company]]], fields=["id"])
    context = {"allowed_company_ids": [companies[0]["id"]]}
    connections = call(session, args.url, "exact.online.connection", "search_read",
                       [[["company_id", "=", companies[0]["id"]]]], fields=["id"],
                       context=context)
    connection_id = connections[0]["id"]

    action = call(session, args.url, "exact.online.connection", "action_exact_connect",
                  [[connection_id]], context=context)
    sign_in = action["url"]
    if urlsplit(sign_in).hostname != "127.0.0.1":
        raise SystemExit(f"the sign-in page is not on 127.0.0.1: {sign_in}")
    print(f"  1. Connect: Odoo sends the browser to Exact Online's sign-in page "
          f"{sign_in.split('?')[0]}")
    consent = session.get(sign_in, allow_redirects=False, timeout=TIMEOUT)
    callback = consent.headers.get("Location", "")
    if consent.status_code != 302 or urlsplit(callback).hostname != "127.0.0.1":
        raise SystemExit(f"Exact Online (stand-in) answered {consent.status_code}: {callback}")
    print(f"  2. Exact Online sends the browser back to Odoo's callback {callback.split('?')[0]}")
    back = session.get(callback, allow_redirects=False, timeout=TIMEOUT)
    print(f"  3. The callback answered {back.status_code} -> {back.headers.get('Location')}")
    record = call(session, args.url, "exact.online.connection", "read", [[connection_id]],
                  fields=["state", "division", "sender_mailbox", "last_error"],
                  context=context)[0]
    postboxes = call(session, args.url, "exact.online.mailbox", "search_read",
                     [[["connection_id", "=", connection_id]]], fields=["name"],
                     context=context)
    print(f"  Connection: {record['state']}, division {record['division']}, own postbox "
          f"{record['sender_mailbox']}, postboxes: "
          + ", ".join(box["name"] for box in postboxes))
    if record["state"] != "connected":
        print(f"  Not connected: {record['last_error']}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
