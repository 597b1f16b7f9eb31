//! Time and randomness, injected into the sans-IO core.
//!
//! The core never reads the system clock or the OS RNG itself: stream ids, SCRAM nonces, resource
//! suffixes and (later) FAST tokens and invite expiry all come from a [`Clock`] and an [`Rng`] the
//! composition root hands it. The shell passes [`SystemClock`] and [`OsRng`]; tests, model tests
//! and whole-session fuzz targets pass [`FixedClock`] and [`SeededRng`], so a run is reproducible
//! byte for byte.

use std::sync::{Arc, Mutex};
use std::time::SystemTime;

/// Wall-clock time as the core sees it.
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> SystemTime;
}

/// Randomness as the core sees it. `&self` so one source can be shared by every session.
pub trait Rng: Send + Sync {
    /// Fills `buf` with random bytes. Must not fail: an implementation that cannot produce
    /// randomness should abort rather than hand out predictable secrets.
    fn fill(&self, buf: &mut [u8]);
}

/// Clock and RNG together, cloned cheaply into sessions, mechanisms and modules.
#[derive(Clone)]
pub struct Env {
    /// Wall-clock time.
    pub clock: Arc<dyn Clock>,
    /// Randomness.
    pub rng: Arc<dyn Rng>,
}

impl Env {
    /// The real clock and the OS CSPRNG: what the server runs with.
    pub fn system() -> Self {
        Self {
            clock: Arc::new(SystemClock),
            rng: Arc::new(OsRng),
        }
    }

    /// A fixed instant and a seeded generator: what tests and fuzz targets run with.
    pub fn deterministic(now: SystemTime, seed: u64) -> Self {
        Self {
            clock: Arc::new(FixedClock(now)),
            rng: Arc::new(SeededRng::new(seed)),
        }
    }

    /// `n` random bytes as lower-case hex.
    pub fn random_hex(&self, n: usize) -> String {
        let mut b = vec![0u8; n];
        self.rng.fill(&mut b);
        b.iter().map(|x| format!("{x:02x}")).collect()
    }
}

/// [`Clock`] reading the system time.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// [`Rng`] over the operating system's CSPRNG (`getrandom`).
#[derive(Debug, Default, Clone, Copy)]
pub struct OsRng;

impl Rng for OsRng {
    fn fill(&self, buf: &mut [u8]) {
        // A server that cannot get randomness must not issue nonces, ids or tokens at all.
        getrandom::fill(buf).expect("the OS random number generator failed");
    }
}

/// [`Clock`] that always answers the same instant.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub SystemTime);

impl Clock for FixedClock {
    fn now(&self) -> SystemTime {
        self.0
    }
}

/// [`Clock`] a test moves by hand (token expiry and rotation without waiting).
#[derive(Debug)]
pub struct ManualClock(Mutex<SystemTime>);

impl ManualClock {
    /// A clock standing at `t`.
    pub fn new(t: SystemTime) -> Self {
        Self(Mutex::new(t))
    }

    /// Moves the clock forward by `d`.
    pub fn advance(&self, d: std::time::Duration) {
        let mut g = self.0.lock().unwrap_or_else(|p| p.into_inner());
        *g += d;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Deterministic, NOT cryptographic [`Rng`] (SplitMix64): the same seed gives the same bytes, so
/// tests can compare whole outputs and fuzz findings replay exactly.
#[derive(Debug)]
pub struct SeededRng {
    state: Mutex<u64>,
}

impl SeededRng {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            state: Mutex::new(seed),
        }
    }
}

impl SeededRng {
    /// Starts over from `seed`, as if new: reused fuzz services replay each run exactly.
    pub fn reseed(&self, seed: u64) {
        *self.state.lock().unwrap_or_else(|p| p.into_inner()) = seed;
    }
}

impl Rng for SeededRng {
    fn fill(&self, buf: &mut [u8]) {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        for chunk in buf.chunks_mut(8) {
            *s = s.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = *s;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^= z >> 31;
            let bytes = z.to_le_bytes();
            chunk.copy_from_slice(bytes.get(..chunk.len()).unwrap_or_default());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_is_reproducible_and_seed_dependent() {
        let a = Env::deterministic(SystemTime::UNIX_EPOCH, 1);
        let b = Env::deterministic(SystemTime::UNIX_EPOCH, 1);
        let c = Env::deterministic(SystemTime::UNIX_EPOCH, 2);
        let ha = a.random_hex(13);
        assert_eq!(ha, b.random_hex(13));
        assert_ne!(ha, c.random_hex(13));
        assert_ne!(ha, a.random_hex(13));
        assert_eq!(ha.len(), 26);
        assert_eq!(a.clock.now(), SystemTime::UNIX_EPOCH);
    }
}
