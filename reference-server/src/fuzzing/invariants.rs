//! Oracles (a) and (b): what a session may have achieved given what it presented. Only
//! presenting a live credential (or an unspent invitation, which lets a client register and then
//! log in) may authenticate; accounts, FAST tokens, roster entries, invitation spending and OAuth2
//! codes and tokens may change only in sessions that could legitimately cause the change.

use std::collections::BTreeSet;

use gatecheck_proto::script::Fixture;

use super::Violation;
use super::world::WorldValues;
use crate::store::MemoryState;

/// What the session has presented and achieved so far.
#[derive(Debug, Default)]
pub struct Facts {
    /// Fixtures rendered into anything sent (c2s bytes or HTTP requests).
    pub rendered: BTreeSet<FixtureKey>,
    /// An `Authenticate` step with `Credential::Valid` ran.
    pub valid_authenticate: bool,
    /// Some connection authenticated.
    pub authenticated: bool,
    /// A client registration succeeded over HTTP in this run (its secret was in the answer).
    pub registered_client: bool,
}

/// [`Fixture`] ordered for a set (the proto type derives `Hash`, not `Ord`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct FixtureKey(u8);

impl From<Fixture> for FixtureKey {
    fn from(f: Fixture) -> Self {
        Self(f as u8)
    }
}

impl Facts {
    /// Whether `fixture` was rendered.
    pub fn rendered(&self, fixture: Fixture) -> bool {
        self.rendered.contains(&fixture.into())
    }

    /// Whether the session may authenticate.
    pub fn may_authenticate(&self) -> bool {
        self.valid_authenticate
            || [
                Fixture::Password,
                Fixture::FastToken,
                Fixture::AccessToken,
                Fixture::InviteToken,
            ]
            .into_iter()
            .any(|f| WorldValues::grants(f) && self.rendered(f))
    }
}

/// Oracle (a).
pub fn check_authentication(facts: &Facts, what: &str) -> Result<(), Violation> {
    if facts.authenticated && !facts.may_authenticate() {
        return Err(Violation::AuthWithoutCredential(format!(
            "after {what}, with only {:?} rendered",
            facts.rendered
        )));
    }
    Ok(())
}

/// Oracle (b): `after` against the seeded `before`.
pub fn check_store(
    before: &MemoryState,
    after: &MemoryState,
    values: &WorldValues,
    facts: &Facts,
) -> Result<(), Violation> {
    let fail = |m: String| Err(Violation::StoreChange(m));
    let authed = facts.authenticated;

    let created: Vec<&String> = after
        .accounts
        .keys()
        .filter(|k| !before.accounts.contains_key(*k))
        .collect();
    let invite_spent = after
        .invites
        .get(&values.invite_hash)
        .is_some_and(|i| i.used_at.is_some());
    if !created.is_empty() && !authed {
        if !facts.rendered(Fixture::InviteToken) {
            return fail(format!(
                "accounts {created:?} created without the invitation"
            ));
        }
        if created.len() > 1 {
            return fail(format!("one invitation created accounts {created:?}"));
        }
        if !invite_spent {
            return fail(format!("account {created:?} created, invitation not spent"));
        }
    }
    if invite_spent && !facts.rendered(Fixture::InviteToken) {
        return fail("the invitation was spent without being presented".into());
    }
    let spent = &values.spent_invite_hash;
    if before.invites.get(spent) != after.invites.get(spent) {
        return fail("the spent invitation changed".into());
    }
    if !authed {
        for (name, account) in &before.accounts {
            if after.accounts.get(name) != Some(account) {
                return fail(format!("account {name} changed or deleted unauthenticated"));
            }
        }
        let new_invites = after.invites.len() > before.invites.len();
        if new_invites {
            return fail("invitations minted unauthenticated".into());
        }
        if before.rosters != after.rosters && !facts.rendered(Fixture::InviteToken) {
            return fail("roster changed unauthenticated".into());
        }
        for (key, slots) in &after.fast {
            let old = before.fast.get(key);
            for t in [&slots.new, &slots.current].into_iter().flatten() {
                let known = old.is_some_and(|o| {
                    [&o.new, &o.current]
                        .into_iter()
                        .flatten()
                        .any(|x| x.sealed == t.sealed)
                });
                if !known {
                    return fail(format!("FAST token issued to {key:?} unauthenticated"));
                }
            }
        }
    }
    let new_codes = after.codes.keys().any(|k| !before.codes.contains_key(k));
    if new_codes && !facts.rendered(Fixture::Password) && !authed {
        return fail("authorization code issued without the password".into());
    }
    let new_tokens = after.tokens.keys().any(|k| !before.tokens.contains_key(k));
    if new_tokens {
        let client = facts.rendered(Fixture::ClientSecret) || facts.registered_client;
        if !client || !facts.rendered(Fixture::Password) {
            return fail(format!(
                "OAuth2 tokens issued (client secret or registration: {client}, password: {})",
                facts.rendered(Fixture::Password)
            ));
        }
    }
    Ok(())
}
