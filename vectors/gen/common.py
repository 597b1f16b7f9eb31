"""Shared helpers for the vector generators (NOT used by the checker)."""
import json
import os

OUT_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class FileBuilder:
    """Collects groups and tests, numbers tcIds and writes one vector file."""

    def __init__(self, algorithm, source, notes):
        self.doc = {
            "algorithm": algorithm,
            "schemaVersion": "2",
            "source": source,
            "notes": notes,
            "numberOfTests": 0,
            "testGroups": [],
        }
        self.next_id = 1

    def group(self, **params):
        g = dict(params)
        g["tests"] = []
        self.doc["testGroups"].append(g)
        return g

    def add(self, group, comment, result, flags, **fields):
        for f in flags:
            if f not in self.doc["notes"]:
                raise KeyError(f"flag {f} not declared")
        t = {"tcId": self.next_id, "comment": comment}
        t.update(fields)
        t["result"] = result
        t["flags"] = list(flags)
        group["tests"].append(t)
        self.next_id += 1
        self.doc["numberOfTests"] += 1
        return t

    def write(self, name):
        n = 0
        for g in self.doc["testGroups"]:
            for t in g["tests"]:
                n += 1
                t["tcId"] = n
        path = os.path.join(OUT_DIR, name)
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(self.doc, fh, indent=2, ensure_ascii=False)
            fh.write("\n")
        print(f"wrote {path}: {self.doc['numberOfTests']} tests")
