"""Independent HT-* verifier (draft-schmaus-kitten-sasl-ht-09, draft-ietf-kitten-sasl-ht-00 / -01)."""
import base64
import hashlib
import hmac
import re

ALGORITHMS = {"HT"}
_HASH = {"SHA-256": hashlib.sha256, "SHA-512": hashlib.sha512, "SHA3-256": hashlib.sha3_256}
_KV = re.compile(r"^([A-Za-z0-9/+_-]+=[A-Za-z0-9/+_-]+(,[A-Za-z0-9/+_-]+=[A-Za-z0-9/+_-]+)*)?$")


class Fail(Exception):
    """Verification failed with a SASL condition (server side) or 'responder-mismatch' (client side)."""


def _mac(hfn, token, label, cb, extra):
    return hmac.new(token.encode("utf-8"), label + cb + extra, hfn).digest()


def replay(group, t):
    """Returns (initiator MAC, responder MAC) as verified; raises Fail on any failure."""
    hfn = _HASH[group["hash"]]
    size = hfn().digest_size
    mech = t["mechanism"]
    if not mech.startswith(f"HT-{group['hash']}-"):
        raise Fail("malformed-request")
    cb = bytes.fromhex(t["cbData"])
    if mech.endswith("-ENDP"):
        # RFC 5929 section 4: the test certificate is signed with ecdsa-with-SHA256, so the hash is SHA-256.
        if hashlib.sha256(base64.b64decode(t["certificateDer"])).digest() != cb:
            raise Fail("cbData is not SHA-256 of certificateDer")
    elif mech.endswith("-NONE") and cb:
        raise Fail("NONE requires empty cbData")
    msg = base64.b64decode(t["initiatorMessage"], validate=True)
    authcid, sep, rest = msg.partition(b"\0")
    if not sep or not authcid:
        raise Fail("malformed-request")
    try:
        if authcid.decode("utf-8") != t["authcid"]:
            raise Fail("malformed-request")
    except UnicodeDecodeError:
        raise Fail("malformed-request")
    xi = b""
    if group["draft"] == "ietf-01":
        xi, sep, rest = rest.partition(b"\0")
        if not sep or not _KV.match(xi.decode("ascii", "replace")):
            raise Fail("malformed-request")
    if len(rest) != size:
        raise Fail("malformed-request")
    want_i = _mac(hfn, t["token"], b"Initiator", cb, xi)
    if not hmac.compare_digest(rest, want_i):
        raise Fail("not-authorized")
    xr = t.get("extraResponder", "").encode()
    want_r = _mac(hfn, t["token"], b"Responder", cb, xr)
    expected = {"schmaus-09": want_r, "ietf-00": b"\0" + want_r,
                "ietf-01": b"\0" + xr + b"\0" + want_r}[group["draft"]]
    if "responderMessage" in t:
        got = base64.b64decode(t["responderMessage"], validate=True)
        if not hmac.compare_digest(got, expected):
            raise Fail("responder-mismatch")
    return want_i, want_r


def check(group, t):
    """Returns a list of failure messages for one test (empty = passed)."""
    try:
        im, rm = replay(group, t)
        outcome = None
    except Fail as e:
        outcome = str(e)
    if t["result"] == "valid":
        if outcome is not None:
            return [f"valid exchange failed: {outcome}"]
        errs = []
        if im.hex() != t["initiatorHmac"]:
            errs.append(f"initiatorHmac: computed {im.hex()}")
        if rm.hex() != t["responderHmac"]:
            errs.append(f"responderHmac: computed {rm.hex()}")
        return errs
    if outcome != t["error"]:
        return [f"expected failure {t['error']!r}, got {outcome!r}"]
    return []
