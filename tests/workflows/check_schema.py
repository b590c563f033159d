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
bilingual = {**minimal, "title": {"en": "Legal review", "ar": "المراجعة القانونية"},
             "events": {"go": {"title": {"en": "Go", "ar": "متابعة"}}},
             "states": {"a": {"task": {"role": "legal", "title": {"en": "Review {{name}}", "ar": "مراجعة {{name}}"},
                                       "fields": {"note": {"type": "string", "title": {"en": "Note", "ar": "ملاحظة"},
                                                           "help": {"en": "Why", "ar": "السبب"}, "optional": True}},
                                       "outcomes": ["ok"], "labels": {"ok": {"en": "Approve", "ar": "موافقة"}}},
                              "on": {"ok": "b", "go": "b"}}, "b": {"final": "d"}}}
for error in validator.iter_errors(bilingual):
    failures.append(f"the schema refuses a bilingual definition: {error.message}")
bad = {
    "unknown top-level key": {**minimal, "statse": {}},
    "state of mixed kinds": {**minimal, "states": {"a": {"final": "x", "on": {"go": "a"}}}},
    "bad duration": {**minimal, "states": {"a": {"timers": [{"after": "10 days", "event": "go"}], "on": {"go": "b"}}, "b": {"final": "d"}}},
    "task without outcomes": {**minimal, "states": {"a": {"task": {"role": "legal", "title": "t"}, "on": {"go": "b"}}, "b": {"final": "d"}}},
    "version zero": {**minimal, "version": 0},
    "a title in no language": {**minimal, "title": {"english": "t"}},
    "an empty title object": {**minimal, "title": {}},
    "a label that is no text": {**minimal, "states": {"a": {"task": {"role": "legal", "title": "t", "outcomes": ["ok"], "labels": {"ok": 1}}, "on": {"ok": "b"}}, "b": {"final": "d"}}},
}
for name, doc in bad.items():
    if not list(validator.iter_errors(doc)):
        failures.append(f"the schema accepts a definition with {name}")

for f in failures:
    print(f)
print(f"{len(workflows)} workflows checked against the schema, {len(failures)} problem(s)")
sys.exit(1 if failures else 0)
