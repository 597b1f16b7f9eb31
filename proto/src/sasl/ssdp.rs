//! XEP-0474 SASL SCRAM Downgrade Protection: the `h=` value (0.4+/0.5.0) and the old `d=` form (≤0.3.1).
//!
//! Both sides compute the same hash over what was advertised; a mismatch reveals a stripped mechanism list.

use super::ScramHash;
use super::base64::encode;
use super::scram::primitives::hash;

fn sorted<S: AsRef<str>>(items: &[S]) -> Vec<&[u8]> {
    // i;octet (RFC 4790 §9.3) is plain byte order.
    let mut v: Vec<&[u8]> = items.iter().map(|s| s.as_ref().as_bytes()).collect();
    v.sort_unstable();
    v
}

fn join(out: &mut Vec<u8>, items: &[&[u8]], sep: u8) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(sep);
        }
        out.extend_from_slice(item);
    }
}

/// XEP-0474 §6.1: base64(H(sorted mechanisms ⟨0x1E⟩ [0x1F sorted cb types ⟨0x1E⟩])).
/// Pass an empty `cb_types` when XEP-0440 was not advertised.
pub fn downgrade_hash<M: AsRef<str>, C: AsRef<str>>(
    h: ScramHash,
    mechanisms: &[M],
    cb_types: &[C],
) -> String {
    legacy_or_new(h, mechanisms, cb_types, 0x1e, 0x1f)
}

/// The pre-0.4 `d=` value (`,` between items, `|` between the lists), still emitted by Prosody's module;
/// provided so the suite can recognise it.
pub fn legacy_downgrade_hash<M: AsRef<str>, C: AsRef<str>>(
    h: ScramHash,
    mechanisms: &[M],
    cb_types: &[C],
) -> String {
    legacy_or_new(h, mechanisms, cb_types, b',', b'|')
}

fn legacy_or_new<M: AsRef<str>, C: AsRef<str>>(
    h: ScramHash,
    mechanisms: &[M],
    cb_types: &[C],
    item: u8,
    list: u8,
) -> String {
    let mut s = Vec::new();
    join(&mut s, &sorted(mechanisms), item);
    if !cb_types.is_empty() {
        s.push(list);
        join(&mut s, &sorted(cb_types), item);
    }
    encode(&hash(h, &s))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NONE: [&str; 0] = [];

    #[test]
    fn digest_table_3_4() {
        let cb = ["tls-server-end-point", "tls-exporter"];
        let m1 = ["SCRAM-SHA-1-PLUS", "SCRAM-SHA-1"];
        assert_eq!(
            downgrade_hash(ScramHash::Sha1, &m1, &cb),
            "G6k/rBLDqgOhRRaCuuatSDFkJ08="
        );
        assert_eq!(
            legacy_downgrade_hash(ScramHash::Sha1, &m1, &cb),
            "dRc3RenuSY9ypgPpERowoaySQZY="
        );
        let m2 = [
            "SCRAM-SHA-256-PLUS",
            "PLAIN",
            "SCRAM-SHA-1",
            "SCRAM-SHA-256",
            "SCRAM-SHA-1-PLUS",
        ];
        assert_eq!(
            downgrade_hash(ScramHash::Sha256, &m2, &cb),
            "HsVT3zgfiif56i/w96g+XTr+Rx/Yfkw1VkxOAdVb9Wk="
        );
        assert_eq!(
            legacy_downgrade_hash(ScramHash::Sha256, &m2, &cb),
            "IOO9aGQHC/uUtOKnOtFehoxmxyv8qqDyJhaoE0qyojQ="
        );
        let m3 = ["SCRAM-SHA-256", "SCRAM-SHA-1"];
        assert_eq!(
            downgrade_hash(ScramHash::Sha256, &m3, &NONE),
            "0/NIECGLXv63MqTb7NyUI9Tqxi40YVZyx61umRrH924="
        );
        assert_eq!(
            legacy_downgrade_hash(ScramHash::Sha256, &m3, &NONE),
            "uRXNmYOdYnZFgcJqJgeOw6MHJs1QAe1u40LXP22g8/I="
        );
        assert_eq!(
            downgrade_hash(ScramHash::Sha1, &m3, &NONE),
            "FSE5W7a6v0IX0MXG41UntQjaPq0="
        );
        assert_eq!(
            legacy_downgrade_hash(ScramHash::Sha1, &m3, &NONE),
            "KEPDLNBVd3rQ52edI6z9rrNqkf4="
        );
    }
}
