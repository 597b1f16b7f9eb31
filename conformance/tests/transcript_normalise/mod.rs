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
    drop_timed_rotations(&replace_client_installations(&out))
}

/// A FAST token in a `<success/>` that answers an `<authenticate/>` without `<request-token/>` is
/// a rotation (XEP-0484 §5.2), due when the used token is older than the embedded server's
/// `sasl2_fast_token_min_ttl` (0 s, whole seconds): whether a second boundary passed between
/// issue and use decides it, so it is timing, not behaviour, and is left out of the snapshot (the
/// rotation cases judge it in their verdicts).
fn drop_timed_rotations(text: &str) -> String {
    const TOKEN: &str =
        "<token xmlns='urn:xmpp:fast:0' expiry='<expiry>' token='[redacted:token]'/>";
    let mut asked: BTreeMap<String, bool> = BTreeMap::new();
    let mut out = String::new();
    for line in text.lines() {
        let conn = line
            .split_once(" [")
            .and_then(|(_, r)| r.split_once(']'))
            .map(|(c, _)| c.to_owned())
            .unwrap_or_default();
        if line.starts_with("C->S") && line.contains("<authenticate ") {
            asked.insert(conn.clone(), line.contains("<request-token "));
        }
        if line.starts_with("S->C")
            && line.contains("<success xmlns='urn:xmpp:sasl:2'>")
            && asked.get(&conn) == Some(&false)
        {
            out.push_str(&line.replace(TOKEN, ""));
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    out
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
    // XEP-0050 command sessions: random per execution.
    s = replace_attr(&s, "sessionid", "<sessionid>");
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
    for prefix in ["gcsw-", "gcdev-", "push-"] {
        s = replace_after(&s, prefix, |c| c.is_ascii_hexdigit(), "<hex>");
    }
    // The invitation cases' random Bind 2 tags and account names (`gc-` and exactly ten
    // random characters; other `gc-` names in the suite are fixed).
    s = replace_after(
        &s,
        "gcinv",
        |c| c.is_ascii_lowercase() || c.is_ascii_digit(),
        "<rand>",
    );
    s = replace_random_accounts(&s);
    replace_datetimes(&s)
}

/// `gc-` and ten (or, for the second name of the repeated-username rows, eleven) lower-case
/// letters or digits, not followed by another name character.
fn replace_random_accounts(s: &str) -> String {
    let name = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    let mut out = String::new();
    let mut rest = s;
    while let Some(p) = rest.find("gc-") {
        let tail = &rest.as_bytes()[p + 3..];
        let run = tail.iter().take_while(|c| name(**c)).count();
        let next_ok = tail.get(run).is_none_or(|c| !(name(*c) || *c == b'-'));
        out.push_str(&rest[..p + 3]);
        if (run == 10 || run == 11) && next_ok {
            out.push_str("<rand>");
            rest = &rest[p + 3 + run..];
        } else {
            rest = &rest[p + 3..];
        }
    }
    out.push_str(rest);
    out
}

/// XEP-0082 DateTimes (`2026-07-14T10:00:00Z`, fractions allowed): invitation expiries.
fn replace_datetimes(s: &str) -> String {
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|x| x.iter().all(u8::is_ascii_digit));
    let mut out = String::new();
    let mut i = 0;
    let mut last = 0;
    while i + 20 <= b.len() {
        let shape = digits(i..i + 4)
            && b[i + 4] == b'-'
            && digits(i + 5..i + 7)
            && b[i + 7] == b'-'
            && digits(i + 8..i + 10)
            && b[i + 10] == b'T'
            && digits(i + 11..i + 13)
            && b[i + 13] == b':'
            && digits(i + 14..i + 16)
            && b[i + 16] == b':'
            && digits(i + 17..i + 19);
        if !shape {
            i += 1;
            continue;
        }
        let mut end = i + 19;
        if b.get(end) == Some(&b'.') {
            end += 1;
            while b.get(end).is_some_and(u8::is_ascii_digit) {
                end += 1;
            }
        }
        if b.get(end) == Some(&b'Z') {
            end += 1;
        }
        out.push_str(&s[last..i]);
        out.push_str("<datetime>");
        last = end;
        i = end;
    }
    out.push_str(&s[last..]);
    out
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
