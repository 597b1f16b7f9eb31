//! Seed scripts from the suite's transcripts: every case of a `gatecheck run --report json=FILE`
//! report becomes one script per connection, its sent data as `Send` steps (a `StartTls` after
//! `<starttls/>`), redacted secrets as the matching fixtures and the suite target's domain as
//! `Fixture::Domain`. What the suite sent to the
//! reference server is the closest thing to real sessions the fuzzer can start from.

use gatecheck_proto::script::{Fixture, Piece, Script, Step};
use serde_json::Value;

/// The transcript's `[redacted:KIND]` markers and the fixture each stands for.
const MARKERS: [(&str, Fixture); 4] = [
    ("[redacted:password]", Fixture::Password),
    ("[redacted:token]", Fixture::FastToken),
    ("[redacted:invite-token]", Fixture::InviteToken),
    ("[redacted:client-secret]", Fixture::ClientSecret),
];

/// Text with redaction markers and the domain as pieces.
fn pieces(mut text: &str, domain: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let domain = (!domain.is_empty()).then_some((domain, Fixture::Domain));
    while !text.is_empty() {
        let next = MARKERS
            .iter()
            .copied()
            .chain(domain)
            .filter_map(|(m, f)| text.find(m).map(|at| (at, m, f)))
            .min_by_key(|(at, _, _)| *at);
        let Some((at, marker, fixture)) = next else {
            out.push(Piece::Text(text.to_owned()));
            break;
        };
        if at > 0 {
            out.push(Piece::Text(text[..at].to_owned()));
        }
        out.push(Piece::Fixture(fixture));
        text = &text[at + marker.len()..];
    }
    out
}

/// `(name, script)` for every connection of every case in `report` that sent something;
/// `domain` is the XMPP domain the suite ran against (`localhost` for the embedded server).
pub fn scripts_from_report(report: &Value, domain: &str) -> Vec<(String, Script)> {
    let mut scripts = Vec::new();
    let cases = report
        .get("cases")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    for case in cases {
        let id = case.get("id").and_then(Value::as_str).unwrap_or("case");
        let entries = case
            .get("transcript")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let mut conns: Vec<(String, Script)> = Vec::new();
        for e in entries {
            if e.get("dir").and_then(Value::as_str) != Some("sent") {
                continue;
            }
            let conn = e.get("conn").and_then(Value::as_str).unwrap_or("c");
            let text = e.get("text").and_then(Value::as_str).unwrap_or_default();
            let i = match conns.iter().position(|(c, _)| c == conn) {
                Some(i) => i,
                None => {
                    conns.push((conn.to_owned(), Script::default()));
                    conns.len() - 1
                }
            };
            let steps = &mut conns[i].1.steps;
            steps.push(Step::Send {
                pieces: pieces(text, domain),
                chunks: 1,
            });
            if text.contains("<starttls") {
                steps.push(Step::StartTls);
            }
        }
        for (conn, script) in conns {
            let name = format!("{id}-{conn}")
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            scripts.push((name, script));
        }
    }
    scripts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sent_entries_become_sends_with_fixtures_and_starttls() {
        let report = serde_json::json!({"cases": [{"id": "sasl2.plain", "transcript": [
            {"tMs": 0, "dir": "sent", "conn": "c1", "text": "<stream:stream to='localhost'>"},
            {"tMs": 1, "dir": "received", "conn": "c1", "text": "<stream:features/>"},
            {"tMs": 2, "dir": "sent", "conn": "c1", "text": "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"},
            {"tMs": 3, "dir": "sent", "conn": "c1", "text": "<p>[redacted:password]</p>"},
            {"tMs": 4, "dir": "note", "conn": "c1", "text": "x"},
            {"tMs": 5, "dir": "sent", "conn": "c2", "text": "[redacted:invite-token]"},
        ]}]});
        let scripts = scripts_from_report(&report, "localhost");
        assert_eq!(scripts.len(), 2);
        assert_eq!(scripts[0].0, "sasl2_plain-c1");
        let steps = &scripts[0].1.steps;
        assert_eq!(steps.len(), 4);
        assert_eq!(steps[2], Step::StartTls);
        assert_eq!(
            steps[0],
            Step::Send {
                pieces: vec![
                    Piece::Text("<stream:stream to='".into()),
                    Piece::Fixture(Fixture::Domain),
                    Piece::Text("'>".into())
                ],
                chunks: 1
            }
        );
        assert_eq!(
            steps[3],
            Step::Send {
                pieces: vec![
                    Piece::Text("<p>".into()),
                    Piece::Fixture(Fixture::Password),
                    Piece::Text("</p>".into())
                ],
                chunks: 1
            }
        );
        assert_eq!(
            scripts[1].1.steps,
            vec![Step::Send {
                pieces: vec![Piece::Fixture(Fixture::InviteToken)],
                chunks: 1
            }]
        );
    }
}
