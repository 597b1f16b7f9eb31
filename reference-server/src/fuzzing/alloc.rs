//! A counting global allocator for the memory oracle: live and peak heap bytes of the current
//! thread since the last [`PeakGuard::start`]. The fuzz targets and this crate's test binary
//! install it; elsewhere the counters stay at zero and the memory oracle cannot fire.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// Bound on the peak live heap of one session (the script's own rendering included: one rendered
/// `Send` is at most [`gatecheck_proto::script::MAX_RENDERED`], 1 MiB).
pub const MAX_SESSION_HEAP: usize = 16 << 20;

thread_local! {
    // Const-initialised `Cell`s without destructors: safe to touch from inside the allocator.
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

/// The system allocator, counting this thread's live bytes.
pub struct CountingAlloc;

fn add(n: isize) {
    let _ = LIVE.try_with(|live| {
        let now = live.get() + n;
        live.set(now);
        let _ = PEAK.try_with(|peak| {
            if now > peak.get() {
                peak.set(now);
            }
        });
    });
}

fn size(layout: Layout) -> isize {
    isize::try_from(layout.size()).unwrap_or(isize::MAX)
}

// SAFETY: every method forwards to `System` with the same arguments; the counting touches only
// thread-local `Cell`s and never allocates.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            add(size(layout));
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            add(size(layout));
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged.
        unsafe { System.dealloc(ptr, layout) };
        add(-size(layout));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded unchanged.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            add(isize::try_from(new_size).unwrap_or(isize::MAX) - size(layout));
        }
        p
    }
}

/// Measures the peak live heap of this thread from [`PeakGuard::start`] on.
pub struct PeakGuard {
    base: isize,
}

impl PeakGuard {
    /// Starts measuring now.
    pub fn start() -> Self {
        let base = LIVE.with(Cell::get);
        PEAK.with(|p| p.set(base));
        Self { base }
    }

    /// Peak bytes above the live heap at start.
    pub fn peak(&self) -> usize {
        usize::try_from(PEAK.with(Cell::get) - self.base).unwrap_or(0)
    }
}
