//! XML-level mutations: applied to element trees before rendering (duplicated or missing
//! attributes, wrong namespaces, reordered children, oversized text, deep nesting) and to whole scripts after
//! (split writes, invalid UTF-8, truncation, a disconnect in the middle of the handshake).

use super::rng::Rng;
use super::tree::{Child, Node, merge};
use gatecheck_proto::script::{Piece, Script, Step};

/// Namespaces a mutated element may wrongly carry.
const WRONG_NS: &[&str] = &[
    "urn:xmpp:sasl:0",
    "urn:ietf:params:xml:ns:xmpp-sasl",
    "jabber:server",
    "urn:gatecheck:bogus",
    "",
];

/// One random tree mutation, somewhere in `node`.
pub fn mutate_node(node: &mut Node, rng: &mut Rng) {
    // Pick a descendant (or the node itself) to change.
    let target = pick_descendant(node, rng);
    match rng.below(7) {
        0 => {
            if let Some(a) = target.attrs.first().cloned() {
                target.attrs.push(a);
            } else {
                target
                    .attrs
                    .push(("id".into(), vec![Piece::Text("a".into())]));
                target
                    .attrs
                    .push(("id".into(), vec![Piece::Text("b".into())]));
            }
        }
        1 => target.ns = rng.pick(WRONG_NS).map(|s| (*s).to_owned()),
        2 => {
            target.children.reverse();
            if target.children.len() < 2 {
                target.children.push(Child::Node(Node::plain("extra")));
                target.children.reverse();
            }
        }
        3 => {
            let times = [1_000u16, 20_000, 65_535][rng.below(3)];
            target.children.push(Child::Text(vec![Piece::Repeat {
                pieces: vec![Piece::Text("AAAAAAAA".into())],
                times,
            }]));
        }
        4 => {
            let depth = [64u16, 1_000, 10_000][rng.below(3)];
            target.children.push(Child::Text(vec![
                Piece::Repeat {
                    pieces: vec![Piece::Text("<x>".into())],
                    times: depth,
                },
                Piece::Repeat {
                    pieces: vec![Piece::Text("</x>".into())],
                    times: depth,
                },
            ]));
        }
        5 => {
            // A required attribute gone (`mechanism`, `type`, `id`, `token`).
            if !target.attrs.is_empty() {
                let i = rng.below(target.attrs.len());
                target.attrs.remove(i);
            }
        }
        _ => {
            let many = [100u16, 5_000][rng.below(2)];
            target.children.push(Child::Text(vec![Piece::Repeat {
                pieces: vec![Piece::Text("<a b='c'/>".into())],
                times: many,
            }]));
        }
    }
}

fn pick_descendant<'a>(node: &'a mut Node, rng: &mut Rng) -> &'a mut Node {
    let has_child = node.children.iter().any(|c| matches!(c, Child::Node(_)));
    if !has_child || rng.chance(50) {
        return node;
    }
    let kids: Vec<usize> = node
        .children
        .iter()
        .enumerate()
        .filter(|(_, c)| matches!(c, Child::Node(_)))
        .map(|(i, _)| i)
        .collect();
    let i = kids[rng.below(kids.len())];
    match &mut node.children[i] {
        Child::Node(n) => pick_descendant(n, rng),
        Child::Text(_) => unreachable!("filtered to element children"),
    }
}

/// One random byte-level mutation of the script: split writes, invalid UTF-8 in a write, a
/// truncated write, or a disconnect in the middle.
pub fn mutate_script(script: &mut Script, rng: &mut Rng) {
    let sends: Vec<usize> = script
        .steps
        .iter()
        .enumerate()
        .filter(|(_, s)| matches!(s, Step::Send { .. }))
        .map(|(i, _)| i)
        .collect();
    let Some(&at) = rng.pick(&sends) else {
        return;
    };
    match rng.below(4) {
        0 => {
            if let Step::Send { chunks, .. } = &mut script.steps[at] {
                *chunks = 2 + rng.below(14) as u8;
            }
        }
        1 => {
            if let Step::Send { pieces, .. } = &mut script.steps[at] {
                let bad: &[&[u8]] = &[
                    b"\xff\xfe",
                    b"\xc3\x28",
                    b"\xed\xa0\x80",
                    b"\xf8\x88\x80\x80\x80",
                    b"\0",
                ];
                let pos = rng.below(pieces.len() + 1);
                let bytes = bad[rng.below(bad.len())].to_vec();
                pieces.insert(pos, Piece::Bytes(bytes));
            }
        }
        2 => {
            if let Step::Send { pieces, .. } = &mut script.steps[at] {
                truncate(pieces, rng);
            }
        }
        _ => {
            script.steps.insert(at + 1, Step::Disconnect);
        }
    }
}

/// Cuts the last text piece short (an element that never ends).
fn truncate(pieces: &mut Vec<Piece>, rng: &mut Rng) {
    if let Some(Piece::Text(t)) = pieces
        .iter_mut()
        .rev()
        .find(|p| matches!(p, Piece::Text(_)))
    {
        let chars: Vec<char> = t.chars().collect();
        if chars.len() > 1 {
            let keep = 1 + rng.below(chars.len() - 1);
            *t = chars[..keep].iter().collect();
        }
    }
    let merged = merge(std::mem::take(pieces));
    *pieces = merged;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_mutations_change_the_rendering() {
        let base = Node::new("iq", "jabber:client")
            .attr("type", "get")
            .child(Node::new("query", "jabber:iq:register"));
        let mut changed = 0;
        for i in 0..50 {
            let mut rng = Rng::for_session(3, i);
            let mut n = base.clone();
            mutate_node(&mut n, &mut rng);
            if n.render() != base.render() {
                changed += 1;
            }
        }
        assert!(changed >= 45, "{changed}");
    }
}
