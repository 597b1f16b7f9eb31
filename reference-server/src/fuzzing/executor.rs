//! Runs one script against a fork of the seeded world and checks every oracle after every step.

use std::cell::RefCell;

use gatecheck_proto::script::{Credential, Fixture, Fixtures, Script, Step, render_limited};

use super::alloc::{MAX_SESSION_HEAP, PeakGuard};
use super::auth::authenticate;
use super::conn::Conn;
use super::invariants::{Facts, check_authentication, check_store};
use super::world::{Instance, World, WorldValues};
use super::{Violation, http};

/// Output allowance per connection: a fixed amount plus a multiple of the input (a disco#info
/// answer is some twenty times its request).
const OUTPUT_BASE: usize = 64 << 10;
const OUTPUT_PER_INPUT_BYTE: usize = 64;

/// Largest rendering of one step: a little over the world's stanza limit, so oversized input is
/// still reached, without spending the run on megabytes of base64 and parsing.
pub const RENDER_LIMIT: usize = super::world::STANZA_LIMIT + 4096;

/// Steps run per script, and `Authenticate` steps among them: later ones are ignored. A complete
/// login costs as much as a hundred short steps, and sessions longer than this reach no state a
/// shorter one cannot, so the caps keep the target's exec rate up without losing depth.
pub const MAX_STEPS: usize = 32;
pub const MAX_AUTHENTICATE: usize = 3;

/// What a clean run did (for tests and seed generation).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Some connection authenticated.
    pub authenticated: bool,
    /// Steps executed before the session ended.
    pub steps_run: usize,
    /// Bytes the c2s core wrote.
    pub output_bytes: usize,
    /// HTTP statuses, in order.
    pub http_statuses: Vec<u16>,
    /// Peak live heap during the run (0 without the counting allocator).
    pub peak_heap: usize,
}

/// Resolves fixtures against the world and remembers which ones were used.
pub struct Recorder<'a> {
    values: &'a WorldValues,
    used: RefCell<Vec<Fixture>>,
}

impl Fixtures for Recorder<'_> {
    fn resolve(&self, fixture: Fixture) -> Option<Vec<u8>> {
        self.used.borrow_mut().push(fixture);
        self.values.resolve(fixture)
    }
}

impl Recorder<'_> {
    /// Moves the fixtures used so far into `facts`.
    pub fn flush_into(&self, facts: &mut Facts) {
        for f in self.used.borrow_mut().drain(..) {
            facts.rendered.insert(f.into());
        }
    }
}

/// Runs `script` against the shared, unbroken world.
pub fn run(script: &Script) -> Result<Outcome, Violation> {
    run_with(World::shared(), script)
}

/// Splits `bytes` into `chunks` nearly equal writes (0 and 1: one write).
fn split(bytes: &[u8], chunks: u8) -> impl Iterator<Item = &[u8]> {
    let n = usize::from(chunks.max(1)).min(bytes.len().max(1));
    let size = bytes.len().div_ceil(n).max(1);
    bytes.chunks(size)
}

/// Runs `script` against `world`.
pub fn run_with(world: &World, script: &Script) -> Result<Outcome, Violation> {
    let heap = PeakGuard::start();
    let instance = world.instance();
    let fixtures = Recorder {
        values: &world.values,
        used: RefCell::new(Vec::new()),
    };
    let mut facts = Facts::default();
    let mut conn: Option<Conn> = None;
    let mut outcome = Outcome::default();
    let mut exchanges = 0;
    for (index, step) in script.steps.iter().take(MAX_STEPS).enumerate() {
        let c2s = !matches!(step, Step::Http(_) | Step::Await);
        if c2s && conn.is_none() {
            conn = Some(Conn::open(instance.svc.clone())?);
        }
        match step {
            Step::Send { pieces, chunks } => {
                let (bytes, _missing) = render_limited(pieces, &fixtures, RENDER_LIMIT);
                fixtures.flush_into(&mut facts);
                if let Some(c) = conn.as_mut() {
                    for chunk in split(&bytes, *chunks) {
                        c.send(chunk)?;
                    }
                }
            }
            Step::StartTls => {
                if let Some(c) = conn.as_mut() {
                    c.start_tls()?;
                }
            }
            Step::Authenticate {
                profile,
                mechanism,
                credential,
            } => {
                exchanges += 1;
                if exchanges > MAX_AUTHENTICATE {
                    continue;
                }
                facts.valid_authenticate |= *credential == Credential::Valid;
                if let Some(c) = conn.as_mut() {
                    authenticate(c, &world.values, *profile, *mechanism, *credential, "")?;
                }
            }
            Step::Await => {}
            Step::Disconnect => {
                outcome.steps_run = index + 1;
                break;
            }
            Step::Http(req) => {
                let r = http::step(&instance.http, req, &fixtures, &mut facts)?;
                outcome.http_statuses.push(r.status);
            }
        }
        outcome.steps_run = index + 1;
        check_step(world, &instance, conn.as_ref(), &mut facts, index, &heap)?;
        if conn.as_ref().is_some_and(|c| c.closed) && !has_http_after(script, index) {
            break;
        }
    }
    outcome.authenticated = facts.authenticated;
    outcome.output_bytes = conn.as_ref().map_or(0, Conn::output_bytes);
    drop(conn);
    outcome.peak_heap = heap.peak();
    world.recycle(instance);
    Ok(outcome)
}

fn has_http_after(script: &Script, index: usize) -> bool {
    script
        .steps
        .iter()
        .skip(index + 1)
        .any(|s| matches!(s, Step::Http(_)))
}

/// Every oracle, after step `index`.
fn check_step(
    world: &World,
    instance: &Instance,
    conn: Option<&Conn>,
    facts: &mut Facts,
    index: usize,
    heap: &PeakGuard,
) -> Result<(), Violation> {
    let what = format!("step {index}");
    if let Some(c) = conn {
        facts.authenticated |= c.authenticated;
        if c.token_outside_success {
            return Err(Violation::StoreChange(format!(
                "{what}: a FAST token was handed out outside <success/>"
            )));
        }
        let allowed =
            OUTPUT_BASE.saturating_add(c.input_bytes.saturating_mul(OUTPUT_PER_INPUT_BYTE));
        if c.output_bytes() > allowed {
            return Err(Violation::OutputBound(format!(
                "{what}: {} bytes written for {} read",
                c.output_bytes(),
                c.input_bytes
            )));
        }
    }
    check_authentication(facts, &what)?;
    instance
        .store
        .inspect(|after| check_store(&world.before, after, &world.values, facts))
        .map_err(|v| match v {
            Violation::StoreChange(m) => Violation::StoreChange(format!("{what}: {m}")),
            other => other,
        })?;
    let peak = heap.peak();
    if peak > MAX_SESSION_HEAP {
        return Err(Violation::Memory(format!(
            "{what}: peak live heap {peak} bytes > {MAX_SESSION_HEAP}"
        )));
    }
    Ok(())
}
