//! Renders a case transcript as readable, deterministic lines for snapshots: one line per top-level
//! XML unit, with timestamps dropped and per-run randomness (stream ids, SCRAM nonces, salts, proofs,
//! server-generated resources, ephemeral ports, TLS bytes) replaced by stable markers.

mod frame;
mod http;
mod scram;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use frame::Framer;
use gatecheck::transcript::{Direction, RenderedEntry};
use std::collections::BTreeMap;

/// Elements whose text content is base64 SASL data.
const B64_ELEMENTS: [&str; 6] = [
    "initial-response",
    "challenge",
    "response",
    "additional-data",
    "success",
    "auth",
];

/// Render entries as lines; randomness and timing are normalised away.
pub fn render(entries: &[RenderedEntry], target: &str) -> String {
    let mut framers: BTreeMap<(String, &'static str), Framer> = BTreeMap::new();
    let mut out = String::new();
    for e in entries {
        let arrow = match e.dir {
            Direction::Sent => "C->S",
            Direction::Received => "S->C",
            Direction::Note => {
                out.push_str(&format!("note: {}\n", normalise_text(&e.text, target)));
                continue;
            }
        };
        if e.conn.starts_with("http") {
            for line in http::normalise(&e.text) {
                out.push_str(&format!(
                    "{arrow} [{}] {}\n",
                    e.conn,
                    normalise_text(&line, target)
                ));
            }
            continue;
        }
        let framer = framers.entry((e.conn.clone(), arrow)).or_default();
        for unit in framer.push(&e.text) {
            out.push_str(&format!(
                "{arrow} [{}] {}\n",
                e.conn,
                normalise_unit(&unit, target)
            ));
        }
    }
    for ((conn, arrow), mut framer) in framers {
        if let Some(rest) = framer.finish() {
            out.push_str(&format!(
                "{arrow} [{conn}] (incomplete) {}\n",
                normalise_unit(&rest, target)
            ));
        }
    }
    replace_client_installations(&out)
}

/// The FAST cases pick a random user-agent id per client installation and note it as
/// `client installation TAG: user-agent id UUID`: each such id becomes `<ua:TAG>`.
fn replace_client_installations(text: &str) -> String {
    const NOTE: &str = "note: client installation ";
    let ids: Vec<(String, String)> = text
        .lines()
        .filter_map(|l| l.strip_prefix(NOTE)?.split_once(": user-agent id "))
        .map(|(tag, id)| (id.trim().to_owned(), format!("<ua:{tag}>")))
        .filter(|(id, _)| !id.is_empty())
        .collect();
    ids.iter().fold(text.to_owned(), |t, (id, marker)| {
        t.replace(id.as_str(), marker)
    })
}

/// Normalise one XML unit: TLS/binary bytes, stream ids, base64 SASL payloads, then free text.
fn normalise_unit(unit: &str, target: &str) -> String {
    if unit
        .chars()
        .any(|c| c == '\u{fffd}' || (c.is_control() && !c.is_whitespace()))
    {
        return "<binary data (TLS or non-UTF-8)>".to_owned();
    }
    let mut s = unit.to_owned();
    if s.contains(":stream ") || s.starts_with("<stream ") || s.starts_with("<?xml") {
        s = replace_attr(&s, "id", "<stream-id>");
    }
    for name in B64_ELEMENTS {
        s = replace_element_text(&s, name, normalise_b64);
    }
    // FAST token expiry: a timestamp of the run.
    s = replace_attr(&s, "expiry", "<expiry>");
    normalise_text(&s, target)
}

/// Replace the value of every ` NAME='...'` / ` NAME="..."` attribute.
fn replace_attr(s: &str, name: &str, marker: &str) -> String {
    let mut out = s.to_owned();
    for q in ['\'', '"'] {
        let pat = format!(" {name}={q}");
        let mut from = 0;
        while let Some(p) = out[from..].find(&pat) {
            let vstart = from + p + pat.len();
            let Some(vlen) = out[vstart..].find(q) else {
                break;
            };
            out.replace_range(vstart..vstart + vlen, marker);
            from = vstart + marker.len();
        }
    }
    out
}

/// Apply `f` to the text content of every `<name ...>text</name>` (no nested markup).
fn replace_element_text(s: &str, name: &str, f: fn(&str) -> String) -> String {
    let mut out = String::new();
    let mut rest = s;
    let close = format!("</{name}>");
    while let Some(p) = find_open(rest, name) {
        let Some(gt) = rest[p..].find('>') else {
            break;
        };
        let body_start = p + gt + 1;
        if rest[..body_start].ends_with("/>") {
            out.push_str(&rest[..body_start]);
            rest = &rest[body_start..];
            continue;
        }
        let Some(len) = rest[body_start..].find(&close) else {
            break;
        };
        let body = &rest[body_start..body_start + len];
        out.push_str(&rest[..body_start]);
        if let Some(lt) = body.find('<') {
            // Mixed content (base64 followed by an extra child): normalise the leading text.
            let (text, markup) = body.split_at(lt);
            if !text.trim().is_empty() {
                out.push_str(&f(text));
            }
            out.push_str(markup);
        } else {
            out.push_str(&f(body));
        }
        rest = &rest[body_start + len..];
    }
    out.push_str(rest);
    out
}

fn find_open(s: &str, name: &str) -> Option<usize> {
    let pat = format!("<{name}");
    let mut from = 0;
    while let Some(p) = s[from..].find(&pat) {
        let at = from + p;
        match s[at + pat.len()..].chars().next() {
            Some(' ' | '>' | '/') => return Some(at),
            _ => from = at + pat.len(),
        }
    }
    None
}

/// A base64 SASL payload: SCRAM text is decoded and normalised inside, anything else is sized.
fn normalise_b64(body: &str) -> String {
    let t = body.trim();
    if t.is_empty() || t == "=" || t.starts_with("[redacted:") {
        return body.to_owned();
    }
    match STANDARD.decode(t) {
        Ok(bytes) => match std::str::from_utf8(&bytes) {
            Ok(text) if scram::looks_like_scram(text) => {
                format!("b64{{{}}}", scram::normalise(text))
            }
            _ => format!("<b64:{} bytes>", bytes.len()),
        },
        // Deliberately malformed base64 (line-wrapped, padding removed or doubled) still carries
        // per-run SCRAM values: decode it leniently and mark it `b64~{…}`.
        Err(_) => {
            let compact: String = t.chars().filter(|c| !c.is_whitespace()).collect();
            let lenient = base64::engine::general_purpose::STANDARD_NO_PAD
                .decode(compact.trim_end_matches('='))
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .filter(|text| scram::looks_like_scram(text));
            match lenient {
                Some(text) => format!("b64~{{{}}}", scram::normalise(&text)),
                None => body.to_owned(),
            }
        }
    }
}

/// Free-text normalisation shared by notes and XML: target/ports and server-generated resources.
fn normalise_text(s: &str, target: &str) -> String {
    let mut s = s.to_owned();
    if !target.is_empty() {
        s = s.replace(target, "<target>");
    }
    for host in ["127.0.0.1:", "localhost:", "[::1]:"] {
        s = replace_after(&s, host, |c| c.is_ascii_digit(), "<port>");
    }
    s = replace_generated_resource(&s);
    // The kit's per-process user-agent software and device strings (random hex suffix).
    for prefix in ["gcsw-", "gcdev-"] {
        s = replace_after(&s, prefix, |c| c.is_ascii_hexdigit(), "<hex>");
    }
    s
}

/// Replace the run of chars matching `keep` that follows each `prefix`.
fn replace_after(s: &str, prefix: &str, keep: fn(char) -> bool, marker: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(p) = rest.find(prefix) {
        let vstart = p + prefix.len();
        let vlen = rest[vstart..]
            .find(|c: char| !keep(c))
            .unwrap_or(rest.len() - vstart);
        out.push_str(&rest[..vstart]);
        out.push_str(if vlen > 0 { marker } else { "" });
        rest = &rest[vstart + vlen..];
    }
    out.push_str(rest);
    out
}

/// `/tag.<16 hex>` resources generated by the server (XEP-0386 tag plus random suffix).
fn replace_generated_resource(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(p) = rest.find('/') {
        out.push_str(&rest[..=p]);
        rest = &rest[p + 1..];
        let tag_len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .unwrap_or(rest.len());
        if rest[tag_len..].starts_with('.') {
            let hex = &rest[tag_len + 1..];
            let hex_len = hex
                .find(|c: char| !c.is_ascii_hexdigit())
                .unwrap_or(hex.len());
            if hex_len >= 8 {
                out.push_str(&rest[..=tag_len]);
                out.push_str("<hex>");
                rest = &hex[hex_len..];
            }
        } else if tag_len == 16
            && rest[..tag_len].bytes().all(|b| b.is_ascii_hexdigit())
            && rest[tag_len..].starts_with('<')
        {
            // A resource generated without a tag: 16 random hex digits.
            out.push_str("<hex>");
            rest = &rest[tag_len..];
        }
    }
    out.push_str(rest);
    out
}
