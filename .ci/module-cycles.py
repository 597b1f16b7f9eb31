#!/usr/bin/env python3
"""Prints import cycles between the modules of a crate's src/ directory (outside #[cfg(test)]).

Usage: .ci/module-cycles.py DIR [DIR...]   e.g. conformance/src client/src reference-server/src
A module is a file (foo.rs or foo/mod.rs -> `foo`, a/b.rs -> `a::b`); an edge A -> B is a
`crate::B...` path in A. Test-only code (from `#[cfg(test)]` to the end of the file, and files
named *tests.rs) is ignored. Exits 1 when a strongly connected component has more than one module.
"""
import pathlib
import re
import sys


def module_name(src: pathlib.Path, f: pathlib.Path) -> str:
    parts = list(f.relative_to(src).with_suffix("").parts)
    if parts[-1] in ("mod", "lib", "main"):
        parts.pop()
    return "::".join(parts) or "crate"


def graph(src: pathlib.Path):
    files = [f for f in src.rglob("*.rs") if not f.name.endswith("tests.rs")]
    mods = {module_name(src, f): f for f in files}
    edges = {m: set() for m in mods}
    for m, f in mods.items():
        text = f.read_text()
        cut = text.find("#[cfg(test)]")
        if cut >= 0:
            text = text[:cut]
        # Doc links and comments name modules without depending on them.
        text = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("//"))
        for path in re.findall(r"crate::((?:[a-z_][a-z0-9_]*::)*[a-z_][a-z0-9_]*)", text):
            segs = path.split("::")
            # The longest prefix that names a module is the target.
            for n in range(len(segs), 0, -1):
                target = "::".join(segs[:n])
                if target in mods:
                    if target != m and not m.startswith(target + "::") and not target.startswith(m + "::"):
                        edges[m].add(target)
                    break
    return edges


def sccs(edges):
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            out.append(comp)

    sys.setrecursionlimit(10000)
    for v in edges:
        if v not in index:
            visit(v)
    return out


def main():
    bad = 0
    for d in sys.argv[1:] or ["conformance/src", "client/src"]:
        cycles = [c for c in sccs(graph(pathlib.Path(d))) if len(c) > 1]
        for c in cycles:
            print(f"{d}: cycle: {' <-> '.join(sorted(c))}")
        if not cycles:
            print(f"{d}: no cycles")
        bad += len(cycles)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
