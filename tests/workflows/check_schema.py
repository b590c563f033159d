#!/usr/bin/python3
"""workflows/schema.json is a valid JSON Schema, every shipped workflow matches it, and
documents the language refuses are refused by the schema too (so editors flag them)."""
import json
import pathlib
import sys

import jsonschema

root = pathlib.Path(sys.argv[1])
schema = json.loads((root / "workflows/schema.json").read_text())
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)

failures = []
workflows = sorted(p for p in (root / "workflows").glob("*.json") if p.name != "schema.json")
for path in workflows:
    for error in validator.iter_errors(json.loads(path.read_text())):
        failures.append(f"{path.name}: {'/'.join(map(str, error.absolute_path))}: {error.message}")

minimal = {"workflow": "w", "version": 1, "title": "t", "start": "a",
           "states": {"a": {"on": {"go": "b"}}, "b": {"final": "done"}}}
if list(validator.iter_errors(minimal)):
    failures.append("the minimal definition is refused by the schema")
bad = {
    "unknown top-level key": {**minimal, "statse": {}},
    "state of mixed kinds": {**minimal, "states": {"a": {"final": "x", "on": {"go": "a"}}}},
    "bad duration": {**minimal, "states": {"a": {"timers": [{"after": "10 days", "event": "go"}], "on": {"go": "b"}}, "b": {"final": "d"}}},
    "task without outcomes": {**minimal, "states": {"a": {"task": {"role": "legal", "title": "t"}, "on": {"go": "b"}}, "b": {"final": "d"}}},
    "version zero": {**minimal, "version": 0},
}
for name, doc in bad.items():
    if not list(validator.iter_errors(doc)):
        failures.append(f"the schema accepts a definition with {name}")

for f in failures:
    print(f)
print(f"{len(workflows)} workflows checked against the schema, {len(failures)} problem(s)")
sys.exit(1 if failures else 0)
