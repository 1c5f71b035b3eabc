#!/usr/bin/env python3
"""Invoices for bench/run.sh's `reports` scenario (issue 14), made through mocod's API (standard
library only), after bench/gen_activities.py has made the projects.

usage: reports.py invoices --base-url http://127.0.0.1:8080/api/v1 --key KEY
           [--invoices 20000] [--procs 4] [--year 2025]

Reads every project (GET /projects, 100 per page), then POST /invoices --invoices times from
--procs client processes in parallel (each its share, round robin over the projects): one item
(hours at the project's rate), status "created", dated in --year (spread over its 12 months),
due 30 days later, the project's customer. Prints the count, the time and the rate.
"""
import argparse
import multiprocessing
import time

from moco_client import Client


def projects(c):
    out, page = [], 1
    while True:
        rows = c.call("GET", "/projects?per_page=100&page=%d" % page)
        out += [(p["id"], p["customer"]["id"]) for p in rows]
        if len(rows) < 100:
            return out
        page += 1


def body(i, project, customer, year):
    month, day = 1 + i % 12, 1 + (i // 12) % 28
    return {"customer_id": customer, "project_id": project, "status": "created",
            "recipient_address": "Customer\nStreet 1\n10115 Berlin",
            "date": "%d-%02d-%02d" % (year, month, day),
            "due_date": "%d-%02d-%02d" % (year + (month == 12), month % 12 + 1, day),
            "title": "Invoice %d" % i, "tax": 19.0, "currency": "EUR",
            "items": [{"type": "item", "title": "Hours", "quantity": 1 + i % 20, "unit": "h",
                       "unit_price": 100 + i % 50}]}


def worker(args, projs, k):
    c = Client(args.base_url, args.key, timeout=120)
    for i in range(k, args.invoices, args.procs):
        pid, cid = projs[i % len(projs)]
        c.call("POST", "/invoices", body(i, pid, cid, args.year))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["invoices"])
    ap.add_argument("--base-url", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--invoices", type=int, default=20000)
    ap.add_argument("--procs", type=int, default=4)
    ap.add_argument("--year", type=int, default=2025)
    args = ap.parse_args()
    projs = projects(Client(args.base_url, args.key))
    t0 = time.time()
    ps = [multiprocessing.Process(target=worker, args=(args, projs, k)) for k in range(args.procs)]
    for p in ps:
        p.start()
    for p in ps:
        p.join()
        if p.exitcode:
            raise SystemExit("an invoice client failed (exit %d)" % p.exitcode)
    took = time.time() - t0
    print("invoices: %d on %d projects from %d processes in %.1f s: %.0f invoices/s" % (
        args.invoices, len(projs), args.procs, took, args.invoices / took))


if __name__ == "__main__":
    main()
