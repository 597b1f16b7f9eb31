"""Independent verifier for stateless dynamic client registration (per-host key, HS256 JWS client_id, HMAC secret)."""
import base64
import hashlib
import hmac
import json
import re

ALGORITHMS = {"StatelessDcr"}
_B64URL = re.compile(r"^[A-Za-z0-9_-]*$")


class Fail(Exception):
    """Verification failed with the stated reason code."""


def _b64url(seg):
    if not _B64URL.match(seg) or len(seg) % 4 == 1:
        raise Fail("malformed-client-id")
    return base64.urlsafe_b64decode(seg + "=" * (-len(seg) % 4))


def _json(raw):
    try:
        obj = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise Fail("malformed-client-id")
    if not isinstance(obj, dict):
        raise Fail("malformed-client-id")
    return obj


def verify(group, t):
    """Returns (per_host_key, header bytes, payload bytes, expected secret hex); raises Fail."""
    per_host = hmac.new(group["registrationKey"].encode(), group["host"].encode(), hashlib.sha256).digest()
    sig_key = per_host if group["signingKey"] == "perHostKey" else group["registrationKey"].encode()
    parts = t["clientId"].split(".")
    if len(parts) != 3:
        raise Fail("malformed-client-id")
    header, payload, sig = (_b64url(x) for x in parts)
    if _json(header).get("alg") != "HS256":
        raise Fail("alg-not-allowed")
    signing_input = f"{parts[0]}.{parts[1]}".encode("ascii")
    if not hmac.compare_digest(hmac.new(sig_key, signing_input, hashlib.sha256).digest(), sig):
        raise Fail("bad-signature")
    claims = _json(payload)
    if "exp" in claims and "now" in t and t["now"] >= claims["exp"]:
        raise Fail("expired")
    want = hmac.new(per_host, t["clientId"].encode("ascii"), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(want.encode(), t["clientSecret"].encode()):
        raise Fail("wrong-secret")
    return per_host, header, payload, want


def check(group, t):
    """Valid: every value recomputes. Invalid: verification fails for the stated reason. Acceptable: either,
    but an accepted client_id must recompute like a valid one."""
    try:
        per_host, header, payload, _ = verify(group, t)
        outcome = None
    except Fail as e:
        outcome = str(e)
    if t["result"] == "invalid":
        return [] if outcome == t["error"] else [f"expected failure {t['error']!r}, got {outcome!r}"]
    if t["result"] == "acceptable" and outcome is not None:
        return []  # rejecting conforms; accepting must give exactly the stated values (below)
    if outcome is not None:
        return [f"valid client_id failed: {outcome}"]
    errs = []
    if per_host.hex() != t["perHostKey"]:
        errs.append(f"perHostKey: computed {per_host.hex()}")
    if header.decode("utf-8") != t["header"] or payload.decode("utf-8") != t["payload"]:
        errs.append("header/payload do not match the client_id segments")
    return errs
