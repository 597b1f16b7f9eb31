"""Generates ht-sha-256.json (HT-* mechanisms, draft-schmaus-kitten-sasl-ht-09 / draft-ietf-kitten-sasl-ht-00/01)."""
import base64
import hashlib
import hmac

from common import FileBuilder

TOKEN = "WXZzciBwYmFmdmZnZiBqdmd1IGp2eXFhcmZm"
# Self-signed P-256 / ecdsa-with-SHA256 certificate for CN=gatecheck.test, generated ONCE with
# `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -sha256 -days 36500 -subj /CN=gatecheck.test`.
CERT_B64 = (
    "MIIBiDCCAS+gAwIBAgIUZQIpeOUW3KFDCVJVj22zIEs20H4wCgYIKoZIzj0EAwIwGTEXMBUGA1UEAwwOZ2F0ZWNoZWNrLnRlc3QwIBcNMjYx"
    "MTIzMDg1NjExWhgPMjEyNjEwMzAwODU2MTFaMBkxFzAVBgNVBAMMDmdhdGVjaGVjay50ZXN0MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE"
    "8fRSZAdDyz67NEOPZQDNZOlu8L9r9rcOdST7DV4CIt3oh2zGL9NoL5R4z2zGaSP7vr2N1X3CQFLknfyn1syhyqNTMFEwHQYDVR0OBBYEFGNA"
    "BAL0yGtMoPvDb5i+9pAw7q5qMB8GA1UdIwQYMBaAFGNABAL0yGtMoPvDb5i+9pAw7q5qMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwID"
    "RwAwRAIgXp6O+r7YHuCWlsG5K+YUMcLC/+N95YR1rPPJ3FzA5AoCIAdSPTVZvyK8n5qIbfN1bP+kYMJB/eOuCGmi4QiuLb3r"
)
CERT = base64.b64decode(CERT_B64)
ENDP = hashlib.sha256(CERT).digest()
assert ENDP.hex() == "cf779b1175bc23a5f744676badcaf4505a50da7aa5a2b3851f19112e8fc41fef"
CB = {"NONE": b"", "EXPR": bytes(range(32)), "UNIQ": bytes.fromhex("0102030405060708090a0b0c"), "ENDP": ENDP}
HASHES = {"SHA-256": "sha256", "SHA-512": "sha512", "SHA3-256": "sha3_256"}

NOTES = {
    "DraftSchmaus09": "draft-schmaus-kitten-sasl-ht-09 (XEP-0484 0.2.0, Prosody): initiator = authcid NUL HMAC(token, \"Initiator\"||cb); responder = raw HMAC(token, \"Responder\"||cb), no prefix.",
    "DraftIetf00": "draft-ietf-kitten-sasl-ht-00 (= schmaus-10): initiator as -09; responder = NUL || HMAC(token, \"Responder\"||cb).",
    "DraftIetf01": "draft-ietf-kitten-sasl-ht-01/02: initiator = authcid NUL extras NUL HMAC(token, \"Initiator\"||cb||extras); responder = NUL extras NUL HMAC(token, \"Responder\"||cb||extras).",
    "DigestVector": "Value printed in gatecheck's protocol digest section 2.4.3 (derived, the drafts publish no vectors).",
    "Derived": "Computed by gatecheck's generator with HMAC from token, cb data and extras; not published elsewhere.",
    "FixedCbData": "cbData is a FIXED byte string standing in for TLS channel-binding data (UNIQ: 12 bytes, EXPR: 32 bytes 0x00..0x1f), not taken from a real connection.",
    "EndpCertificate": "cbData = SHA-256 of certificateDer (a fixed self-signed ecdsa-with-SHA256 test certificate), per RFC 5929 section 4.",
    "OtherHash": "A non-SHA-256 member of the HT family (HT-SHA-512 / HT-SHA3-256).",
    "WrongToken": "The initiator MAC was computed with a different token. Invalid by draft-schmaus-kitten-sasl-ht-09 and draft-ietf-kitten-sasl-ht-00/-01 section 3.2: the responder recomputes initiator-hashed-token (defined in section 3.1) with the token it holds for authcid, and if the values are not equal authentication MUST fail (SASL not-authorized, RFC 6120 section 6.5.10).",
    "CbFromOtherType": "The initiator MAC used channel-binding data of another type than the mechanism's. Invalid by draft-schmaus-kitten-sasl-ht-09 and draft-ietf-kitten-sasl-ht-00/-01: section 2 fixes the channel-binding type (ENDP/UNIQ/EXPR/NONE) by the mechanism name, section 3.1 puts that type's cb-data into the HMAC, so the responder's value differs and by section 3.2 authentication MUST fail (not-authorized).",
    "TruncatedMac": "The MAC is shorter than the hash output length. The grammar of draft-schmaus-kitten-sasl-ht-09 and draft-ietf-kitten-sasl-ht-00/-01 section 3.1 only says initiator-hashed-token = 1*OCTET, but the value is the full HMAC output, so a shorter value never equals the responder's and by section 3.2 authentication MUST fail; reporting it as malformed-request (RFC 6120 section 6.5.7) rather than not-authorized is gatecheck's choice.",
    "MissingNul": "The NUL separator after authcid is missing. Invalid by the initiator-msg grammar of draft-schmaus-kitten-sasl-ht-09 and draft-ietf-kitten-sasl-ht-00/-01 section 3.1 (authcid, a NUL octet, then the HMAC; ietf-01 adds a second NUL after the extras): the message cannot be parsed, so the server fails with malformed-request (RFC 6120 section 6.5.7; the condition is gatecheck's choice).",
    "EmptyAuthcid": "authcid is empty. Invalid by the initiator-msg grammar of draft-schmaus-kitten-sasl-ht-09 and draft-ietf-kitten-sasl-ht-00/-01 section 3.1 (authcid = 1*SAFE, one or more characters); malformed-request (RFC 6120 section 6.5.7; the condition is gatecheck's choice).",
    "WrongResponder": "The responder message does not carry the expected HMAC. Invalid by draft-schmaus-kitten-sasl-ht-09 section 3.3 and draft-ietf-kitten-sasl-ht-00/-01 section 3.3.1: the initiating entity MUST verify the responder message to achieve mutual authentication, so it fails the exchange when the HMAC does not match its own computation (gatecheck code responder-mismatch).",
}


def mac(h, token, label, cb, extra=""):
    return hmac.new(token.encode(), label + cb + extra.encode(), HASHES[h]).digest()


def messages(draft, h, token, authcid, cb, xi="", xr=""):
    im, rm = mac(h, token, b"Initiator", cb, xi), mac(h, token, b"Responder", cb, xr)
    a = authcid.encode()
    if draft == "ietf-01":
        init = a + b"\0" + xi.encode() + b"\0" + im
        resp = b"\0" + xr.encode() + b"\0" + rm
    else:
        init = a + b"\0" + im
        resp = rm if draft == "schmaus-09" else b"\0" + rm
    return init, resp, im, rm


def b64(b):
    return base64.b64encode(b).decode()


def main():
    fb = FileBuilder("HT", ["draft-schmaus-kitten-sasl-ht-09 section 3", "draft-ietf-kitten-sasl-ht-00 section 3",
                            "draft-ietf-kitten-sasl-ht-01 section 3", "RFC 5929 section 4", "XEP-0484 0.2.0",
                            "gatecheck generator vectors/gen/ht.py (Derived)"], NOTES)
    dflag = {"schmaus-09": "DraftSchmaus09", "ietf-00": "DraftIetf00", "ietf-01": "DraftIetf01"}
    for draft in ["schmaus-09", "ietf-00", "ietf-01"]:
        g = fb.group(type="HtExchange", draft=draft, hash="SHA-256")
        df = dflag[draft]

        def add(comment, result, flags, cbname, init, resp=None, im=None, rm=None, token=TOKEN, authcid="user",
                cb=None, error=None, xi=None, xr=None):
            f = {"mechanism": f"HT-SHA-256-{cbname}", "token": token, "authcid": authcid,
                 "cbData": (CB[cbname] if cb is None else cb).hex()}
            if cbname == "ENDP":
                f["certificateDer"] = CERT_B64
            if xi is not None:
                f["extraInitiator"], f["extraResponder"] = xi, xr
            f["initiatorMessage"] = b64(init)
            if resp is not None:
                f["responderMessage"] = b64(resp)
            if result == "valid":
                f["initiatorHmac"], f["responderHmac"] = im.hex(), rm.hex()
            if error:
                f["error"] = error
            fb.add(g, comment, result, [df] + flags, **f)

        for cbname in CB:
            extra = ["DigestVector"] if cbname in ("NONE", "EXPR") else ["Derived"]
            extra += {"NONE": [], "EXPR": ["FixedCbData"], "UNIQ": ["FixedCbData"], "ENDP": ["EndpCertificate"]}[cbname]
            xi = xr = "" if draft == "ietf-01" else None
            init, resp, im, rm = messages(draft, "SHA-256", TOKEN, "user", CB[cbname])
            add(f"HT-SHA-256-{cbname}, token from XEP-0484 example", "valid", extra, cbname, init, resp, im, rm,
                xi=xi, xr=xr)
        init, resp, im, rm = messages(draft, "SHA-256", TOKEN, "j\u00fcrgen", b"")
        add("non-ASCII authcid (UTF-8)", "valid", ["Derived"], "NONE", init, resp, im, rm,
            authcid="j\u00fcrgen", xi="" if draft == "ietf-01" else None, xr="" if draft == "ietf-01" else None)
        if draft == "ietf-01":
            init, resp, im, rm = messages(draft, "SHA-256", TOKEN, "user", CB["EXPR"], "a=1,b_c=x/y", "s=2")
            add("ietf-01 with extra initiator and responder values", "valid", ["Derived", "FixedCbData"], "EXPR",
                init, resp, im, rm, xi="a=1,b_c=x/y", xr="s=2")
        x = {"xi": "", "xr": ""} if draft == "ietf-01" else {}
        init, _, _, _ = messages(draft, "SHA-256", "another-token-value-123456", "user", b"")
        add("initiator MAC computed with another token", "invalid", ["WrongToken"], "NONE", init,
            error="not-authorized", **x)
        init, _, _, _ = messages(draft, "SHA-256", TOKEN, "user", CB["UNIQ"])
        add("HT-SHA-256-EXPR but MAC over tls-unique data", "invalid", ["CbFromOtherType", "FixedCbData"], "EXPR",
            init, error="not-authorized", **x)
        init, _, _, _ = messages(draft, "SHA-256", TOKEN, "user", b"")
        add("MAC truncated to 16 bytes", "invalid", ["TruncatedMac"], "NONE", init[:-16], error="malformed-request", **x)
        nonul = init.replace(b"\0", b"", 1) if draft != "ietf-01" else init.replace(b"\0", b"", 2)
        add("NUL separator(s) removed", "invalid", ["MissingNul"], "NONE", nonul, error="malformed-request", **x)
        init, _, _, _ = messages(draft, "SHA-256", TOKEN, "", b"")
        add("empty authcid", "invalid", ["EmptyAuthcid"], "NONE", init, authcid="", error="malformed-request", **x)
        init, resp, _, _ = messages(draft, "SHA-256", TOKEN, "user", b"")
        _, bad, _, _ = messages(draft, "SHA-256", TOKEN + "x", "user", b"")
        add("responder HMAC from another token", "invalid", ["WrongResponder"], "NONE", init, bad,
            error="responder-mismatch", **x)
    for h in ["SHA-512", "SHA3-256"]:
        g = fb.group(type="HtExchange", draft="schmaus-09", hash=h)
        init, resp, im, rm = messages("schmaus-09", h, TOKEN, "user", b"")
        fb.add(g, f"HT-{h}-NONE", "valid", ["DraftSchmaus09", "OtherHash", "DigestVector"],
               mechanism=f"HT-{h}-NONE", token=TOKEN, authcid="user", cbData="", initiatorMessage=b64(init),
               responderMessage=b64(resp), initiatorHmac=im.hex(), responderHmac=rm.hex())
    fb.write("ht-sha-256.json")


if __name__ == "__main__":
    main()
