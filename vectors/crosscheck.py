#!/usr/bin/env python3
"""Cross-checks the vectors against independent third-party libraries nobody here wrote.

Usage: python3 vectors/crosscheck.py        (needs `pip install scramp PyJWT`)

- SCRAM files: scramp (https://github.com/tlocke/scramp) replays each exchange as server and as
  client with the vector's nonces, salt and count, and must produce the vector's messages byte for
  byte. A side is only replayed where that is meaningful: the server when scramp's server-first
  equals the vector's (so the proof is over the same AuthMessage), the client when scramp's
  client-first equals the vector's.
- stateless-dcr.json: PyJWT (https://github.com/jpadilla/pyjwt) verifies each client_id as an
  HS256-pinned JWS with the group's signing key, `exp` checked at the vector's `now`.
- Every other family: no independent library is used; the reason is printed.

Per family it prints `agreed / disagreed / not checkable`, one line per disagreement and one per
reason a case is not checkable, and exits 1 if anything disagreed (or a library is missing).
"""
import base64
import datetime
import glob
import hashlib
import hmac
import json
import os
import sys
import warnings
from collections import Counter, defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))

try:
    import scramp
except ImportError:  # pragma: no cover - CI installs it
    scramp = None
try:
    import jwt
except ImportError:  # pragma: no cover
    jwt = None

NO_LIBRARY = {
    "HT": "no independent HT-* implementation exists to check against; check.py already recomputes every HMAC "
          "with Python's hmac module",
    "XEP-0474": "no independent XEP-0474 implementation is packaged; check.py recomputes the hashes with hashlib",
    "SASLprep": "not cross-checked here; check.py uses Python's stringprep tables (RFC 3454), independent of proto",
    "Nodeprep": "not cross-checked here; check.py uses Python's stringprep tables (RFC 3454), independent of proto",
    "XEP-0082": "no library implements XEP-0082's profiles exactly (datetime.fromisoformat accepts other forms)",
    "InviteUri": "no independent parser for XEP-0379/XEP-0401 invitation URIs exists",
}


class Outcome:
    AGREED, DISAGREED, UNCHECKABLE = "agreed", "disagreed", "not checkable"


def _ssdp_in(t):
    return "ssdp" in t or ",h=" in t["serverFirst"]


def _attr(msg, name):
    for part in msg.split(","):
        if part.startswith(name + "="):
            return part[2:]
    return None


def scram_case(t):
    """Returns (outcome, detail)."""
    cb_type = t["cbType"]
    flag = t["clientFirst"].split(",", 1)[0]
    if cb_type == "tls-exporter" or flag == "p=tls-exporter":
        return Outcome.UNCHECKABLE, "scramp has no tls-exporter channel binding (RFC 9266)"
    if _ssdp_in(t):
        return Outcome.UNCHECKABLE, "scramp has no XEP-0474 downgrade protection (h=)"
    server_types = t.get("serverCbTypes", [cb_type] if cb_type else [])
    if server_types and not cb_type and set(server_types) <= {"tls-exporter"}:
        return Outcome.UNCHECKABLE, ("the server's only channel-binding type is tls-exporter, which scramp lacks "
                                     "(its behaviour depends on the server supporting channel binding)")
    cb_data = bytes.fromhex(t["cbData"])
    binding = (cb_type, cb_data) if cb_type else None
    sides, rejected, mismatch = [], [], []

    # --- server side ---
    cnonce = _attr(t["clientFirst"].split(",", 2)[-1], "r") or ""
    snonce_full = _attr(t["serverFirst"], "r") or ""
    salt, iters = _attr(t["serverFirst"], "s"), _attr(t["serverFirst"], "i")
    if snonce_full.startswith(cnonce) and len(snonce_full) > len(cnonce) and salt and iters and iters.isdigit():
        def auth_fn(_username):
            return scramp.ScramMechanism(t["mechanism"]).make_auth_info(
                t["password"], iteration_count=int(iters), salt=base64.b64decode(salt))
        try:
            mech = scramp.ScramMechanism(t["mechanism"])
            srv = mech.make_server(auth_fn, channel_binding=binding, s_nonce=snonce_full[len(cnonce):])
            srv.set_client_first(t["clientFirst"])
            sf = srv.get_server_first()
            if sf == t["serverFirst"]:
                sides.append("server")
                srv.set_client_final(t["clientFinal"])
                out = srv.get_server_final()
                if out != t["serverFinal"]:
                    mismatch.append(f"scramp server-final {out!r}")
        except scramp.ScramException as e:
            sides.append("server")
            rejected.append(f"server: {e}")

    # --- client side ---
    user = _attr(t["clientFirst"].split(",", 2)[-1], "n")
    if user is not None:
        try:
            username = user.replace("=2C", ",").replace("=3D", "=")
            cl = scramp.ScramClient([t["mechanism"]], username, t["password"], channel_binding=binding,
                                    c_nonce=cnonce)
            cf = cl.get_client_first()
            if cf == t["clientFirst"]:
                sides.append("client")
                cl.set_server_first(t["serverFirst"])
                fin = cl.get_client_final()
                if fin != t["clientFinal"]:
                    mismatch.append(f"scramp client-final {fin!r}")
                else:
                    cl.set_server_final(t["serverFinal"])
        except scramp.ScramException as e:
            if "client" in sides:
                rejected.append(f"client: {e}")

    if not sides:
        return Outcome.UNCHECKABLE, ("scramp can neither serve this server-first nor send this client-first "
                                     "(malformed or non-honest message the other side must reject)")
    if t["result"] == "valid":
        if rejected or mismatch:
            return Outcome.DISAGREED, "; ".join(rejected + mismatch)
        return Outcome.AGREED, "+".join(sides)
    if t["result"] == "invalid":
        if rejected or mismatch:
            return Outcome.AGREED, "; ".join(rejected + mismatch)
        return Outcome.DISAGREED, f"scramp accepted ({'+'.join(sides)})"
    # acceptable: either, but an accepted exchange must produce the stated messages
    if mismatch and not rejected:
        return Outcome.DISAGREED, "; ".join(mismatch)
    return Outcome.AGREED, ("scramp rejects: " + "; ".join(rejected)) if rejected else "scramp accepts"


def dcr_case(group, t):
    per_host = hmac.new(group["registrationKey"].encode(), group["host"].encode(), hashlib.sha256).digest()
    key = per_host if group["signingKey"] == "perHostKey" else group["registrationKey"].encode()
    real_now = datetime.datetime.now(tz=datetime.timezone.utc).timestamp()
    # PyJWT checks exp against the wall clock; a leeway of (wall clock - vector now) moves that clock to `now`
    # (rejects when exp <= now, as the vectors do). Without `now`, exp is not checked.
    options = {"verify_exp": "now" in t}
    leeway = real_now - t["now"] if "now" in t else 0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            jwt.decode(t["clientId"], key, algorithms=["HS256"], options=options, leeway=leeway)
            reason = None
        except jwt.PyJWTError as e:
            reason = f"{type(e).__name__}: {e}"
    warned = "; ".join(str(w.message) for w in caught)
    secret_ok = hmac.compare_digest(hmac.new(per_host, t["clientId"].encode(), hashlib.sha256).hexdigest(),
                                    t["clientSecret"])
    if t["result"] == "valid":
        if reason or not secret_ok:
            return Outcome.DISAGREED, reason or "client_secret does not recompute"
        return Outcome.AGREED, "PyJWT verifies" + (f" (warns: {warned})" if warned else "")
    if t["result"] == "acceptable":
        return Outcome.AGREED, (f"PyJWT rejects: {reason}" if reason else "PyJWT verifies") + (
            f" (warns: {warned})" if warned else "")
    if t["error"] == "wrong-secret":
        # The secret is this scheme's HMAC, not a JWT; PyJWT must accept the client_id itself.
        if reason:
            return Outcome.DISAGREED, f"PyJWT rejects the client_id: {reason}"
        return Outcome.UNCHECKABLE, "client_secret is the scheme's HMAC, outside JWT (PyJWT verifies the client_id)"
    if reason is None:
        return Outcome.DISAGREED, "PyJWT accepted"
    return Outcome.AGREED, reason


def main():
    missing = [n for n, m in (("scramp", scramp), ("PyJWT", jwt)) if m is None]
    if missing:
        print(f"missing libraries: {', '.join(missing)} (pip install scramp PyJWT)")
        return 1
    print(f"libraries: scramp {scramp.__version__ if hasattr(scramp, '__version__') else '?'}, PyJWT {jwt.__version__}")
    bad = 0
    for path in sorted(glob.glob(os.path.join(HERE, "*.json"))):
        if path.endswith("schema.json"):
            continue
        doc = json.load(open(path, encoding="utf-8"))
        name, alg = os.path.basename(path), doc["algorithm"]
        counts, notes = Counter(), defaultdict(list)
        for group in doc["testGroups"]:
            for t in group["tests"]:
                if alg.startswith("SCRAM-"):
                    outcome, detail = scram_case(t)
                elif alg == "StatelessDcr":
                    outcome, detail = dcr_case(group, t)
                else:
                    outcome, detail = Outcome.UNCHECKABLE, NO_LIBRARY.get(alg, "no independent library")
                counts[outcome] += 1
                if outcome != Outcome.AGREED:
                    notes[(outcome, detail)].append(t["tcId"])
        bad += counts[Outcome.DISAGREED]
        print(f"{name}: {counts[Outcome.AGREED]} agreed, {counts[Outcome.DISAGREED]} disagreed, "
              f"{counts[Outcome.UNCHECKABLE]} not checkable")
        for (outcome, detail), ids in sorted(notes.items()):
            print(f"  {outcome}: tcId {', '.join(map(str, ids))}: {detail}")
    print("cross-check:", "FAILED" if bad else "no disagreements")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
