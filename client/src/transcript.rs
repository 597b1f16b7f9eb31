//! Every byte each way, with timestamps and connection labels, plus notes; secrets registered here
//! are redacted when rendered so transcripts can be attached to public bug reports.

use base64::Engine;
use serde::Serialize;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

/// Upper bound on recorded payload bytes per case, so a flooding target cannot exhaust memory.
pub const MAX_TRANSCRIPT_BYTES: usize = 8 * 1024 * 1024;

/// Shortest base64 run examined for embedded secrets (shorter runs cannot hide a useful secret).
const MIN_B64_RUN: usize = 8;

/// Shortest secret searched for inside decoded base64 runs; shorter ones would match almost any
/// blob.
const MIN_EMBEDDED_SECRET: usize = 4;

/// Which way bytes went, or a note from the case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Suite to target.
    Sent,
    /// Target to suite.
    Received,
    /// A remark by the case (step names, decisions).
    Note,
}

/// What kind of secret a value is; shown in the redaction marker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SecretKind {
    /// An account password.
    Password,
    /// A FAST or OAuth2 token.
    Token,
    /// An invitation / preauth token.
    InviteToken,
    /// An OAuth2 client secret.
    ClientSecret,
}

impl SecretKind {
    /// Label used in `[redacted:KIND]`.
    pub fn as_str(self) -> &'static str {
        match self {
            SecretKind::Password => "password",
            SecretKind::Token => "token",
            SecretKind::InviteToken => "invite-token",
            SecretKind::ClientSecret => "client-secret",
        }
    }
}

/// One recorded event.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Milliseconds since the case started.
    pub t_ms: u64,
    /// Direction.
    pub dir: Direction,
    /// Connection label (e.g. `c1`, `http`); empty for notes.
    pub conn: String,
    /// Raw bytes (UTF-8 text for notes).
    pub data: Vec<u8>,
}

/// An entry ready for a report: text, possibly redacted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RenderedEntry {
    /// Milliseconds since the case started.
    #[serde(rename = "tMs")]
    pub t_ms: u64,
    /// Direction.
    pub dir: Direction,
    /// Connection label.
    pub conn: String,
    /// Lossy UTF-8 text, with secrets replaced unless redaction was turned off.
    pub text: String,
}

#[derive(Debug)]
struct Inner {
    start: Instant,
    entries: Vec<Entry>,
    bytes: usize,
    truncated: bool,
    secrets: Vec<(SecretKind, String)>,
    step: Option<String>,
}

/// A shared, cloneable recorder; the runner keeps a handle so a timed-out case still has its
/// transcript.
#[derive(Debug, Clone)]
pub struct Transcript {
    inner: Arc<Mutex<Inner>>,
}

impl Default for Transcript {
    fn default() -> Self {
        Transcript::new()
    }
}

impl Transcript {
    /// A fresh transcript whose clock starts now.
    pub fn new() -> Transcript {
        Transcript {
            inner: Arc::new(Mutex::new(Inner {
                start: Instant::now(),
                entries: Vec::new(),
                bytes: 0,
                truncated: false,
                secrets: Vec::new(),
                step: None,
            })),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the data inconsistent (pushes only), so recover.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn push(&self, dir: Direction, conn: &str, data: &[u8]) {
        let mut g = self.lock();
        let t_ms = u64::try_from(g.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        if g.bytes.saturating_add(data.len()) > MAX_TRANSCRIPT_BYTES {
            if !g.truncated {
                g.truncated = true;
                g.entries.push(Entry {
                    t_ms,
                    dir: Direction::Note,
                    conn: String::new(),
                    data: b"transcript limit reached; further bytes not recorded".to_vec(),
                });
            }
            return;
        }
        g.bytes += data.len();
        g.entries.push(Entry {
            t_ms,
            dir,
            conn: conn.to_owned(),
            data: data.to_vec(),
        });
    }

    /// Record bytes sent on connection `conn`.
    pub fn sent(&self, conn: &str, data: &[u8]) {
        self.push(Direction::Sent, conn, data);
    }

    /// Record bytes received on connection `conn`.
    pub fn received(&self, conn: &str, data: &[u8]) {
        self.push(Direction::Received, conn, data);
    }

    /// Record a note.
    pub fn note(&self, text: &str) {
        self.push(Direction::Note, "", text.as_bytes());
    }

    /// Mark the step the case is at, so a timeout can say where it stopped.
    pub fn step(&self, name: &str) {
        self.lock().step = Some(name.to_owned());
        self.note(&format!("step: {name}"));
    }

    /// The last step marked, if any.
    pub fn current_step(&self) -> Option<String> {
        self.lock().step.clone()
    }

    /// Register a secret to redact in its plain form, its base64 forms, and inside any base64 blob
    /// that decodes to bytes containing it (e.g. a PLAIN initial response).
    pub fn secret(&self, kind: SecretKind, value: &str) {
        if value.is_empty() {
            return;
        }
        let mut g = self.lock();
        if !g.secrets.iter().any(|(_, v)| v == value) {
            g.secrets.push((kind, value.to_owned()));
            // Longest first, so a secret containing another is replaced whole.
            g.secrets.sort_by_key(|(_, v)| std::cmp::Reverse(v.len()));
        }
    }

    /// Redact the registered secrets in any text (used for outcome messages, which may quote
    /// tokens).
    pub fn redact(&self, text: &str) -> String {
        redact_text(text, &self.lock().secrets)
    }

    /// A copy of the raw entries.
    pub fn entries(&self) -> Vec<Entry> {
        self.lock().entries.clone()
    }

    /// Entries as text, with secrets redacted when `redact` is true.
    pub fn render(&self, redact: bool) -> Vec<RenderedEntry> {
        let g = self.lock();
        g.entries
            .iter()
            .map(|e| {
                let text = String::from_utf8_lossy(&e.data).into_owned();
                let text = if redact {
                    redact_text(&text, &g.secrets)
                } else {
                    text
                };
                RenderedEntry {
                    t_ms: e.t_ms,
                    dir: e.dir,
                    conn: e.conn.clone(),
                    text,
                }
            })
            .collect()
    }
}

/// Replace every registered secret in `text`: plain, standard/URL-safe base64 (padded or not), and
/// whole base64 runs whose decoding contains a secret.
pub fn redact_text(text: &str, secrets: &[(SecretKind, String)]) -> String {
    if secrets.is_empty() {
        return text.to_owned();
    }
    let mut out = redact_b64_runs(text, secrets);
    for (kind, value) in secrets {
        let marker = format!("[redacted:{}]", kind.as_str());
        for form in secret_forms(value) {
            if form.len() >= 2 && out.contains(&form) {
                out = out.replace(&form, &marker);
            }
        }
    }
    out
}

fn secret_forms(value: &str) -> Vec<String> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    let b = value.as_bytes();
    let mut forms = vec![
        value.to_owned(),
        STANDARD.encode(b),
        STANDARD_NO_PAD.encode(b),
        URL_SAFE.encode(b),
        URL_SAFE_NO_PAD.encode(b),
        // As sent in HTTP form bodies and queries (the OAuth2 login form, token requests).
        crate::urlenc::form_component(value),
        crate::urlenc::query_component(value),
    ];
    forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
    forms.dedup();
    forms
}

fn is_b64_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=' | '-' | '_')
}

fn decode_any(run: &str) -> Option<Vec<u8>> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    let trimmed = run.trim_end_matches('=');
    STANDARD
        .decode(run)
        .or_else(|_| STANDARD_NO_PAD.decode(trimmed))
        .or_else(|_| URL_SAFE.decode(run))
        .or_else(|_| URL_SAFE_NO_PAD.decode(trimmed))
        .ok()
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

fn redact_b64_runs(text: &str, secrets: &[(SecretKind, String)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        let mut replaced = false;
        if run.len() >= MIN_B64_RUN
            && let Some(bytes) = decode_any(run)
            && let Some((kind, _)) = secrets
                .iter()
                .find(|(_, v)| v.len() >= MIN_EMBEDDED_SECRET && contains(&bytes, v.as_bytes()))
        {
            out.push_str(&format!("[redacted:{}]", kind.as_str()));
            replaced = true;
        }
        if !replaced {
            out.push_str(run);
        }
        run.clear();
    };
    for c in text.chars() {
        if is_b64_char(c) {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD;

    #[test]
    fn redacts_plain_and_base64_forms() {
        let t = Transcript::new();
        t.secret(SecretKind::Password, "hunter2secret");
        let b64 = STANDARD.encode("hunter2secret");
        let plain_ir = STANDARD.encode("\0alice\0hunter2secret");
        t.sent(
            "c1",
            format!("<password>hunter2secret</password><x>{b64}</x>").as_bytes(),
        );
        t.sent(
            "c1",
            format!("<initial-response>{plain_ir}</initial-response>").as_bytes(),
        );
        t.received("c1", b"<success/>");
        let r = t.render(true);
        assert_eq!(
            r[0].text,
            "<password>[redacted:password]</password><x>[redacted:password]</x>"
        );
        assert_eq!(
            r[1].text,
            "<initial-response>[redacted:password]</initial-response>"
        );
        assert_eq!(r[2].text, "<success/>");
        let raw = t.render(false);
        assert!(raw[0].text.contains("hunter2secret"));
        assert!(raw[1].text.contains(&plain_ir));
    }

    #[test]
    fn redacts_url_safe_and_kinds() {
        let t = Transcript::new();
        t.secret(SecretKind::ClientSecret, "s3cr3t?>>value");
        t.secret(SecretKind::InviteToken, "abcdef123");
        let url = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("s3cr3t?>>value");
        t.sent("http", format!("secret={url}&t=abcdef123").as_bytes());
        let r = t.render(true);
        assert_eq!(
            r[0].text,
            "secret=[redacted:client-secret]&t=[redacted:invite-token]"
        );
    }

    #[test]
    fn records_direction_step_and_limit() {
        let t = Transcript::new();
        t.step("connect");
        t.sent("c1", b"a");
        t.received("c1", b"b");
        assert_eq!(t.current_step().as_deref(), Some("connect"));
        let e = t.entries();
        assert_eq!(e.len(), 3);
        assert_eq!(e[0].dir, Direction::Note);
        assert_eq!(e[1].dir, Direction::Sent);
        assert_eq!(e[2].dir, Direction::Received);
        let big = vec![b'x'; MAX_TRANSCRIPT_BYTES];
        t.received("c1", &big);
        let e = t.entries();
        assert!(e.last().is_some_and(|l| l.dir == Direction::Note));
    }
}
