//! The network executor: runs one [`Script`] against the target over the client kit (TCP,
//! STARTTLS or direct TLS; HTTP through the kit's `http`), resolving fixtures from the run's
//! account and from what the script itself obtained, and collecting the oracles' violations.
//!
//! Executor rules the grammar relies on: a step after `Disconnect` opens a new connection; a
//! valid SCRAM login over SASL2 asks for a FAST token (`<request-token/>`), which becomes the
//! `FastToken` fixture; a valid HT authentication sends `<fast invalidate='true'/>`, so its token
//! becomes the `SpentFastToken` fixture; an invitation used by a successful registration
//! (`<iq id='reg-…' type='result'>`) becomes the `SpentInviteToken` fixture. Tokens come from the
//! script alone, so a finding replays the same on a fresh target.

use super::oracle::{Oracle, Violation, judge_element, malformed_server_bytes, requires_answer};
use crate::config::InviteHook;
use crate::mint::{MintKind, MintRequest};
use gatecheck_client::http::{HttpBase, HttpClient, Request};
use gatecheck_client::login::{LoginError, scram_exchange_in, script_for};
use gatecheck_client::scram::FinalTweaks;
use gatecheck_client::transcript::Direction;
use gatecheck_client::{
    AuthProfile, ClientError, Conn, Endpoint, Sasl2Reply, SecretKind, TlsTrust, Transcript, build,
    fast,
};
use gatecheck_proto::ns;
use gatecheck_proto::script::{
    Credential, Fixture, Fixtures, HttpMethod, HttpRequest, Mechanism, Piece, Profile, Script,
    Step, render,
};
use gatecheck_proto::xml::{Element, StreamEvent};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How invitations are minted for the `InviteToken` fixture.
#[derive(Clone)]
pub enum Minter {
    /// In process (the embedded server).
    Hook(InviteHook),
    /// `--invite-cmd`.
    Command(String),
}

/// Everything a session needs to reach the target.
#[derive(Clone)]
pub struct ExecTarget {
    /// Host, port, TLS mode, domain and the shared rustls configuration.
    pub endpoint: Endpoint,
    /// The longest wait for a reply the spec requires (silence beyond it is a finding).
    pub reply_timeout: Duration,
    /// How long the server must stay quiet before an `Await` ends.
    pub quiet: Duration,
    /// The account (localpart, password).
    pub account: Option<(String, String)>,
    /// The `--http` base and trust.
    pub http: Option<(HttpBase, TlsTrust)>,
    /// Invitation minting.
    pub minter: Option<Minter>,
}

/// What one session produced.
#[derive(Debug, Default)]
pub struct SessionReport {
    /// Oracle violations, in order.
    pub violations: Vec<Violation>,
    /// The first connection was refused (or timed out): back off.
    pub refused: bool,
    /// Wall time of the session.
    pub elapsed: Duration,
    /// Steps run.
    pub steps_run: usize,
    /// What the session reached, for the run's summary (a run that never logs in tests little).
    pub counts: Counts,
}

/// Milestones reached, summed over a run.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub tls: u64,
    pub auth_success: u64,
    pub auth_failure: u64,
    pub fast_tokens: u64,
    pub registrations: u64,
    pub http_responses: u64,
}

impl Counts {
    /// Adds `o` into `self`.
    pub fn add(&mut self, o: &Counts) {
        self.tls += o.tls;
        self.auth_success += o.auth_success;
        self.auth_failure += o.auth_failure;
        self.fast_tokens += o.fast_tokens;
        self.registrations += o.registrations;
        self.http_responses += o.http_responses;
    }
}

/// Values the script obtained or was given.
#[derive(Default)]
struct Values {
    domain: Vec<u8>,
    username: Option<String>,
    password: Option<String>,
    fast: Option<String>,
    spent_fast: Option<String>,
    invite: Option<String>,
    spent_invite: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    access_token: Option<String>,
}

impl Fixtures for Values {
    fn resolve(&self, f: Fixture) -> Option<Vec<u8>> {
        let s = |v: &Option<String>| v.as_ref().map(|s| s.as_bytes().to_vec());
        match f {
            Fixture::Domain => Some(self.domain.clone()),
            Fixture::Username => s(&self.username),
            Fixture::Password => s(&self.password),
            Fixture::WrongPassword => Some(b"gatecheck-wrong-password".to_vec()),
            Fixture::UnknownUser => Some(b"gatecheck-no-such-user".to_vec()),
            Fixture::FastToken => s(&self.fast),
            Fixture::SpentFastToken => s(&self.spent_fast),
            Fixture::InviteToken => s(&self.invite),
            Fixture::SpentInviteToken => s(&self.spent_invite),
            Fixture::ClientId => s(&self.client_id),
            Fixture::ClientSecret => s(&self.client_secret),
            Fixture::RedirectUri => Some(super::generate::REDIRECT_URI.as_bytes().to_vec()),
            Fixture::AccessToken => s(&self.access_token),
        }
    }
}

/// How long a connection that carried malformed bytes waits for an answer (see
/// [`Session::reply_wait`]): long enough for a PBKDF2-backed reply on a loaded loopback target.
const UNCLEAN_WAIT: Duration = Duration::from_millis(100);

struct Session<'a> {
    t: &'a ExecTarget,
    transcript: Transcript,
    conn: Option<Conn>,
    /// The current connection ended (closed by the server or failed): skip to `Disconnect`.
    dead: bool,
    connections: usize,
    /// Connections whose received bytes were judged already.
    judged: usize,
    /// Everything sent on this connection was well-formed framing.
    clean: bool,
    /// The last write needs an answer that has not come yet.
    pending: bool,
    values: Values,
    report: SessionReport,
    http: Option<HttpClient>,
    /// This session's SASL2 user-agent id: FAST tokens are bound to it, so concurrent sessions
    /// do not rotate each other's tokens out.
    ua: String,
}

/// Runs `script` against the target; never fails (a failing step ends the connection).
pub async fn run(t: &ExecTarget, script: &Script, transcript: Transcript) -> SessionReport {
    let start = Instant::now();
    let mut s = Session {
        t,
        transcript,
        conn: None,
        dead: false,
        connections: 0,
        judged: 0,
        clean: true,
        pending: false,
        values: Values {
            domain: t.endpoint.domain.as_bytes().to_vec(),
            username: t.account.as_ref().map(|a| a.0.clone()),
            password: t.account.as_ref().map(|a| a.1.clone()),
            ..Values::default()
        },
        report: SessionReport::default(),
        http: None,
        ua: random_uuid(),
    };
    if let Some((_, pw)) = &t.account {
        s.transcript.secret(SecretKind::Password, pw);
    }
    for step in &script.steps {
        s.report.steps_run += 1;
        s.step(step).await;
        if s.report.refused {
            break;
        }
    }
    s.judge_received();
    if let Some(c) = s.conn.as_mut() {
        c.abandon();
    }
    s.report.elapsed = start.elapsed();
    s.report
}

impl Session<'_> {
    async fn step(&mut self, step: &Step) {
        match step {
            Step::Disconnect => {
                self.judge_received();
                if let Some(c) = self.conn.as_mut() {
                    c.abandon();
                }
                self.conn = None;
                self.dead = false;
            }
            Step::Http(req) => self.http(req).await,
            _ if self.dead => {}
            Step::Send { pieces, chunks } => self.send(pieces, *chunks).await,
            Step::Await => self.await_replies().await,
            Step::StartTls => self.start_tls().await,
            Step::Authenticate {
                profile,
                mechanism,
                credential,
            } => self.authenticate(*profile, *mechanism, *credential).await,
        }
    }

    /// The open connection, connecting first when there is none.
    async fn conn(&mut self) -> Option<&mut Conn> {
        if self.conn.is_none() {
            self.connections += 1;
            let label = format!("c{}", self.connections);
            match Conn::connect(
                self.t.endpoint.clone(),
                self.transcript.clone(),
                &label,
                self.t.reply_timeout,
            )
            .await
            {
                Ok(c) => {
                    self.conn = Some(c);
                    self.clean = true;
                    self.pending = false;
                }
                Err(e) => {
                    if self.connections == 1 {
                        self.report.refused = true;
                    }
                    self.transcript.note(&format!("{label}: {e}"));
                    self.dead = true;
                    return None;
                }
            }
        }
        self.conn.as_mut()
    }

    fn end_connection(&mut self) {
        self.judge_received();
        if let Some(c) = self.conn.as_mut() {
            c.abandon();
        }
        self.dead = true;
    }

    async fn ensure_fixtures(&mut self, pieces: &[Piece]) {
        if self.values.invite.is_none() && uses(pieces, Fixture::InviteToken) {
            self.values.invite = self.mint().await;
            if let Some(t) = &self.values.invite {
                self.transcript.secret(SecretKind::InviteToken, t);
            }
        }
    }

    async fn mint(&self) -> Option<String> {
        let req = MintRequest {
            kind: MintKind::Account,
            user: None,
            ttl: None,
        };
        let uri = match self.t.minter.as_ref()? {
            Minter::Hook(h) => (h.0)(&req).ok()?,
            Minter::Command(cmd) => crate::mint::run_template(cmd, &req).await.ok()?,
        };
        uri.split(';')
            .find_map(|p| p.strip_prefix("preauth="))
            .map(str::to_owned)
    }

    async fn send(&mut self, pieces: &[Piece], chunks: u8) {
        self.ensure_fixtures(pieces).await;
        let (bytes, _missing) = render(pieces, &self.values);
        let header = bytes.windows(14).any(|w| w == b"<stream:stream");
        if header && self.conn.is_some() && self.pending {
            // Let the answer to the previous write arrive before the parser restarts.
            self.await_replies().await;
            if self.dead {
                return;
            }
        }
        if self.conn().await.is_none() {
            return;
        }
        match requires_answer(&bytes) {
            Some(required) => self.pending = required,
            None => {
                self.clean = false;
                self.pending = false;
                let wait = self.reply_wait();
                if let Some(c) = self.conn.as_mut() {
                    c.set_wait(wait);
                }
            }
        }
        let Some(c) = self.conn.as_mut() else { return };
        if header {
            c.restart_parser();
        }
        let n = usize::from(chunks.max(1));
        let size = bytes.len().div_ceil(n).max(1);
        for part in bytes.chunks(size) {
            if c.send_raw(part).await.is_err() {
                self.end_connection();
                return;
            }
            if n > 1 {
                tokio::task::yield_now().await;
            }
        }
    }

    /// The longest wait for an answer on this connection: the reply timeout while everything
    /// sent was well-formed (silence is then a finding), [`UNCLEAN_WAIT`] once it was not. After
    /// malformed bytes the server may rightly wait for more, and no oracle judges that silence,
    /// so waiting seconds for it would only cost throughput.
    fn reply_wait(&self) -> Duration {
        if self.clean {
            self.t.reply_timeout
        } else {
            UNCLEAN_WAIT.min(self.t.reply_timeout)
        }
    }

    /// Reads until the server is quiet; the first read waits [`Session::reply_wait`] when an
    /// answer is required.
    async fn await_replies(&mut self) {
        let (quiet, reply) = (self.t.quiet, self.reply_wait());
        let required = self.pending;
        let mut first = true;
        loop {
            // A required answer is waited for up to the reply timeout; once it came, only what
            // is already there is read (the next step reads the rest); otherwise the server
            // gets `quiet` to say something.
            let wait = match (first, required) {
                (true, true) => reply,
                (false, true) => Duration::ZERO,
                (_, false) => quiet,
            };
            let Some(c) = self.conn.as_mut() else { return };
            c.set_wait(wait);
            let ev = c.event().await;
            c.set_wait(reply);
            match ev {
                Ok(StreamEvent::Element(e)) => {
                    self.pending = false;
                    self.observe(&e);
                }
                Ok(StreamEvent::Header(_) | StreamEvent::Text(_)) => self.pending = false,
                Ok(StreamEvent::Close) => {
                    self.pending = false;
                    self.end_connection();
                    return;
                }
                Err(ClientError::Timeout(_)) => {
                    if first && required && self.clean {
                        self.report.violations.push(Violation::new(
                            Oracle::Silence,
                            "no-answer",
                            format!(
                                "no answer within {} s to a write that requires one",
                                reply.as_secs_f64()
                            ),
                        ));
                    }
                    self.pending = false;
                    return;
                }
                Err(e) => {
                    self.pending = false;
                    self.on_error(&e);
                    return;
                }
            }
            first = false;
        }
    }

    /// A kit error ends the connection; malformed bytes are judged over the whole connection
    /// when it ends ([`Session::judge_received`]), where server restarts are understood.
    fn on_error(&mut self, _e: &ClientError) {
        self.end_connection();
    }

    /// The malformed-reply oracle over everything the server sent on the current connection.
    fn judge_received(&mut self) {
        if self.judged >= self.connections {
            return;
        }
        self.judged = self.connections;
        let label = format!("c{}", self.connections);
        let bytes: Vec<u8> = self
            .transcript
            .entries()
            .into_iter()
            .filter(|e| e.dir == Direction::Received && e.conn == label)
            .flat_map(|e| e.data)
            .collect();
        if let Some(what) = malformed_server_bytes(&bytes) {
            let signature = what.split(" in ").next().unwrap_or_default().to_owned();
            self.report.violations.push(Violation::new(
                Oracle::MalformedReply,
                signature,
                format!("the server's bytes are not a well-formed stream: {what}"),
            ));
        }
    }

    fn observe(&mut self, e: &Element) {
        self.report.violations.extend(judge_element(e));
        if &*e.name == "iq"
            && e.attr("type") == Some("result")
            && e.attr("id").is_some_and(|i| i.starts_with("reg-"))
        {
            self.values.spent_invite = self.values.invite.take();
            self.report.counts.registrations += 1;
        }
    }

    async fn start_tls(&mut self) {
        let reply = self.t.reply_timeout;
        loop {
            let Some(c) = self.conn.as_mut() else { return };
            match c.event().await {
                Ok(StreamEvent::Element(e)) if e.is("proceed", ns::TLS) => break,
                Ok(StreamEvent::Element(e)) => {
                    let failure = e.is("failure", ns::TLS);
                    self.observe(&e);
                    if failure {
                        self.end_connection();
                        return;
                    }
                }
                Ok(StreamEvent::Header(_) | StreamEvent::Text(_)) => {}
                Ok(StreamEvent::Close) => return self.end_connection(),
                Err(ClientError::Timeout(_)) => {
                    if self.pending && self.clean {
                        self.report.violations.push(Violation::new(
                            Oracle::Silence,
                            "no-answer-to-starttls",
                            format!(
                                "no <proceed/> or <failure/> within {} s",
                                reply.as_secs_f64()
                            ),
                        ));
                    }
                    return self.end_connection();
                }
                Err(e) => return self.on_error(&e),
            }
        }
        self.pending = false;
        let Some(c) = self.conn.as_mut() else { return };
        if c.tls_handshake().await.is_err() {
            self.end_connection();
        } else {
            self.report.counts.tls += 1;
        }
    }

    async fn authenticate(
        &mut self,
        profile: Profile,
        mechanism: Mechanism,
        credential: Credential,
    ) {
        // Take what the server sent unasked for (features after a header) first.
        self.await_replies().await;
        if self.dead || self.conn.is_none() {
            return;
        }
        let kit_profile = match profile {
            Profile::Sasl2 => AuthProfile::Sasl2,
            Profile::Rfc6120 => AuthProfile::Sasl,
        };
        let (user, effective) = match (credential, &self.values.username) {
            (Credential::UnknownUser, _) | (_, None) => {
                ("gatecheck-no-such-user".to_owned(), Credential::UnknownUser)
            }
            (c, Some(u)) => (u.clone(), c),
        };
        match mechanism {
            Mechanism::ScramSha1 | Mechanism::ScramSha256 | Mechanism::ScramSha512 => {
                self.scram(kit_profile, mechanism, &user, effective).await
            }
            Mechanism::Plain => {
                let pw = self.password_for(effective);
                let ir = format!("\0{user}\0{pw}");
                let eff = if effective == Credential::Valid && self.values.password.is_none() {
                    Credential::Wrong
                } else {
                    effective
                };
                let o = self
                    .one_step(kit_profile, "PLAIN", ir.as_bytes(), &[])
                    .await;
                self.judge(profile, mechanism, eff, o)
            }
            Mechanism::HtSha256None => self.ht(kit_profile, &user, effective).await,
            Mechanism::Oauthbearer => {
                let (token, eff) = match (effective, &self.values.access_token) {
                    (Credential::Valid, Some(t)) => (t.clone(), Credential::Valid),
                    (Credential::Valid, None) => {
                        ("gatecheck-made-up-token".to_owned(), Credential::Wrong)
                    }
                    (c, _) => ("gatecheck-made-up-token".to_owned(), c),
                };
                let ir = format!("n,,\x01auth=Bearer {token}\x01\x01");
                let o = self
                    .one_step(kit_profile, "OAUTHBEARER", ir.as_bytes(), &[])
                    .await;
                self.judge(profile, mechanism, eff, o)
            }
        };
    }

    fn password_for(&self, c: Credential) -> String {
        match (c, &self.values.password) {
            (Credential::Valid, Some(p)) => p.clone(),
            _ => "gatecheck-wrong-password".to_owned(),
        }
    }

    async fn scram(
        &mut self,
        profile: AuthProfile,
        mechanism: Mechanism,
        user: &str,
        c: Credential,
    ) -> Outcome {
        let name = match mechanism {
            Mechanism::ScramSha1 => "SCRAM-SHA-1",
            Mechanism::ScramSha512 => "SCRAM-SHA-512",
            _ => "SCRAM-SHA-256",
        };
        let c = if c == Credential::Valid && self.values.password.is_none() {
            Credential::Wrong
        } else {
            c
        };
        let pw = self.password_for(c);
        let extra = if profile == AuthProfile::Sasl2 && c == Credential::Valid {
            vec![build::request_token("HT-SHA-256-NONE")]
        } else {
            Vec::new()
        };
        let ua = self.ua.clone();
        let Some(conn) = self.conn.as_mut() else {
            return Outcome::Ended;
        };
        let Ok(script) = script_for(conn, name, user, None) else {
            return Outcome::Ended;
        };
        let r = if profile == AuthProfile::Sasl2 {
            gatecheck_client::fast::scram_exchange(conn, name, &script, &pw, &ua, &extra).await
        } else {
            scram_exchange_in(
                conn,
                profile,
                name,
                &script,
                &pw,
                &FinalTweaks::default(),
                &extra,
            )
            .await
        };
        let o = match r {
            Ok(login) => Outcome::Success(login.success),
            Err(LoginError::ServerSignature(_)) => {
                Outcome::Success(Element::new("success", ns::SASL2))
            }
            Err(LoginError::Reply(reply)) => Outcome::Reply(reply),
            Err(LoginError::Client(e)) => Outcome::Error(e),
            Err(_) => Outcome::Ended,
        };
        if let Outcome::Success(s) = &o
            && let Some(t) = fast::issued_token(s)
        {
            self.transcript.secret(SecretKind::Token, &t.token);
            self.values.fast = Some(t.token);
            self.report.counts.fast_tokens += 1;
        }
        self.judge(profile_of(profile), mechanism, c, o)
    }

    async fn one_step(
        &mut self,
        profile: AuthProfile,
        mech: &str,
        ir: &[u8],
        extra: &[Element],
    ) -> Outcome {
        let Some(conn) = self.conn.as_mut() else {
            return Outcome::Ended;
        };
        match conn.start_auth(profile, mech, Some(ir), extra).await {
            Ok(Sasl2Reply::Success(s)) => Outcome::Success(s),
            Ok(r) => Outcome::Reply(r),
            Err(e) => Outcome::Error(e),
        }
    }

    async fn ht(&mut self, profile: AuthProfile, user: &str, c: Credential) -> Outcome {
        let (token, eff) = match c {
            Credential::Valid => match &self.values.fast {
                Some(t) => (t.clone(), Credential::Valid),
                None => ("gatecheck-made-up-token".to_owned(), Credential::Wrong),
            },
            Credential::Spent => match &self.values.spent_fast {
                Some(t) => (t.clone(), Credential::Spent),
                None => ("gatecheck-made-up-token".to_owned(), Credential::Wrong),
            },
            other => ("gatecheck-made-up-token".to_owned(), other),
        };
        let Some(conn) = self.conn.as_mut() else {
            return Outcome::Ended;
        };
        let Ok(ir) = fast::initiator("HT-SHA-256-NONE", user, &token, conn.tls()) else {
            return Outcome::Ended;
        };
        let extra = if profile == AuthProfile::Sasl2 {
            vec![
                fast::user_agent_with_id(&self.ua),
                fast::fast_request(None, eff == Credential::Valid),
            ]
        } else {
            Vec::new()
        };
        let o = match profile {
            AuthProfile::Sasl2 => {
                let el: Element = build::authenticate("HT-SHA-256-NONE")
                    .initial_response(&ir)
                    .without_user_agent()
                    .inline(extra)
                    .into();
                match conn.send(&el).await {
                    Ok(()) => match conn.sasl2_reply().await {
                        Ok(Sasl2Reply::Success(s)) => Outcome::Success(s),
                        Ok(r) => Outcome::Reply(r),
                        Err(e) => Outcome::Error(e),
                    },
                    Err(e) => Outcome::Error(e),
                }
            }
            AuthProfile::Sasl => self.one_step(profile, "HT-SHA-256-NONE", &ir, &[]).await,
        };
        if let Outcome::Success(s) = &o
            && eff == Credential::Valid
        {
            self.values.spent_fast = Some(token);
            self.values.fast = fast::issued_token(s).map(|t| t.token);
        }
        self.judge(profile_of(profile), Mechanism::HtSha256None, eff, o)
    }

    /// Applies the authentication oracles to one exchange's outcome.
    fn judge(
        &mut self,
        profile: Profile,
        mechanism: Mechanism,
        c: Credential,
        o: Outcome,
    ) -> Outcome {
        match &o {
            Outcome::Success(_) => self.report.counts.auth_success += 1,
            Outcome::Reply(Sasl2Reply::Failure { .. }) => {
                self.report.counts.auth_failure += 1;
            }
            _ => {}
        }
        match &o {
            Outcome::Success(s) => {
                if c != Credential::Valid {
                    self.report.violations.push(Violation::new(
                        Oracle::BadCredentialAccepted,
                        format!("{profile:?}/{mechanism:?}/{c:?}"),
                        format!(
                            "authentication with a {c:?} credential succeeded: {}",
                            s.to_xml()
                        ),
                    ));
                }
            }
            Outcome::Reply(Sasl2Reply::Failure { element, .. }) => self.observe(&element.clone()),
            Outcome::Reply(_) | Outcome::Ended => {}
            Outcome::Error(ClientError::Timeout(_)) => {
                if self.clean {
                    self.report.violations.push(Violation::new(
                        Oracle::Silence,
                        format!("no-answer-to-{mechanism:?}"),
                        format!(
                            "no answer to an authentication step within {} s",
                            self.t.reply_timeout.as_secs_f64()
                        ),
                    ));
                }
                self.end_connection();
            }
            Outcome::Error(e) => {
                let e = clone_error(e);
                self.on_error(&e);
            }
        }
        self.pending = false;
        o
    }

    async fn http(&mut self, req: &HttpRequest) {
        let Some((base, trust)) = self.t.http.clone() else {
            return;
        };
        if self.http.is_none() {
            self.http = HttpClient::new(
                base.clone(),
                &trust,
                self.t.reply_timeout,
                self.transcript.clone(),
            )
            .ok();
        }
        let Some(client) = self.http.clone() else {
            return;
        };
        let (path, _) = render(&req.path, &self.values);
        let (body, _) = render(&req.body, &self.values);
        let path = format!("{}{}", base.path, String::from_utf8_lossy(&path));
        let mut r = Request {
            method: match req.method {
                HttpMethod::Get => "GET".into(),
                HttpMethod::Post => "POST".into(),
            },
            target: path.clone(),
            headers: Vec::new(),
            body,
        };
        for (name, value) in &req.headers {
            let (v, _) = render(value, &self.values);
            r.headers
                .push((name.clone(), String::from_utf8_lossy(&v).into_owned()));
        }
        let resp = match client.send(&r).await {
            Ok(resp) => resp,
            Err(e) => {
                self.transcript.note(&format!("{} {path}: {e}", r.method));
                return;
            }
        };
        self.report.counts.http_responses += 1;
        if resp.status >= 500 {
            let endpoint = req
                .path
                .iter()
                .find_map(|p| match p {
                    Piece::Text(t) => Some(t.split('?').next().unwrap_or_default().to_owned()),
                    _ => None,
                })
                .unwrap_or_default();
            self.report.violations.push(Violation::new(
                Oracle::Http5xx,
                format!("{} {endpoint} {}", r.method, resp.status),
                format!("{} {path} answered {}", r.method, resp.summary()),
            ));
        }
        if let Some(j) = resp.json() {
            let get = |k: &str| j.get(k).and_then(|v| v.as_str()).map(str::to_owned);
            if let (Some(id), Some(secret)) = (get("client_id"), get("client_secret")) {
                self.transcript.secret(SecretKind::ClientSecret, &secret);
                self.values.client_id = Some(id);
                self.values.client_secret = Some(secret);
            }
            if let Some(t) = get("access_token") {
                self.transcript.secret(SecretKind::Token, &t);
                self.values.access_token = Some(t);
            }
        }
    }
}

/// The result of one authentication exchange.
enum Outcome {
    Success(Element),
    Reply(Sasl2Reply),
    Error(ClientError),
    Ended,
}

fn profile_of(p: AuthProfile) -> Profile {
    match p {
        AuthProfile::Sasl2 => Profile::Sasl2,
        AuthProfile::Sasl => Profile::Rfc6120,
    }
}

fn clone_error(e: &ClientError) -> ClientError {
    match e {
        ClientError::NotWellFormed(x) => ClientError::NotWellFormed(x.clone()),
        _ => ClientError::Closed,
    }
}

/// Whether `fixture` occurs in `pieces`, at any depth.
pub fn uses(pieces: &[Piece], fixture: Fixture) -> bool {
    pieces.iter().any(|p| match p {
        Piece::Fixture(f) => *f == fixture,
        Piece::Base64(inner) | Piece::Repeat { pieces: inner, .. } => uses(inner, fixture),
        Piece::Text(_) | Piece::Bytes(_) => false,
    })
}

/// The shared rustls configuration for every session (built once: building one per
/// connection would cost more than the session).
pub fn endpoint(
    host: &str,
    port: u16,
    tls: gatecheck_client::TlsMode,
    domain: &str,
    trust: &TlsTrust,
) -> Result<Endpoint, String> {
    let config = gatecheck_client::tls::client_config(trust).map_err(|e| e.to_string())?;
    Ok(Endpoint::new(host, port, tls, domain, Arc::clone(&config)))
}

/// A random UUIDv4 (a user-agent id).
fn random_uuid() -> String {
    let (a, b) = (crate::start::random_seed(), crate::start::random_seed());
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        b >> 52,
        b & 0xffff_ffff_ffff
    )
}
