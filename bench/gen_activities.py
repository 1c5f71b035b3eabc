#!/usr/bin/env python3
"""Fills a running mocod with time-tracking data through its own API (standard library only).

usage: gen_activities.py --base-url http://127.0.0.1:8080/api/v1 --key KEY
           [--users 200] [--projects 2000] [--activities 1000000] [--staff 2] [--batch 1000]

Makes --users people, 100 customers, --projects projects (one task each, --staff people on each
project's staff), then --activities activities through POST /activities/bulk (--batch per
request, each for one person by impersonation), spread over 2025-01-01 .. 2026-12-31. Prints
what it made, the time the bulk creates took and their rate, and one person's id and busiest
month for the list benchmark (as `bench_user=ID month=YYYY-MM count=N`).
"""
import argparse
import datetime
import time

from moco_client import Client


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base-url", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--users", type=int, default=200)
    ap.add_argument("--projects", type=int, default=2000)
    ap.add_argument("--activities", type=int, default=1000000)
    ap.add_argument("--staff", type=int, default=2)
    ap.add_argument("--batch", type=int, default=1000)
    args = ap.parse_args()
    c = Client(args.base_url, args.key, timeout=120)
    admin = c.call("GET", "/session")["id"]
    unit = c.call("GET", "/units")[0]["id"]
    users = [c.call("POST", "/users", {
        "firstname": "Bench", "lastname": "Person %03d" % i, "email": "p%03d@bench.example" % i,
        "unit_id": unit})["id"] for i in range(args.users)]
    customers = [c.call("POST", "/companies", {"name": "Customer %03d" % i, "type": "customer",
                                               "currency": "EUR"})["id"] for i in range(100)]
    # project p has --staff people on its staff: the people p*staff .. p*staff+staff-1 (mod users)
    work = {u: [] for u in users}
    for p in range(args.projects):
        pid = c.call("POST", "/projects", {
            "name": "Project %04d" % p, "identifier": "B%04d" % p, "currency": "EUR",
            "fixed_price": False, "leader_id": admin, "customer_id": customers[p % 100],
            "billing_variant": "project", "hourly_rate": 100 + p % 50})["id"]
        tid = c.call("POST", "/projects/%d/tasks" % pid, {"name": "Work"})["id"]
        for k in range(args.staff):
            u = users[(p * args.staff + k) % len(users)]
            if any(w[0] == pid for w in work[u]):
                continue
            c.call("POST", "/projects/%d/contracts" % pid, {"user_id": u})
            work[u].append((pid, tid))
    people = [u for u in users if work[u]]
    per_person = args.activities // len(people)
    start = datetime.date(2025, 1, 1)
    days = 730
    made = 0
    months = {}
    t0 = time.time()
    for u in people:
        todo = per_person + (1 if people.index(u) < args.activities - per_person * len(people)
                             else 0)
        i = 0
        while i < todo:
            batch = []
            for j in range(i, min(todo, i + args.batch)):
                day = start + datetime.timedelta(days=j * days // todo)
                pid, tid = work[u][j % len(work[u])]
                batch.append({"date": day.isoformat(), "project_id": pid, "task_id": tid,
                              "seconds": 900 + (j % 16) * 900, "description": "Work item %d" % j,
                              "tag": "B-%d" % (j % 100)})
                if u == people[0]:
                    months[day.isoformat()[:7]] = months.get(day.isoformat()[:7], 0) + 1
            c.call("POST", "/activities/bulk", {"activities": batch}, impersonate=u)
            made += len(batch)
            i += len(batch)
    took = time.time() - t0
    print("made %d users, %d projects, %d activities" % (len(users), args.projects, made))
    print("bulk: %.1f s for %d activities: %.0f activities/s" % (took, made, made / took))
    month, count = max(months.items(), key=lambda kv: kv[1])
    print("bench_user=%d month=%s count=%d" % (people[0], month, count))


if __name__ == "__main__":
    main()
