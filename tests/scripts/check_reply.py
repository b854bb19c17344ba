#!/usr/bin/env python3
"""usage: check_reply.py SCHEMA OUTPUT [EXIT_STATUS]

Checks that OUTPUT (a file holding what swdflash --json printed) is one JSON
object on one line that validates against SCHEMA (docs/swdflash.schema.json),
and, given the exit status, that its "ok" is true exactly when it is 0.
Prints "good", or what is wrong.
"""
import json
import sys

import jsonschema


def problem(schema_path, output_path, status):
    with open(output_path, encoding="utf-8") as f:
        text = f.read()
    try:
        reply = json.loads(text)
    except ValueError as e:
        return "stdout is not one JSON document (%s): %r" % (e, text[:300])
    if text.count("\n") != 1 or not text.endswith("\n"):
        return "not one line: %r" % text[:300]
    with open(schema_path, encoding="utf-8") as f:
        schema = json.load(f)
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = sorted(validator.iter_errors(reply), key=lambda e: list(e.absolute_path))
    if errors:
        e = errors[0]
        where = "/".join(str(p) for p in e.absolute_path) or "(top)"
        return "does not follow the schema at %s: %s (%d error%s): %r" % (
            where, e.message[:300], len(errors), "" if len(errors) == 1 else "s", text[:300])
    if status is not None and reply["ok"] != (status == 0):
        return "ok is %s with exit status %d" % (reply["ok"], status)
    return None


def main():
    if len(sys.argv) not in (3, 4):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    status = int(sys.argv[3]) if len(sys.argv) == 4 else None
    print(problem(sys.argv[1], sys.argv[2], status) or "good")
    return 0


if __name__ == "__main__":
    sys.exit(main())
