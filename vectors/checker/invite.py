"""Independent parser for invitation URIs (xmpp: register / roster querytypes with preauth)."""
import re
import urllib.parse

ALGORITHMS = {"InviteUri"}
_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


class Fail(Exception):
    """The URI is not a usable invitation; the message is the reason code."""


def _decode(part):
    if _ESCAPE.search(part):
        raise Fail("bad-percent-encoding")
    try:
        return urllib.parse.unquote_to_bytes(part).decode("utf-8")
    except UnicodeDecodeError:
        raise Fail("bad-percent-encoding")


def parse(uri):
    """Returns {kind, jid, preauth, ibr}; raises Fail(reason)."""
    if uri[:5].lower() != "xmpp:" or uri[5:7] == "//":
        raise Fail("not-xmpp-uri")
    path, _, query = uri[5:].partition("?")
    items = query.split(";")
    kind = items[0]
    if kind not in ("register", "roster"):
        raise Fail("unknown-querytype")
    params = {}
    for item in items[1:]:
        key, eq, value = item.partition("=")
        if not eq or not key:
            raise Fail("bad-parameter")
        if key in params:
            raise Fail("duplicate-key")
        params[key] = _decode(value)
    bare = path.partition("/")[0]
    node, at, domain = bare.rpartition("@")
    node, domain = _decode(node), _decode(domain)
    if not domain or (at and not node):
        raise Fail("empty-host")
    if not params.get("preauth"):
        raise Fail("missing-preauth")
    return {"kind": kind, "jid": f"{node}@{domain}" if node else domain, "preauth": params["preauth"],
            "ibr": kind == "roster" and params.get("ibr") == "y"}


def check(group, t):
    """Valid: the parsed fields match. Invalid: parsing fails for the stated reason."""
    try:
        got, reason = parse(t["uri"]), None
    except Fail as e:
        got, reason = None, str(e)
    if t["result"] == "valid":
        if reason is not None:
            return [f"valid URI rejected: {reason}"]
        return [] if got == t["expected"] else [f"parsed {got}"]
    if t["result"] == "acceptable":
        return [] if reason is not None or "expected" not in t or got == t["expected"] else [f"parsed {got}"]
    return [] if reason == t["error"] else [f"expected failure {t['error']!r}, got {reason!r}"]
