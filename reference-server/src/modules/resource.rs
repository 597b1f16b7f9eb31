//! Server-generated resourceparts, shared by Bind 2 and RFC 6120 resource binding.

/// Longest client-supplied prefix (Bind 2 `<tag/>` or RFC 6120 `<resource/>`) we keep; RFC 7622
/// allows 1023 bytes, but long resources only bloat every stanza.
pub const MAX_PREFIX: usize = 64;

/// 8 random bytes in hex: unpredictable, so a resource never leaks anything about the client
/// (SASL2-39: never the user-agent id).
pub fn random_suffix() -> String {
    let mut b = [0u8; 8];
    // On RNG failure, fall back to the stream-id generator's own randomness path.
    if getrandom::fill(&mut b).is_err() {
        return crate::c2s::stream_error::new_stream_id();
    }
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Whether a client-supplied resource prefix is acceptable as-is: non-empty, bounded, and free of
/// whitespace and control characters (a conservative subset of RFC 7613 OpaqueString).
pub fn acceptable(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_PREFIX
        && !s.chars().any(|c| c.is_control() || c.is_whitespace())
}

/// `prefix.<random>` when the prefix is acceptable, else just `<random>`.
pub fn generate(prefix: Option<&str>) -> String {
    match prefix {
        Some(p) if acceptable(p) => format!("{p}.{}", random_suffix()),
        _ => random_suffix(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generates() {
        let r = generate(Some("Conv"));
        assert!(r.starts_with("Conv.") && r.len() == 5 + 16, "{r}");
        assert_ne!(generate(None), generate(None));
        assert!(!generate(Some("a b")).contains(' '));
        assert!(!acceptable(&"x".repeat(MAX_PREFIX + 1)));
    }
}
