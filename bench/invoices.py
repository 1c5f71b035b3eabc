#!/usr/bin/env python3
"""Invoice data for bench/run.sh's `invoices` scenario, made through mocod's API (standard library
only).

usage: invoices.py setup --base-url http://127.0.0.1:8080/api/v1 --key KEY [--items 50]
       invoices.py from-activities --base-url ... --key KEY --project ID --task ID --customer ID
           [--rounds 5] [--activities 1000]

setup: a customer, a project of the admin (leader, and on its staff) with a task, a letter paper
for invoices (a header and bank details in its footer), then an invoice of --items items (each
with a title, a description, quantity, unit and unit price, under one title line). Prints
`invoice=ID project=ID task=ID customer=ID`.

from-activities: --rounds times, one bulk of --activities activities on the project
(POST /activities/bulk), then POST /invoices with one item whose activity_ids lists all of them;
the create alone is timed (time.perf_counter around the request, the connection kept open).
Prints each round's time, the median and the spread, then the time of GET
/invoices/{id}/timesheet?per_page=1000 (the list's maximum) and of GET
/invoices/{id}/timesheet.pdf of the last invoice, once each, with their sizes.
"""
import argparse
import json
import statistics
import sys
import time

from moco_client import Client


def invoice_body(customer, project, items):
    return {"customer_id": customer, "project_id": project,
            "recipient_address": "Bäckerei Überall KG\nÖlmühlenweg 7\n80331 München",
            "date": "2026-11-30", "due_date": "2026-12-30", "service_period_from": "2026-11-01",
            "service_period_to": "2026-11-30", "title": "Rechnung", "tax": 19.0,
            "currency": "EUR", "salutation": "Sehr geehrte Damen und Herren,",
            "footer": "Zahlbar innerhalb von 30 Tagen ohne Abzug.", "items": items}


def setup(c, args):
    admin = c.call("GET", "/session")["id"]
    customer = c.call("POST", "/companies", {"name": "Bäckerei Überall KG", "type": "customer",
                                             "currency": "EUR"})["id"]
    project = c.call("POST", "/projects", {
        "name": "Website relaunch", "identifier": "INV-B1", "currency": "EUR",
        "fixed_price": False, "leader_id": admin, "customer_id": customer,
        "billing_variant": "project", "hourly_rate": 120})["id"]
    task = c.call("POST", "/projects/%d/tasks" % project, {"name": "Entwicklung"})["id"]
    staff = [x["user_id"] for x in c.call("GET", "/projects/%d/contracts" % project)]
    if admin not in staff:
        c.call("POST", "/projects/%d/contracts" % project, {"user_id": admin})
    c.call("POST", "/letter_papers", {
        "name": "Rechnungen", "template": "invoice",
        "header_text": "Müller & Söhne GmbH · Großbeerenstraße 12 · 10963 Berlin",
        "footer_text": "Müller & Söhne GmbH · Sparkasse Berlin · IBAN DE89 3704 0044 0532 0130 00"
                       " · BIC COBADEFFXXX · USt-IdNr. DE123456789"})
    items = [{"type": "title", "title": "Leistungen November 2026"}]
    for i in range(args.items):
        items.append({"type": "item", "title": "Position %d: Konzeption und Umsetzung" % (i + 1),
                      "description": "Arbeitspaket %d – Änderungen an Vorlagen, Tests, Abnahme"
                                     % (i + 1),
                      "quantity": 2.5 + (i % 8) * 0.25, "unit": "h",
                      "unit_price": 95 + (i % 5) * 12.5})
    inv = c.call("POST", "/invoices", invoice_body(customer, project, items))
    print("invoice=%d project=%d task=%d customer=%d items=%d net_total=%s gross_total=%s" % (
        inv["id"], project, task, customer, len(inv["items"]), inv["net_total"],
        inv["gross_total"]))


def from_activities(c, args):
    times = []
    last = None
    for r in range(args.rounds):
        batch = [{"date": "2026-11-%02d" % (1 + j % 28), "project_id": args.project,
                  "task_id": args.task, "seconds": 900 + (j % 8) * 900,
                  "description": "Round %d, work item %d" % (r, j)}
                 for j in range(args.activities)]
        made = c.call("POST", "/activities/bulk", {"activities": batch})
        ids = [a["id"] for a in made]
        hours = sum(a["seconds"] for a in batch) / 3600
        item = {"type": "item", "title": "Stunden, Runde %d" % (r + 1), "quantity": hours,
                "unit": "h", "unit_price": 120, "activity_ids": ids}
        took, _, data = c.timed("POST", "/invoices",
                                invoice_body(args.customer, args.project, [item]))
        inv = json.loads(data)
        check = c.call("GET", "/activities/%d" % ids[-1])
        if not check["billed"] or check["invoice_id"] != inv["id"]:
            sys.exit("activity %d is not billed by invoice %d" % (ids[-1], inv["id"]))
        times.append(took)
        last = inv["id"]
        print("round %d: invoice %d from %d activities: %.1f ms" % (
            r + 1, inv["id"], len(ids), took * 1000))
    ms = sorted(t * 1000 for t in times)
    print("invoice create from %d activities: median %.1f ms, min %.1f, max %.1f (%d rounds)" % (
        args.activities, statistics.median(ms), ms[0], ms[-1], len(ms)))
    took, resp, data = c.timed("GET", "/invoices/%d/timesheet?per_page=1000" % last)
    rows = len(json.loads(data))
    print("timesheet JSON: %.1f ms, %d activities, %d bytes, X-Total %s" % (
        took * 1000, rows, len(data), resp.getheader("X-Total")))
    took, resp, data = c.timed("GET", "/invoices/%d/timesheet.pdf" % last)
    if not data.startswith(b"%PDF-"):
        sys.exit("timesheet.pdf is not a PDF")
    with open(args.pdf_out, "wb") as f:
        f.write(data)
    print("timesheet PDF: %.1f ms, %d bytes (%s)" % (took * 1000, len(data), args.pdf_out))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["setup", "from-activities"])
    ap.add_argument("--base-url", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--items", type=int, default=50)
    ap.add_argument("--project", type=int)
    ap.add_argument("--task", type=int)
    ap.add_argument("--customer", type=int)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--activities", type=int, default=1000)
    ap.add_argument("--pdf-out", default="timesheet.pdf")
    args = ap.parse_args()
    c = Client(args.base_url, args.key, timeout=300)
    if args.what == "setup":
        setup(c, args)
    else:
        from_activities(c, args)


if __name__ == "__main__":
    main()
