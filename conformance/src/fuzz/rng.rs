//! The fuzzer's random numbers: SplitMix64, so a `--seed` means the same scripts on every
//! platform and with every version of the `rand` crate.

/// A seeded SplitMix64 generator.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// The generator for session `index` of the run seeded with `seed`: sessions are generated
    /// independently, so concurrent workers still produce the per-seed sequence.
    pub fn for_session(seed: u64, index: u64) -> Rng {
        let mut r = Rng(seed ^ index.wrapping_mul(0xA24B_AED4_963E_E407));
        r.next_u64();
        r
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`0` when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }

    /// One element of `items` (`None` for an empty slice).
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        items.get(self.below(items.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_are_independent_and_reproducible() {
        let a: Vec<u64> = (0..4).map(|_| Rng::for_session(7, 1).next_u64()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        assert_ne!(
            Rng::for_session(7, 1).next_u64(),
            Rng::for_session(7, 2).next_u64()
        );
        assert_ne!(
            Rng::for_session(7, 1).next_u64(),
            Rng::for_session(8, 1).next_u64()
        );
        let mut r = Rng::for_session(1, 1);
        assert!((0..1000).all(|_| r.below(3) < 3));
    }
}
