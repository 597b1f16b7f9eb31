"""Generates stateless-dcr.json (stateless RFC 7591 registration: per-host key, JWS client_id, HMAC secret)."""
import base64
import hashlib
import hmac

from common import FileBuilder

REG_KEY, HOST = "test-registration-key", "example.com"
# RFC 7518 section 3.2: an HS256 key MUST be at least 256 bits. A Prosody-style verifier signs with the
# registration key itself, so its vectors use a 32-byte one; REG_KEY (21 bytes) is kept for one flagged case.
PROSODY_KEY = "test-registration-key-32-bytes!!"
assert len(PROSODY_KEY.encode()) == 32
HEADER = '{"alg":"HS256","typ":"JWT"}'
PAYLOAD = ('{"client_name":"Test","client_uri":"https://app.example.com/","redirect_uris":'
           '["https://app.example.com/cb"],"nonce":"abc123","iat":1700000000}')
NOTES = {
    "DigestVector": "Printed in gatecheck's protocol digest section 5.8 (derived for the design; not from any RFC).",
    "Derived": "Computed by gatecheck's generator; not published elsewhere.",
    "ProsodyStyle": "Prosody mod_http_oauth2 variant: the client_id JWS is signed with the raw registration key; the secret still uses the per-host key.",
    "WithExpiry": "The payload carries exp; the verifier uses the stated `now` and rejects at or after exp.",
    "ShortHmacKey": "The JWS is signed with the 21-byte registration key printed in gatecheck's digest, below RFC 7518 section 3.2's minimum (an HS256 key MUST be 256 bits or larger). The bytes are otherwise consistent: a verifier may refuse to use such a key (a configuration error, not a property of the client_id) or verify with it, and must then produce exactly the stated values.",
    "TamperedPayload": "Payload changed after signing. Invalid by RFC 7515 section 5.2 (step 8: the JWS Signature does not validate over the JWS Signing Input) and RFC 7519 section 7.2 (if any validation step fails, the JWT MUST be rejected).",
    "AlgNone": "Header says alg none with an empty signature. Invalid by RFC 7518 section 3.6 (an Unsecured JWS MUST NOT be accepted unless the application says so; this scheme does not) and RFC 8725 section 3.1 (verifiers use only the algorithms they allow).",
    "AlgHs512": "Header says HS512, correctly HMAC-SHA-512 signed with the right key. Invalid by RFC 8725 section 3.1: each key MUST be used with exactly one algorithm and this MUST be checked when verifying; the scheme's keys are HS256 keys, so the library must refuse HS512 with them.",
    "WrongHost": "client_id signed for another host (another per-host key), or with a key this verifier does not use. Invalid by RFC 7515 section 5.2 (step 8: the JWS Signature does not validate with this verifier's key) and RFC 7519 section 7.2 (if any validation step fails, the JWT MUST be rejected).",
    "Expired": "now >= exp. Invalid by RFC 7519 section 4.1.4: the current time MUST be before the exp time, and the JWT MUST NOT be accepted on or after it (no leeway in vectors).",
    "WrongSecret": "Presented client_secret differs from HMAC-SHA-256(per_host_key, client_id), the secret issued with it. Invalid by RFC 6749 sections 2.3.1 and 5.2: client authentication with a wrong password fails with invalid_client (RFC 7591 section 3.2.1 issues the secret).",
    "BadBase64url": "A segment is not unpadded base64url (padding '=' or characters outside RFC 4648 section 5). Invalid by RFC 7515 section 2 (BASE64URL omits trailing '=' and adds no other characters) and section 5.2 steps 2, 6 and 7 (each segment is base64url-decoded with the restriction that no other characters are used), with RFC 7519 section 7.2 (if any step fails, the JWT MUST be rejected).",
    "TwoPartToken": "Only two dot-separated segments. Invalid by RFC 7515 section 7.1 (the JWS Compact Serialization is header, payload and signature joined by two '.') and section 5.2 step 1 (parse those three parts), with RFC 7519 section 7.2 (if any step fails, the JWT MUST be rejected).",
}


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def sign(key, header, payload, h="sha256"):
    inp = f"{b64u(header.encode())}.{b64u(payload.encode())}"
    return inp + "." + b64u(hmac.new(key, inp.encode(), h).digest())


def phk(host):
    return hmac.new(REG_KEY.encode(), host.encode(), hashlib.sha256).digest()


def secret(key, cid):
    return hmac.new(key, cid.encode(), hashlib.sha256).hexdigest()


def main():
    fb = FileBuilder("StatelessDcr", ["gatecheck design (digest section 5.8)", "RFC 7591 sections 3.2.1, 5",
                                      "RFC 7515 sections 3.1, 5.1, appendix C", "RFC 7518 section 3.2",
                                      "RFC 8725 section 3.1", "gatecheck generator vectors/gen/dcr.py"], NOTES)
    key = phk(HOST)
    assert key.hex() == "08d6664d34d8d615a771e6f21042d985b6fb34c20d1e6a76b7d0f4a2db5f9a22"
    g = fb.group(type="StatelessDcr", signingKey="perHostKey", registrationKey=REG_KEY, host=HOST)
    cid = sign(key, HEADER, PAYLOAD)
    assert cid.endswith("4_gV3V7_Z1x7bttWQhhdfIw-p2asyFKK1ug3iIXSObo")
    assert secret(key, cid) == "b5bf8b3e04f609dda4f8754625a3ee3b9d6cc52c8231d73eed350cfd76de1c6d"

    def add(comment, result, flags, cid, sec, error=None, header=None, payload=None, now=None, group=g, phkey=key):
        f = {}
        if header is not None:
            f.update(header=header, payload=payload, perHostKey=phkey.hex())
        if now is not None:
            f["now"] = now
        f.update(clientId=cid, clientSecret=sec)
        if error:
            f["error"] = error
        fb.add(group, comment, result, flags, **f)

    add("digest section 5.8 vector", "valid", ["DigestVector"], cid, secret(key, cid), header=HEADER, payload=PAYLOAD)
    exp_payload = PAYLOAD[:-1] + ',"exp":1700003600}'
    cid_exp = sign(key, HEADER, exp_payload)
    add("exp one hour after iat, checked at iat+3599", "valid", ["Derived", "WithExpiry"], cid_exp,
        secret(key, cid_exp), header=HEADER, payload=exp_payload, now=1700003599)
    add("expired: now == exp", "invalid", ["Expired", "WithExpiry"], cid_exp, secret(key, cid_exp), error="expired",
        now=1700003600)
    h, p, s = cid.split(".")
    tampered = f"{h}.{b64u(PAYLOAD.replace('Test', 'Evil').encode())}.{s}"
    add("payload tampered after signing", "invalid", ["TamperedPayload"], tampered, secret(key, tampered),
        error="bad-signature")
    none = b64u(b'{"alg":"none","typ":"JWT"}') + "." + p + "."
    add("alg none, empty signature", "invalid", ["AlgNone"], none, secret(key, none), error="alg-not-allowed")
    hs512 = sign(key, '{"alg":"HS512","typ":"JWT"}', PAYLOAD, "sha512")
    add("alg HS512", "invalid", ["AlgHs512"], hs512, secret(key, hs512), error="alg-not-allowed")
    other = phk("other.example")
    foreign = sign(other, HEADER, PAYLOAD)
    add("client_id and secret minted for other.example", "invalid", ["WrongHost"], foreign, secret(other, foreign),
        error="bad-signature")
    add("secret of another client_id", "invalid", ["WrongSecret"], cid, secret(key, cid_exp), error="wrong-secret")
    padded = f"{h}.{p}=.{s}"
    add("padding '=' in the payload segment", "invalid", ["BadBase64url"], padded, secret(key, padded),
        error="malformed-client-id")
    std = f"{h}.{p}.{s.replace('_', '/').replace('-', '+')}"
    add("standard base64 alphabet in the signature", "invalid", ["BadBase64url"], std, secret(key, std),
        error="malformed-client-id")
    two = f"{h}.{p}"
    add("two-part token", "invalid", ["TwoPartToken"], two, secret(key, two), error="malformed-client-id")
    gp = fb.group(type="StatelessDcr", signingKey="registrationKey", registrationKey=PROSODY_KEY, host=HOST)
    pkey = hmac.new(PROSODY_KEY.encode(), HOST.encode(), hashlib.sha256).digest()
    cidp = sign(PROSODY_KEY.encode(), HEADER, PAYLOAD)
    add("Prosody-style: JWS signed with the (32-byte) registration key", "valid", ["Derived", "ProsodyStyle"], cidp,
        secret(pkey, cidp), header=HEADER, payload=PAYLOAD, group=gp, phkey=pkey)
    cidh = sign(pkey, HEADER, PAYLOAD)
    add("per-host-signed client_id presented to a Prosody-style verifier", "invalid", ["ProsodyStyle", "WrongHost"],
        cidh, secret(pkey, cidh), error="bad-signature", group=gp)
    gs = fb.group(type="StatelessDcr", signingKey="registrationKey", registrationKey=REG_KEY, host=HOST)
    cids = sign(REG_KEY.encode(), HEADER, PAYLOAD)
    assert cids.endswith("TFbt3vdrXluHTbJjEmILTOhAneEHwPVoC33oKe_TgIA")
    assert secret(key, cids) == "20f80627124992c9b84584573a58319366a8473a3ceef9f88545cd24cccaf1f2"
    add("Prosody-style with the digest's 21-byte registration key (below RFC 7518's 32)", "acceptable",
        ["DigestVector", "ProsodyStyle", "ShortHmacKey"], cids, secret(key, cids), header=HEADER, payload=PAYLOAD,
        group=gs)
    fb.write("stateless-dcr.json")


if __name__ == "__main__":
    main()
