#!/usr/bin/env python3
"""Builds raw seed inputs for the per-parser fuzz targets.

Sources: the transcripts of a suite run against the reference server (JSON report, run with
--no-redact so SASL payloads and tokens are real) and the published vectors in vectors/*.json.
Each seed is written in the input layout its target expects (see the doc comment at the top of
each fuzz_targets/<target>.rs): a control byte where the target has one, `\\n` between the two
messages of an exchange. Files are named by their SHA-1, as libFuzzer names corpus files.

Usage (from the repository root):
    cargo run -p gatecheck --locked -- run --no-redact --report json=/tmp/report.json
    python3 fuzz/seeds/extract.py /tmp/report.json --out /tmp/raw-seeds
then minimise into the committed seeds, one target at a time:
    cd fuzz && cargo fuzz cmin --sanitizer none TARGET /tmp/raw-seeds/TARGET   # in place
    cp /tmp/raw-seeds/TARGET/* seeds/TARGET/
(`fuzz/seeds/regen.sh` does all of it.)
"""

import argparse
import base64
import hashlib
import html
import json
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]

AUTHENTICATE = re.compile(rb"<authenticate\b.*?(?:/>|</authenticate>)", re.S)
RESPONSE = re.compile(rb"<response\b[^>]*urn:xmpp:sasl:2[^>]*?(?:/>|>(.*?)</response>)", re.S)
INITIAL = re.compile(rb"<initial-response>(.*?)</initial-response>", re.S)
MECHANISM = re.compile(rb"mechanism=['\"]([^'\"]+)['\"]")
CHALLENGE = re.compile(rb"<challenge\b[^>]*>(.*?)</challenge>", re.S)
ADDITIONAL = re.compile(rb"<additional-data>(.*?)</additional-data>", re.S)
FEATURES = re.compile(rb"<stream:features\b.*?</stream:features>", re.S)
REGISTER_QUERY = re.compile(rb"<query xmlns=['\"]jabber:iq:register['\"].*?(?:/>|</query>)", re.S)
XMPP_URI = re.compile(r"xmpp:[^\s<>\"']+")
JWS = re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+")
DATETIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)")
ITERATIONS = re.compile(rb",i=\d+")

# ht_initial_response's control byte: index into its NAMES list.
HT_NAMES = ["HT-SHA-256-NONE", "HT-SHA-256-EXPR", "HT-SHA-256-ENDP", "HT-SHA-512-NONE", "HT-SHA3-256-UNIQ"]


class Seeds:
    def __init__(self, out):
        self.out = pathlib.Path(out)
        self.count = {}

    def add(self, target, data):
        if isinstance(data, str):
            data = data.encode()
        d = self.out / target
        d.mkdir(parents=True, exist_ok=True)
        (d / hashlib.sha1(data).hexdigest()).write_bytes(data)
        self.count[target] = self.count.get(target, 0) + 1


def b64(text):
    try:
        return base64.b64decode(re.sub(rb"\s", b"", text), validate=True)
    except ValueError:
        return None


def small_iterations(server_first):
    """scram_client skips counts above 64 (PBKDF2 time); keep the structure, shrink the count."""
    return ITERATIONS.sub(b",i=2", server_first)


def from_report(path, seeds):
    report = json.load(open(path))
    for case in report["cases"]:
        by_conn = {}
        for entry in case["transcript"]:
            if entry["dir"] in ("sent", "received"):
                by_conn.setdefault(entry["conn"], []).append((entry["dir"], entry["text"]))
        for conn in by_conn.values():
            sent = "".join(t for d, t in conn if d == "sent").encode()
            received = "".join(t for d, t in conn if d == "received").encode()
            everything = "".join(t for _, t in conn)
            # xml_stream: control 0x00 (stream mode, no cuts) + what each side wrote.
            for side in (sent, received):
                if side.startswith(b"<?xml") or side.startswith(b"<stream"):
                    seeds.add("xml_stream", b"\x00" + side[:4096])
            for m in AUTHENTICATE.finditer(sent):
                seeds.add("sasl2_elements", b"\xff" + m.group(0))
            for m in RESPONSE.finditer(sent):
                seeds.add("sasl2_elements", b"\xff" + m.group(0))
            for m in FEATURES.finditer(received):
                for child in re.finditer(rb"<authentication\b.*?</authentication>", m.group(0), re.S):
                    seeds.add("sasl2_elements", b"\xff" + child.group(0))
            for m in REGISTER_QUERY.finditer(sent):
                seeds.add("ibr_form", m.group(0))
            text = html.unescape(everything)
            for m in XMPP_URI.finditer(text):
                seeds.add("invite_uri", m.group(0))
            for m in JWS.finditer(text):
                seeds.add("client_id_jws", "\x00" + m.group(0))
            for m in DATETIME.finditer(text):
                seeds.add("datetime", m.group(0))
            for body in http_bodies(conn):
                if body.lstrip().startswith(b"{"):
                    seeds.add("dcr_metadata", body)
                else:
                    seeds.add("http_request", body)
            scram_and_ht(sent, received, seeds)


def http_bodies(conn):
    """Bodies and query strings of the HTTP requests the suite sent (text after the blank line)."""
    for d, t in conn:
        if d != "sent" or not re.match(r"[A-Z]+ /", t):
            continue
        head, _, body = t.partition("\r\n\r\n")
        if not body:
            head, _, body = t.partition("\n\n")
        line = head.split("\n", 1)[0]
        target = line.split(" ")[1] if " " in line else ""
        if "?" in target:
            yield target.split("?", 1)[1].encode()
        if body:
            yield body.encode()
        # Headers as http_request reads them, then the body.
        yield (head.replace("\r\n", "\n") + "\n\n" + body).encode()


def scram_and_ht(sent, received, seeds):
    """Client-first/final from <authenticate>/<response>, server-first/final from the replies."""
    client = []
    for m in AUTHENTICATE.finditer(sent):
        mech = MECHANISM.search(m.group(0))
        ir = INITIAL.search(m.group(0))
        if not mech or not ir:
            continue
        payload = b64(ir.group(1))
        name = mech.group(1).decode()
        if payload is None:
            continue
        if name.startswith("HT-") and name in HT_NAMES:
            seeds.add("ht_initial_response", bytes([HT_NAMES.index(name)]) + payload)
        elif name.startswith("SCRAM-"):
            client.append(payload)
    for m in RESPONSE.finditer(sent):
        payload = b64(m.group(1) or b"")
        if payload and payload.startswith(b"c="):
            client.append(payload)
    server = [p for p in (b64(m.group(1)) for m in CHALLENGE.finditer(received)) if p]
    server += [p for p in (b64(m.group(1)) for m in ADDITIONAL.finditer(received)) if p]
    firsts = [p for p in client if not p.startswith(b"c=")]
    finals = [p for p in client if p.startswith(b"c=")]
    for first, final in zip(firsts, finals):
        seeds.add("scram_server", b"\x01" + first + b"\n" + final)
        seeds.add("scram_server", b"\x09" + first + b"\n" + final.rsplit(b",p=", 1)[0])
    sfirst = [p for p in server if p.startswith(b"r=")]
    sfinal = [p for p in server if p.startswith(b"v=") or p.startswith(b"e=")]
    for first, final in zip(sfirst, sfinal):
        seeds.add("scram_client", b"\x01" + small_iterations(first) + b"\n" + final)


def from_vectors(seeds):
    hashes = {"SHA-1": 0, "SHA-256": 1, "SHA-512": 2}
    for name in ("scram-sha-1.json", "scram-sha-256.json", "scram-sha-512.json"):
        for group in json.load(open(ROOT / "vectors" / name))["testGroups"]:
            h = hashes[group["hash"]]
            for t in group["tests"]:
                cf, sf = t.get("clientFirst"), t.get("serverFirst")
                cfin, sfin = t.get("clientFinal"), t.get("serverFinal")
                if cf and cfin:
                    seeds.add("scram_server", bytes([h]) + f"{cf}\n{cfin}".encode())
                    seeds.add("scram_server", bytes([h | 8]) + f"{cf}\n{cfin.rsplit(',p=', 1)[0]}".encode())
                if sf and sfin:
                    seeds.add("scram_client", bytes([h]) + small_iterations(sf.encode()) + b"\n" + sfin.encode())
    for group in json.load(open(ROOT / "vectors" / "ht-sha-256.json"))["testGroups"]:
        for t in group["tests"]:
            msg = t.get("initiatorMessage")
            if msg and t.get("mechanism") in HT_NAMES:
                seeds.add("ht_initial_response", bytes([HT_NAMES.index(t["mechanism"])]) + base64.b64decode(msg))
    for group in json.load(open(ROOT / "vectors" / "invite-uri.json"))["testGroups"]:
        for t in group["tests"]:
            seeds.add("invite_uri", t["uri"])
    for group in json.load(open(ROOT / "vectors" / "stateless-dcr.json"))["testGroups"]:
        for t in group["tests"]:
            if t.get("clientId"):
                seeds.add("client_id_jws", "\x00" + t["clientId"])
            if t.get("payload"):
                seeds.add("dcr_metadata", t["payload"])
                seeds.add("client_id_jws", "\x01" + t["payload"])
    for group in json.load(open(ROOT / "vectors" / "xep-0082.json"))["testGroups"]:
        for t in group["tests"]:
            seeds.add("datetime", t["input"])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("report", nargs="?", help="JSON report of a --no-redact run (optional)")
    ap.add_argument("--out", required=True, help="directory for <target>/ seed folders")
    args = ap.parse_args()
    seeds = Seeds(args.out)
    if args.report:
        from_report(args.report, seeds)
    from_vectors(seeds)
    for target, n in sorted(seeds.count.items()):
        print(f"{target}: {n} inputs", file=sys.stderr)


if __name__ == "__main__":
    main()
