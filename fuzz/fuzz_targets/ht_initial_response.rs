//! XEP-0484 HT-* initiator messages (the SASL2 initial response of a FAST login), as proto parses
//! and verifies them for the reference server.
//! Input: one control byte (mechanism, mode, draft), then the message (raw mode) or, in forge mode,
//! `authcid NUL extras` from which the target builds the correct message for a fixed token and
//! channel-binding data and then flips one bit of it after the authcid (or not).
//! Oracles: no panic; a parsed message re-assembles to exactly the input bytes; a message verifies
//! against the token only if its MAC is the token's MAC (a correct one always verifies, any single
//! bit flip never does).
#![no_main]

use gatecheck_proto::sasl::ht::{self, HtDraft, HtMechanism};
use libfuzzer_sys::fuzz_target;

const TOKEN: &[u8] = b"fast-WB3MOdAZ5M7bWfw0fNzHk5BEtRCSwn7R";
const CB: &[u8] = &[0x42; 32];
const NAMES: [&str; 5] = [
    "HT-SHA-256-NONE",
    "HT-SHA-256-EXPR",
    "HT-SHA-256-ENDP",
    "HT-SHA-512-NONE",
    "HT-SHA3-256-UNIQ",
];

fuzz_target!(|data: &[u8]| {
    let Some((&control, rest)) = data.split_first() else {
        return;
    };
    let Some(mech) = HtMechanism::from_name(NAMES[usize::from(control & 7) % NAMES.len()]) else {
        return;
    };
    let cb: &[u8] = if mech.binding.is_some() { CB } else { b"" };
    let forge = control & 8 != 0;
    let draft = if control & 16 != 0 {
        HtDraft::Ietf01
    } else {
        HtDraft::Schmaus09
    };
    let flip = control & 32 != 0;

    let (msg, flipped) = if forge {
        let mut parts = rest.splitn(2, |&b| b == 0);
        let authcid = std::str::from_utf8(parts.next().unwrap_or_default()).unwrap_or("user");
        let extras = parts.next().unwrap_or_default();
        let Ok(mut msg) = ht::initiator_message(mech, draft, authcid, TOKEN, cb, extras) else {
            return;
        };
        if flip {
            // The bit to flip: anywhere after the authcid's NUL (the authcid itself is not under
            // the MAC by design: the server binds the token to the account by looking it up).
            let start = authcid.len() + 1;
            let span = (msg.len() - start) * 8;
            let at = (extras.len() * 7 + usize::from(control >> 6) * 131) % span;
            msg[start + at / 8] ^= 1 << (at % 8);
        }
        (msg, flip)
    } else {
        (rest.to_vec(), false)
    };

    let Ok(parsed) = ht::parse_initiator(mech, &msg) else {
        assert!(
            !forge || flipped,
            "a message built by initiator_message does not parse"
        );
        return;
    };
    // Re-assembly: authcid NUL [extras NUL] mac.
    let mut again = parsed.authcid.as_bytes().to_vec();
    again.push(0);
    if let Some(extras) = &parsed.extras {
        again.extend_from_slice(extras);
        again.push(0);
        assert_eq!(parsed.reply_draft(), HtDraft::Ietf01);
    }
    again.extend_from_slice(&parsed.mac);
    assert_eq!(again, msg, "parse lost or invented bytes");

    let verified = parsed.verify(mech, TOKEN, cb).is_ok();
    let extras = parsed.extras.as_deref().unwrap_or_default();
    let expected = ht::ht_hmac(mech.hash, TOKEN, b"Initiator", cb, extras);
    assert_eq!(
        verified,
        parsed.mac == expected,
        "verify disagrees with the MAC"
    );
    if forge {
        assert_eq!(
            verified, !flipped,
            "forged message: verified={verified}, flipped={flipped}"
        );
    }
});
