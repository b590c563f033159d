#!/usr/bin/python3
"""Notices to a large role, for bench/run.sh's notices part.

  notices.py BUILD REDIS_URL PEOPLE SECONDS WORKDIR [REPS]

Starts a local SMTP server (Debian's python3-aiosmtpd, counting what it accepts) and a webhook
receiver (checking each signature), makes PEOPLE readers with e-mail addresses and the REST
bench's users straight in Redis (api_bench readers/users), starts accordd with e-mail and a
webhook for "notification", and then:
  1. runs the REST bench (api_bench rest ... completions) for SECONDS: commits/s without notices;
  2. sends one notice to the role of the PEOPLE readers (a reminder of an expiring agreement)
     and runs the same REST bench at once: commits/s while the e-mails go out;
  3. waits for the last e-mail and the webhook delivery;
REPS times (default 1), alternating, so that a slow spell of the shared machine hits both sides.
Before each REST run Redis's append-only file is compacted (BGREWRITEAOF, waited for): a rewrite
forked by the growth of the runs before would otherwise take one of the two cores from whichever
run it falls in. Rewrites that still happen during a run are counted.
Prints RESULT {"people", "emails", "firstMs", "lastMs", "emailsPerSecond", "webhooks",
"signatureValid", "restWithout", "restWith", "ratio", "runs": [...], "rewritesDuring"}: medians
over the runs, and each run's figures.
"""
import hashlib
import hmac
import http.client
import json
import os
import re
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller

SECRET = b"the bench's webhook secret"


class Sink:
    def __init__(self):
        self.count = 0
        self.first = None
        self.last = None
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            now = time.monotonic()
            self.first = self.first or now
            self.last = now
        return "250 OK"


hooks = {"count": 0, "valid": 0}


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        parts = dict(p.split("=", 1) for p in self.headers.get("Accord-Signature", "").split(",") if "=" in p)
        expected = hmac.new(SECRET, parts.get("t", "").encode() + b"." + body, hashlib.sha256).hexdigest()
        hooks["count"] += 1
        hooks["valid"] += hmac.compare_digest(expected, parts.get("v1", ""))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(port, method, path, token, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
    conn.request(method, path, json.dumps(body) if body is not None else None, headers)
    r = conn.getresponse()
    data = r.read()
    conn.close()
    if r.status >= 300:
        raise RuntimeError(f"{method} {path}: {r.status} {data[:300]!r}")
    return json.loads(data) if data else None


def redis_info(url, *section):
    port = url.rsplit(":", 1)[1].split("/")[0]
    out = subprocess.run(["redis-cli", "-p", port, *section], capture_output=True, text=True,
                         check=True).stdout
    return dict(l.split(":", 1) for l in out.replace("\r", "").splitlines() if ":" in l)


def compact(url):
    """Rewrites the append-only file now and waits until it is done."""
    port = url.rsplit(":", 1)[1].split("/")[0]
    subprocess.run(["redis-cli", "-p", port, "BGREWRITEAOF"], capture_output=True, check=True)
    for _ in range(600):
        info = redis_info(url, "info", "persistence")
        if info.get("aof_rewrite_in_progress") == "0" and info.get("aof_rewrite_scheduled") == "0":
            return
        time.sleep(0.1)


def rewrites(url):
    return int(redis_info(url, "info", "persistence").get("aof_rewrites", "0"))


def rest(build, port, tokens, seconds):
    if seconds <= 0:
        return {"completionsPerS": 1}
    out = subprocess.run([f"{build}/bench/api_bench", "rest", str(port), tokens, "8", str(seconds),
                          "completions"], capture_output=True, text=True, check=True).stdout
    return json.loads(re.search(r"^RESULT (.*)$", out, re.M).group(1))


def main(argv):
    build, url, people, seconds, work = argv[1], argv[2], int(argv[3]), float(argv[4]), argv[5]
    reps = int(argv[6]) if len(argv) > 6 else 1
    os.makedirs(work, exist_ok=True)
    sink = Sink()
    smtp_port = free_port()
    smtp = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    tokens = os.path.join(work, "tokens")
    subprocess.run([f"{build}/bench/api_bench", "users", url, "api", tokens, "0"], check=True,
                   capture_output=True)
    subprocess.run([f"{build}/bench/api_bench", "readers", url, "api", str(people)], check=True,
                   capture_output=True)
    admin = [l.split()[1] for l in open(tokens) if l.startswith("admin ")][0]
    log = open(os.path.join(work, "accordd.log"), "w")
    node = subprocess.Popen([f"{build}/apps/accordd/accordd", "--listen", "127.0.0.1:0", "--redis", url,
                             "--prefix", "api", "--workflows", "workflows", "--rate", "0",
                             "--smtp-url", f"smtp://127.0.0.1:{smtp_port}",
                             "--mail-from", "Accord <accord@bench.invalid>",
                             "--public-url", "https://accord.bench.invalid",
                             *(["--smtp-rate", os.environ["NOTICE_SMTP_RATE"]]
                               if os.environ.get("NOTICE_SMTP_RATE") else [])], stderr=log)
    try:
        port = None
        for _ in range(200):
            m = re.search(r"serving http://127.0.0.1:(\d+)/api/v1", open(log.name).read())
            if m:
                port = int(m.group(1))
                break
            time.sleep(0.05)
        if port is None:
            raise RuntimeError("accordd did not start: " + open(log.name).read()[-2000:])
        call(port, "POST", "/api/v1/admin/webhooks", admin,
             {"url": f"http://127.0.0.1:{receiver.server_address[1]}/hook",
              "events": ["notification"], "secret": SECRET.decode()})
        call(port, "POST", "/api/v1/definitions", admin, {
            "workflow": "broadcast", "version": 1, "title": "A reminder to every reader",
            "start": "open", "events": {"remind": {"roles": ["admin"]}},
            "states": {"open": {"on": {"remind": {"actions": [{"notify": {
                "roles": ["reader"],
                "subject": {"en": "The agreement with {{partner}} expires in 90 days",
                            "ar": "تنتهي الاتفاقية مع {{partner}} بعد 90 يومًا"}}}]}}}}})
        instance = call(port, "POST", "/api/v1/instances", admin,
                        {"workflow": "broadcast", "data": {"partner": "Universidad de Chile"}})["id"]
        runs, rewrites_during = [], 0
        for rep in range(reps):
            compact(url)
            before = rewrites(url)
            without = rest(build, port, tokens, seconds)
            rewrites_during += rewrites(url) - before
            compact(url)
            emails_before = sink.count
            sink.first = sink.last = None
            before = rewrites(url)
            started = time.monotonic()
            call(port, "POST", f"/api/v1/instances/{instance}/events", admin, {"event": "remind"})
            with_notices = rest(build, port, tokens, seconds)
            deadline = time.monotonic() + 600
            while ((sink.count - emails_before) < people or hooks["count"] < rep + 1) and \
                    time.monotonic() < deadline:
                time.sleep(0.05)
            if seconds > 0:
                rewrites_during += rewrites(url) - before
            run = {
                "emails": sink.count - emails_before,
                "firstMs": round(((sink.first or started) - started) * 1000),
                "lastMs": round(((sink.last or started) - started) * 1000),
                "restWithout": without["completionsPerS"], "restWith": with_notices["completionsPerS"],
            }
            run["ratio"] = round(run["restWith"] / run["restWithout"], 3)
            runs.append(run)
        median = lambda key: sorted(r[key] for r in runs)[len(runs) // 2]
        result = {
            "people": people, "emails": min(r["emails"] for r in runs),
            "firstMs": median("firstMs"), "lastMs": median("lastMs"),
            "webhooks": hooks["count"], "signatureValid": hooks["valid"],
            "restWithout": median("restWithout"), "restWith": median("restWith"),
            "ratio": median("ratio"), "runs": runs, "rewritesDuring": rewrites_during,
        }
        result["emailsPerSecond"] = round(people / max(result["lastMs"] / 1000, 1e-3), 1)
        print("RESULT " + json.dumps(result))
        return 0 if result["emails"] >= people and hooks["valid"] >= reps else 1
    finally:
        node.terminate()
        node.wait(timeout=10)
        smtp.stop()
        receiver.shutdown()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
