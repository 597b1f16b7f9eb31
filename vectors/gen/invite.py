"""Writes invite-uri.json. Expected parses are written by hand from RFC 5122, XEP-0147, XEP-0379, XEP-0401, XEP-0445."""
from common import FileBuilder

NOTES = {
    "SpecExample": "URI shape from the cited XEP's examples (digest section 4.3).",
    "Derived": "Written for gatecheck from the URI grammar; not published elsewhere.",
    "AccountFixedUser": "Account invitation with the username fixed (register querytype with a node).",
    "AccountAnyUser": "Account invitation where the invitee chooses the username (register, no node).",
    "ContactInvite": "Contact (roster) invitation, XEP-0379.",
    "ContactWithIbr": "Contact invitation that also allows registration on the inviter's server (ibr=y).",
    "PercentEncoded": "Node or token is percent-encoded (RFC 3986 section 2.1, RFC 5122 section 2.7); decode to UTF-8.",
    "Utf8Iri": "Raw non-ASCII UTF-8 in the node (IRI form, RFC 5122 section 2.8).",
    "PlusLiteral": "'+' in a value is a literal plus (RFC 3986), not a space.",
    "ExtraParameter": "An additional, unknown key=value parameter that consumers ignore.",
    "NoPreauth": "The querytype is an invite querytype but preauth is missing or empty. Invalid as an invitation, by definition rather than by a MUST: XEP-0379 section 3.2 makes an invitation link the roster action plus a preauth parameter carrying the token, and XEP-0401 sections 5.1/5.4 give the uri formats (SHOULD) with preauth=TOKEN; without a token there is nothing to redeem (the URI may still be an ordinary XEP-0147 action, which is not what this family parses).",
    "BadPercentEscape": "'%' not followed by two hex digits, or the escapes do not decode to UTF-8. Invalid by RFC 3986 section 2.1 (pct-encoded = \"%\" HEXDIG HEXDIG) and RFC 5122 sections 2.7/2.8 (the octets of an XMPP URI are UTF-8).",
    "EmptyHost": "The domain part is empty (or the node is empty before '@'). Invalid by RFC 5122 section 2.2 with RFC 6122 section 2.2 (a domainpart MUST NOT be zero bytes) and section 2.3 (a localpart, if present, MUST NOT be zero bytes).",
    "UnknownQuerytype": "A querytype other than register / roster. Invalid as an invitation, by definition rather than by a MUST: XEP-0379 section 3.2 defines preauth for ?roster and XEP-0401 sections 5.1/5.4 (with XEP-0445) for ?register; no other querytype carries an invitation.",
    "NotXmppUri": "Not an xmpp: URI (another scheme). Invalid by RFC 5122 section 2.2 (the scheme is xmpp) and XEP-0401/XEP-0379, whose invitations are xmpp: URIs.",
    "AuthorityForm": "The RFC 5122 section 2.3 authority form xmpp://account/target?query. A choice where the specifications are silent: it is a well-formed XMPP URI (the authority names the account to act as), and XEP-0379 and XEP-0401 show invitations only in the path form without saying whether an authority may appear, so a consumer may reject it (gatecheck does, with not-xmpp-uri) or read the invitation for the target JID, which must then give exactly `expected`.",
    "DuplicateKey": "preauth given twice. A choice where the specifications are silent: RFC 5122 and XEP-0147 do not say what a repeated key means, so a consumer may reject the URI (gatecheck does, with duplicate-key) or pick one value; neither is required.",
    "BadParameter": "A parameter is not key=value. Invalid by the RFC 5122 section 2.2 ABNF (querycomp = querytype [ *pair ], pair = \";\" key \"=\" value): a pair without '=' does not match.",
}

VALID = [
    ("xmpp:juliet@example.com?register;preauth=TOKEN", "register", "juliet@example.com", "TOKEN", False,
     ["SpecExample", "AccountFixedUser"]),
    ("xmpp:example.com?register;preauth=TOKEN", "register", "example.com", "TOKEN", False,
     ["SpecExample", "AccountAnyUser"]),
    ("xmpp:romeo@example.com?roster;preauth=TOKEN", "roster", "romeo@example.com", "TOKEN", False,
     ["SpecExample", "ContactInvite"]),
    ("xmpp:romeo@example.com?roster;preauth=TOKEN;ibr=y", "roster", "romeo@example.com", "TOKEN", True,
     ["SpecExample", "ContactWithIbr"]),
    ("xmpp:romeo@montague.net?roster;preauth=1tMFqYDdKhfe2pwp;name=Romeo+Montague", "roster", "romeo@montague.net",
     "1tMFqYDdKhfe2pwp", False, ["SpecExample", "ContactInvite", "ExtraParameter"]),
    ("xmpp:juli%C3%A9t@example.com?register;preauth=abc", "register", "juli\u00e9t@example.com", "abc", False,
     ["Derived", "PercentEncoded", "AccountFixedUser"]),
    ("xmpp:j\u00fcliet@example.com?register;preauth=abc", "register", "j\u00fcliet@example.com", "abc", False,
     ["Derived", "Utf8Iri", "AccountFixedUser"]),
    ("xmpp:example.com?register;preauth=a%2Fb%3Bc%3D", "register", "example.com", "a/b;c=", False,
     ["Derived", "PercentEncoded", "AccountAnyUser"]),
    ("xmpp:example.com?register;preauth=a+b", "register", "example.com", "a+b", False,
     ["Derived", "PlusLiteral", "AccountAnyUser"]),
    ("xmpp:romeo@example.com?roster;ibr=y;preauth=T0k3n", "roster", "romeo@example.com", "T0k3n", True,
     ["Derived", "ContactWithIbr"]),
]
INVALID = [
    ("xmpp:example.com?register", "missing-preauth", ["NoPreauth"]),
    ("xmpp:romeo@example.com?roster;preauth=", "missing-preauth", ["NoPreauth"]),
    ("xmpp:romeo@example.com?roster;name=Romeo", "missing-preauth", ["NoPreauth"]),
    ("xmpp:example.com?register;preauth=ab%zz", "bad-percent-encoding", ["BadPercentEscape"]),
    ("xmpp:ju%4@example.com?register;preauth=abc", "bad-percent-encoding", ["BadPercentEscape"]),
    ("xmpp:ju%FFx@example.com?register;preauth=abc", "bad-percent-encoding", ["BadPercentEscape"]),
    ("xmpp:juliet@?register;preauth=abc", "empty-host", ["EmptyHost"]),
    ("xmpp:?register;preauth=abc", "empty-host", ["EmptyHost"]),
    ("xmpp:romeo@example.com?message;preauth=abc", "unknown-querytype", ["UnknownQuerytype"]),
    ("xmpp:romeo@example.com?subscribe;preauth=abc", "unknown-querytype", ["UnknownQuerytype"]),
    ("https://example.com/invite/#abc", "not-xmpp-uri", ["NotXmppUri"]),
    ("xmpp:example.com?register;preauth", "bad-parameter", ["BadParameter"]),
]

# Choices where the specifications are silent: rejection conforms, and acceptance must give `expected` (if stated).
ACCEPTABLE = [
    ("xmpp://romeo@example.com/juliet@example.com?register;preauth=abc",
     {"kind": "register", "jid": "juliet@example.com", "preauth": "abc", "ibr": False}, ["AuthorityForm"]),
    ("xmpp:example.com?register;preauth=a;preauth=b", None, ["DuplicateKey"]),
]


def main():
    fb = FileBuilder("InviteUri", ["RFC 5122 sections 2.2-2.8", "RFC 3986 section 2.1", "XEP-0147 1.2",
                                   "XEP-0379 0.3.3 section 3.2", "XEP-0401 sections 5.1, 5.4", "XEP-0445 section 2"],
                     NOTES)
    g = fb.group(type="InviteUri")
    for uri, kind, jid, token, ibr, flags in VALID:
        fb.add(g, uri, "valid", flags, uri=uri, expected={"kind": kind, "jid": jid, "preauth": token, "ibr": ibr})
    for uri, err, flags in INVALID:
        fb.add(g, uri, "invalid", flags, uri=uri, error=err)
    for uri, expected, flags in ACCEPTABLE:
        fields = {"uri": uri} if expected is None else {"uri": uri, "expected": expected}
        fb.add(g, uri, "acceptable", flags, **fields)
    fb.write("invite-uri.json")


if __name__ == "__main__":
    main()
