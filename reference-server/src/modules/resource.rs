//! Server-generated resourceparts, shared by Bind 2 and RFC 6120 resource binding.

/// Longest client-supplied prefix (Bind 2 `<tag/>` or RFC 6120 `<resource/>`) we keep; RFC 7622
/// allows 1023 bytes, but long resources only bloat every stanza.
pub const MAX_PREFIX: usize = 64;

use crate::env::Env;

/// 8 random bytes in hex: unpredictable, so a resource never leaks anything about the client
/// (SASL2-39: never the user-agent id).
pub fn random_suffix(env: &Env) -> String {
    env.random_hex(8)
}

/// Whether a client-supplied resource prefix is acceptable as-is: non-empty, bounded, and free of
/// whitespace and control characters (a conservative subset of RFC 7613 OpaqueString).
pub fn acceptable(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_PREFIX
        && !s.chars().any(|c| c.is_control() || c.is_whitespace())
}

/// `prefix.<random>` when the prefix is acceptable, else just `<random>`.
pub fn generate(prefix: Option<&str>, env: &Env) -> String {
    match prefix {
        Some(p) if acceptable(p) => format!("{p}.{}", random_suffix(env)),
        _ => random_suffix(env),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generates() {
        let env = Env::deterministic(std::time::SystemTime::UNIX_EPOCH, 9);
        let r = generate(Some("Conv"), &env);
        assert!(r.starts_with("Conv.") && r.len() == 5 + 16, "{r}");
        assert_ne!(generate(None, &env), generate(None, &env));
        assert!(!generate(Some("a b"), &env).contains(' '));
        assert!(!acceptable(&"x".repeat(MAX_PREFIX + 1)));
    }
}
