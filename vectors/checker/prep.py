"""Checks SASLprep / Nodeprep vectors by running the profiles in stringprep_profiles."""
from .stringprep_profiles import PrepError, nodeprep, saslprep

ALGORITHMS = {"SASLprep", "Nodeprep"}


def check(group, t):
    """Valid: output matches exactly. Invalid: preparation fails with the stated reason."""
    fn = saslprep if group["profile"] == "SASLprep" else nodeprep
    try:
        out, reason = fn(t["input"], stored=group["stringType"] == "stored"), None
    except PrepError as e:
        out, reason = None, e.reason
    if t["result"] == "valid":
        if reason is not None:
            return [f"preparation failed: {reason}"]
        return [] if out == t["output"] else [f"output: computed {out!r}"]
    return [] if reason == t["error"] else [f"expected failure {t['error']!r}, got {reason!r} (output {out!r})"]
