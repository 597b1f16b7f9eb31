//! "Invalid for exactly one reason": audits every non-valid SCRAM vector. The messages are read
//! leniently (a malformed attribute is skipped, not fatal) and everything that can be recomputed
//! through `scram::primitives` is: the `c=` binding, both nonce rules, the iteration floor, `h=`,
//! the client proof and the server signature over the exchange's own AuthMessage. Only the checks
//! the test's flags name as its defect may fail, and at least one of those must (the defect is
//! really there). Written independently of `checker/scram.py`, which makes the same audit.

use super::scram::{ScramGroup, ScramTest};
use gatecheck_proto::sasl::scram::primitives as p;
use gatecheck_proto::sasl::{ScramHash, base64, ssdp};
use std::collections::BTreeSet;

/// Which recomputation a defect flag allows to differ.
const DEFECTS: &[(&str, &[&str])] = &[
    ("WrongProof", &["proof", "serverFinal"]),
    ("WrongServerSignature", &["serverFinal"]),
    ("ChannelBindingMismatch", &["cbind"]),
    ("NonceNotExtended", &["nonceExtends"]),
    ("NonceChanged", &["finalNonce"]),
    ("SsdpMismatch", &["ssdp"]),
    ("IterationCountBelowFloor", &["iterations"]),
];

/// The first value of attribute `name` in a possibly malformed message.
fn attr(msg: &str, name: char) -> Option<&str> {
    msg.split(',').find_map(|part| {
        let mut chars = part.chars();
        (chars.next() == Some(name) && chars.next() == Some('=')).then(|| &part[2..])
    })
}

fn decode(s: Option<&str>) -> Option<Vec<u8>> {
    base64::decode_strict(s?.as_bytes()).ok()
}

/// The checks that fail for this exchange.
fn failing(g: &ScramGroup, t: &ScramTest, h: ScramHash) -> BTreeSet<&'static str> {
    let mut bad = BTreeSet::new();
    let fin = t.client_final.as_str();
    let without_proof = fin.rfind(",p=").map_or(fin, |i| &fin[..i]);
    // The GS2 header: the longest prefix of client-first ending in ',' that c= starts with.
    let Some(cbind) = decode(attr(fin, 'c')) else {
        bad.insert("cbind");
        return bad;
    };
    let cf = t.client_first.as_bytes();
    let Some(gs2_len) = (1..=cf.len())
        .rev()
        .find(|&i| cf[i - 1] == b',' && cbind.starts_with(&cf[..i]))
    else {
        bad.insert("cbind");
        return bad;
    };
    let (gs2, bare) = t.client_first.split_at(gs2_len);
    let mut want_cb = gs2.as_bytes().to_vec();
    if gs2.starts_with("p=") {
        match super::hex("cbData", &t.cb_data) {
            Ok(cb) => want_cb.extend(cb),
            Err(_) => {
                bad.insert("cbind");
            }
        }
    }
    if cbind != want_cb {
        bad.insert("cbind");
    }
    let cnonce = attr(bare, 'r').unwrap_or("");
    let snonce = attr(&t.server_first, 'r').unwrap_or("");
    if !(snonce.starts_with(cnonce) && snonce.len() > cnonce.len()) {
        bad.insert("nonceExtends");
    }
    if attr(fin, 'r') != Some(snonce) {
        bad.insert("finalNonce");
    }
    if let Some(lists) = &t.ssdp {
        let want = ssdp::downgrade_hash(h, &lists.mechanisms, &lists.cb_types);
        if attr(&t.server_first, 'h') != Some(want.as_str()) {
            bad.insert("ssdp");
        }
    }
    let salt = decode(attr(&t.server_first, 's'));
    let rounds = attr(&t.server_first, 'i')
        .filter(|s| s.bytes().all(|b| b.is_ascii_digit()) && !s.starts_with('0'))
        .and_then(|s| s.parse::<u32>().ok());
    let (Some(salt), Some(rounds)) = (salt, rounds) else {
        return bad; // nothing more can be recomputed without the salt and count
    };
    if rounds < g.min_iterations {
        bad.insert("iterations");
    }
    let Ok(salted) = p::salted_password(h, &t.password, &salt, rounds) else {
        return bad;
    };
    let auth = p::auth_message(bare, &t.server_first, without_proof);
    let ck = p::client_key(h, &salted);
    if let Some(proof) = decode(attr(fin, 'p'))
        && proof != p::client_proof(h, &ck, auth.as_bytes())
    {
        bad.insert("proof");
    }
    let sig = p::server_signature(h, &p::server_key(h, &salted), auth.as_bytes());
    if t.server_final != format!("v={}", base64::encode(&sig)) {
        bad.insert("serverFinal");
    }
    bad
}

/// `Err` when a non-valid vector is inconsistent beyond its flagged defect, or lacks that defect.
pub fn audit(g: &ScramGroup, t: &ScramTest) -> Result<(), String> {
    let allowed: BTreeSet<&str> = DEFECTS
        .iter()
        .filter(|(flag, _)| t.flags.iter().any(|f| f == flag))
        .flat_map(|(_, checks)| checks.iter().copied())
        .collect();
    let bad = failing(g, t, g.hash.scram());
    let extra: Vec<&str> = bad.difference(&allowed).copied().collect();
    if !extra.is_empty() {
        return Err(format!(
            "otherwise inconsistent: {} does not recompute",
            extra.join(", ")
        ));
    }
    if !allowed.is_empty() && bad.is_disjoint(&allowed) {
        let named: Vec<&str> = allowed.into_iter().collect();
        return Err(format!(
            "the named defect ({}) is not present",
            named.join(", ")
        ));
    }
    Ok(())
}
