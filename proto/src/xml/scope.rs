//! In-scope namespace bindings, stored in one arena so declaring a namespace does not allocate.

/// A stack of `(prefix, namespace)` bindings, innermost last; the empty prefix is the default
/// namespace. Namespaces live in a shared string arena truncated together with the stack.
#[derive(Debug, Default)]
pub(crate) struct Scope {
    arena: String,
    /// `(prefix, start, end)` with the namespace at `arena[start..end]`.
    bindings: Vec<(String, usize, usize)>,
}

impl Scope {
    /// Declares `prefix` as `ns` until the scope is truncated below this point.
    pub fn push(&mut self, prefix: &str, ns: &str) {
        let start = self.arena.len();
        self.arena.push_str(ns);
        self.bindings
            .push((prefix.to_owned(), start, self.arena.len()));
    }

    /// The current depth, to pass to [`Scope::truncate`] when the element closes.
    pub fn mark(&self) -> usize {
        self.bindings.len()
    }

    /// Drops the bindings made since `mark`.
    pub fn truncate(&mut self, mark: usize) {
        if let Some(&(_, start, _)) = self.bindings.get(mark) {
            self.arena.truncate(start);
        }
        self.bindings.truncate(mark);
    }

    /// True if `prefix` was declared after `mark`, i.e. twice on the same start tag.
    pub fn declared_since(&self, mark: usize, prefix: &str) -> bool {
        self.bindings
            .get(mark..)
            .is_some_and(|new| new.iter().any(|(p, _, _)| p == prefix))
    }

    /// The namespace bound to `prefix`, innermost first.
    pub fn resolve(&self, prefix: &str) -> Option<&str> {
        self.bindings
            .iter()
            .rev()
            .find(|(p, _, _)| p == prefix)
            .and_then(|&(_, start, end)| self.arena.get(start..end))
    }

    /// All bindings, outermost first (duplicates included).
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.bindings
            .iter()
            .map(|(p, start, end)| (p.as_str(), self.arena.get(*start..*end).unwrap_or_default()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_scopes() {
        let mut s = Scope::default();
        s.push("", "jabber:client");
        let mark = s.mark();
        s.push("", "urn:x");
        s.push("p", "urn:p");
        assert_eq!(s.resolve(""), Some("urn:x"));
        assert_eq!(s.resolve("p"), Some("urn:p"));
        s.truncate(mark);
        assert_eq!(s.resolve(""), Some("jabber:client"));
        assert_eq!(s.resolve("p"), None);
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![("", "jabber:client")]);
    }
}
