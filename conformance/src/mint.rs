//! Minting invitations for the `invites.*` cases (contract: `--invite-cmd` template).
//!
//! The suite needs four kinds: a free account invitation, one bound to a username, a password
//! reset for an existing account, and a user's contact invitation. `--invite-cmd TEMPLATE` is run
//! with `sh -c` after substituting `{kind}` (`account`, `account-bound`, `reset`, `contact`),
//! `{user}` (the bare JID the invitation concerns, shell-quoted; `''` for `account`) and `{ttl}`
//! (seconds the invitation should live). A template without `{kind}` mints only `account`
//! invitations; one without `{ttl}` cannot mint the short-lived invitations the expiry cases need
//! unless `--invite-ttl` says the target's own lifetime is short. The first `xmpp:` URI in the
//! command's stdout is the invitation; a non-zero exit or no URI means "this kind cannot be minted
//! this way", and the cases fall back to XEP-0050 ad-hoc commands (`#invite` as `--account`,
//! `#create-account` as `--admin`) or skip. The embedded run mints in process through an
//! [`InviteHook`](crate::config::InviteHook) with the same request.
//!
//! This module is pure (no crate imports) so `config` can name its types.

use std::time::Duration;

/// The lifetime asked for through `{ttl}` when a case has no reason to want a short one.
pub const DEFAULT_TTL: Duration = Duration::from_secs(3600);

/// What kind of invitation a case needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MintKind {
    /// Account invitation, any username (`xmpp:HOST?register;preauth=T`).
    Account,
    /// Account invitation bound to a username (`xmpp:USER@HOST?register;preauth=T`).
    AccountBound,
    /// Password reset of an existing account.
    Reset,
    /// A user's contact invitation (`xmpp:USER@HOST?roster;preauth=T[;ibr=y]`).
    Contact,
}

impl MintKind {
    /// The `{kind}` value.
    pub fn as_str(self) -> &'static str {
        match self {
            MintKind::Account => "account",
            MintKind::AccountBound => "account-bound",
            MintKind::Reset => "reset",
            MintKind::Contact => "contact",
        }
    }
}

/// One minting request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MintRequest {
    /// The kind.
    pub kind: MintKind,
    /// The bare JID it concerns: the bound username's JID, the account to reset, the inviter;
    /// `None` for [`MintKind::Account`].
    pub user: Option<String>,
    /// The lifetime wanted, when a case needs a short one (expiry cases).
    pub ttl: Option<Duration>,
}

/// Why a template cannot mint a request (the case falls back or skips with this reason).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MintError {
    /// The template has no `{kind}` and the request is not a plain account invitation.
    #[error("--invite-cmd has no {{kind}}: it mints only `account` invitations")]
    NoKind,
    /// The template has no `{ttl}` and a short lifetime was asked for.
    #[error("--invite-cmd has no {{ttl}}: it cannot mint a short-lived invitation")]
    NoTtl,
    /// The command could not be started or waited for.
    #[error("running --invite-cmd: {0}")]
    Spawn(String),
    /// The command exited non-zero.
    #[error("--invite-cmd for {kind} exited with {status}: {stderr}")]
    Exit {
        /// The `{kind}`.
        kind: &'static str,
        /// Its exit status.
        status: String,
        /// Its stderr, trimmed.
        stderr: String,
    },
    /// The command printed no `xmpp:` URI.
    #[error("--invite-cmd for {0} printed no xmpp: URI")]
    NoUri(&'static str),
}

/// Quote `s` for `sh` (single quotes; `'` as `'\''`).
pub fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The shell command for `req`, or why this template cannot mint it.
pub fn substitute(template: &str, req: &MintRequest) -> Result<String, MintError> {
    if !template.contains("{kind}") && req.kind != MintKind::Account {
        return Err(MintError::NoKind);
    }
    if !template.contains("{ttl}") && req.ttl.is_some() {
        return Err(MintError::NoTtl);
    }
    let ttl = req.ttl.unwrap_or(DEFAULT_TTL).as_secs().max(1);
    // Always one shell word, so positional templates (`mint {kind} {user} {ttl}`) keep their
    // places: an absent user is `''`.
    let user = shell_quote(req.user.as_deref().unwrap_or_default());
    Ok(template
        .replace("{kind}", req.kind.as_str())
        .replace("{user}", &user)
        .replace("{ttl}", &ttl.to_string()))
}

/// The first `xmpp:` URI in `out`: from `xmpp:` to the next whitespace, quote or angle bracket.
pub fn extract_uri(out: &str) -> Option<String> {
    let start = out.find("xmpp:")?;
    let rest = &out[start..];
    let end = rest
        .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>'))
        .unwrap_or(rest.len());
    Some(rest[..end].to_owned())
}

/// Run the template for `req` and return the URI it printed.
pub async fn run_template(template: &str, req: &MintRequest) -> Result<String, MintError> {
    let cmd = substitute(template, req)?;
    let out = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(&cmd)
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .map_err(|e| MintError::Spawn(e.to_string()))?;
    if !out.status.success() {
        return Err(MintError::Exit {
            kind: req.kind.as_str(),
            status: out.status.to_string(),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        });
    }
    extract_uri(&String::from_utf8_lossy(&out.stdout)).ok_or(MintError::NoUri(req.kind.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(kind: MintKind, user: Option<&str>, ttl: Option<u64>) -> MintRequest {
        MintRequest {
            kind,
            user: user.map(str::to_owned),
            ttl: ttl.map(Duration::from_secs),
        }
    }

    #[test]
    fn substitutes_kind_user_and_ttl() {
        let t = "mint {kind} {user} --ttl {ttl}";
        assert_eq!(
            substitute(t, &req(MintKind::Reset, Some("alice@localhost"), None)).as_deref(),
            Ok("mint reset 'alice@localhost' --ttl 3600")
        );
        assert_eq!(
            substitute(t, &req(MintKind::Account, None, Some(2))).as_deref(),
            Ok("mint account '' --ttl 2")
        );
        assert_eq!(
            substitute(t, &req(MintKind::Contact, Some("o'brien@h"), None)).as_deref(),
            Ok(r"mint contact 'o'\''brien@h' --ttl 3600")
        );
    }

    #[test]
    fn templates_without_placeholders_mint_less() {
        let plain = "prosodyctl mod_invites generate localhost";
        assert_eq!(
            substitute(plain, &req(MintKind::Account, None, None)).as_deref(),
            Ok(plain)
        );
        assert_eq!(
            substitute(plain, &req(MintKind::Contact, Some("a@b"), None)),
            Err(MintError::NoKind)
        );
        assert_eq!(
            substitute(plain, &req(MintKind::Account, None, Some(2))),
            Err(MintError::NoTtl)
        );
    }

    #[test]
    fn extracts_the_first_uri() {
        assert_eq!(
            extract_uri("Invite: xmpp:localhost?register;preauth=abc_-1\nxmpp:x?y").as_deref(),
            Some("xmpp:localhost?register;preauth=abc_-1")
        );
        assert_eq!(
            extract_uri("<a href=\"xmpp:a@b?roster;preauth=t;ibr=y\">").as_deref(),
            Some("xmpp:a@b?roster;preauth=t;ibr=y")
        );
        assert_eq!(extract_uri("no invite here"), None);
    }

    #[tokio::test]
    async fn runs_the_command() {
        let ok = run_template(
            "echo 'got xmpp:h?register;preauth=t {kind}'",
            &req(MintKind::Account, None, None),
        )
        .await;
        assert_eq!(ok.as_deref(), Ok("xmpp:h?register;preauth=t"));
        let bad = run_template(
            "echo nope >&2; exit 3 # {kind}",
            &req(MintKind::Contact, Some("a@b"), None),
        )
        .await;
        assert!(
            matches!(
                bad,
                Err(MintError::Exit {
                    kind: "contact",
                    ..
                })
            ),
            "{bad:?}"
        );
        let none = run_template("echo hello", &req(MintKind::Account, None, None)).await;
        assert_eq!(none, Err(MintError::NoUri("account")));
    }
}
