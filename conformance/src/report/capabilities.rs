//! The capability table every report opens with (issue 15): one row per TLS version tried,
//! columns for what the TLS-protected stream offers, plus the features before TLS and the HTTP
//! probe. The text, HTML and JUnit reports render [`rows`]; the JSON report writes [`json`].

use crate::capabilities::{Capabilities, TlsProbe};
use gatecheck_client::TlsMode;
use serde_json::{Value, json};

/// One row of the table: what one TLS version offers, each cell already worded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// `tls1.2` / `tls1.3`.
    pub version: String,
    /// `accepted`, or `refused: <why>`.
    pub tls: String,
    /// RFC 6120 SASL mechanisms, or `-`.
    pub sasl: String,
    /// SASL2 mechanisms, or `-`.
    pub sasl2: String,
    /// Inline Bind 2: `yes` (with inline features) or `-`.
    pub bind2: String,
    /// Inline FAST mechanisms, or `-`.
    pub fast: String,
    /// XEP-0440 channel-binding types, or `-`.
    pub cb: String,
    /// Registration features (`iq-register`, `invite`, `ibr-token`), or `-`.
    pub register: String,
}

/// The column headings, in [`Row::cells`] order.
pub const HEADINGS: [&str; 8] = [
    "TLS",
    "handshake",
    "SASL (RFC 6120)",
    "SASL2",
    "Bind 2",
    "FAST",
    "channel binding",
    "registration",
];

impl Row {
    /// The cells in [`HEADINGS`] order.
    pub fn cells(&self) -> [&str; 8] {
        [
            &self.version,
            &self.tls,
            &self.sasl,
            &self.sasl2,
            &self.bind2,
            &self.fast,
            &self.cb,
            &self.register,
        ]
    }
}

fn list(v: Option<&[String]>) -> String {
    match v {
        None => "-".to_owned(),
        Some([]) => "(empty)".to_owned(),
        Some(v) => v.join(" "),
    }
}

/// The table rows, oldest version first.
pub fn rows(caps: &Capabilities) -> Vec<Row> {
    caps.tls
        .iter()
        .map(|(v, p)| match p {
            TlsProbe::Refused(why) => Row {
                version: v.label().to_owned(),
                tls: format!("refused: {why}"),
                sasl: "-".into(),
                sasl2: "-".into(),
                bind2: "-".into(),
                fast: "-".into(),
                cb: "-".into(),
                register: "-".into(),
            },
            TlsProbe::Offered(c) => {
                let sasl2 = c.sasl2.as_ref();
                let cb: Option<Vec<String>> = c.cb_types.as_ref().map(|t| {
                    t.iter()
                        .map(|x| x.clone().unwrap_or_else(|| "(no type)".into()))
                        .collect()
                });
                let mut reg = Vec::new();
                if c.register.iq_register {
                    reg.push("iq-register");
                }
                if c.register.invite {
                    reg.push("invite");
                }
                if c.register.ibr_token {
                    reg.push("ibr-token");
                }
                Row {
                    version: v.label().to_owned(),
                    tls: "accepted".into(),
                    sasl: list(c.sasl.as_deref()),
                    sasl2: list(sasl2.map(|s| s.mechanisms.as_slice())),
                    bind2: match sasl2.and_then(|s| s.bind2.as_ref()) {
                        None => "-".into(),
                        Some(f) if f.is_empty() => "yes".into(),
                        Some(f) => format!("yes ({})", f.join(" ")),
                    },
                    fast: list(sasl2.and_then(|s| s.fast.as_deref())),
                    cb: list(cb.as_deref()),
                    register: if reg.is_empty() {
                        "-".into()
                    } else {
                        reg.join(" ")
                    },
                }
            }
        })
        .collect()
}

/// The lines under the table: transport, features before TLS, HTTP.
pub fn notes(caps: &Capabilities) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(t) = caps.transport {
        out.push(format!(
            "transport: {}",
            match t {
                TlsMode::StartTls => "STARTTLS",
                TlsMode::Direct => "direct TLS",
            }
        ));
    }
    if let Some(p) = &caps.pre_tls {
        let starttls = match p.starttls {
            Some(true) => "required",
            Some(false) => "offered, not required",
            None => "not offered",
        };
        out.push(format!(
            "before TLS: STARTTLS {starttls}; SASL {}",
            list(p.sasl.as_deref())
        ));
    }
    if let Some(h) = &caps.http {
        out.push(format!(
            "HTTP {}: /.well-known/oauth-authorization-server {}",
            h.base,
            match &h.metadata {
                Ok(s) => format!("answered {s}"),
                Err(e) => format!("unreachable: {e}"),
            }
        ));
    }
    if caps.tls.is_empty() {
        out.push("not probed (no target, or nothing selected)".into());
    } else if !caps.known() {
        out.push("no TLS version completed a stream: nothing is known to be offered".into());
    }
    out
}

fn opt_list(v: Option<&[String]>) -> Value {
    v.map_or(Value::Null, |v| json!(v))
}

/// The JSON report's top-level `capabilities` object (schema v2).
pub fn json(caps: &Capabilities) -> Value {
    let mut tls = serde_json::Map::new();
    for (v, p) in &caps.tls {
        let entry = match p {
            TlsProbe::Refused(why) => json!({"accepted": false, "error": why}),
            TlsProbe::Offered(c) => json!({
                "accepted": true,
                "sasl": opt_list(c.sasl.as_deref()),
                "sasl2": c.sasl2.as_ref().map_or(Value::Null, |s| json!({
                    "mechanisms": s.mechanisms,
                    "bind2": opt_list(s.bind2.as_deref()),
                    "fast": opt_list(s.fast.as_deref()),
                    "sm": s.sm,
                })),
                "channelBinding": c.cb_types.as_ref().map_or(Value::Null, |t| json!(t)),
                "register": {
                    "iqRegister": c.register.iq_register,
                    "invite": c.register.invite,
                    "ibrToken": c.register.ibr_token,
                },
            }),
        };
        tls.insert(v.label().to_owned(), entry);
    }
    json!({
        "known": caps.known(),
        "transport": caps.transport.map(|t| match t {
            TlsMode::StartTls => "starttls",
            TlsMode::Direct => "direct",
        }),
        "preTls": caps.pre_tls.as_ref().map(|p| json!({
            "starttls": p.starttls.map(|r| if r { "required" } else { "optional" }),
            "sasl": opt_list(p.sasl.as_deref()),
        })),
        "tls": tls,
        "http": caps.http.as_ref().map(|h| match &h.metadata {
            Ok(s) => json!({"base": h.base, "metadataStatus": s}),
            Err(e) => json!({"base": h.base, "error": e}),
        }),
    })
}

/// The JUnit `<properties>` of the table: `cap.tls1.3.sasl2=SCRAM-SHA-256 …`.
pub fn properties(caps: &Capabilities) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for r in rows(caps) {
        let v = &r.version;
        for (k, val) in [
            ("handshake", &r.tls),
            ("sasl", &r.sasl),
            ("sasl2", &r.sasl2),
            ("bind2", &r.bind2),
            ("fast", &r.fast),
            ("channel-binding", &r.cb),
            ("register", &r.register),
        ] {
            out.push((format!("cap.{v}.{k}"), val.clone()));
        }
    }
    for (i, n) in notes(caps).into_iter().enumerate() {
        out.push((format!("cap.note.{i}"), n));
    }
    out
}

/// The table as aligned text lines (header first).
pub fn text(caps: &Capabilities) -> Vec<String> {
    let rows = rows(caps);
    let mut widths = HEADINGS.map(str::len);
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r.cells()) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: [&str; 8]| {
        let mut s = String::new();
        for (i, (c, w)) in cells.iter().zip(widths).enumerate() {
            if i > 0 {
                s.push_str("  ");
            }
            s.push_str(c);
            if i + 1 < cells.len() {
                s.push_str(&" ".repeat(w.saturating_sub(c.chars().count())));
            }
        }
        s
    };
    let mut out = Vec::new();
    if !rows.is_empty() {
        out.push(line(HEADINGS));
        for r in &rows {
            out.push(line(r.cells()));
        }
    }
    out.extend(notes(caps).into_iter().map(|n| format!("  {n}")));
    out
}
