"""Independent SCRAM verifier: replays the four messages as a server and a client would (RFC 5802, 7677, XEP-0474)."""
import base64
import binascii
import hashlib
import hmac
import re

from .stringprep_profiles import PrepError, saslprep

ALGORITHMS = {"SCRAM-SHA-1", "SCRAM-SHA-256", "SCRAM-SHA-512"}
_HASH = {"SHA-1": hashlib.sha1, "SHA-256": hashlib.sha256, "SHA-512": hashlib.sha512}
_ATTR = re.compile(r"^[A-Za-z]=.+$", re.S)
_CB_NAME = re.compile(r"^[A-Za-z0-9.-]+$")
_POSIT = re.compile(r"^[1-9][0-9]*$")
_PRINTABLE = re.compile(r"^[\x21-\x2b\x2d-\x7e]+$")


class Fail(Exception):
    """Verification stopped with an RFC 5802 server-error-value or a checker reason code."""


def _b64(s):
    try:
        raw = base64.b64decode(s, validate=True)
    except (binascii.Error, ValueError):
        raise Fail("invalid-encoding")
    if base64.b64encode(raw).decode() != s:
        raise Fail("invalid-encoding")
    return raw


def _attrs(msg):
    parts = msg.split(",")
    for p in parts:
        if not _ATTR.match(p):
            raise Fail("invalid-encoding")
    return [(p[0], p[2:]) for p in parts]


def _hi(hfn, password, salt, rounds):
    u = hmac.new(password, salt + b"\x00\x00\x00\x01", hfn).digest()
    acc = int.from_bytes(u, "big")
    for _ in range(rounds - 1):
        u = hmac.new(password, u, hfn).digest()
        acc ^= int.from_bytes(u, "big")
    return acc.to_bytes(len(u), "big")


def _ssdp(hfn, mechs, cbtypes):
    data = bytes([0x1E]).join(sorted(m.encode("utf-8") for m in mechs))
    if cbtypes:
        data += b"\x1f" + bytes([0x1E]).join(sorted(c.encode("utf-8") for c in cbtypes))
    return base64.b64encode(hfn(data).digest()).decode()


def replay(group, t, policy=True):
    """Returns the computed intermediates dict; raises Fail(reason) when the exchange must fail.

    `policy=False` drops gatecheck's choices where the RFCs are silent (the group's iteration floor, a
    GS2 flag that disagrees with the mechanism name) and keeps only what the RFCs require.
    """
    hfn = _HASH[group["hash"]]
    server_cb = t.get("serverCbTypes", [])
    # client-first: gs2-header then bare message
    pieces = t["clientFirst"].split(",", 2)
    if len(pieces) != 3:
        raise Fail("invalid-encoding")
    flag, authz, bare = pieces
    if not (flag in ("n", "y") or (flag.startswith("p=") and _CB_NAME.match(flag[2:]))):
        raise Fail("invalid-encoding")
    if authz and not authz.startswith("a="):
        raise Fail("invalid-encoding")
    gs2 = f"{flag},{authz},"
    if policy and t["mechanism"].endswith("-PLUS") != flag.startswith("p="):
        raise Fail("invalid-encoding")
    attrs = _attrs(bare)
    if attrs[0][0] == "m":
        raise Fail("extensions-not-supported")
    if len(attrs) < 2 or attrs[0][0] != "n" or attrs[1][0] != "r":
        raise Fail("invalid-encoding")
    user = attrs[0][1]
    if re.search(r"=(?!2C|3D)", user):
        raise Fail("invalid-username-encoding")
    cnonce = attrs[1][1]
    if not _PRINTABLE.match(cnonce):
        raise Fail("invalid-encoding")
    if flag == "y" and server_cb:
        raise Fail("server-does-support-channel-binding")
    if flag.startswith("p=") and flag[2:] not in server_cb:
        raise Fail("unsupported-channel-binding-type")
    # server-first
    sattrs = _attrs(t["serverFirst"])
    if sattrs[0][0] == "m":
        raise Fail("extensions-not-supported")
    if [a for a, _ in sattrs[:3]] != ["r", "s", "i"]:
        raise Fail("invalid-encoding")
    nonce = sattrs[0][1]
    if not nonce.startswith(cnonce) or len(nonce) == len(cnonce):
        raise Fail("nonce-mismatch")
    salt = _b64(sattrs[1][1])
    if not _POSIT.match(sattrs[2][1]):
        raise Fail("invalid-encoding")
    rounds = int(sattrs[2][1])
    if policy and rounds < group["minIterations"]:
        raise Fail("iteration-count-too-low")
    if "ssdp" in t:
        seen = [v for a, v in sattrs[3:] if a == "h"]
        want = _ssdp(hfn, t["ssdp"]["mechanisms"], t["ssdp"]["cbTypes"])
        if seen != [want]:
            raise Fail("downgrade-detected")
    # client-final
    fattrs = _attrs(t["clientFinal"])
    if len(fattrs) < 3 or fattrs[0][0] != "c" or fattrs[1][0] != "r" or fattrs[-1][0] != "p":
        raise Fail("invalid-encoding")
    cbind = _b64(fattrs[0][1])
    expected_cb = gs2.encode() + (bytes.fromhex(t["cbData"]) if flag.startswith("p=") else b"")
    if not hmac.compare_digest(cbind, expected_cb):
        raise Fail("channel-bindings-dont-match")
    if fattrs[1][1] != nonce:
        raise Fail("nonce-mismatch")
    proof = _b64(fattrs[-1][1])
    if len(proof) != hfn().digest_size:
        raise Fail("invalid-encoding")
    # key derivation
    try:
        pw = saslprep(t["password"]).encode("utf-8")
    except PrepError:
        raise Fail("other-error")
    without_proof = t["clientFinal"][: t["clientFinal"].rindex(",p=")]
    auth = ",".join([bare, t["serverFirst"], without_proof]).encode("utf-8")
    salted = _hi(hfn, pw, salt, rounds)
    client_key = hmac.new(salted, b"Client Key", hfn).digest()
    stored_key = hfn(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", hfn).digest()
    client_sig = hmac.new(stored_key, auth, hfn).digest()
    server_sig = hmac.new(server_key, auth, hfn).digest()
    computed = {
        "salt": salt.hex(), "saltedPassword": salted.hex(), "clientKey": client_key.hex(),
        "storedKey": stored_key.hex(), "serverKey": server_key.hex(), "authMessage": auth.decode("utf-8"),
        "clientSignature": client_sig.hex(),
        "clientProof": bytes(x ^ y for x, y in zip(client_key, client_sig)).hex(),
        "serverSignature": server_sig.hex(),
    }
    recovered = bytes(x ^ y for x, y in zip(proof, client_sig))
    if not hmac.compare_digest(hfn(recovered).digest(), stored_key):
        raise Fail("invalid-proof")
    final = _attrs(t["serverFinal"])
    if final[0][0] == "e":
        raise Fail(final[0][1])
    if final[0][0] != "v" or not hmac.compare_digest(_b64(final[0][1]), server_sig):
        raise Fail("server-signature-mismatch")
    return computed


# What each defect flag allows to be inconsistent; every other part of the exchange must be consistent.
DEFECTS = {
    "WrongProof": {"proof", "serverFinal"},
    "WrongServerSignature": {"serverFinal"},
    "ChannelBindingMismatch": {"cbind"},
    "NonceNotExtended": {"nonceExtends"},
    "NonceChanged": {"finalNonce"},
    "SsdpMismatch": {"ssdp"},
    "IterationCountBelowFloor": {"iterations"},
}


def _loose(msg):
    """Attributes of a possibly malformed message: {letter: value}, first occurrence wins."""
    out = {}
    for part in msg.split(","):
        if len(part) >= 2 and part[1] == "=":
            out.setdefault(part[0], part[2:])
    return out


def _loose_b64(s):
    try:
        return base64.b64decode(s, validate=True)
    except (binascii.Error, ValueError):
        return None


def consistency(group, t):
    """Audits a non-valid exchange: returns (names of the checks that fail, names that could not run).

    Reads the messages leniently and recomputes what it can: the c= binding, both nonce rules, the
    iteration floor, h=, the client proof and the server signature over the exchange's own AuthMessage.
    """
    hfn = _HASH[group["hash"]]
    failing, skipped = set(), set()
    # The GS2 header is the longest prefix of client-first ending in ',' that c= starts with.
    fin = t["clientFinal"]
    without_proof = fin[: fin.rindex(",p=")] if ",p=" in fin else fin
    fattrs = _loose(fin)
    cbind = _loose_b64(fattrs.get("c", ""))
    gs2 = None
    if cbind is not None:
        cf = t["clientFirst"].encode("utf-8")
        for i in range(len(cf), 0, -1):
            if cf[i - 1:i] == b"," and cbind.startswith(cf[:i]):
                gs2 = cf[:i].decode("utf-8")
                break
    if gs2 is None:
        return {"cbind"}, {"nonceExtends", "proof", "serverFinal"}
    want_cb = gs2.encode() + (bytes.fromhex(t["cbData"]) if gs2.startswith("p=") else b"")
    if cbind != want_cb:
        failing.add("cbind")
    bare = t["clientFirst"][len(gs2):]
    cnonce = _loose(bare).get("r", "")
    sattrs = _loose(t["serverFirst"])
    snonce = sattrs.get("r", "")
    if not (snonce.startswith(cnonce) and len(snonce) > len(cnonce)):
        failing.add("nonceExtends")
    if fattrs.get("r") != snonce:
        failing.add("finalNonce")
    if "ssdp" in t:
        if sattrs.get("h") != _ssdp(hfn, t["ssdp"]["mechanisms"], t["ssdp"]["cbTypes"]):
            failing.add("ssdp")
    salt = _loose_b64(sattrs.get("s", ""))
    rounds = sattrs.get("i", "")
    if not salt or not _POSIT.match(rounds):
        return failing, {"iterations", "proof", "serverFinal"}
    rounds = int(rounds)
    if rounds < group["minIterations"]:
        failing.add("iterations")
    try:
        pw = saslprep(t["password"]).encode("utf-8")
    except PrepError:
        return failing, {"proof", "serverFinal"}
    auth = ",".join([bare, t["serverFirst"], without_proof]).encode("utf-8")
    salted = _hi(hfn, pw, salt, rounds)
    client_key = hmac.new(salted, b"Client Key", hfn).digest()
    client_sig = hmac.new(hfn(client_key).digest(), auth, hfn).digest()
    proof = _loose_b64(fattrs.get("p", ""))
    if proof is None:
        skipped.add("proof")
    elif proof != bytes(x ^ y for x, y in zip(client_key, client_sig)):
        failing.add("proof")
    server_sig = hmac.new(hmac.new(salted, b"Server Key", hfn).digest(), auth, hfn).digest()
    if t["serverFinal"] != "v=" + base64.b64encode(server_sig).decode():
        failing.add("serverFinal")
    return failing, skipped


def audit(group, t):
    """A non-valid exchange is wrong only where its flags say: returns problems (empty = consistent)."""
    allowed = set().union(*(DEFECTS.get(f, set()) for f in t["flags"]))
    failing, _ = consistency(group, t)
    problems = [f"otherwise inconsistent: {c} does not recompute" for c in sorted(failing - allowed)]
    if allowed and not failing & allowed:
        problems.append(f"the named defect ({', '.join(sorted(allowed))}) is not present")
    return problems


def check(group, t):
    """Returns a list of failure messages for one test (empty = passed)."""
    if t["result"] == "acceptable":
        # Either behaviour conforms; accepting must produce exactly the stated intermediates, so the
        # exchange is replayed with only the RFCs' rules and everything must recompute.
        try:
            computed = replay(group, t, policy=False)
        except Fail as e:
            return [f"acceptable exchange fails even under the RFC rules alone: {e}"]
        errs = [f"{k}: expected {v!r}, computed {computed[k]!r}"
                for k, v in t["intermediates"].items() if computed[k] != v]
        return errs + audit(group, t)
    try:
        computed = replay(group, t)
        outcome = None
    except Fail as e:
        computed, outcome = None, str(e)
    if t["result"] == "valid":
        if outcome is not None:
            return [f"valid exchange failed with {outcome}"]
        return [f"{k}: expected {v!r}, computed {computed[k]!r}"
                for k, v in t["intermediates"].items() if computed[k] != v]
    if outcome != t["error"]:
        return [f"expected failure {t['error']!r}, got {outcome!r}"]
    return audit(group, t)
