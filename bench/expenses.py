#!/usr/bin/env python3
"""Expense and purchase data for bench/run.sh's `expenses` scenario (issue 13), made through
mocod's API (standard library only).

usage: expenses.py expenses --base-url http://127.0.0.1:8080/api/v1 --key KEY
           [--projects 200] [--expenses 100000] [--batch 1000]
       expenses.py purchases --base-url ... --key KEY [--purchases 50000] [--procs 4]

expenses: 10 customers (EUR), --projects projects of the admin, then --expenses project expenses
through POST /projects/{id}/expenses/bulk (--batch per request, the projects in turn), dated
evenly over 2025-01-01 .. 2026-12-31. The bulk requests alone are timed. Prints the rate and the
busiest month (`month=YYYY-MM count=N`).

purchases: --purchases purchases through POST /purchases (2 or 3 items each, one in three
archived), dated evenly over 2025-01-01 .. 2026-12-31, from --procs processes in parallel (each
with its own kept-alive connection and its share of the purchases). Timed from the first request
to the last answer. Prints the rate and the busiest month with its pending purchases.
"""
import argparse
import datetime
import multiprocessing
import time

from moco_client import Client

START = datetime.date(2025, 1, 1)
DAYS = 730


def day_of(i, n):
    return (START + datetime.timedelta(days=i * DAYS // n)).isoformat()


def expenses(args):
    c = Client(args.base_url, args.key, timeout=300)
    admin = c.call("GET", "/session")["id"]
    customers = [c.call("POST", "/companies", {"name": "Expense customer %02d" % i,
                                               "type": "customer", "currency": "EUR"})["id"]
                 for i in range(10)]
    projects = [c.call("POST", "/projects", {
        "name": "Expense project %03d" % p, "identifier": "X%03d" % p, "currency": "EUR",
        "fixed_price": False, "leader_id": admin, "customer_id": customers[p % 10],
        "billing_variant": "project", "hourly_rate": 100})["id"] for p in range(args.projects)]
    months = {}
    made = 0
    took = 0.0
    i = 0
    req = 0
    while i < args.expenses:
        batch = []
        for j in range(i, min(args.expenses, i + args.batch)):
            date = day_of(j, args.expenses)
            months[date[:7]] = months.get(date[:7], 0) + 1
            batch.append({"date": date, "title": "Hosting: Server %d" % (j % 50),
                          "quantity": 1 + (j % 4) * 0.5, "unit": "Server",
                          "unit_price": 29 + (j % 7) * 0.99, "unit_cost": 19 + (j % 5) * 0.49,
                          "billable": j % 10 != 0})
        pid = projects[req % len(projects)]
        t, _, _ = c.timed("POST", "/projects/%d/expenses/bulk" % pid, {"bulk_data": batch})
        took += t
        made += len(batch)
        i += len(batch)
        req += 1
    print("made %d projects, %d expenses in %d bulk requests" % (len(projects), made, req))
    print("expenses bulk: %.1f s for %d expenses: %.0f expenses/s" % (took, made, made / took))
    month, count = max(sorted(months.items()), key=lambda kv: kv[1])
    print("month=%s count=%d" % (month, count))


def purchase_body(i, n):
    items = [{"title": "Hardware %d" % i, "total": 119 + (i % 13) * 10.5, "tax": 19.0,
              "tax_included": True},
             {"title": "Versand", "total": 5.95, "tax": 19.0, "tax_included": True}]
    if i % 2:
        items.append({"title": "Zubehör", "total": 12.4 + (i % 9), "tax": 7.0,
                      "tax_included": False})
    return {"date": day_of(i, n), "currency": "EUR", "title": "Einkauf %d" % i,
            "payment_method": "bank_transfer" if i % 4 else "credit_card",
            "status": "archived" if i % 3 == 0 else "pending", "items": items}


def purchase_worker(job):
    base_url, key, start, stop, n = job
    c = Client(base_url, key, timeout=300)
    for i in range(start, stop):
        c.call("POST", "/purchases", purchase_body(i, n))
    return stop - start


def purchases(args):
    n = args.purchases
    share = -(-n // args.procs)
    jobs = [(args.base_url, args.key, k * share, min(n, (k + 1) * share), n)
            for k in range(args.procs) if k * share < n]
    # processes, not threads: the JSON encoding of one client would hold the others up
    with multiprocessing.Pool(len(jobs)) as pool:
        t0 = time.perf_counter()
        made = sum(pool.map(purchase_worker, jobs))
        took = time.perf_counter() - t0
    months = {}
    for i in range(n):
        if i % 3:
            d = day_of(i, n)[:7]
            months[d] = months.get(d, 0) + 1
    items = sum(3 if i % 2 else 2 for i in range(n))
    print("purchases: %.1f s for %d purchases (%d items) from %d processes: %.0f purchases/s" % (
        took, made, items, len(jobs), made / took))
    month, count = max(sorted(months.items()), key=lambda kv: kv[1])
    print("month=%s pending=%d" % (month, count))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["expenses", "purchases"])
    ap.add_argument("--base-url", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--projects", type=int, default=200)
    ap.add_argument("--expenses", type=int, default=100000)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--purchases", type=int, default=50000)
    ap.add_argument("--procs", type=int, default=4)
    args = ap.parse_args()
    if args.what == "expenses":
        expenses(args)
    else:
        purchases(args)


if __name__ == "__main__":
    main()
