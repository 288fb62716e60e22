#!/usr/bin/env python3
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Benchmark: every performance figure the product promises, measured in one run.

    python3 tools/bench.py DBNAME [--sections posting,delivery,cash] [--sizes 20,200]
                                  [--cash-sizes 300,3000] [--count 200] [--rounds 8]

DBNAME must have ``scrada_exact_bridge`` installed (``l10n_be`` too). The script works in one
cursor inside a Belgian company it creates, and rolls everything back at the end: the database
is left unchanged. It runs like a test (``threading.current_thread().testing``, so the delivery
worker does not commit) but with real SMTP: mails go to a local SMTP sink on 127.0.0.1
(``tools/smtp_sink.py``, started and stopped by the script). Nothing leaves the machine. This is
a benchmark, not a test: it prints figures and says whether they are within the product's
limits; the exit code is 1 when one is not.

Sections (all by default):

* ``posting``: posting invoices one by one in a flagged vs an ordinary sale journal, in
  alternating rounds (limit: 1.15, median of the paired rounds);
* ``delivery``: delivering posted invoices (file built with the UBL builder, mail, SMTP to the
  sink, bookkeeping) per document vs Odoo's bare ``account.edi.xml.ubl_bis3._export_invoice`` of
  the same invoices, and SQL queries per delivery, for each of ``--sizes`` documents (limits:
  4x the bare export, 25 queries per document, flat from the smallest to the largest size);
* ``delivery`` (and ``api`` alone) also measures the Exact Online connection transport against
  the stand-in of Exact Online on 127.0.0.1 (``scrada_exact_bridge/tests/exact_standin.py``):
  time and queries per document beside the bare export, and API calls per document (limit 2:
  message and attachment; the postbox lookup is cached, the token obtained once);
* ``cash``: creating cash lines in a flagged vs an ordinary cash journal, then closing one day of
  ``--cash-sizes`` lines into a statement and delivering its CODA file vs creating those lines;
  peak memory (resident set) of the process.
"""

import argparse
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import odoo_env  # noqa: E402 (tools/ is not a package)

POSTING_LIMIT = 1.15
DELIVERY_RATIO_LIMIT = 4.0
DELIVERY_QUERY_LIMIT = 25
SALES_MAILBOX = "x55i@verkoop.exactonline.be"
CASH_MAILBOX = "k4s9@bank.exactonline.be"
CASH_IBAN = "BE83138811735115"
SENDER = "boekhouding@bench.example"
API_POSTBOX = "dagontvangsten-bench@exactonline.be"
OWN_POSTBOX = "bench-bv@exactonline.be"
API_CALLS_LIMIT = 2.0  # MailMessagesSent + MailMessageAttachments; lookups are cached


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("database")
    parser.add_argument("--sections", default="posting,delivery,cash")
    parser.add_argument("--count", type=int, default=200, help="posting: invoices per journal")
    parser.add_argument("--rounds", type=int, default=8, help="posting: alternating rounds")
    parser.add_argument("--sizes", default="20,200", help="delivery: documents per run")
    parser.add_argument("--cash-sizes", default="300,3000", help="cash: lines in the day")
    return parser.parse_args()


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Sink:
    """tools/smtp_sink.py in its own process, on 127.0.0.1."""

    def __init__(self):
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="seb-bench-mail-")
        self.process = None

    def __enter__(self):
        self.process = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "tools" / "smtp_sink.py"),
                "--port",
                str(self.port),
                "--maildir",
                os.path.join(self.dir, "maildir"),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.process.stdout.readline()  # "listening on ..."
        return self

    def received(self):
        folder = Path(self.dir, "maildir", "new")
        return len(list(folder.iterdir())) if folder.is_dir() else 0

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=10)


class Counter:
    """Wall time and SQL queries of a block of work."""

    def __enter__(self):
        from odoo import sql_db

        self._sql_db = sql_db
        self.queries = sql_db.sql_counter
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start
        self.queries = self._sql_db.sql_counter - self.queries


# ----------------------------------------------------------------------
# set-up
# ----------------------------------------------------------------------


def setup(env, sink_port):
    from odoo import Command

    be = env.ref("base.be")
    company = env["res.company"].create(
        {"name": "Bench BV", "country_id": be.id, "currency_id": env.ref("base.EUR").id}
    )
    env = env(context=dict(env.context, allowed_company_ids=[company.id]))
    env["account.chart.template"].try_loading("be_comp", company=company, install_demo=False)
    company = company.with_env(env)
    company.write(
        {
            "vat": "BE0477472701",
            "street": "Kerkstraat 1",
            "zip": "9000",
            "city": "Gent",
            "email": "info@bench.example",
            "exact_enabled": True,
            "exact_sender_email": SENDER,
        }
    )
    env["res.partner.bank"].create(
        {"acc_number": "BE71096123456769", "partner_id": company.partner_id.id}
    )
    env["ir.mail_server"].sudo().create(
        {
            "name": "Bench SMTP sink",
            "smtp_host": "127.0.0.1",
            "smtp_port": sink_port,
            "smtp_encryption": "none",
            "from_filter": False,
            "sequence": 0,
        }
    )
    revenue = env["account.account"].search(
        [("company_ids", "in", company.id), ("account_type", "=", "income")], limit=1
    )
    sales = {}
    for code, flagged in (("NOEX", False), ("EXAC", True)):
        vals = {
            "name": f"Sales {code}",
            "code": code,
            "type": "sale",
            "company_id": company.id,
            "default_account_id": revenue.id,
        }
        if flagged:
            vals.update(exact_mailbox=SALES_MAILBOX, exact_send_invoices=True)
        sales[flagged] = env["account.journal"].create(vals)
    cash = {
        False: env["account.journal"].create(
            {"name": "Cash plain", "code": "CSHP", "type": "cash", "company_id": company.id}
        ),
        True: env["account.journal"].create(
            {
                "name": "Cash Exact",
                "code": "CSHX",
                "type": "cash",
                "company_id": company.id,
                "bank_acc_number": CASH_IBAN,
                "exact_mailbox": CASH_MAILBOX,
                "exact_send_coda": True,
                "exact_coda_period": "day",
            }
        ),
    }
    customer = env["res.partner"].create(
        {
            "name": "Klant NV",
            "is_company": True,
            "vat": "BE0202239951",
            "street": "Stationsstraat 10",
            "zip": "2000",
            "city": "Antwerpen",
            "country_id": be.id,
        }
    )
    ref = env["account.chart.template"].with_company(company).ref
    tax_21, tax_06 = ref("attn_VAT-OUT-21-L"), ref("attn_VAT-OUT-06-L")

    def drafts(journal, count):
        return env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": customer.id,
                    "journal_id": journal.id,
                    "invoice_date": "2026-03-02",
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Widget",
                                "quantity": 2,
                                "price_unit": 100.0 + i,
                                "tax_ids": [Command.set(tax_21.ids)],
                            }
                        ),
                        Command.create(
                            {
                                "name": "Boek",
                                "quantity": 3,
                                "price_unit": 25.0,
                                "tax_ids": [Command.set(tax_06.ids)],
                            }
                        ),
                    ],
                }
                for i in range(count)
            ]
        )

    return env, sales, cash, drafts


def post_one_by_one(moves):
    start = time.perf_counter()
    for move in moves:
        move.action_post()
    moves.env.flush_all()
    return time.perf_counter() - start


def deliver_all(env, batch_size):
    """Run the delivery worker until nothing is due; (deliveries processed, rounds)."""
    Delivery = env["exact.mailbox.delivery"].sudo()
    done = rounds = 0
    while True:
        processed, remaining = Delivery._exact_process_batch(batch_size)
        done += processed
        rounds += 1
        if not processed or not remaining:
            return done, rounds


# ----------------------------------------------------------------------
# sections
# ----------------------------------------------------------------------


def bench_posting(ctx):
    env, sales, drafts, args, results = ctx.env, ctx.sales, ctx.drafts, ctx.args, ctx.results
    per_round = max(1, args.count // args.rounds)
    warm_up = {flagged: drafts(sales[flagged], 5) for flagged in (False, True)}
    batches = [
        {flagged: drafts(sales[flagged], per_round) for flagged in (False, True)}
        for _round in range(args.rounds)
    ]
    env.flush_all()
    env.cr.execute("ANALYZE")
    for flagged in (False, True):  # not measured: fills caches (sequences, taxes)
        post_one_by_one(warm_up[flagged])
    timings = {False: 0.0, True: 0.0}
    round_ratios = []
    for round_no, batch in enumerate(batches):
        order = (False, True) if round_no % 2 == 0 else (True, False)
        spent = {}
        for flagged in order:
            spent[flagged] = post_one_by_one(batch[flagged])
            timings[flagged] += spent[flagged]
        round_ratios.append(spent[True] / spent[False])
    posted = per_round * args.rounds
    median = statistics.median(round_ratios)
    print(f"\nposting, {posted} + {posted} invoices one by one, {args.rounds} alternating rounds")
    print(f"  ordinary sale journal: {1000 * timings[False] / posted:6.1f} ms/invoice")
    print(f"  flagged sale journal:  {1000 * timings[True] / posted:6.1f} ms/invoice")
    print(
        f"  ratio flagged/ordinary: median of rounds {median:.3f}, total "
        f"{timings[True] / timings[False]:.3f} (limit {POSTING_LIMIT})"
    )
    results.append(("posting flagged/ordinary", median, POSTING_LIMIT))
    # the deliveries these postings queued are not part of the delivery section
    env["exact.mailbox.delivery"].sudo().search([("state", "=", "pending")]).write(
        {"state": "cancelled"}
    )


def bench_delivery(ctx):
    env, sales, drafts, sink, args, results = (
        ctx.env,
        ctx.sales,
        ctx.drafts,
        ctx.sink,
        ctx.args,
        ctx.results,
    )
    Delivery = env["exact.mailbox.delivery"].sudo()
    builder = env["account.edi.xml.ubl_bis3"]
    sizes = [int(size) for size in args.sizes.split(",")]
    per_doc = {}
    # warm-up (not measured): templates, the mail server connection code, caches
    warm = drafts(sales[True], 3)
    warm.action_post()
    for move in warm:
        builder._export_invoice(move)
    deliver_all(env, 20)
    for size in sizes:
        moves = drafts(sales[True], size)
        moves.action_post()
        env.flush_all()
        env.cr.execute("ANALYZE")
        env.invalidate_all()
        with Counter() as bare:
            for move in moves:
                builder._export_invoice(move)
        env.invalidate_all()
        before = sink.received()
        with Counter() as delivery:
            done, rounds = deliver_all(env, 20)
        sent = Delivery.search_count([("move_id", "in", moves.ids), ("state", "=", "sent")])
        mails = sink.received() - before
        ms_bare = 1000 * bare.seconds / size
        ms_delivery = 1000 * delivery.seconds / size
        queries = delivery.queries / size
        ratio = ms_delivery / ms_bare
        per_doc[size] = (ms_delivery, queries)
        print(
            f"\ndelivery of {size} invoices ({rounds} worker batches; {sent} sent, {mails} mails "
            f"received by the sink)"
        )
        print(
            f"  Odoo's bare BIS 3 export:  {ms_bare:6.1f} ms/document, "
            f"{bare.queries / size:5.1f} queries/document"
        )
        print(
            f"  delivery (file+mail+SMTP): {ms_delivery:6.1f} ms/document, "
            f"{queries:5.1f} queries/document"
        )
        print(f"  ratio delivery/bare export: {ratio:.2f} (limit {DELIVERY_RATIO_LIMIT})")
        if sent != size or mails != size or done != size:
            print(f"  !! expected {size} sent deliveries and mails")
            results.append((f"delivery {size}: all sent", 0, 1))
        results.append((f"delivery {size}: ratio to bare export", ratio, DELIVERY_RATIO_LIMIT))
        results.append((f"delivery {size}: queries per document", queries, DELIVERY_QUERY_LIMIT))
    if len(sizes) > 1:
        small, large = per_doc[min(sizes)], per_doc[max(sizes)]
        print(
            f"\n  flat cost: {max(sizes)} vs {min(sizes)} documents: time per document x"
            f"{large[0] / small[0]:.2f}, queries per document x{large[1] / small[1]:.2f}"
        )


def load_standin():
    """``ExactStandin`` from the addon's tests (plain Python, no Odoo import)."""
    import importlib.util

    path = ROOT / "scrada_exact_bridge" / "tests" / "exact_standin.py"
    spec = importlib.util.spec_from_file_location("exact_standin", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.ExactStandin


def bench_api(ctx):
    """Delivery through the Exact Online connection against the stand-in on 127.0.0.1: time
    and SQL queries per document beside the bare export, and API calls per document."""
    env, drafts, args, results = ctx.env, ctx.drafts, ctx.args, ctx.results
    registry = env.registry
    standin = load_standin()(sender_mailbox=OWN_POSTBOX, mailboxes=[API_POSTBOX]).start()
    # the connection's own short transactions become savepoints of this (rolled back) one
    registry.enter_test_mode(env.cr)
    try:
        standin.set_limits(minutely=1_000_000, daily=10_000_000)  # the budget is not measured
        company = env.company
        connection = env["exact.online.connection"].create(
            {"company_id": company.id, "region": "custom", "base_url": standin.url,
             "client_id": standin.client_id, "new_client_secret": standin.client_secret}
        )
        ok, message = connection._exact_finish_connect(standin.issue_code(connection.redirect_uri))
        if not ok:
            sys.exit(f"the stand-in refused the connection: {message}")
        revenue = env["account.account"].search(
            [("company_ids", "in", company.id), ("account_type", "=", "income")], limit=1
        )
        journal = env["account.journal"].create(
            {"name": "Sales API", "code": "EXAPI", "type": "sale", "company_id": company.id,
             "default_account_id": revenue.id, "exact_transport": "api",
             "exact_mailbox": API_POSTBOX, "exact_send_invoices": True}
        )
        Delivery = env["exact.mailbox.delivery"].sudo()
        builder = env["account.edi.xml.ubl_bis3"]
        warm = drafts(journal, 3)
        warm.action_post()
        deliver_all(env, 20)
        for size in [int(size) for size in args.sizes.split(",")]:
            moves = drafts(journal, size)
            moves.action_post()
            env.flush_all()
            env.invalidate_all()
            with Counter() as bare:
                for move in moves:
                    builder._export_invoice(move)
            env.invalidate_all()
            calls_before = standin.calls()
            with Counter() as delivery:
                done, rounds = deliver_all(env, 20)
            calls = standin.calls() - calls_before
            sent = Delivery.search_count([("move_id", "in", moves.ids), ("state", "=", "sent")])
            ms_bare = 1000 * bare.seconds / size
            ms_delivery = 1000 * delivery.seconds / size
            print(f"\nAPI delivery of {size} invoices ({rounds} worker batches; {sent} sent)")
            print(f"  Odoo's bare BIS 3 export:    {ms_bare:6.1f} ms/document")
            print(f"  delivery (file+API calls):   {ms_delivery:6.1f} ms/document, "
                  f"{delivery.queries / size:5.1f} queries/document")
            print(f"  ratio delivery/bare export: {ms_delivery / ms_bare:.2f}")
            print(f"  Exact Online API calls:      {calls / size:.2f} per document "
                  f"(limit {API_CALLS_LIMIT})")
            if sent != size or done != size:
                print(f"  !! expected {size} sent deliveries")
                results.append((f"API delivery {size}: all sent", 0, 1))
            results.append((f"API delivery {size}: calls per document", calls / size,
                            API_CALLS_LIMIT))
    finally:
        registry.leave_test_mode()
        standin.stop()


def bench_cash(ctx):
    env, cash, sink, args, results = ctx.env, ctx.cash, ctx.sink, ctx.args, ctx.results
    Line = env["account.bank.statement.line"]
    Statement = env["account.bank.statement"]
    Delivery = env["exact.mailbox.delivery"].sudo()
    sizes = [int(size) for size in args.cash_sizes.split(",")]

    def lines(journal, day, count, offset=0):
        return [
            {
                "journal_id": journal.id,
                "date": day,
                "amount": (index % 50 + 1) * (1 if index % 3 else -1),
                "payment_ref": f"Ticket {offset + index}",
            }
            for index in range(count)
        ]

    # creating lines: flagged vs ordinary cash journal, alternating, same amounts
    count, rounds = 100, 4
    spent = {False: 0.0, True: 0.0}
    Line.create(lines(cash[False], date(2026, 2, 2), 5) + lines(cash[True], date(2026, 2, 2), 5))
    for round_no in range(rounds):
        for flagged in (False, True) if round_no % 2 == 0 else (True, False):
            start = time.perf_counter()
            Line.create(lines(cash[flagged], date(2026, 2, 2), count))
            env.flush_all()
            spent[flagged] += time.perf_counter() - start
    ratio = spent[True] / spent[False]
    print(f"\ncash lines created, {count * rounds} per journal")
    print(f"  ordinary cash journal: {1000 * spent[False] / (count * rounds):6.2f} ms/line")
    print(f"  flagged cash journal:  {1000 * spent[True] / (count * rounds):6.2f} ms/line")
    print(f"  ratio flagged/ordinary: {ratio:.3f}")
    results.append(("cash lines flagged/ordinary", ratio, POSTING_LIMIT))
    # close 2026-02-02 (the lines above) so that each measured day is a statement of its own
    Statement._cron_exact_close_periods(today=date(2026, 2, 3))
    deliver_all(env, 20)
    day = date(2026, 2, 3)
    for size in sizes:
        day += timedelta(days=1)
        start = time.perf_counter()
        for first in range(0, size, 500):
            Line.create(lines(cash[True], day, min(500, size - first), offset=first))
        env.flush_all()
        created = time.perf_counter() - start
        before = sink.received()
        with Counter() as closing:
            Statement._cron_exact_close_periods(today=day + timedelta(days=1))
            env.flush_all()
        with Counter() as delivering:
            deliver_all(env, 20)
        statement = Statement.search(
            [("journal_id", "=", cash[True].id), ("exact_period_start", "=", day)]
        )
        sent = Delivery.search_count([("statement_id", "=", statement.id), ("state", "=", "sent")])
        total = closing.seconds + delivering.seconds
        print(f"\none day of {size} cash lines")
        print(f"  creating the lines:       {created:7.2f} s ({1000 * created / size:.2f} ms/line)")
        print(f"  closing the day:          {closing.seconds:7.2f} s, {closing.queries} queries")
        print(
            f"  CODA file + delivery:     {delivering.seconds:7.2f} s, "
            f"{delivering.queries} queries ({sent} statement sent, "
            f"{sink.received() - before} mail)"
        )
        print(f"  closing+delivery / creating: {total / created:.3f}")
        print(f"  peak memory of the process so far: {peak_rss_mb():.0f} MB")
        results.append((f"cash day of {size}: statement sent", sent, 1))


def main():
    args = parse_args()
    sections = set(args.sections.split(","))
    from odoo import SUPERUSER_ID, api
    from odoo.modules.registry import Registry
    from odoo.tools import config

    config.parse_config(
        ["-d", args.database, "--addons-path", odoo_env.addons_path(), "--log-level", "warn"]
    )
    # like a test: the delivery worker never commits, everything is rolled back at the end;
    # odoo.modules.module.current_test stays unset, so mail really goes out (to the sink)
    threading.current_thread().testing = True
    registry = Registry(args.database)
    results = []
    with Sink() as sink:
        cr = registry.cursor()
        try:
            env = api.Environment(cr, SUPERUSER_ID, {})
            if "exact.mailbox.delivery" not in env:
                sys.exit(f"scrada_exact_bridge is not installed in {args.database}")
            # Fresh planner statistics, as in a database in use.
            cr.execute("ANALYZE")
            env, sales, cash, drafts = setup(env, sink.port)
            ctx = SimpleNamespace(
                env=env,
                sales=sales,
                cash=cash,
                drafts=drafts,
                sink=sink,
                args=args,
                results=results,
            )
            print(
                f"database {args.database}, SMTP sink on 127.0.0.1:{sink.port}, "
                f"peak memory at start {peak_rss_mb():.0f} MB"
            )
            if "posting" in sections:
                bench_posting(ctx)
            if "delivery" in sections:
                bench_delivery(ctx)
            if "api" in sections or "delivery" in sections:
                bench_api(ctx)
            if "cash" in sections:
                bench_cash(ctx)
        finally:
            cr.rollback()
            cr.close()
    print("\nsummary")
    failed = 0
    for name, value, limit in results:
        ok = (
            value <= limit
            if "queries" in name or "ratio" in name or "/" in name
            else (value >= limit)
        )
        failed += not ok
        print(f"  {'ok ' if ok else 'NOT'} {name}: {value:.3f} (limit {limit})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
