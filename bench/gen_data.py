#!/usr/bin/env python3
"""Fills a running mocod with benchmark data through its own API (standard library only).

usage: gen_data.py --base-url http://127.0.0.1:8080/api/v1 --key KEY [--users 10000]
       gen_data.py ... --users 0 --companies 2000 --projects 20000 --tasks 5
"""
import argparse
import sys

from moco_client import Client

FIRST = ["Anna", "Ben", "Clara", "David", "Eva", "Felix", "Greta", "Hans", "Ida", "Jonas",
         "Karla", "Lukas", "Mia", "Noah", "Olga", "Paul", "Rosa", "Sven", "Tina", "Uwe"]
LAST = ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
        "Schulz", "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Neumann", "Schwarz"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base-url", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--users", type=int, default=10000)
    ap.add_argument("--companies", type=int, default=0)
    ap.add_argument("--projects", type=int, default=0)
    ap.add_argument("--tasks", type=int, default=5)
    args = ap.parse_args()
    c = Client(args.base_url, args.key, timeout=30)
    if args.projects:
        gen_projects(c, args)
        return
    if args.users == 0:
        return
    units = [c.call("POST", "/units", {"name": "Team %d" % i})["id"] for i in range(20)]
    c.call("POST", "/account/custom_properties",
           {"name": "Starting Month", "kind": "String", "entity": "User"})
    for i in range(args.users):
        f, l = FIRST[i % len(FIRST)], LAST[(i // len(FIRST)) % len(LAST)]
        c.call("POST", "/users", {
            "firstname": f, "lastname": l, "email": "user%05d@bench.example" % i,
            "unit_id": units[i % len(units)], "mobile_phone": "+49 177 %07d" % i,
            "work_phone": "+49 40 %07d" % i, "info": "benchmark user %d" % i,
            "bday": "19%02d-%02d-%02d" % (60 + i % 40, 1 + i % 12, 1 + i % 28),
            "tags": ["Bench", "Team %d" % (i % 5)],
            "custom_properties": {"Starting Month": "January %d" % (2000 + i % 25)},
        })
        if (i + 1) % 1000 == 0:
            print("%d users" % (i + 1), file=sys.stderr)


def gen_projects(c, args):
    """Companies, then projects (each with tasks; the leader's contract comes with the project)."""
    leaders = [u["id"] for u in c.call("GET", "/users?per_page=10")][:5]
    customers = []
    for i in range(args.companies):
        customers.append(c.call("POST", "/companies", {
            "name": "Kunde %04d AG" % i, "type": "customer", "currency": "EUR",
            "email": "info@kunde%04d.example" % i, "tags": ["Bench"]})["id"])
    for i in range(args.projects):
        p = c.call("POST", "/projects", {
            "name": "Projekt %05d" % i, "currency": "EUR", "fixed_price": i % 2 == 0,
            "retainer": False, "leader_id": leaders[i % len(leaders)],
            "customer_id": customers[i % len(customers)], "budget": 10000 + i,
            "hourly_rate": 120, "tags": ["Bench"], "info": "benchmark project %d" % i})
        for k in range(args.tasks):
            c.call("POST", "/projects/%d/tasks" % p["id"],
                   {"name": "Task %d" % k, "hourly_rate": 100 + k, "budget": 1000})
        if (i + 1) % 1000 == 0:
            print("%d projects" % (i + 1), file=sys.stderr)


if __name__ == "__main__":
    main()
