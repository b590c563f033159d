#!/usr/bin/python3
"""Every answer the e2e tests got, checked against the OpenAPI document.

adapters/http/src/client.cpp records each answer (ACCORD_HTTP_EXCHANGES=DIR: DIR/<pid>.jsonl);
this checks each one: its status is declared by the operation (a path the document does not
name may only be refused; a method its path does not take only with 405 and the path's methods
in Allow), the headers the API sends are declared for that answer, and the body is of the
declared media type and valid against its schema. Feed messages are checked against
FeedServerMessage.

  check_exchanges.py clear DIR            empty DIR (before the e2e tests)
  check_exchanges.py check OPENAPI DIR    check what is in DIR; exit 1 on any mismatch
"""
import copy
import json
import os
import shutil
import sys
import urllib.parse

import jsonschema

# Headers the API sets on purpose; each must be declared for the answer that carries it.
API_HEADERS = {"allow", "location", "retry-after", "www-authenticate", "idempotent-replayed",
               "set-cookie"}
# What a request the document has no operation for may get: malformed, too large, no token,
# rate limited, no such route; the document's own response for each.
UNROUTED = {400: "BadRequest", 401: "Unauthorized", 404: "NotFound", 413: "PayloadTooLarge",
            429: "TooManyRequests", 431: "HeaderTooLarge"}


def openapi_to_json_schema(node):
    """OpenAPI 3.0 schema objects as JSON Schema (draft 4): `nullable` becomes a "null" type."""
    if isinstance(node, list):
        return [openapi_to_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: openapi_to_json_schema(v) for k, v in node.items()}
    if out.pop("nullable", False):
        if "type" in out:
            out["type"] = [out["type"], "null"]
        elif "$ref" in out or "oneOf" in out or "allOf" in out or "anyOf" in out:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


class Document:
    def __init__(self, path):
        with open(path) as f:
            self.doc = json.load(f)
        self.schema_root = openapi_to_json_schema(copy.deepcopy(self.doc))
        self.resolver = jsonschema.RefResolver("", self.schema_root)
        self.paths = []  # (segments, path, item)
        for path, item in self.doc["paths"].items():
            self.paths.append(([s for s in path.split("/") if s], path, item))

    def deref(self, node):
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            node = self.doc
            for part in ref[2:].split("/"):
                node = node[part]
        return node

    def route(self, target_path):
        # Concrete paths before templated ones: of those that match, the fewest "{name}"s.
        segments = [urllib.parse.unquote(s) for s in target_path.split("/") if s]
        matches = [
            (sum(p.startswith("{") for p in pattern), path, item)
            for pattern, path, item in self.paths
            if len(pattern) == len(segments)
            and all(p.startswith("{") or p == s for p, s in zip(pattern, segments))
        ]
        if not matches:
            return None, None
        _, path, item = min(matches, key=lambda m: m[0])
        return path, item

    def errors(self, instance, schema):
        validator = jsonschema.Draft4Validator(schema, resolver=self.resolver)
        return [
            f"{'/'.join(str(p) for p in e.absolute_path) or '(body)'}: {e.message}"
            for e in validator.iter_errors(instance)
        ]


def header(exchange, name):
    for n, v in exchange["headers"]:
        if n.lower() == name:
            return v
    return None


def check_body(doc, exchange, response, where):
    problems = []
    content = response.get("content")
    body = exchange["body"]
    if not content:
        if body and exchange["status"] != 101:
            problems.append(f"{where}: a body the document does not declare: {body[:200]}")
        return problems
    if exchange["status"] == 101:
        return problems  # the socket's messages are checked one by one
    media = (header(exchange, "content-type") or "").split(";")[0].strip()
    if media not in content:
        return [f"{where}: Content-Type {media!r}, declared {sorted(content)}"]
    schema = content[media].get("schema")
    if schema is None:
        return problems
    if media.endswith("json"):
        try:
            value = json.loads(body)
        except ValueError:
            return [f"{where}: not JSON: {body[:200]}"]
        for e in doc.errors(value, openapi_to_json_schema(schema)):
            problems.append(f"{where}: {e}")
    elif schema.get("type") != "string":
        problems.append(f"{where}: {media} body against a non-string schema")
    return problems


def check_headers(doc, exchange, response, where):
    problems = []
    declared = {n.lower(): doc.deref(h) for n, h in response.get("headers", {}).items()}
    for name, value in exchange["headers"]:
        lname = name.lower()
        if lname not in API_HEADERS:
            continue
        if lname not in declared:
            problems.append(f"{where}: header {name} is not declared for this answer")
            continue
        schema = declared[lname].get("schema", {})
        instance = value
        if schema.get("type") == "integer":
            try:
                instance = int(value)
            except ValueError:
                problems.append(f"{where}: header {name}: {value!r} is not an integer")
                continue
        for e in doc.errors(instance, openapi_to_json_schema(schema)):
            problems.append(f"{where}: header {name}: {e}")
    for name, h in declared.items():
        if h.get("required") and header(exchange, name) is None:
            problems.append(f"{where}: required header {name} is missing")
    return problems


def check_exchange(doc, exchange):
    if "feed_message" in exchange:
        schema = {"$ref": "#/components/schemas/FeedServerMessage"}
        try:
            message = json.loads(exchange["feed_message"])
        except ValueError:
            return [f"feed message: not JSON: {exchange['feed_message'][:200]}"]
        return [f"feed message {message.get('type')}: {e}" for e in doc.errors(message, schema)]
    method, status = exchange["method"].lower(), exchange["status"]
    target_path = urllib.parse.urlsplit(exchange["target"]).path
    where = f"{exchange['method']} {exchange['target']} -> {status}"
    path, item = doc.route(target_path)
    if path is None and method == "get" and status == 200 and \
            not target_path.startswith("/api/") and \
            not (header(exchange, "content-type") or "").startswith("application/json"):
        return []  # the web application's pages and files (docs/web.md), not the API's
    if path is None or method not in item:
        if path is not None and status == 405:
            allowed = {m.strip().lower() for m in (header(exchange, "allow") or "").split(",")}
            operations = {m for m in item if m != "parameters"}
            if allowed != operations:
                return [f"{where}: Allow names {sorted(allowed)}, "
                        f"the document {sorted(operations)}"]
            return check_response(doc, exchange, "MethodNotAllowed", where)
        if status not in UNROUTED or (path is not None and status == 404):
            what = "no path of the document" if path is None else f"no {method.upper()} of {path}"
            return [f"{where}: {what}, answered other than a refusal"]
        return check_response(doc, exchange, UNROUTED[status], where)
    responses = item[method]["responses"]
    where = f"{where} ({item[method].get('operationId', path)})"
    declared = responses.get(str(status), responses.get("default"))
    if declared is None:
        return [f"{where}: status {status} is not declared (declared: {', '.join(responses)})"]
    return check_response(doc, exchange, declared, where)


def check_response(doc, exchange, response, where):
    """`response`: a response object, or the name of one of the document's components."""
    if isinstance(response, str):
        response = doc.doc["components"]["responses"][response]
    response = doc.deref(response)
    return (check_headers(doc, exchange, response, where) +
            check_body(doc, exchange, response, where))


def main(argv):
    if len(argv) == 3 and argv[1] == "clear":
        shutil.rmtree(argv[2], ignore_errors=True)
        os.makedirs(argv[2])
        return 0
    if len(argv) != 4 or argv[1] != "check":
        print(__doc__, file=sys.stderr)
        return 2
    doc = Document(argv[2])
    checked, problems, operations = 0, [], set()
    files = sorted(f for f in os.listdir(argv[3]) if f.endswith(".jsonl"))
    for name in files:
        with open(os.path.join(argv[3], name)) as f:
            for line in f:
                exchange = json.loads(line)
                checked += 1
                if "method" in exchange:
                    path, item = doc.route(urllib.parse.urlsplit(exchange["target"]).path)
                    if path is not None and exchange["method"].lower() in item:
                        operations.add((exchange["method"], path, exchange["status"]))
                problems += check_exchange(doc, exchange)
    for p in problems[:200]:
        print("MISMATCH", p)
    print(f"{checked} answers from {len(files)} test processes checked against {argv[2]}: "
          f"{len(operations)} (operation, status) pairs seen, {len(problems)} mismatches")
    if checked == 0:
        print("nothing was recorded: did the e2e tests run with ACCORD_HTTP_EXCHANGES?")
        return 1
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
