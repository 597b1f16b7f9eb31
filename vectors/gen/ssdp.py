"""Generates xep-0474.json (SCRAM downgrade-protection hashes, current h= and legacy d= forms)."""
import base64
import hashlib

from common import FileBuilder

NOTES = {
    "DigestTable": "Row of gatecheck's protocol digest section 3.4 table; row 1 equals XEP-0474's own example.",
    "Derived": "Computed by gatecheck's generator; not published elsewhere.",
    "LegacyD": "XEP-0474 <= 0.3.1 'd=' form: items joined by ',' and the two lists by '|' (still emitted by Prosody's mod_sasl_ssdp). 0.4.0 replaced it with h= (0x1E / 0x1F delimiters); 0.5.0 section 6.1 defines only h=.",
    "NoCbTypes": "No XEP-0440 channel-binding types advertised: the 0x1F separator and second list are omitted.",
    "Unsorted": "Invalid: the lists were hashed in advertisement order instead of i;octet (byte) order. XEP-0474 0.5.0 section 6.1 says all sorting MUST use i;octet (RFC 4790 section 9.3), so this value differs from the one a conforming peer computes, and a client MUST fail the authentication on it (section 6.2).",
    "WrongDelimiter": "Invalid: h= computed with the legacy ',' / '|' delimiters instead of 0x1E / 0x1F. XEP-0474 0.5.0 section 6.1 defines h= with 0x1E between items and 0x1F between the lists, so this value MUST NOT verify as h= (the client MUST fail the authentication, section 6.2).",
    "WrongHash": "Invalid: hashed with another function than the SCRAM mechanism's hash. XEP-0474 0.5.0 section 6.1 uses the hash of the SCRAM mechanism in use, so this value MUST NOT verify (the client MUST fail the authentication, section 6.2).",
    "MissingCbTypes": "Invalid: the advertised channel-binding types were left out of the hash input. XEP-0474 0.5.0 section 6.1 appends 0x1F and the sorted channel-binding types whenever the server advertised them with XEP-0440, so this value MUST NOT verify (the client MUST fail the authentication, section 6.2).",
}
HN = {"SHA-1": "sha1", "SHA-256": "sha256", "SHA-512": "sha512"}


def hash_input(form, mechs, cbs, sort=True):
    order = sorted if sort else list
    if form == "h":
        s = b"\x1e".join(order(m.encode() for m in mechs))
        if cbs:
            s += b"\x1f" + b"\x1e".join(order(c.encode() for c in cbs))
        return s
    s = ",".join(order(mechs)).encode()
    if cbs:
        s += b"|" + ",".join(order(cbs)).encode()
    return s


def val(h, data):
    return base64.b64encode(hashlib.new(HN[h], data).digest()).decode()


ROWS = [
    (["SCRAM-SHA-1", "SCRAM-SHA-1-PLUS"], ["tls-server-end-point", "tls-exporter"], "SHA-1",
     "G6k/rBLDqgOhRRaCuuatSDFkJ08=", "dRc3RenuSY9ypgPpERowoaySQZY="),
    (["PLAIN", "SCRAM-SHA-1", "SCRAM-SHA-1-PLUS", "SCRAM-SHA-256", "SCRAM-SHA-256-PLUS"],
     ["tls-exporter", "tls-server-end-point"], "SHA-256",
     "HsVT3zgfiif56i/w96g+XTr+Rx/Yfkw1VkxOAdVb9Wk=", "IOO9aGQHC/uUtOKnOtFehoxmxyv8qqDyJhaoE0qyojQ="),
    (["SCRAM-SHA-1", "SCRAM-SHA-256"], [], "SHA-256",
     "0/NIECGLXv63MqTb7NyUI9Tqxi40YVZyx61umRrH924=", "uRXNmYOdYnZFgcJqJgeOw6MHJs1QAe1u40LXP22g8/I="),
    (["SCRAM-SHA-1", "SCRAM-SHA-256"], [], "SHA-1", "FSE5W7a6v0IX0MXG41UntQjaPq0=", "KEPDLNBVd3rQ52edI6z9rrNqkf4="),
]


def main():
    fb = FileBuilder("XEP-0474", ["XEP-0474 0.5.0 sections 6.1-6.3", "XEP-0474 0.3.1 (legacy d= form)",
                                  "RFC 4790 section 9.3 (i;octet)", "gatecheck generator vectors/gen/ssdp.py"], NOTES)
    groups = {}
    for form in ["h", "d"]:
        for h in ["SHA-1", "SHA-256", "SHA-512"]:
            groups[form, h] = fb.group(type="SsdpHash", form=form, hash=h)
    for mechs, cbs, h, hv, dv in ROWS:
        for form, want in (("h", hv), ("d", dv)):
            data = hash_input(form, mechs, cbs)
            assert val(h, data) == want
            flags = ["DigestTable"] + (["LegacyD"] if form == "d" else []) + ([] if cbs else ["NoCbTypes"])
            fb.add(groups[form, h], f"{len(mechs)} mechanisms, {len(cbs)} cb types", "valid", flags,
                   mechanisms=mechs, cbTypes=cbs, hashInput=data.hex(), value=want)
    mechs = ["SCRAM-SHA-512-PLUS", "SCRAM-SHA-512", "SCRAM-SHA-256"]
    cbs = ["tls-server-end-point", "tls-exporter"]
    data = hash_input("h", mechs, cbs)
    fb.add(groups["h", "SHA-512"], "SHA-512 mechanisms advertised out of order", "valid", ["Derived"],
           mechanisms=mechs, cbTypes=cbs, hashInput=data.hex(), value=val("SHA-512", data))
    g = groups["h", "SHA-256"]
    fb.add(g, "advertisement order hashed", "invalid", ["Unsorted"], mechanisms=mechs, cbTypes=cbs,
           value=val("SHA-256", hash_input("h", mechs, cbs, sort=False)))
    fb.add(g, "legacy delimiters under h=", "invalid", ["WrongDelimiter"], mechanisms=mechs, cbTypes=cbs,
           value=val("SHA-256", hash_input("d", mechs, cbs)))
    fb.add(g, "SHA-1 used for a SHA-256 exchange", "invalid", ["WrongHash"], mechanisms=mechs, cbTypes=cbs,
           value=val("SHA-1", hash_input("h", mechs, cbs)))
    fb.add(g, "cb types omitted", "invalid", ["MissingCbTypes"], mechanisms=mechs, cbTypes=cbs,
           value=val("SHA-256", hash_input("h", mechs, [])))
    fb.doc["testGroups"] = [g for g in fb.doc["testGroups"] if g["tests"]]
    fb.write("xep-0474.json")


if __name__ == "__main__":
    main()
