#!/usr/bin/python3
"""check_exchanges.py finds each kind of drift between an answer and the OpenAPI document.

  check_exchanges_test.py OPENAPI
"""
import json
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_exchanges  # noqa: E402

PROBLEM = {"Content-Type": "application/problem+json"}


def exchange(method, target, status, headers=None, body=""):
    if not isinstance(body, str):
        body = json.dumps(body)
    return {"method": method, "target": target, "status": status,
            "headers": [[n, v] for n, v in (headers or {}).items()], "body": body}


def problem(status, name):
    return {"type": "urn:accord:problem:" + name, "title": "t", "status": status, "detail": "d"}


def main(argv):
    doc = check_exchanges.Document(argv[1])
    json_type = {"Content-Type": "application/json"}
    olga = {"name": "olga", "roles": ["officer"], "created_at": "2026-03-02T09:00:00Z",
            "revoked": False, "has_password": True, "display_name": "علياء", "email": None,
            "language": "ar", "time_zone": "Asia/Hebron", "units": ["eng"],
            "email_notices": "daily", "digest_hour": 8, "email_role_tasks": False,
            "away": {"from": "2026-07-01", "to": "2026-07-14", "deputy": "omar"}}
    good = [
        exchange("GET", "/api/v1/me", 200, json_type, olga),
        exchange("DELETE", "/api/v1/me", 405, {**PROBLEM, "Allow": "GET, PATCH"},
                 problem(405, "method_not_allowed")),
        exchange("GET", "/api/v1/definitions/validate", 405, {**PROBLEM, "Allow": "POST"},
                 problem(405, "method_not_allowed")),
        exchange("GET", "/api/v1/nothing", 401, {**PROBLEM, "WWW-Authenticate": "Bearer"},
                 problem(401, "unauthorized")),
        exchange("POST", "/api/v1/admin/clock", 200, {**json_type, "Idempotent-Replayed": "true"},
                 {"now": "2026-03-02T09:00:00Z"}),
        {"feed_message": json.dumps({"type": "resync", "cursor": "1-0"})},
    ]
    drifted = {
        "a status the operation does not declare":
            exchange("GET", "/api/v1/me", 404, PROBLEM, problem(404, "not_found")),
        "a body off its schema":
            exchange("GET", "/api/v1/me", 200, json_type, {**olga, "language": "fr"}),
        "a problem type the document does not list":
            exchange("GET", "/api/v1/me", 401, PROBLEM, problem(401, "no_such_type")),
        "an undeclared header":
            exchange("GET", "/api/v1/me", 200, {**json_type, "Idempotent-Replayed": "true"}, olga),
        "a media type the answer does not declare":
            exchange("GET", "/api/v1/me", 200, {"Content-Type": "text/html"}, "<p>"),
        "Allow other than the path's methods":
            exchange("DELETE", "/api/v1/me", 405, {**PROBLEM, "Allow": "GET"},
                     problem(405, "method_not_allowed")),
        "a method the path does not take, answered 200":
            exchange("DELETE", "/api/v1/me", 200, json_type, olga),
        "an unknown path answered 200":
            exchange("GET", "/api/v1/nothing", 200, json_type, {}),
        "a feed message off its schema": {"feed_message": json.dumps({"type": "bogus"})},
    }
    failures = 0
    for e in good:
        if found := check_exchanges.check_exchange(doc, e):
            print("FAIL: a good answer was refused:", found)
            failures += 1
    for what, e in drifted.items():
        if not check_exchanges.check_exchange(doc, e):
            print("FAIL: not found:", what)
            failures += 1
    print(f"{len(good)} good answers, {len(drifted)} drifts: {failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
