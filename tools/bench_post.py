#!/usr/bin/env python3
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Benchmark: posting invoices in a journal flagged "Send invoices to Exact Online"
versus an ordinary sale journal (issue: at most 15 % slower).

    python3 tools/bench_post.py DBNAME [--count 200] [--rounds 4] [--addons-path PATH]

DBNAME must have ``scrada_exact_bridge`` installed. In one cursor the script creates a
Belgian company (chart ``be_comp``), a customer, an ordinary sale journal and a flagged
one, prepares ``count`` draft invoices (two lines, 21 % and 6 %) in each journal, then
posts them one by one (``action_post``, as a user does), alternating between the two
journals in ``rounds`` rounds to even out caching effects (drafts are created and
the planner statistics refreshed before timing). Everything is rolled back at
the end: the database is left unchanged. This is a benchmark, not a test.
"""
import argparse
import os
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIMIT = 1.15


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("database")
    parser.add_argument("--count", type=int, default=200, help="invoices per journal")
    parser.add_argument("--rounds", type=int, default=8, help="alternating rounds")
    parser.add_argument("--addons-path", default=ROOT, help="folder holding the addon")
    return parser.parse_args()


def setup(env):
    from odoo import Command

    be = env.ref("base.be")
    company = env["res.company"].create({
        "name": "Bench BV",
        "country_id": be.id,
        "currency_id": env.ref("base.EUR").id,
    })
    env = env(context=dict(env.context, allowed_company_ids=[company.id]))
    env["account.chart.template"].try_loading("be_comp", company=company, install_demo=False)
    company = company.with_env(env)
    company.write({
        "vat": "BE0477472701",
        "street": "Kerkstraat 1",
        "zip": "9000",
        "city": "Gent",
        "exact_enabled": True,
        "exact_sender_email": "boekhouding@bench.example",
    })
    env["res.partner.bank"].create(
        {"acc_number": "BE71096123456769", "partner_id": company.partner_id.id}
    )
    revenue = env["account.account"].search(
        [("company_ids", "in", company.id), ("account_type", "=", "income")], limit=1
    )
    journals = {}
    for code, flagged in (("NOEX", False), ("EXAC", True)):
        vals = {
            "name": f"Sales {code}",
            "code": code,
            "type": "sale",
            "company_id": company.id,
            "default_account_id": revenue.id,
        }
        if flagged:
            vals.update(exact_mailbox="x55i@verkoop.exactonline.be", exact_send_invoices=True)
        journals[flagged] = env["account.journal"].create(vals)
    customer = env["res.partner"].create({
        "name": "Klant NV",
        "is_company": True,
        "vat": "BE0202239951",
        "street": "Stationsstraat 10",
        "zip": "2000",
        "city": "Antwerpen",
        "country_id": be.id,
    })
    ref = env["account.chart.template"].with_company(company).ref
    tax_21, tax_06 = ref("attn_VAT-OUT-21-L"), ref("attn_VAT-OUT-06-L")

    def drafts(journal, count):
        return env["account.move"].create([{
            "move_type": "out_invoice",
            "partner_id": customer.id,
            "journal_id": journal.id,
            "invoice_date": "2026-03-02",
            "invoice_line_ids": [
                Command.create({"name": "Widget", "quantity": 2, "price_unit": 100.0 + i,
                                "tax_ids": [Command.set(tax_21.ids)]}),
                Command.create({"name": "Boek", "quantity": 3, "price_unit": 25.0,
                                "tax_ids": [Command.set(tax_06.ids)]}),
            ],
        } for i in range(count)])

    return env, journals, drafts


def post_one_by_one(moves):
    start = time.perf_counter()
    for move in moves:
        move.action_post()
    moves.env.flush_all()
    return time.perf_counter() - start


def main():
    args = parse_args()
    from odoo import SUPERUSER_ID, api
    from odoo.modules.registry import Registry
    from odoo.tools import config

    config.parse_config(["-d", args.database, "--addons-path", args.addons_path,
                         "--log-level", "warn"])
    registry = Registry(args.database)
    cr = registry.cursor()
    try:
        env = api.Environment(cr, SUPERUSER_ID, {})
        if "exact.mailbox.delivery" not in env:
            sys.exit(f"scrada_exact_bridge is not installed in {args.database}")
        # Fresh planner statistics, as in a database in use: without them PostgreSQL
        # plans the (uncommitted) new rows as if the tables were empty.
        cr.execute("ANALYZE")
        env, journals, drafts = setup(env)
        per_round = max(1, args.count // args.rounds)
        warm_up = {flagged: drafts(journals[flagged], 5) for flagged in (False, True)}
        batches = [
            {flagged: drafts(journals[flagged], per_round) for flagged in (False, True)}
            for _round in range(args.rounds)
        ]
        env.flush_all()
        cr.execute("ANALYZE")
        for flagged in (False, True):  # not measured: fills caches (sequences, taxes)
            post_one_by_one(warm_up[flagged])
        timings = {False: 0.0, True: 0.0}
        posted = {False: 0, True: 0}
        round_ratios = []
        for round_no, batch in enumerate(batches):
            order = (False, True) if round_no % 2 == 0 else (True, False)
            spent = {}
            for flagged in order:
                spent[flagged] = post_one_by_one(batch[flagged])
                timings[flagged] += spent[flagged]
                posted[flagged] += len(batch[flagged])
            round_ratios.append(spent[True] / spent[False])
        Delivery = env["exact.mailbox.delivery"].sudo()
        queued = Delivery.search_count([("journal_id", "=", journals[True].id)])
        not_queued = Delivery.search_count([("journal_id", "=", journals[False].id)])
        ratio = timings[True] / timings[False]
        median = statistics.median(round_ratios)
        print(f"database {args.database}: {posted[False]} + {posted[True]} invoices, "
              f"posted one by one in {args.rounds} alternating rounds")
        print(f"  unflagged journal: {timings[False]:7.2f} s "
              f"({1000 * timings[False] / posted[False]:.1f} ms/invoice)")
        print(f"  flagged journal:   {timings[True]:7.2f} s "
              f"({1000 * timings[True] / posted[True]:.1f} ms/invoice), "
              f"{queued - len(warm_up[True])} deliveries queued (unflagged: {not_queued})")
        print(f"  ratio flagged/unflagged: total {ratio:.3f}, median of rounds {median:.3f} "
              f"(rounds: {', '.join(f'{r:.2f}' for r in round_ratios)})")
        # The median of paired rounds resists bursts of load from other processes.
        verdict = "within" if median <= LIMIT else "NOT within"
        print(f"  -> {verdict} the 15 % limit")
        return 0 if median <= LIMIT else 1
    finally:
        cr.rollback()
        cr.close()


if __name__ == "__main__":
    sys.exit(main())
