#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# render-schema.sh - every JSON rendering in tests/expected (the files
# test-render compares cdl_render_json's output with) must validate against
# the snapshot contract, tests/expected/snapshot.schema.json (a copy of
# shared/contract/snapshot.schema.json).  Needs python3-jsonschema.
. "$TESTS_SRCDIR/lib.sh"

command -v python3 >/dev/null || skip "python3 not installed"
python3 -c 'import jsonschema' 2>/dev/null || skip "python3-jsonschema not installed"

schema=$TESTS_SRCDIR/expected/snapshot.schema.json
files=("$TESTS_SRCDIR"/expected/render-*.json)
[ -e "${files[0]}" ] || fail "no rendered JSON in $TESTS_SRCDIR/expected"

python3 - "$schema" "${files[@]}" <<'PY' || fail "JSON does not match the contract"
import json, sys
import jsonschema

with open(sys.argv[1]) as f:
    schema = json.load(f)
cls = jsonschema.validators.validator_for(schema)
cls.check_schema(schema)
validator = cls(schema, format_checker=jsonschema.FormatChecker())
bad = 0
for path in sys.argv[2:]:
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    for e in errors:
        print("%s: %s: %s" % (path, "/".join(map(str, e.path)) or "(root)", e.message))
        bad += 1
    if not errors:
        print("# valid: %s" % path)
# the validator must notice a broken document
broken = dict(doc)
del broken["pid"]
broken["threads"] = [{"tid": 0}]
if not list(validator.iter_errors(broken)):
    print("the validator accepts a document without pid")
    bad += 1
sys.exit(1 if bad else 0)
PY
exit 0
