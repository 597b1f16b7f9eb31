"""Generates scram-sha-{1,256,512}.json. Run: python3 vectors/gen/scram.py"""
import base64
import hashlib
import hmac

from common import FileBuilder

HASHES = {"SHA-1": "sha1", "SHA-256": "sha256", "SHA-512": "sha512"}
USER_PENCIL_SALT = {"SHA-1": "QSXCR+Q6sek8bf92", "SHA-256": "W22ZaJ0SNY7soEsUEjb6gQ==",
                    "SHA-512": "W22ZaJ0SNY7soEsUEjb6gQ=="}
# Fixed channel-binding byte strings: NOT from any real TLS connection, stated as such in notes.
CB_FIXED = {
    "tls-exporter": bytes(range(0x00, 0x20)),
    "tls-server-end-point": hashlib.sha256(b"gatecheck fixed test certificate").digest(),
    "tls-unique": bytes.fromhex("a1b2c3d4e5f60718293a4b5c"),
}

NOTES = {
    "Rfc5802": "Published vector: RFC 5802 section 5 (messages as printed; intermediates recomputed).",
    "Rfc7677": "Published vector: RFC 7677 section 3 (messages as printed; intermediates recomputed).",
    "Xep0474Example": "Published example: XEP-0474 0.5.0 section 6.3 (SCRAM-SHA-1-PLUS, tls-exporter, h= and x=).",
    "Derived": "Computed by gatecheck's generator with PBKDF2/HMAC from the password and messages; not published elsewhere.",
    "ChannelBinding": "Channel binding in use (GS2 flag p=); cbData is a FIXED byte string standing in for the TLS channel-binding data, not taken from a real connection.",
    "Ssdp": "Server-first carries the XEP-0474 h= attribute; the checker recomputes it from the `ssdp` advertised lists.",
    "UnknownExtension": "An unrecognised extension attribute is present and MUST be ignored (RFC 5802 section 7); it is still part of AuthMessage.",
    "EscapedUsername": "The username contains ',' or '=' and is sent escaped as =2C / =3D.",
    "SaslprepPassword": "The password is not ASCII-clean; SaltedPassword uses Normalize(password) = SASLprep stored-string.",
    "WrongProof": "Client proof does not match the stored key. Invalid by RFC 5802 section 3 (the server recovers ClientKey from ClientProof and checks it by hashing it and comparing with StoredKey) and section 5 (the server verifies the nonce and the proof before it sends server-final-message); server-error-value invalid-proof (section 7).",
    "NonceNotExtended": "Server nonce does not start with the client nonce. Invalid by RFC 5802 section 5.1, attribute r: the client MUST verify that the initial part of the nonce used in subsequent messages is the same as the nonce it initially specified.",
    "NonceChanged": "Client-final r= differs from the combined nonce of server-first. Invalid by RFC 5802 section 5.1, attribute r: the server MUST verify that the nonce sent by the client in the second message is the same as the one sent by the server in its first message.",
    "IterationCountBelowFloor": "Iteration count 1024, below the group's minIterations (4096). A choice where the RFCs are silent: RFC 5802 section 5.1 (SCRAM-SHA-1) and RFC 7677 section 4 (SCRAM-SHA-256) say a server SHOULD announce at least 4096, and no RFC requires a client to refuse a lower count, so a client may accept (producing exactly the stated intermediates) or abort (gatecheck's client does, with iteration-count-too-low).",
    "BadGs2Header": "The GS2 header is malformed (unknown cbind flag, or a separator missing). Invalid by the RFC 5802 section 7 grammar, gs2-header = gs2-cbind-flag \",\" [ authzid ] \",\" with gs2-cbind-flag = (\"p=\" cb-name) / \"n\" / \"y\"; the matching server-error-value is invalid-encoding.",
    "ChannelBindingMismatch": "c= does not equal base64(gs2-header || cbData of the connection). Invalid by RFC 5802 section 6: the server MUST always validate the client's c= field by constructing the expected value and checking that it matches (section 5.1, attribute c, defines the value: the GS2 header followed by the channel binding data); server-error-value channel-bindings-dont-match (section 7).",
    "ReservedMext": "The reserved m= attribute is present. Invalid by RFC 5802 section 5.1, attribute m: its presence in a client or a server message MUST cause authentication failure when the attribute is parsed by the other end (server-error-value extensions-not-supported, section 7).",
    "BadUsernameEscape": "'=' in the username is followed by something other than 2C / 3D. Invalid by RFC 5802 section 5.1, attribute n: if the server receives such a username it MUST fail the authentication (server-error-value invalid-username-encoding, section 7).",
    "MalformedAttributes": "An attribute is missing, out of order or syntactically invalid. Invalid by the RFC 5802 section 7 grammar (server-first-message = [reserved-mext \",\"] nonce \",\" salt \",\" iteration-count [\",\" extensions]; iteration-count = \"i=\" posit-number; proof = \"p=\" base64; client-first-message-bare = [reserved-mext \",\"] username \",\" nonce [\",\" extensions]) and section 5.1 (the order of attributes is fixed, except for extensions); server-error-value invalid-encoding.",
    "WrongServerSignature": "Server-final v= is wrong. Invalid by RFC 5802 section 5: the client authenticates the server by computing ServerSignature and comparing it with the value sent; if they differ, the client MUST consider the authentication exchange unsuccessful (section 3 defines ServerSignature).",
    "SsdpMismatch": "The h= value does not match the advertised mechanisms / channel-binding types (downgrade). Invalid by XEP-0474 0.5.0 section 6.2: the client recomputes the hash over what it saw advertised (algorithm of section 6.1) and MUST fail the authentication when h= differs.",
    "FlagYWithServerCb": "GS2 flag 'y' while the server supports channel binding. Invalid by RFC 5802 section 6: if the flag is set to \"y\" and the server supports channel binding, the server MUST fail authentication (server-error-value server-does-support-channel-binding).",
    "UnsupportedCbType": "p= names a channel-binding type the server does not support. Invalid by RFC 5802 section 6: if the channel binding flag was \"p\" and the server does not support the indicated channel binding type, the server MUST fail authentication (server-error-value unsupported-channel-binding-type).",
    "Gs2FlagMechanismMismatch": "The GS2 flag disagrees with the mechanism name (a -PLUS mechanism with flag n, or a plain mechanism with p=). A choice where the RFC is silent: RFC 5802 section 6 requires a server to fail only for flag y when it supports channel binding, or for a p= type it does not support, and says nothing about the flag under the other mechanism name. The exchange is otherwise consistent, so a server may accept it (producing exactly the stated intermediates) or reject it (gatecheck's reference server and proto do; the Rust checker maps that to invalid-encoding).",
}


def b64(b):
    return base64.b64encode(b).decode()


def hmac_(h, k, m):
    return hmac.new(k, m, h).digest()


def ssdp_h(hashname, mechs, cbtypes):
    s = b"\x1e".join(sorted(m.encode() for m in mechs))
    if cbtypes:
        s += b"\x1f" + b"\x1e".join(sorted(c.encode() for c in cbtypes))
    return b64(hashlib.new(HASHES[hashname], s).digest())


def exchange(hashname, *, password="pencil", user="user", cnonce, snonce, salt_b64, iters=4096,
             gs2="n,,", cbdata=b"", cf_prefix="", sf_ext="", cf_ext="", norm_password=None,
             final_nonce=None, cb_client=None, cf_nonce=None, cf_bare=None, sf_override=None):
    """Builds a full, internally consistent exchange; returns (messages, intermediates).

    The overrides change one message and everything computed from it (AuthMessage, proof, server
    signature) follows, so an invalid vector built with them is wrong in that one respect only:
    `cf_nonce` is the nonce the client-first carries (server-first still uses `cnonce`), `cf_bare`
    replaces client-first-bare, `sf_override` replaces server-first (keys still use `salt_b64`/`iters`).
    """
    h = HASHES[hashname]
    if cf_bare is None:
        cf_bare = f"{cf_prefix}n={user},r={cf_nonce or cnonce}"
    sf = sf_override or f"r={cnonce}{snonce},s={salt_b64},i={iters}{sf_ext}"
    cb_bytes = gs2.encode() + (cbdata if cb_client is None else cb_client)
    cfwop = f"c={b64(cb_bytes)},r={final_nonce or cnonce + snonce}{cf_ext}"
    auth = f"{cf_bare},{sf},{cfwop}"
    salt = base64.b64decode(salt_b64)
    pw = (norm_password if norm_password is not None else password).encode()
    salted = hashlib.pbkdf2_hmac(h, pw, salt, iters)
    ck = hmac_(h, salted, b"Client Key")
    sk = hashlib.new(h, ck).digest()
    srvk = hmac_(h, salted, b"Server Key")
    csig = hmac_(h, sk, auth.encode())
    proof = bytes(a ^ b for a, b in zip(ck, csig))
    ssig = hmac_(h, srvk, auth.encode())
    msgs = {
        "clientFirst": gs2 + cf_bare,
        "serverFirst": sf,
        "clientFinal": f"{cfwop},p={b64(proof)}",
        "serverFinal": f"v={b64(ssig)}",
    }
    inter = {
        "salt": salt.hex(), "saltedPassword": salted.hex(), "clientKey": ck.hex(), "storedKey": sk.hex(),
        "serverKey": srvk.hex(), "authMessage": auth, "clientSignature": csig.hex(),
        "clientProof": proof.hex(), "serverSignature": ssig.hex(),
    }
    return msgs, inter


def flip_b64(s):
    raw = bytearray(base64.b64decode(s))
    raw[0] ^= 0x01
    return b64(bytes(raw))


def build(hashname):
    alg = f"SCRAM-{hashname}"
    plus = alg + "-PLUS"
    sources = ["RFC 5802 sections 3, 5, 6, 7", "RFC 7677 sections 3, 4", "RFC 9266 section 3",
               "XEP-0474 0.5.0 sections 6.1-6.3", "gatecheck generator vectors/gen/scram.py (Derived)"]
    fb = FileBuilder(alg, sources, NOTES)
    g = fb.group(type="ScramExchange", hash=hashname, minIterations=4096)
    salt = USER_PENCIL_SALT[hashname]

    def add(comment, result, flags, mech, msgs, inter=None, cb_type=None, cbdata=b"", error=None,
            server_cb=None, ssdp=None, password="pencil"):
        fields = {"mechanism": mech, "password": password, "cbType": cb_type, "cbData": cbdata.hex()}
        if server_cb is not None:
            fields["serverCbTypes"] = server_cb
        if ssdp is not None:
            fields["ssdp"] = ssdp
        fields.update(msgs)
        if inter is not None and result != "invalid":
            fields["intermediates"] = inter
        if error is not None:
            fields["error"] = error
        return fb.add(g, comment, result, flags, **fields)

    # --- valid: published ---
    if hashname == "SHA-1":
        m, i = exchange(hashname, cnonce="fyko+d2lbbFgONRv9qkxdawL", snonce="3rfcNHYJY1ZVvWVs7j", salt_b64=salt)
        assert m["clientFinal"].endswith("p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=")
        add("RFC 5802 section 5 example", "valid", ["Rfc5802"], alg, m, i)
        cn, sn = "12C4CD5C-E38E-4A98-8F6D-15C38F51CCC6", "a09117a6-ac50-4f2f-93f1-93799c2bddf6"
        mechs, cbt = ["SCRAM-SHA-1", "SCRAM-SHA-1-PLUS"], ["tls-server-end-point", "tls-exporter"]
        h = ssdp_h(hashname, mechs, cbt)
        m, i = exchange(hashname, cnonce=cn, snonce=sn, salt_b64=salt, gs2="p=tls-exporter,,",
                        cbdata=b"THIS IS FAKE CB DATA", sf_ext=f",h={h}",
                        cf_ext=",x=19C6532F-1CF4-4A27-A18D-DC9CEA41BBB3")
        assert m["clientFinal"].endswith("p=M/SIDjT+dfcxUh89jZEypRvFxB4="), m
        add("XEP-0474 section 6.3 example: -PLUS, h= and unknown x=", "valid",
            ["Xep0474Example", "ChannelBinding", "Ssdp", "UnknownExtension"], plus, m, i,
            cb_type="tls-exporter", cbdata=b"THIS IS FAKE CB DATA", server_cb=cbt,
            ssdp={"mechanisms": mechs, "cbTypes": cbt})
    elif hashname == "SHA-256":
        m, i = exchange(hashname, cnonce="rOprNGfwEbeRWgbNEkqO", snonce="%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
                        salt_b64=salt)
        assert m["clientFinal"].endswith("p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="), m
        add("RFC 7677 section 3 example", "valid", ["Rfc7677"], alg, m, i)
    else:
        m, i = exchange(hashname, cnonce="rOprNGfwEbeRWgbNEkqO", snonce="%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
                        salt_b64=salt)
        add("RFC 7677 section 3 messages recomputed with SHA-512", "valid", ["Derived"], alg, m, i)

    cn, sn = "gatecheckClientNonce0001", "gatecheckServerNonce0001"
    base = dict(cnonce=cn, snonce=sn, salt_b64=salt)
    # --- valid: derived ---
    for cbt, data in CB_FIXED.items():
        m, i = exchange(hashname, gs2=f"p={cbt},,", cbdata=data, **base)
        add(f"-PLUS with {cbt}, fixed cb data", "valid", ["Derived", "ChannelBinding"], plus, m, i,
            cb_type=cbt, cbdata=data, server_cb=list(CB_FIXED))
    mechs = [alg, plus, "PLAIN"]
    h = ssdp_h(hashname, mechs, ["tls-exporter"])
    m, i = exchange(hashname, sf_ext=f",h={h}", **base)
    add("SSDP h= in server-first, plain mechanism", "valid", ["Derived", "Ssdp"], alg, m, i,
        ssdp={"mechanisms": mechs, "cbTypes": ["tls-exporter"]})
    m, i = exchange(hashname, user="u=2Cs=3Der", password="pen,cil=", **base)
    add("username 'u,s=er' escaped", "valid", ["Derived", "EscapedUsername"], alg, m, i, password="pen,cil=")
    m, i = exchange(hashname, password="I\u00adX", norm_password="IX", **base)
    add("password I<U+00AD>X normalises to IX", "valid", ["Derived", "SaslprepPassword"], alg, m, i,
        password="I\u00adX")
    m, i = exchange(hashname, gs2="y,,", **base)
    add("flag y, server without channel binding", "valid", ["Derived"], alg, m, i, server_cb=[])

    # --- invalid ---
    m, _ = exchange(hashname, **base)
    m["clientFinal"] = m["clientFinal"][: m["clientFinal"].index(",p=") + 3] + flip_b64(m["clientFinal"].split(",p=")[1])
    add("client proof with one bit flipped", "invalid", ["WrongProof"], alg, m, error="invalid-proof")
    m, _ = exchange(hashname, password="pencil2", **base)
    add("proof computed from a different password", "invalid", ["WrongProof"], alg, m, error="invalid-proof")
    m, _ = exchange(hashname, cf_nonce="otherClientNonce", **base)
    add("server nonce does not extend the client nonce", "invalid", ["NonceNotExtended"], alg, m,
        error="nonce-mismatch")
    m, _ = exchange(hashname, final_nonce=cn + "tampered", **base)
    add("client-final nonce differs from the combined nonce", "invalid", ["NonceChanged"], alg, m,
        error="nonce-mismatch")
    m, i = exchange(hashname, iters=1024, **base)
    add("iteration count 1024 below minimum 4096", "acceptable", ["Derived", "IterationCountBelowFloor"], alg, m, i)
    for bad in ["x,,", "n,", "p,,"]:
        m, _ = exchange(hashname, gs2=bad, **base)
        add(f"malformed GS2 header {bad!r}", "invalid", ["BadGs2Header"], alg, m, error="invalid-encoding")
    m, _ = exchange(hashname, gs2="p=tls-exporter,,", cbdata=CB_FIXED["tls-exporter"],
                    cb_client=bytes(32), **base)
    add("c= built from other cb data than the connection's", "invalid", ["ChannelBindingMismatch", "ChannelBinding"],
        plus, m, cb_type="tls-exporter", cbdata=CB_FIXED["tls-exporter"], server_cb=["tls-exporter"],
        error="channel-bindings-dont-match")
    m, _ = exchange(hashname, gs2="p=tls-exporter,,", cbdata=CB_FIXED["tls-exporter"],
                    cb_client=CB_FIXED["tls-unique"], **base)
    add("c= carries tls-unique data under p=tls-exporter", "invalid", ["ChannelBindingMismatch", "ChannelBinding"],
        plus, m, cb_type="tls-exporter", cbdata=CB_FIXED["tls-exporter"], server_cb=["tls-exporter", "tls-unique"],
        error="channel-bindings-dont-match")
    m, _ = exchange(hashname, cf_prefix="m=ext,", **base)
    add("reserved m= in client-first", "invalid", ["ReservedMext"], alg, m, error="extensions-not-supported")
    for bad in ["us=2Xer", "user=", "us=3"]:
        m, _ = exchange(hashname, user=bad, **base)
        add(f"bad escape in username {bad!r}", "invalid", ["BadUsernameEscape"], alg, m,
            error="invalid-username-encoding")
    m, _ = exchange(hashname, sf_override=f"r={cn}{sn},i=4096", **base)
    add("server-first without s=", "invalid", ["MalformedAttributes"], alg, m, error="invalid-encoding")
    m, _ = exchange(hashname, sf_override=f"r={cn}{sn},s={salt},i=0x1000", **base)
    add("non-numeric iteration count", "invalid", ["MalformedAttributes"], alg, m, error="invalid-encoding")
    m, _ = exchange(hashname, **base)
    m["clientFinal"] = m["clientFinal"].replace(",p=", ",p=%%")
    add("proof is not base64", "invalid", ["MalformedAttributes"], alg, m, error="invalid-encoding")
    m, _ = exchange(hashname, cf_bare=f"r={cn},n=user", **base)
    add("client-first attributes out of order (r= before n=)", "invalid", ["MalformedAttributes"], alg, m,
        error="invalid-encoding")
    m, _ = exchange(hashname, **base)
    m["serverFinal"] = "v=" + flip_b64(m["serverFinal"][2:])
    add("server signature with one bit flipped", "invalid", ["WrongServerSignature"], alg, m,
        error="server-signature-mismatch")
    h_bad = ssdp_h(hashname, [alg], [])
    m, _ = exchange(hashname, sf_ext=f",h={h_bad}", **base)
    add("h= hashes only the plain mechanism; client saw -PLUS too", "invalid", ["SsdpMismatch", "Ssdp"], alg, m,
        ssdp={"mechanisms": [alg, plus], "cbTypes": ["tls-exporter"]}, error="downgrade-detected")
    m, _ = exchange(hashname, gs2="y,,", **base)
    add("flag y while the server supports channel binding", "invalid", ["FlagYWithServerCb"], alg, m,
        server_cb=["tls-exporter"], error="server-does-support-channel-binding")
    m, _ = exchange(hashname, gs2="p=tls-foo,,", cbdata=b"\x01\x02", **base)
    add("p=tls-foo not supported by the server", "invalid", ["UnsupportedCbType"], plus, m, cb_type="tls-exporter",
        cbdata=b"\x01\x02", server_cb=["tls-exporter"], error="unsupported-channel-binding-type")
    m, i = exchange(hashname, **base)
    add("-PLUS mechanism with GS2 flag n", "acceptable", ["Derived", "Gs2FlagMechanismMismatch"], plus, m, i,
        server_cb=["tls-exporter"])
    m, i = exchange(hashname, gs2="p=tls-exporter,,", cbdata=CB_FIXED["tls-exporter"], **base)
    add("plain mechanism with GS2 flag p", "acceptable", ["Derived", "Gs2FlagMechanismMismatch", "ChannelBinding"],
        alg, m, i, cb_type="tls-exporter", cbdata=CB_FIXED["tls-exporter"], server_cb=["tls-exporter"])
    fb.write(f"scram-{hashname.lower()}.json")


if __name__ == "__main__":
    for hn in HASHES:
        build(hn)
