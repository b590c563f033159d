#!/usr/bin/python3
"""A real HTTP receiver of webhooks for the tests: it checks each POST's Accord-Signature
(t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the shared secret>) with Python's
own hmac module, keeps each request as OUT/<n>.json, and answers 500 to the first N requests
(--fail-first N), 200 after.

usage: webhook_receiver.py PORT_FILE OUT_DIR SECRET [--fail-first N]"""
import hashlib
import hmac
import json
import os
import socket
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port_file, out, secret = sys.argv[1], sys.argv[2], sys.argv[3].encode()
fail_first = [int(sys.argv[5]) if len(sys.argv) > 5 and sys.argv[4] == "--fail-first" else 0]
count = [0]


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        signature = self.headers.get("Accord-Signature", "")
        parts = dict(p.split("=", 1) for p in signature.split(",") if "=" in p)
        expected = hmac.new(secret, parts.get("t", "").encode() + b"." + body, hashlib.sha256).hexdigest()
        valid = hmac.compare_digest(expected, parts.get("v1", ""))
        count[0] += 1
        failing = fail_first[0] > 0
        if failing:
            fail_first[0] -= 1
        record = {
            "delivery": self.headers.get("Accord-Delivery"),
            "signature_valid": valid,
            "t": parts.get("t"),
            "content_type": self.headers.get("Content-Type"),
            "answered": 500 if failing else 200,
            "body": json.loads(body) if body else None,
        }
        name = os.path.join(out, f"{count[0]:06d}")
        with open(name + ".json.tmp", "w", encoding="utf-8") as f:
            json.dump(record, f, ensure_ascii=False)
        os.rename(name + ".json.tmp", name + ".json")
        self.send_response(500 if failing else 200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


os.makedirs(out, exist_ok=True)
server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(port_file + ".tmp", port_file)
server.serve_forever()
