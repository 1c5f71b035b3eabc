"""The one HTTP client of the bench scripts: JSON in and out over a kept-alive connection, the
key in the Authorization header, a 3xx-5xx answer ends the script with its status and body."""
import http.client
import json
import sys
import time
import urllib.parse


class Client:
    def __init__(self, base_url, key, timeout=120):
        u = urllib.parse.urlparse(base_url)
        self.prefix = u.path.rstrip("/")
        self.conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=timeout)
        self.headers = {"Authorization": "Token token=" + key,
                        "Content-Type": "application/json"}

    def raw(self, method, path, body=None, impersonate=None):
        """The response and its bytes."""
        headers = dict(self.headers)
        if impersonate:
            headers["X-IMPERSONATE-USER-ID"] = str(impersonate)
        self.conn.request(method, self.prefix + path,
                          body=json.dumps(body) if body is not None else None, headers=headers)
        resp = self.conn.getresponse()
        data = resp.read()
        if resp.status >= 300:
            sys.exit("%s %s -> %d %s" % (method, path, resp.status, data[:300]))
        return resp, data

    def call(self, method, path, body=None, impersonate=None):
        """The answer's JSON (None for an empty body)."""
        _, data = self.raw(method, path, body, impersonate)
        return json.loads(data) if data else None

    def timed(self, method, path, body=None, impersonate=None):
        """(seconds, response, bytes): time.perf_counter around the request and its answer (the
        JSON encoding of the body included, the connection kept open)."""
        t0 = time.perf_counter()
        resp, data = self.raw(method, path, body, impersonate)
        return time.perf_counter() - t0, resp, data
