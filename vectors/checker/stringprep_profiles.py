"""SASLprep (RFC 4013) and Nodeprep (RFC 6122 appendix A) on top of Python's RFC 3454 tables.

Python's `stringprep` tables are Unicode 3.2, as RFC 3454 requires, so NFKC also uses the 3.2 database.
"""
import stringprep
import unicodedata

_UCD = unicodedata.ucd_3_2_0


class PrepError(Exception):
    """Raised with a reason code: 'prohibited', 'bidi', 'unassigned' or 'empty'."""

    def __init__(self, reason, detail=""):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason


def _bidi(s):
    rand = [stringprep.in_table_d1(c) for c in s]
    if any(rand):
        if any(stringprep.in_table_d2(c) for c in s):
            raise PrepError("bidi", "RandALCat and LCat mixed")
        if not (rand[0] and rand[-1]):
            raise PrepError("bidi", "RandALCat string must start and end with RandALCat")


def _check(s, prohibited, stored):
    for c in s:
        for table in prohibited:
            if table(c):
                raise PrepError("prohibited", f"U+{ord(c):04X}")
        if stored and stringprep.in_table_a1(c):
            raise PrepError("unassigned", f"U+{ord(c):04X}")
    _bidi(s)


_SASL_PROHIBITED = [
    stringprep.in_table_c12, stringprep.in_table_c21, stringprep.in_table_c22, stringprep.in_table_c3,
    stringprep.in_table_c4, stringprep.in_table_c5, stringprep.in_table_c6, stringprep.in_table_c7,
    stringprep.in_table_c8, stringprep.in_table_c9,
]


def saslprep(s, stored=True):
    """RFC 4013: map (C.1.2 -> space, B.1 -> nothing), NFKC, prohibit, bidi, unassigned (stored only)."""
    mapped = "".join(" " if stringprep.in_table_c12(c) else c for c in s if not stringprep.in_table_b1(c))
    out = _UCD.normalize("NFKC", mapped)
    _check(out, _SASL_PROHIBITED, stored)
    return out


_NODE_EXTRA = set("\"&'/:<>@")
_NODE_PROHIBITED = [stringprep.in_table_c11] + _SASL_PROHIBITED + [lambda c: c in _NODE_EXTRA]


def nodeprep(s, stored=True):
    """RFC 6122 appendix A: map B.1 -> nothing and B.2 case folding, NFKC, prohibit, bidi, unassigned."""
    mapped = "".join(stringprep.map_table_b2(c) for c in s if not stringprep.in_table_b1(c))
    out = _UCD.normalize("NFKC", mapped)
    _check(out, _NODE_PROHIBITED, stored)
    if not out:
        raise PrepError("empty", "nodeprep output is empty")
    return out
