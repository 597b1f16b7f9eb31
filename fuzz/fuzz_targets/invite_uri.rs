//! `xmpp:` URIs (RFC 5122) and XEP-0401 invitation URIs as proto parses them.
//! Oracles: no panic; a parsed URI formats to a string that parses to the same value (for both
//! the generic and the invitation form), and formatting is then stable; an invitation never has
//! an empty preauth token and a roster invitation always names a contact with a localpart;
//! percent-encoding any decoded component decodes back to it.
#![no_main]

use gatecheck_proto::uri::{InviteKind, InviteUri, XmppUri, percent_decode, percent_encode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(uri) = XmppUri::parse(s) {
        let text = uri.to_string();
        let again = XmppUri::parse(&text);
        assert_eq!(again.as_ref(), Ok(&uri), "{s:?} formatted as {text:?}");
        assert_eq!(again.map(|u| u.to_string()).as_deref(), Ok(text.as_str()));
        for (k, v) in &uri.params {
            for part in [k, v] {
                assert_eq!(
                    percent_decode(&percent_encode(part), &[]).as_ref(),
                    Ok(part)
                );
            }
        }
    }
    if let Ok(invite) = InviteUri::parse(s) {
        assert!(!invite.preauth.is_empty());
        assert!(invite.jid.is_bare());
        if invite.kind == InviteKind::Roster {
            assert!(invite.jid.node().is_some());
        }
        let text = invite.to_string();
        assert_eq!(
            InviteUri::parse(&text).as_ref(),
            Ok(&invite),
            "{s:?} formatted as {text:?}"
        );
    }
    assert_eq!(
        percent_decode(&percent_encode(s), &[';', '=']).as_deref(),
        Ok(s)
    );
});
