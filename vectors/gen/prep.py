"""Writes saslprep.json and nodeprep.json. Expected outputs are written by hand from RFC 4013 / RFC 3454 / RFC 6122;
this generator computes nothing (the checker computes with Python's stringprep tables)."""
from common import FileBuilder

NOTES = {
    "Rfc4013Example": "RFC 4013 section 3 example (also digest section 3.3.6).",
    "MapToNothing": "Characters of RFC 3454 table B.1 (e.g. soft hyphen, zero-width joiner) are removed.",
    "SpaceMapping": "Non-ASCII space (table C.1.2) is mapped to U+0020 (SASLprep only).",
    "CaseFold": "Table B.2 case folding (Nodeprep only; SASLprep does not fold case).",
    "Nfkc": "Unicode 3.2 NFKC normalisation changes the string.",
    "Unchanged": "Already in normal form: output equals input.",
    "Prohibited": "Output contains a prohibited code point. Invalid by RFC 3454 section 5 (prohibited output MUST NOT appear) with the profile's tables: RFC 4013 section 2.3 for SASLprep (C.1.2, C.2.1, C.2.2, C.3-C.9) and RFC 6122 appendix A.5 for Nodeprep (C.1.1, C.1.2, C.2.1, C.2.2, C.3-C.9 plus \" & ' / : < > @).",
    "Bidi": "RFC 3454 section 6 bidi rule violated (RandALCat mixed with LCat, or a RandALCat string that does not start and end with RandALCat). Invalid by RFC 3454 section 6 (such strings MUST be rejected), applied by RFC 4013 section 2.4 (SASLprep) and RFC 6122 appendix A.6 (Nodeprep).",
    "BidiOk": "RTL string that satisfies the bidi rule.",
    "Unassigned": "Code point unassigned in Unicode 3.2 (table A.1). Invalid for stored strings by RFC 3454 section 7 (stored strings MUST NOT contain unassigned code points), applied by RFC 4013 section 2.5 and RFC 6122 appendix A.2 (Nodeprep's repertoire is Unicode 3.2 with table A.1 as its unassigned code points); allowed in queries.",
    "EmptyOutput": "Nodeprep output is empty. Invalid by RFC 6122 section 2.3 (a localpart MUST NOT be zero bytes; if present after preparation it is one or more characters).",
    "ZeroWidthSpaceOverlap": "U+200B is in both RFC 3454 table B.1 (map to nothing) and table C.1.2 (which RFC 4013"
    " section 2.1 maps to SPACE); RFC 4013 section 2.1 gives no precedence between its two mapping rules and the"
    " erratum later cited against it (Err1812, per RFC 8265) corrects section 2.3 only, so both outputs in acceptableOutputs conform (stringprep crate and libidn apply C.1.2 first and give"
    " \"pass word\"; Python's stringprep-based implementations apply B.1 first and give \"password\"). Rejecting"
    " the input does not conform.",
}

SASL = [
    ("I\u00adX", "IX", ["Rfc4013Example", "MapToNothing"]),
    ("user", "user", ["Rfc4013Example", "Unchanged"]),
    ("USER", "USER", ["Rfc4013Example", "Unchanged"]),
    ("\u00aa", "a", ["Rfc4013Example", "Nfkc"]),
    ("\u2168", "IX", ["Rfc4013Example", "Nfkc"]),
    ("\u0007", None, ["Rfc4013Example", "Prohibited"], "prohibited"),
    ("\u0627\u0031", None, ["Rfc4013Example", "Bidi"], "bidi"),
    ("pass\u200bword", ["pass word", "password"], ["MapToNothing", "SpaceMapping", "ZeroWidthSpaceOverlap"]),
    ("a\u00a0b", "a b", ["SpaceMapping"]),
    ("a\u3000b", "a b", ["SpaceMapping"]),
    ("\ufb01x", "fix", ["Nfkc"]),
    ("\uff21\uff22", "AB", ["Nfkc"]),
    ("e\u0301", "\u00e9", ["Nfkc"]),
    ("\u0627\u0031\u0628", "\u0627\u0031\u0628", ["BidiOk"]),
    ("\u0627a\u0628", None, ["Bidi"], "bidi"),
    ("\ue000", None, ["Prohibited"], "prohibited"),
    ("a\u0085b", None, ["Prohibited"], "prohibited"),
    ("\ufffd", None, ["Prohibited"], "prohibited"),
    ("x\u0000y", None, ["Prohibited"], "prohibited"),
    ("\u0221", None, ["Unassigned"], "unassigned"),
]
SASL_QUERY = [("\u0221", "\u0221", ["Unassigned"]), ("I\u00adX", "IX", ["MapToNothing"])]

NODE = [
    ("juliet", "juliet", ["Unchanged"]),
    ("Juliet", "juliet", ["CaseFold"]),
    ("stra\u00dfe", "strasse", ["CaseFold"]),
    ("\u03a3\u03b1", "\u03c3\u03b1", ["CaseFold"]),
    ("\u2168", "ix", ["Nfkc", "CaseFold"]),
    ("\uff2a", "j", ["Nfkc", "CaseFold"]),
    ("ro\u00admeo", "romeo", ["MapToNothing"]),
    ("a@b", None, ["Prohibited"], "prohibited"),
    ("a b", None, ["Prohibited"], "prohibited"),
    ("o'brien", None, ["Prohibited"], "prohibited"),
    ("a/b", None, ["Prohibited"], "prohibited"),
    ("a\u00a0b", None, ["Prohibited"], "prohibited"),
    ("\u0627\u0031", None, ["Bidi"], "bidi"),
    ("\u0221", None, ["Unassigned"], "unassigned"),
    ("\u00ad", None, ["MapToNothing", "EmptyOutput"], "empty"),
]
NODE_QUERY = [("\u0221", "\u0221", ["Unassigned"])]


def write(alg, name, stored, query, sources):
    fb = FileBuilder(alg, sources, NOTES)
    for stype, rows in (("stored", stored), ("query", query)):
        g = fb.group(type="Stringprep", profile=alg, stringType=stype)
        for row in rows:
            inp, out, flags = row[:3]
            label = " ".join(f"U+{ord(c):04X}" for c in inp)
            if out is None:
                fb.add(g, label, "invalid", flags, input=inp, error=row[3])
            elif isinstance(out, list):
                fb.add(g, label, "acceptable", flags, input=inp, acceptableOutputs=out)
            else:
                fb.add(g, label, "valid", flags, input=inp, output=out)
    fb.write(name)


if __name__ == "__main__":
    write("SASLprep", "saslprep.json", SASL, SASL_QUERY, ["RFC 4013 sections 2, 3", "RFC 3454 tables and section 6"])
    write("Nodeprep", "nodeprep.json", NODE, NODE_QUERY,
          ["RFC 6122 appendix A (Nodeprep)", "RFC 3454 tables and section 6"])
