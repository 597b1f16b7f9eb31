//! A small element tree whose attribute values and text are script pieces (so fixtures can sit
//! inside markup): the grammar builds stanzas as trees, the mutator rearranges them, and both
//! render to [`Piece`]s. Rendering escapes nothing: texts are written by the grammar, fixtures are
//! tokens and names without markup characters.

use gatecheck_proto::script::Piece;

/// One element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// The element name, with a prefix when the grammar wants one.
    pub name: String,
    /// `xmlns`, when the element sets it.
    pub ns: Option<String>,
    /// Attributes in order; duplicates are allowed (a mutation adds them).
    pub attrs: Vec<(String, Vec<Piece>)>,
    /// Children in order.
    pub children: Vec<Child>,
}

/// A child of a [`Node`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Child {
    /// A nested element.
    Node(Node),
    /// Character data.
    Text(Vec<Piece>),
}

impl Node {
    /// `<name xmlns='ns'/>`.
    pub fn new(name: &str, ns: &str) -> Node {
        Node {
            name: name.to_owned(),
            ns: Some(ns.to_owned()),
            attrs: Vec::new(),
            children: Vec::new(),
        }
    }

    /// An element inheriting its namespace.
    pub fn plain(name: &str) -> Node {
        Node {
            name: name.to_owned(),
            ns: None,
            attrs: Vec::new(),
            children: Vec::new(),
        }
    }

    /// With a literal attribute.
    pub fn attr(self, name: &str, value: &str) -> Node {
        self.attr_pieces(name, vec![Piece::Text(value.to_owned())])
    }

    /// With an attribute made of pieces.
    pub fn attr_pieces(mut self, name: &str, value: Vec<Piece>) -> Node {
        self.attrs.push((name.to_owned(), value));
        self
    }

    /// With a child element.
    pub fn child(mut self, child: Node) -> Node {
        self.children.push(Child::Node(child));
        self
    }

    /// With character data.
    pub fn text(mut self, pieces: Vec<Piece>) -> Node {
        self.children.push(Child::Text(pieces));
        self
    }

    /// The opening tag as pieces (`<name xmlns='…' a='v'>`).
    pub fn open_tag(&self) -> Vec<Piece> {
        let mut out = vec![Piece::Text(format!("<{}", self.name))];
        if let Some(ns) = &self.ns {
            out.push(Piece::Text(format!(" xmlns='{ns}'")));
        }
        for (name, value) in &self.attrs {
            out.push(Piece::Text(format!(" {name}='")));
            out.extend(value.iter().cloned());
            out.push(Piece::Text("'".into()));
        }
        out.push(Piece::Text(">".into()));
        out
    }

    /// The whole element as pieces.
    pub fn render(&self) -> Vec<Piece> {
        let mut out = self.open_tag();
        if self.children.is_empty() {
            if let Some(Piece::Text(last)) = out.last_mut() {
                *last = "/>".into();
            }
            return merge(out);
        }
        for c in &self.children {
            match c {
                Child::Node(n) => out.extend(n.render()),
                Child::Text(t) => out.extend(t.iter().cloned()),
            }
        }
        out.push(Piece::Text(format!("</{}>", self.name)));
        merge(out)
    }
}

/// Joins adjacent texts, so scripts (and findings) stay short and readable.
pub fn merge(pieces: Vec<Piece>) -> Vec<Piece> {
    let mut out: Vec<Piece> = Vec::with_capacity(pieces.len());
    for p in pieces {
        match (out.last_mut(), p) {
            (Some(Piece::Text(a)), Piece::Text(b)) => a.push_str(&b),
            (_, p) => out.push(p),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use gatecheck_proto::script::{Fixture, Fixtures, render};

    struct D;
    impl Fixtures for D {
        fn resolve(&self, f: Fixture) -> Option<Vec<u8>> {
            (f == Fixture::Domain).then(|| b"h".to_vec())
        }
    }

    #[test]
    fn renders_markup_with_fixtures() {
        let n = Node::new("iq", "jabber:client")
            .attr("type", "get")
            .attr_pieces("to", vec![Piece::Fixture(Fixture::Domain)])
            .child(Node::new("ping", "urn:xmpp:ping"));
        let (bytes, _) = render(&n.render(), &D);
        assert_eq!(
            bytes,
            b"<iq xmlns='jabber:client' type='get' to='h'><ping xmlns='urn:xmpp:ping'/></iq>"
        );
    }
}
