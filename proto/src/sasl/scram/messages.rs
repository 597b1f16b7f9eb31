//! SCRAM message codecs (RFC 5802 §7 with erratum 2651): strict parsers and permissive builders.
//!
//! Parsers enforce the ABNF (attribute order, nonce alphabet, saslname escaping, strict base64) and a size
//! limit; builders take arbitrary values so the conformance suite can craft deliberately wrong messages.

use super::lax::ScramLax;
use crate::sasl::MechanismError;
use crate::sasl::base64::{decode_strict, encode};

/// Largest SCRAM message we parse; real ones are a few hundred bytes.
pub const MAX_MESSAGE_LEN: usize = 8 * 1024;

/// An extension attribute: single ASCII letter name and its raw value.
pub type Extension = (char, String);

/// The gs2 channel-binding flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gs2Flag {
    /// `n`: the client does not support channel binding.
    NotSupported,
    /// `y`: the client supports it but thinks the server does not.
    ClientSupports,
    /// `p=<cb-name>`: the client binds to this type (name kept raw so unknown types reach the policy check).
    Binding(String),
}

/// A parsed or to-be-built gs2 header (RFC 5802 §7 `gs2-header`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gs2Header {
    /// The channel-binding flag.
    pub flag: Gs2Flag,
    /// The authorization identity, unescaped.
    pub authzid: Option<String>,
}

impl Gs2Header {
    /// The wire form, e.g. `p=tls-exporter,a=juliet@example.com,`.
    pub fn build(&self) -> String {
        let flag = match &self.flag {
            Gs2Flag::NotSupported => "n".to_owned(),
            Gs2Flag::ClientSupports => "y".to_owned(),
            Gs2Flag::Binding(name) => format!("p={name}"),
        };
        match &self.authzid {
            Some(a) => format!("{flag},a={},", escape_saslname(a)),
            None => format!("{flag},,"),
        }
    }
}

/// `saslname` escaping: `,` becomes `=2C` and `=` becomes `=3D`.
pub fn escape_saslname(s: &str) -> String {
    s.replace('=', "=3D").replace(',', "=2C")
}

/// Reverses [`escape_saslname`]; any other `=` sequence is `invalid-username-encoding` (RFC 5802 §5.1).
pub fn unescape_saslname(s: &str) -> Result<String, MechanismError> {
    unescape_saslname_with(s, &ScramLax::default())
}

fn unescape_saslname_with(s: &str, lax: &ScramLax) -> Result<String, MechanismError> {
    if s.is_empty() {
        return Err(MechanismError::Syntax("empty saslname"));
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(pos) = rest.find('=') {
        out.push_str(rest.get(..pos).unwrap_or_default());
        let tail = rest.get(pos..).unwrap_or_default();
        if tail.starts_with("=2C") {
            out.push(',');
        } else if tail.starts_with("=3D") {
            out.push('=');
        } else if let Some(c) = lax
            .hex_escapes
            .then(|| tail.get(1..3).and_then(|h| u8::from_str_radix(h, 16).ok()))
            .flatten()
        {
            out.push(char::from(c));
        } else {
            return Err(MechanismError::InvalidUsernameEncoding);
        }
        rest = tail.get(3..).unwrap_or_default();
    }
    out.push_str(rest);
    Ok(out)
}

/// `cbind-input = gs2-header [cbind-data]`, the bytes that `c=` carries base64-encoded.
pub fn cbind_input(gs2_header: &str, cb_data: Option<&[u8]>) -> Vec<u8> {
    let mut v = gs2_header.as_bytes().to_vec();
    v.extend_from_slice(cb_data.unwrap_or_default());
    v
}

fn join_extensions(out: &mut String, extensions: &[Extension]) {
    for (k, v) in extensions {
        out.push(',');
        out.push(*k);
        out.push('=');
        out.push_str(v);
    }
}

/// `client-first-message-bare` from an unescaped username, a nonce and extensions (no validation).
pub fn client_first_bare(username: &str, nonce: &str, extensions: &[Extension]) -> String {
    let mut s = format!("n={},r={nonce}", escape_saslname(username));
    join_extensions(&mut s, extensions);
    s
}

/// `server-first-message` (extensions such as XEP-0474 `h` follow `i=`).
pub fn server_first(nonce: &str, salt: &[u8], iterations: u32, extensions: &[Extension]) -> String {
    let mut s = format!("r={nonce},s={},i={iterations}", encode(salt));
    join_extensions(&mut s, extensions);
    s
}

/// `client-final-message-without-proof` from raw cbind-input bytes (encoded here), nonce and extensions.
pub fn client_final_without_proof(
    cbind_input: &[u8],
    nonce: &str,
    extensions: &[Extension],
) -> String {
    let mut s = format!("c={},r={nonce}", encode(cbind_input));
    join_extensions(&mut s, extensions);
    s
}

/// `client-final-message`: appends `,p=<proof>`.
pub fn client_final(without_proof: &str, proof: &[u8]) -> String {
    format!("{without_proof},p={}", encode(proof))
}

/// Bytes to UTF-8 with the size limit applied first.
pub fn message_str(msg: &[u8]) -> Result<&str, MechanismError> {
    if msg.is_empty() {
        return Err(MechanismError::Empty);
    }
    if msg.len() > MAX_MESSAGE_LEN {
        return Err(MechanismError::TooLong {
            len: msg.len(),
            limit: MAX_MESSAGE_LEN,
        });
    }
    std::str::from_utf8(msg).map_err(|_| MechanismError::NotUtf8)
}

/// Splits `k=v,k=v` into attributes; names must be one ASCII letter, values non-empty and `NUL`-free.
fn attrs(s: &str) -> Result<Vec<(char, &str)>, MechanismError> {
    s.split(',')
        .map(|a| {
            let mut chars = a.chars();
            let name = chars
                .next()
                .ok_or(MechanismError::Syntax("empty attribute"))?;
            if !name.is_ascii_alphabetic() || chars.next() != Some('=') {
                return Err(MechanismError::Syntax(
                    "attribute is not of the form a=value",
                ));
            }
            let value = a.get(2..).unwrap_or_default();
            if value.is_empty() || value.contains('\0') {
                return Err(MechanismError::Syntax("empty attribute value"));
            }
            Ok((name, value))
        })
        .collect()
}

fn expect<'a>(
    it: &mut impl Iterator<Item = (char, &'a str)>,
    name: char,
    what: &'static str,
) -> Result<&'a str, MechanismError> {
    match it.next() {
        Some((n, v)) if n == name => Ok(v),
        _ => Err(MechanismError::Syntax(what)),
    }
}

fn check_nonce(n: &str) -> Result<(), MechanismError> {
    if n.bytes().all(|b| (0x21..=0x7e).contains(&b) && b != b',') {
        Ok(())
    } else {
        Err(MechanismError::Syntax("nonce has non-printable characters"))
    }
}

fn extensions<'a>(it: impl Iterator<Item = (char, &'a str)>) -> Vec<Extension> {
    it.map(|(k, v)| (k, v.to_owned())).collect()
}

/// A parsed `client-first-message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientFirstMessage {
    /// The gs2 header, decoded.
    pub gs2: Gs2Header,
    /// The gs2 header exactly as sent (it must reappear inside `c=`).
    pub gs2_raw: String,
    /// `client-first-message-bare` exactly as sent (part of AuthMessage).
    pub bare: String,
    /// The username, unescaped but not yet SASLprep'd.
    pub username: String,
    /// The client nonce.
    pub nonce: String,
    /// Extensions after `r=`, in order.
    pub extensions: Vec<Extension>,
}

/// Parses a client-first message; `m=` anywhere before `n=` is [`MechanismError::ReservedMext`].
pub fn parse_client_first(msg: &[u8]) -> Result<ClientFirstMessage, MechanismError> {
    parse_client_first_with(msg, &ScramLax::default())
}

pub(super) fn parse_client_first_with(
    msg: &[u8],
    lax: &ScramLax,
) -> Result<ClientFirstMessage, MechanismError> {
    let s = message_str(msg)?;
    let mut parts = s.splitn(3, ',');
    let (flag, authz, bare) = match (parts.next(), parts.next(), parts.next()) {
        (Some(f), Some(a), Some(b)) => (f, a, b),
        _ => return Err(MechanismError::Syntax("missing gs2 header")),
    };
    let flag = match flag {
        "n" => Gs2Flag::NotSupported,
        "y" => Gs2Flag::ClientSupports,
        f => match f.strip_prefix("p=") {
            Some(name)
                if !name.is_empty()
                    && name
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-') =>
            {
                Gs2Flag::Binding(name.to_owned())
            }
            _ => return Err(MechanismError::Syntax("bad gs2 channel-binding flag")),
        },
    };
    let authzid = if authz.is_empty() {
        None
    } else {
        let a = authz
            .strip_prefix("a=")
            .ok_or(MechanismError::Syntax("bad gs2 authzid"))?;
        Some(unescape_saslname_with(a, lax)?)
    };
    let gs2_raw = s.get(..s.len() - bare.len()).unwrap_or_default().to_owned();
    let mut list = attrs(bare)?;
    if list.first().is_some_and(|(k, _)| *k == 'm') {
        if !lax.accept_m {
            return Err(MechanismError::ReservedMext);
        }
        list.remove(0);
    }
    let mut it = list.into_iter();
    let username = unescape_saslname_with(expect(&mut it, 'n', "expected n=")?, lax)?;
    let nonce = expect(&mut it, 'r', "expected r=")?;
    check_nonce(nonce)?;
    Ok(ClientFirstMessage {
        gs2: Gs2Header { flag, authzid },
        gs2_raw,
        bare: bare.to_owned(),
        username,
        nonce: nonce.to_owned(),
        extensions: extensions(it),
    })
}

/// A parsed `server-first-message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerFirstMessage {
    /// The combined nonce.
    pub nonce: String,
    /// The salt, decoded.
    pub salt: Vec<u8>,
    /// The iteration count.
    pub iterations: u32,
    /// Extensions after `i=` (e.g. XEP-0474 `h`, or the old `d`).
    pub extensions: Vec<Extension>,
}

impl ServerFirstMessage {
    /// The value of the first extension with this name.
    pub fn extension(&self, name: char) -> Option<&str> {
        self.extensions
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Parses a server-first message.
pub fn parse_server_first(msg: &[u8]) -> Result<ServerFirstMessage, MechanismError> {
    let list = attrs(message_str(msg)?)?;
    if list.first().is_some_and(|(k, _)| *k == 'm') {
        return Err(MechanismError::ReservedMext);
    }
    let mut it = list.into_iter();
    let nonce = expect(&mut it, 'r', "expected r=")?;
    check_nonce(nonce)?;
    let salt = decode_strict(expect(&mut it, 's', "expected s=")?.as_bytes())?;
    let i = expect(&mut it, 'i', "expected i=")?;
    if i.starts_with('0') || !i.bytes().all(|b| b.is_ascii_digit()) {
        return Err(MechanismError::Syntax("i= is not a positive number"));
    }
    let iterations = i
        .parse()
        .map_err(|_| MechanismError::Syntax("i= out of range"))?;
    Ok(ServerFirstMessage {
        nonce: nonce.to_owned(),
        salt,
        iterations,
        extensions: extensions(it),
    })
}

/// A parsed `client-final-message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientFinalMessage {
    /// `c=`, decoded: the cbind-input.
    pub cbind_input: Vec<u8>,
    /// The nonce.
    pub nonce: String,
    /// Extensions between `r=` and `p=`.
    pub extensions: Vec<Extension>,
    /// The decoded proof.
    pub proof: Vec<u8>,
    /// Everything before `,p=` exactly as sent (part of AuthMessage).
    pub without_proof: String,
}

/// Parses a client-final message; `p=` must be the last attribute.
pub fn parse_client_final(msg: &[u8]) -> Result<ClientFinalMessage, MechanismError> {
    parse_client_final_with(msg, &ScramLax::default())
}

pub(super) fn parse_client_final_with(
    msg: &[u8],
    lax: &ScramLax,
) -> Result<ClientFinalMessage, MechanismError> {
    let s = message_str(msg)?;
    let (without_proof, proof) = s
        .rsplit_once(",p=")
        .ok_or(MechanismError::Syntax("missing p="))?;
    if proof.contains(',') {
        return Err(MechanismError::Syntax("p= must be last"));
    }
    let mut it = attrs(without_proof)?.into_iter();
    let c = expect(&mut it, 'c', "expected c=")?;
    let nonce = expect(&mut it, 'r', "expected r=")?;
    check_nonce(nonce)?;
    let extensions = extensions(it);
    if lax.reject_unknown_extensions && !extensions.is_empty() {
        return Err(MechanismError::Syntax("unknown extension"));
    }
    Ok(ClientFinalMessage {
        cbind_input: decode_strict(c.as_bytes())?,
        nonce: nonce.to_owned(),
        extensions,
        proof: decode_strict(proof.as_bytes())?,
        without_proof: without_proof.to_owned(),
    })
}

/// A parsed `server-final-message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerFinalMessage {
    /// `v=`: the decoded ServerSignature.
    Verifier(Vec<u8>),
    /// `e=`: the server-error-value.
    Error(String),
}

/// Parses a server-final message; trailing extensions are ignored.
pub fn parse_server_final(msg: &[u8]) -> Result<ServerFinalMessage, MechanismError> {
    let list = attrs(message_str(msg)?)?;
    match list.first() {
        Some(('v', v)) => Ok(ServerFinalMessage::Verifier(decode_strict(v.as_bytes())?)),
        Some(('e', e)) => Ok(ServerFinalMessage::Error((*e).to_owned())),
        _ => Err(MechanismError::Syntax("expected v= or e=")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saslname_escaping() {
        assert_eq!(unescape_saslname("a=2Cb=3Dc").unwrap(), "a,b=c");
        assert_eq!(escape_saslname("a,b=c"), "a=2Cb=3Dc");
        assert_eq!(
            unescape_saslname("us=41er"),
            Err(MechanismError::InvalidUsernameEncoding)
        );
        assert_eq!(
            unescape_saslname("x="),
            Err(MechanismError::InvalidUsernameEncoding)
        );
    }

    #[test]
    fn client_first_parts() {
        let m = parse_client_first(b"p=tls-exporter,a=a=2Cb,n=user,r=abc,x=1").unwrap();
        assert_eq!(m.gs2_raw, "p=tls-exporter,a=a=2Cb,");
        assert_eq!(m.gs2.build(), m.gs2_raw);
        assert_eq!(m.bare, "n=user,r=abc,x=1");
        assert_eq!(m.extensions, vec![('x', "1".to_owned())]);
        assert_eq!(
            parse_client_first(b"n,,m=ext,n=user,r=abc"),
            Err(MechanismError::ReservedMext)
        );
        assert!(parse_client_first(b"q,,n=user,r=abc").is_err());
        assert!(parse_client_first(b"n,,r=abc,n=user").is_err());
        assert!(parse_client_first(b"n,,n=user,r=a\x7fc").is_err());
    }

    #[test]
    fn server_first_and_final() {
        let s = parse_server_first(b"r=ab,s=QSXCR+Q6sek8bf92,i=4096,h=xyz").unwrap();
        assert_eq!((s.iterations, s.extension('h')), (4096, Some("xyz")));
        assert!(parse_server_first(b"r=ab,s=QSXCR+Q6sek8bf92,i=0").is_err());
        assert!(parse_server_first(b"r=ab,s=QSXCR+Q6sek8bf92,i=99999999999").is_err());
        assert_eq!(
            parse_server_final(b"e=invalid-proof").unwrap(),
            ServerFinalMessage::Error("invalid-proof".into())
        );
        assert!(parse_client_final(b"c=biws,r=ab,p=AA==,x=1").is_err());
    }
}
