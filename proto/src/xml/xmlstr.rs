//! Cheap-to-clone strings for element and attribute names and namespaces, and the bounded
//! per-parser table that shares them: a c2s stream repeats a few dozen names and namespaces,
//! so interning turns most of the tree's name allocations into a reference-count increment.

use std::borrow::Borrow;
use std::collections::HashSet;
use std::fmt;
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::ops::Deref;
use std::sync::Arc;

/// An immutable string that clones in O(1): a `&'static str` or a shared `Arc<str>`.
///
/// Compares, hashes and orders exactly like the `str` it holds (so `Borrow<str>` is sound and
/// a static and a shared copy of the same text are equal).
#[derive(Clone)]
pub struct XmlStr(Repr);

#[derive(Clone)]
enum Repr {
    Static(&'static str),
    Shared(Arc<str>),
}

impl XmlStr {
    /// Wraps a string literal without allocating, for constants such as namespaces.
    pub const fn from_static(s: &'static str) -> Self {
        Self(Repr::Static(s))
    }

    /// The text, like `String::as_str`, so `match x.as_str()` reads as it did on `String`.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Static(s) => s,
            Repr::Shared(s) => s,
        }
    }
}

impl Default for XmlStr {
    fn default() -> Self {
        Self::from_static("")
    }
}

impl Deref for XmlStr {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for XmlStr {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for XmlStr {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for XmlStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

impl fmt::Debug for XmlStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl PartialEq for XmlStr {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for XmlStr {}

impl PartialOrd for XmlStr {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for XmlStr {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl Hash for XmlStr {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl PartialEq<str> for XmlStr {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for XmlStr {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for XmlStr {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other.as_str()
    }
}

impl PartialEq<XmlStr> for str {
    fn eq(&self, other: &XmlStr) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<XmlStr> for &str {
    fn eq(&self, other: &XmlStr) -> bool {
        *self == other.as_str()
    }
}

impl PartialEq<XmlStr> for String {
    fn eq(&self, other: &XmlStr) -> bool {
        self.as_str() == other.as_str()
    }
}

impl From<&str> for XmlStr {
    fn from(s: &str) -> Self {
        if s.is_empty() {
            return Self::default();
        }
        Self(Repr::Shared(Arc::from(s)))
    }
}

impl From<&String> for XmlStr {
    fn from(s: &String) -> Self {
        Self::from(s.as_str())
    }
}

impl From<String> for XmlStr {
    fn from(s: String) -> Self {
        if s.is_empty() {
            return Self::default();
        }
        Self(Repr::Shared(Arc::from(s)))
    }
}

impl From<XmlStr> for String {
    fn from(s: XmlStr) -> Self {
        s.as_str().to_owned()
    }
}

/// FxHash-style hasher: the table is capped, so a hostile stream that forces collisions costs
/// at most a bounded probe, and SipHash's keyed protection is not worth its cost here.
#[derive(Default)]
struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0xf135_7aea_2e62_a9c5;
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.0 = (self.0 ^ u64::from_le_bytes(word)).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(K);
        }
    }
    fn finish(&self) -> u64 {
        self.0.rotate_left(26)
    }
}

/// Most distinct strings the table keeps; further strings get a fresh `Arc` each.
pub(crate) const INTERN_MAX_ENTRIES: usize = 512;
/// Most bytes of text the table keeps; a string longer than an eighth of this is never kept.
pub(crate) const INTERN_MAX_BYTES: usize = 32 * 1024;

/// A bounded per-parser string table: repeated names share one allocation, and a stream that
/// keeps inventing names cannot grow it past [`INTERN_MAX_ENTRIES`] / [`INTERN_MAX_BYTES`].
#[derive(Default)]
pub(crate) struct Interner {
    table: HashSet<XmlStr, BuildHasherDefault<FxHasher>>,
    bytes: usize,
}

impl fmt::Debug for Interner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Interner")
            .field("entries", &self.table.len())
            .field("bytes", &self.bytes)
            .finish()
    }
}

impl Interner {
    /// The shared copy of `s`, adding it if the table has room.
    pub fn intern(&mut self, s: &str) -> XmlStr {
        if s.is_empty() {
            return XmlStr::default();
        }
        if let Some(found) = self.table.get(s) {
            return found.clone();
        }
        let fresh = XmlStr::from(s);
        if self.table.len() < INTERN_MAX_ENTRIES
            && s.len() <= INTERN_MAX_BYTES / 8
            && self.bytes + s.len() <= INTERN_MAX_BYTES
        {
            self.bytes += s.len();
            self.table.insert(fresh.clone());
        }
        fresh
    }

    /// Number of strings kept, for tests of the bound.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.table.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn compares_and_hashes_like_str() {
        let a = XmlStr::from("jabber:client");
        let b = XmlStr::from_static("jabber:client");
        assert_eq!(a, b);
        assert!(a == "jabber:client");
        assert!(*"jabber:client" == a);
        let owned = String::from("jabber:client");
        assert!(a == owned);
        assert!(owned == a);
        assert!(a != "jabber:server");
        assert_eq!(a.len(), 13);
        assert_eq!(format!("{a}/{a:?}"), "jabber:client/\"jabber:client\"");
        let mut map = HashMap::new();
        map.insert(a, 1);
        assert_eq!(map.get("jabber:client"), Some(&1));
        assert_eq!(map.get(&b), Some(&1));
        assert_eq!(XmlStr::from(String::new()), XmlStr::default());
        let (lo, hi) = (XmlStr::from("a"), XmlStr::from("b"));
        assert!(lo < hi);
    }

    #[test]
    fn interner_shares_repeated_strings() {
        let mut t = Interner::default();
        let a = t.intern("message");
        let b = t.intern("message");
        match (&a.0, &b.0) {
            (Repr::Shared(x), Repr::Shared(y)) => assert!(Arc::ptr_eq(x, y)),
            _ => panic!("interned strings should be shared"),
        }
        assert_eq!(t.intern(""), "");
        assert_eq!(t.len(), 1);
    }

    #[test]
    fn interner_is_bounded() {
        let mut t = Interner::default();
        for i in 0..(INTERN_MAX_ENTRIES * 3) {
            let s = format!("name{i}");
            assert_eq!(t.intern(&s), s);
        }
        assert_eq!(t.len(), INTERN_MAX_ENTRIES);
        let long = "x".repeat(INTERN_MAX_BYTES);
        assert_eq!(t.intern(&long), long);
        assert!(t.bytes <= INTERN_MAX_BYTES);
        let mut t = Interner::default();
        let chunk = "y".repeat(INTERN_MAX_BYTES / 8 - 2);
        for i in 0..20 {
            t.intern(&format!("{i:02}{chunk}"));
        }
        assert!(t.bytes <= INTERN_MAX_BYTES);
        assert!((1..20).contains(&t.len()));
    }
}
