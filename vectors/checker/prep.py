"""Checks SASLprep / Nodeprep vectors by running the profiles in stringprep_profiles."""
from .stringprep_profiles import PrepError, nodeprep, saslprep

ALGORITHMS = {"SASLprep", "Nodeprep"}


def check(group, t):
    """Valid: output matches exactly. Invalid: preparation fails with the stated reason.
    Acceptable: the test lists `acceptableOutputs` (spec-ambiguous mappings); preparation must succeed
    with one of exactly those outputs."""
    alternatives = t.get("acceptableOutputs")
    if (alternatives is not None) != (t["result"] == "acceptable"):
        return ["acceptableOutputs is required on, and only allowed on, acceptable tests"]
    fn = saslprep if group["profile"] == "SASLprep" else nodeprep
    try:
        out, reason = fn(t["input"], stored=group["stringType"] == "stored"), None
    except PrepError as e:
        out, reason = None, e.reason
    if alternatives is not None:
        if not (isinstance(alternatives, list) and len(alternatives) >= 2 and len(set(alternatives)) == len(alternatives)):
            return ["acceptableOutputs must list at least two distinct outputs"]
        if reason is not None:
            return [f"preparation failed: {reason}, expected one of {alternatives!r}"]
        return [] if out in alternatives else [f"output: computed {out!r}, not one of {alternatives!r}"]
    if t["result"] == "valid":
        if reason is not None:
            return [f"preparation failed: {reason}"]
        return [] if out == t["output"] else [f"output: computed {out!r}"]
    return [] if reason == t["error"] else [f"expected failure {t['error']!r}, got {reason!r} (output {out!r})"]
