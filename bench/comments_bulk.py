#!/usr/bin/env python3
"""Cost of comment writes that used to be expensive (issue 9, findings 2 and 11).

    bench/comments_bulk.py BUILD/mocod [PORT]
    MOCOD_BENCH_DB=postgresql://USER@HOST:PORT/EMPTY_DB MOCOD_SECRET_FILE=F bench/comments_bulk.py ...

Starts `mocod serve` on a fresh database in a temporary directory and measures, over loopback:
POST /comments/bulk with a 4 MiB attachment on 4, 5 and 1000 entities (status, seconds, growth of
the database and its WAL), and a comment of 100 kB of "<a" (tags that never close) alone and in a
bulk on 10 entities. Results are in bench/RESULTS.md.
"""
import base64, json, os, shutil, subprocess, sys, tempfile, time, urllib.error, urllib.request

binary = sys.argv[1]
port = int(sys.argv[2]) if len(sys.argv) > 2 else 18940
d = tempfile.mkdtemp(prefix="mocod-bench-bulk-")
pg = os.environ.get("MOCOD_BENCH_DB")  # an empty PostgreSQL database instead of a SQLite file
db = pg or os.path.join(d, "m.db")
key = subprocess.check_output([binary, "init", "--db", db, "--account", "acme", "--email",
                               "a@acme.test", "--password", "long secret 1"]).decode().strip()
srv = subprocess.Popen([binary, "serve", "--db", db, "--listen", f"127.0.0.1:{port}",
                        "--rate-limit", "off"], stderr=subprocess.DEVNULL)
base = f"http://127.0.0.1:{port}/api/v1"


def req(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    r = urllib.request.Request(base + path, data=data, method=method, headers={
        "Authorization": f"Token token={key}", "Content-Type": "application/json"})
    t = time.time()
    try:
        with urllib.request.urlopen(r, timeout=900) as resp:
            status, out = resp.status, resp.read()
    except urllib.error.HTTPError as e:
        status, out = e.code, e.read()
    return status, out, time.time() - t


def size():
    if pg:
        return int(subprocess.check_output(
            ["psql", "-qtA", db, "-c", "SELECT pg_database_size(current_database())"]).decode())
    return sum(os.path.getsize(db + s) for s in ("", "-wal") if os.path.exists(db + s))


try:
    for _ in range(100):
        try:
            req("GET", "/session")
            break
        except OSError:
            time.sleep(0.1)
    units = [json.loads(req("POST", "/units", {"name": f"U{i}"})[1])["id"] for i in range(10)]
    content = base64.b64encode(b"\0" * (4 * 1024 * 1024)).decode()
    for n in (4, 5, 1000):
        s0 = size()
        st, _, t = req("POST", "/comments/bulk", {
            "commentable_ids": [units[i % 10] for i in range(n)], "commentable_type": "Unit",
            "text": "x", "attachment_filename": "z.bin", "attachment_content": content})
        print(f"bulk {n} ids x 4 MiB attachment: {st} in {t:.2f} s, "
              f"{'database' if pg else 'database+WAL'} grew {(size() - s0) / 1048576:.1f} MiB")
    text = "<a" * 50000
    st, _, t = req("POST", "/comments", {"commentable_type": "Unit", "commentable_id": units[0],
                                         "text": text})
    print(f"one comment of 100 kB '<a': {st} in {t:.2f} s")
    st, _, t = req("POST", "/comments/bulk", {"commentable_type": "Unit",
                                              "commentable_ids": units, "text": text})
    print(f"bulk 10 ids of 100 kB '<a': {st} in {t:.2f} s")
finally:
    srv.terminate()
    srv.wait()
    shutil.rmtree(d, ignore_errors=True)
