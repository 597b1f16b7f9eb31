//! The grammar: session scripts of the four modules (stream open and STARTTLS, SASL2 and RFC 6120
//! SASL with each mechanism and credential, FAST with tokens obtained in the same script, invites
//! with preauth + register, OAuth2 over HTTP), mutated at the XML and byte level. The script of
//! session `i` depends only on `(seed, i)`.

use super::mutate::{mutate_node, mutate_script};
use super::rng::Rng;
use super::tree::{Node, merge};
use gatecheck_proto::ns;
use gatecheck_proto::script::{
    Credential, Fixture, HttpMethod, HttpRequest, Mechanism, Piece, Profile, Script, Step,
};

/// What the target can be asked to do, so the grammar does not spend sessions on the impossible.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grammar {
    /// TLS is reachable (STARTTLS or direct); `false` for `--no-tls`.
    pub tls: bool,
    /// The stream is already TLS from the first byte (direct TLS): no `<starttls/>`.
    pub direct_tls: bool,
    /// An `--http` base is known.
    pub http: bool,
    /// Invitations can be minted.
    pub invites: bool,
}

/// Redirect URI every dynamically registered client uses (DCR metadata).
pub const REDIRECT_URI: &str = "https://client.example/cb";

/// The script of session `index` of the run seeded with `seed`.
pub fn script(g: &Grammar, seed: u64, index: u64) -> Script {
    let mut rng = Rng::for_session(seed, index);
    let mut b = Builder {
        g: *g,
        steps: Vec::new(),
        mutate: rng.chance(35),
    };
    match rng.below(10) {
        0..=2 => b.sasl2(&mut rng),
        3 => b.rfc6120(&mut rng),
        4 | 5 if g.tls => b.fast(&mut rng),
        6 if g.invites => b.register(&mut rng),
        7 if g.http => b.oauth2(&mut rng),
        _ => b.soup(&mut rng),
    }
    let mut script = Script { steps: b.steps };
    if b.mutate {
        for _ in 0..=rng.below(2) {
            mutate_script(&mut script, &mut rng);
        }
    }
    script
}

struct Builder {
    g: Grammar,
    steps: Vec<Step>,
    /// Whether tree mutations may apply to this script's elements.
    mutate: bool,
}

impl Builder {
    fn send(&mut self, pieces: Vec<Piece>) {
        self.steps.push(Step::Send { pieces, chunks: 1 });
    }

    fn element(&mut self, mut node: Node, rng: &mut Rng) {
        if self.mutate && rng.chance(40) {
            mutate_node(&mut node, rng);
        }
        self.send(node.render());
        self.steps.push(Step::Await);
    }

    /// Stream header (naming the account when `from`), then TLS when the grammar has it.
    fn open(&mut self, from: bool, tls: bool, rng: &mut Rng) {
        self.header(from, rng);
        if tls && self.g.tls && !self.g.direct_tls {
            self.send(vec![Piece::Text(format!(
                "<starttls xmlns='{}'/>",
                ns::TLS
            ))]);
            self.steps.push(Step::StartTls);
            self.header(from, rng);
        }
    }

    fn header(&mut self, from: bool, rng: &mut Rng) {
        let mut p = vec![Piece::Text(format!(
            "<?xml version='1.0'?><stream:stream xmlns='{}' xmlns:stream='{}' version='1.0' to='",
            ns::CLIENT,
            ns::STREAMS
        ))];
        p.push(Piece::Fixture(Fixture::Domain));
        p.push(Piece::Text("'".into()));
        if from {
            p.extend([
                Piece::Text(" from='".into()),
                Piece::Fixture(Fixture::Username),
                Piece::Text("@".into()),
                Piece::Fixture(Fixture::Domain),
                Piece::Text("'".into()),
            ]);
        }
        if self.mutate && rng.chance(15) {
            match rng.below(3) {
                0 => p.push(Piece::Text(" to='other.example'".into())),
                1 => p.push(Piece::Text(" xmlns:stream='urn:gatecheck:bogus'".into())),
                _ => p.push(Piece::Text(" version='2.0'".into())),
            }
        }
        p.push(Piece::Text(">".into()));
        self.send(merge(p));
        self.steps.push(Step::Await);
    }

    fn credential(rng: &mut Rng) -> Credential {
        match rng.below(20) {
            0..=7 => Credential::Valid,
            8..=13 => Credential::Wrong,
            14..=16 => Credential::UnknownUser,
            _ => Credential::Spent,
        }
    }

    fn sasl2(&mut self, rng: &mut Rng) {
        self.open(rng.chance(50), true, rng);
        // Weighted towards what servers offer over SASL2 (SCRAM-SHA-256/512), so logins get
        // through and the states behind them are reached.
        let mechanism = *rng
            .pick(&[
                Mechanism::Plain,
                Mechanism::ScramSha1,
                Mechanism::ScramSha256,
                Mechanism::ScramSha256,
                Mechanism::ScramSha256,
                Mechanism::ScramSha512,
                Mechanism::ScramSha512,
                Mechanism::Oauthbearer,
            ])
            .unwrap_or(&Mechanism::ScramSha256);
        for _ in 0..=rng.below(2) {
            self.login(Profile::Sasl2, mechanism, Self::credential(rng));
        }
        self.after_auth(rng);
    }

    /// An authentication exchange, then whatever the server says after it.
    fn login(&mut self, profile: Profile, mechanism: Mechanism, credential: Credential) {
        self.steps.push(Step::Authenticate {
            profile,
            mechanism,
            credential,
        });
        self.steps.push(Step::Await);
    }

    /// An authentication exchange, then the connection closed at once (the next step reconnects).
    fn login_and_leave(&mut self, profile: Profile, mechanism: Mechanism, credential: Credential) {
        self.steps.push(Step::Authenticate {
            profile,
            mechanism,
            credential,
        });
        self.steps.push(Step::Disconnect);
    }

    fn rfc6120(&mut self, rng: &mut Rng) {
        self.open(false, true, rng);
        let mechanism = *rng
            .pick(&[
                Mechanism::Plain,
                Mechanism::ScramSha1,
                Mechanism::ScramSha256,
                Mechanism::ScramSha256,
            ])
            .unwrap_or(&Mechanism::ScramSha1);
        self.login(Profile::Rfc6120, mechanism, Self::credential(rng));
        if rng.chance(50) {
            self.header(false, rng);
        }
        self.after_auth(rng);
    }

    /// Stanzas after an authentication attempt (bound or not, the server must cope).
    fn after_auth(&mut self, rng: &mut Rng) {
        for _ in 0..rng.below(3) {
            let n = self.stanza(rng);
            self.element(n, rng);
        }
        if rng.chance(30) {
            self.send(vec![Piece::Text("</stream:stream>".into())]);
            self.steps.push(Step::Await);
        }
    }

    /// Log in with the password asking for a token, use the token once with
    /// `invalidate='true'` (the executor's rule), then try it again or a wrong one.
    fn fast(&mut self, rng: &mut Rng) {
        self.open(true, true, rng);
        self.login_and_leave(Profile::Sasl2, Mechanism::ScramSha256, Credential::Valid);
        self.open(true, true, rng);
        self.login_and_leave(Profile::Sasl2, Mechanism::HtSha256None, Credential::Valid);
        self.open(true, true, rng);
        let credential = *rng
            .pick(&[
                Credential::Spent,
                Credential::Wrong,
                Credential::UnknownUser,
            ])
            .unwrap_or(&Credential::Spent);
        self.login(Profile::Sasl2, Mechanism::HtSha256None, credential);
    }

    /// Preauth and register with a fresh invitation, then preauth again with the spent one.
    fn register(&mut self, rng: &mut Rng) {
        self.open(false, true, rng);
        let preauth = |id: &str, token: Fixture| {
            Node::new("iq", ns::CLIENT)
                .attr("type", "set")
                .attr("id", id)
                .child(
                    Node::new("preauth", "urn:xmpp:pars:0")
                        .attr_pieces("token", vec![Piece::Fixture(token)]),
                )
        };
        self.element(preauth("preauth-1", Fixture::InviteToken), rng);
        let user = format!("fz{:012x}", rng.next_u64() & 0xffff_ffff_ffff);
        let reg = Node::new("iq", ns::CLIENT)
            .attr("type", "set")
            .attr("id", "reg-1")
            .child(
                Node::new("query", "jabber:iq:register")
                    .child(Node::plain("username").text(vec![Piece::Text(user)]))
                    .child(Node::plain("password").text(vec![Piece::Text("fuzz-pw-1".into())])),
            );
        self.element(reg, rng);
        self.steps.push(Step::Disconnect);
        self.open(false, true, rng);
        self.element(preauth("spent-preauth", Fixture::SpentInviteToken), rng);
    }

    /// DCR registration, then the token endpoint with the new client.
    fn oauth2(&mut self, rng: &mut Rng) {
        let mut meta = format!(
            r#"{{"client_name":"gatecheck fuzz","redirect_uris":["{REDIRECT_URI}"],"grant_types":["authorization_code","refresh_token"],"response_types":["code"],"token_endpoint_auth_method":"client_secret_basic""#
        );
        if self.mutate && rng.chance(50) {
            meta.push_str(
                [
                    r#","redirect_uris":[]"#,
                    r#","client_uri":"javascript:x""#,
                    r#","software_id":1"#,
                ][rng.below(3)],
            );
        }
        meta.push('}');
        let json = vec![(
            "content-type".to_owned(),
            vec![Piece::Text("application/json".into())],
        )];
        self.steps.push(Step::Http(HttpRequest {
            method: HttpMethod::Post,
            path: vec![Piece::Text("/oauth2/register".into())],
            headers: json,
            body: vec![Piece::Text(meta)],
        }));
        let grant = rng.below(3);
        let body = match grant {
            0 => vec![
                Piece::Text("grant_type=authorization_code&code=bogus&redirect_uri=".into()),
                Piece::Fixture(Fixture::RedirectUri),
            ],
            1 => vec![Piece::Text(
                "grant_type=refresh_token&refresh_token=bogus".into(),
            )],
            _ => vec![
                Piece::Text("grant_type=password&username=".into()),
                Piece::Fixture(Fixture::Username),
                Piece::Text("&password=".into()),
                Piece::Fixture(Fixture::WrongPassword),
            ],
        };
        self.steps.push(Step::Http(HttpRequest {
            method: HttpMethod::Post,
            path: vec![Piece::Text("/oauth2/token".into())],
            headers: vec![
                (
                    "content-type".into(),
                    vec![Piece::Text("application/x-www-form-urlencoded".into())],
                ),
                (
                    "authorization".into(),
                    vec![
                        Piece::Text("Basic ".into()),
                        Piece::Base64(vec![
                            Piece::Fixture(Fixture::ClientId),
                            Piece::Text(":".into()),
                            Piece::Fixture(Fixture::ClientSecret),
                        ]),
                    ],
                ),
            ],
            body,
        }));
        if rng.chance(50) {
            self.steps.push(Step::Http(HttpRequest {
                method: HttpMethod::Get,
                path: vec![Piece::Text(
                    "/.well-known/oauth-authorization-server".into(),
                )],
                headers: Vec::new(),
                body: Vec::new(),
            }));
        }
    }

    /// A stream with random stanzas and SASL elements, authenticated or not.
    fn soup(&mut self, rng: &mut Rng) {
        self.open(rng.chance(30), rng.chance(50), rng);
        for _ in 0..=rng.below(4) {
            let n = self.stanza(rng);
            self.element(n, rng);
        }
    }

    fn stanza(&mut self, rng: &mut Rng) -> Node {
        match rng.below(8) {
            0 => Node::new("iq", ns::CLIENT)
                .attr("type", "get")
                .attr("id", "p1")
                .child(Node::new("ping", "urn:xmpp:ping")),
            1 => Node::new("iq", ns::CLIENT)
                .attr("type", "set")
                .attr("id", "b1")
                .child(
                    Node::new("bind", "urn:ietf:params:xml:ns:xmpp-bind")
                        .child(Node::plain("resource").text(vec![Piece::Text("fuzz".into())])),
                ),
            2 => Node::new("presence", ns::CLIENT),
            3 => Node::new("message", ns::CLIENT)
                .attr("type", "chat")
                .attr_pieces(
                    "to",
                    vec![
                        Piece::Fixture(Fixture::Username),
                        Piece::Text("@".into()),
                        Piece::Fixture(Fixture::Domain),
                    ],
                )
                .child(Node::plain("body").text(vec![Piece::Text("hi".into())])),
            4 => Node::new("authenticate", ns::SASL2)
                .attr("mechanism", "PLAIN")
                .child(
                    Node::plain("initial-response").text(vec![Piece::Base64(vec![
                        Piece::Bytes(vec![0]),
                        Piece::Fixture(Fixture::Username),
                        Piece::Bytes(vec![0]),
                        Piece::Fixture(Fixture::WrongPassword),
                    ])]),
                )
                .child(
                    Node::plain("user-agent").attr("id", "d4565fa7-4d72-4749-b3d3-740edbf87770"),
                ),
            5 => Node::new("auth", ns::SASL)
                .attr("mechanism", "SCRAM-SHA-1")
                .text(vec![Piece::Text("biwsbj1hLHI9".into())]),
            6 => Node::new("iq", ns::CLIENT)
                .attr("type", "get")
                .attr("id", "r1")
                .child(Node::new("query", "jabber:iq:register")),
            _ => Node::new("response", ns::SASL2).text(vec![Piece::Text("AAAA".into())]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const G: Grammar = Grammar {
        tls: true,
        direct_tls: false,
        http: true,
        invites: true,
    };

    #[test]
    fn the_same_seed_gives_the_same_scripts() {
        let a: Vec<Script> = (0..200).map(|i| script(&G, 42, i)).collect();
        let b: Vec<Script> = (0..200).map(|i| script(&G, 42, i)).collect();
        assert_eq!(a, b);
        let c: Vec<Script> = (0..200).map(|i| script(&G, 43, i)).collect();
        assert_ne!(a, c);
    }

    #[test]
    fn every_module_and_mutation_kind_is_generated() {
        let scripts: Vec<Script> = (0..2000).map(|i| script(&G, 1, i)).collect();
        let steps = || scripts.iter().flat_map(|s| s.steps.iter());
        let auth = |m: Mechanism| {
            steps().any(|s| matches!(s, Step::Authenticate { mechanism, .. } if *mechanism == m))
        };
        assert!(
            auth(Mechanism::HtSha256None) && auth(Mechanism::ScramSha512) && auth(Mechanism::Plain)
        );
        assert!(steps().any(|s| matches!(s, Step::Http(_))));
        assert!(steps().any(|s| matches!(s, Step::StartTls)));
        assert!(steps().any(|s| matches!(s, Step::Send { chunks, .. } if *chunks > 1)));
        let pieces = || {
            steps()
                .filter_map(|s| match s {
                    Step::Send { pieces, .. } => Some(pieces),
                    _ => None,
                })
                .flatten()
        };
        assert!(pieces().any(|p| matches!(p, Piece::Bytes(b) if b.first() == Some(&0xff))));
        assert!(pieces().any(|p| matches!(p, Piece::Fixture(Fixture::SpentInviteToken))));
        let text =
            |needle: &str| pieces().any(|p| matches!(p, Piece::Text(t) if t.contains(needle)));
        assert!(text("urn:gatecheck:bogus"));
        let no_tls = Grammar { tls: false, ..G };
        assert!((0..500).all(|i| !script(&no_tls, 1, i).steps.contains(&Step::StartTls)));
    }
}
