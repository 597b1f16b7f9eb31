#!/usr/bin/env python3
"""Independent checker for gatecheck's vector files (Python 3.11 standard library only).

Usage: python3 vectors/check.py [FILE.json ...]   (default: every *.json in this directory but schema.json)
Validates structure, recomputes every expected output from the inputs, and checks that every invalid
vector fails for the stated reason. Prints `N passed, N failed` and exits 1 on any failure.
"""
import glob
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from checker import dcr, ht, invite, prep, scram, ssdp, xep0082  # noqa: E402
from checker.structure import check_structure  # noqa: E402

FAMILIES = [scram, ht, ssdp, dcr, prep, xep0082, invite]


def family_for(algorithm):
    for fam in FAMILIES:
        if algorithm in fam.ALGORITHMS:
            return fam
    return None


def check_file(path):
    """Returns (passed, failures): one failure string per failing test or per file-level problem."""
    name = os.path.basename(path)
    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
    except (OSError, ValueError) as e:
        return 0, [f"{name}: cannot load: {e}"]
    problems = check_structure(doc)
    if problems:
        return 0, [f"{name}: {p}" for p in problems]
    fam = family_for(doc["algorithm"])
    if fam is None:
        return 0, [f"{name}: no checker for algorithm {doc['algorithm']!r}"]
    passed, failures = 0, []
    for group in doc["testGroups"]:
        for t in group["tests"]:
            try:
                errs = fam.check(group, t)
            except (KeyError, IndexError, TypeError, ValueError) as e:
                errs = [f"checker could not evaluate the test: {type(e).__name__}: {e}"]
            if errs:
                failures.append(f"{name} tcId {t['tcId']} ({t['comment']}): {'; '.join(errs)}")
            else:
                passed += 1
    return passed, failures


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    paths = argv or sorted(p for p in glob.glob(os.path.join(here, "*.json")) if not p.endswith("schema.json"))
    total_pass, total_fail = 0, []
    for p in paths:
        n, fails = check_file(p)
        total_pass += n
        total_fail += fails
    for f in total_fail:
        print("FAIL", f)
    print(f"{total_pass} passed, {len(total_fail)} failed")
    return 1 if total_fail or not paths else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
