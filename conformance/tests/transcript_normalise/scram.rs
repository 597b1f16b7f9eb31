//! Normalisation inside decoded SCRAM messages (RFC 5802 attribute lists).

/// Whether `text` is a SCRAM message (client-first, server-first, client-final or server-final).
pub fn looks_like_scram(text: &str) -> bool {
    let fields: Vec<&str> = text.split(',').collect();
    fields
        .iter()
        .any(|f| f.starts_with("r=") || f.starts_with("v=") || f.starts_with("e="))
}

/// Replace per-run values: nonce, salt, proof, verifier and non-trivial channel-binding data.
pub fn normalise(text: &str) -> String {
    text.split(',')
        .map(|f| match f.split_once('=') {
            Some(("r", _)) => "r=<nonce>".to_owned(),
            Some(("s", _)) => "s=<salt>".to_owned(),
            Some(("p", _)) => "p=<proof>".to_owned(),
            Some(("v", _)) => "v=<verifier>".to_owned(),
            // `biws` / `eSws` (n,, / y,,) are fixed; anything longer carries channel-binding data.
            Some(("c", v)) if v.len() > 4 => "c=<cbind>".to_owned(),
            _ => f.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(",")
}
