#!/usr/bin/env python3
"""Reads `cargo build --message-format=json` (the file named first) and
`cargo test --no-run --message-format=json` (the second), and names every
crate both build that the tests build with other features: cargo compiles it
a second time, and every crate above it. Crates only the tests use are new,
not rebuilt, and are left alone. Exits 1 when there is one."""
import json
import sys


def units(path):
    seen = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.startswith("{"):
                continue
            msg = json.loads(line)
            if msg.get("reason") != "compiler-artifact":
                continue
            kinds = ",".join(msg["target"]["kind"])
            if kinds in ("test", "bench", "bin", "example"):
                continue
            key = (msg["package_id"], kinds)
            seen.setdefault(key, set()).add(",".join(sorted(msg["features"])))
    return seen


built, tested = units(sys.argv[1]), units(sys.argv[2])
changed = []
for key, features in sorted(tested.items()):
    if key not in built:
        continue
    for extra in sorted(features - built[key]):
        name = key[0].rsplit("#", 1)[-1]
        had = " | ".join(sorted(built[key]))
        changed.append(f"  {name} ({key[1]}): tests [{extra}], build [{had}]")
if changed:
    print("error: the tests build these crates with other features than `cargo build`,", file=sys.stderr)
    print("so they and every crate above them compile twice:", file=sys.stderr)
    print("\n".join(changed), file=sys.stderr)
    print("turn the tests' features on in [dependencies] too (see `either` in Cargo.toml)", file=sys.stderr)
    sys.exit(1)
