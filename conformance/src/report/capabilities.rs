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
                    tls: match c.ems {
                        Some(true) => "accepted, EMS".into(),
                        Some(false) => "accepted, no EMS".into(),
                        None => "accepted".into(),
                    },
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
                "ems": c.ems,
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

/// The table as aligned text lines for the terminal, transposed (one line per feature, one
/// column per TLS version) because mechanism lists are long; a cell equal to the one on its
/// left reads `same`, so a target that offers the same under both versions stays narrow.
pub fn text(caps: &Capabilities) -> Vec<String> {
    let rows = rows(caps);
    let mut out = Vec::new();
    if !rows.is_empty() {
        let label_w = HEADINGS.iter().map(|h| h.len()).max().unwrap_or(0);
        // Column cells, with repeats replaced by "same".
        let columns: Vec<Vec<String>> = rows
            .iter()
            .enumerate()
            .map(|(i, r)| {
                r.cells()
                    .iter()
                    .enumerate()
                    .map(|(k, c)| match i.checked_sub(1).and_then(|p| rows.get(p)) {
                        Some(prev) if k > 0 && prev.cells().get(k) == Some(c) => "same".to_owned(),
                        _ => (*c).to_owned(),
                    })
                    .collect()
            })
            .collect();
        let widths: Vec<usize> = columns
            .iter()
            .map(|col| col.iter().map(|c| c.chars().count()).max().unwrap_or(0))
            .collect();
        for (k, heading) in HEADINGS.iter().enumerate() {
            let label = if k == 0 { "" } else { heading };
            let mut line = format!("  {label:<label_w$}");
            for (col, w) in columns.iter().zip(&widths) {
                let cell = col.get(k).map_or("", String::as_str);
                line.push_str("  ");
                line.push_str(cell);
                line.push_str(&" ".repeat(w.saturating_sub(cell.chars().count())));
            }
            out.push(line.trim_end().to_owned());
        }
    }
    out.extend(notes(caps).into_iter().map(|n| format!("  {n}")));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capabilities::TlsCaps;
    use gatecheck_proto::sasl::TlsVersion;
    use gatecheck_proto::xml::{Limits, parse_element};

    #[test]
    fn text_table_collapses_equal_cells_and_json_has_every_version() {
        let f = "<stream:features xmlns:stream='http://etherx.jabber.org/streams'>\
            <mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>SCRAM-SHA-256</mechanism>\
            </mechanisms></stream:features>";
        let el = parse_element(f, &Limits::default()).expect("xml");
        let mut caps = Capabilities {
            transport: Some(TlsMode::StartTls),
            ..Capabilities::default()
        };
        for v in TlsVersion::ALL {
            caps.tls
                .insert(v, TlsProbe::Offered(Box::new(TlsCaps::parse(&el))));
        }
        let lines = text(&caps);
        assert!(
            lines[0].contains("tls1.2") && lines[0].contains("tls1.3"),
            "{lines:?}"
        );
        let sasl = lines
            .iter()
            .find(|l| l.trim_start().starts_with("SASL (RFC 6120)"))
            .expect("sasl row");
        assert!(sasl.contains("SCRAM-SHA-256  same"), "{sasl}");
        assert!(lines.iter().any(|l| l.contains("transport: STARTTLS")));
        let j = json(&caps);
        assert_eq!(j["tls"]["tls1.3"]["sasl"][0], "SCRAM-SHA-256");
        assert_eq!(j["tls"]["tls1.2"]["sasl2"], Value::Null);
        assert_eq!(j["known"], true);
        let props = properties(&caps);
        assert!(props.contains(&("cap.tls1.3.sasl".to_owned(), "SCRAM-SHA-256".to_owned())));
    }
}
