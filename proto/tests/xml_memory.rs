//! A 100 MiB text node fed in 64 KiB chunks is rejected without being buffered: peak heap,
//! measured by a counting global allocator in this test binary only, stays under 64 MiB.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use gatecheck_proto::xml::{LimitKind, Limits, StreamParser, XmlError};

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged to the system allocator.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            let now = CURRENT.fetch_add(layout.size(), Ordering::SeqCst) + layout.size();
            PEAK.fetch_max(now, Ordering::SeqCst);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::SeqCst);
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn hundred_mib_text_node_is_rejected_with_bounded_memory() {
    const CHUNK: usize = 64 * 1024;
    const TOTAL: usize = 100 * 1024 * 1024;
    let baseline = CURRENT.load(Ordering::SeqCst);
    PEAK.store(baseline, Ordering::SeqCst);

    let mut parser = StreamParser::new(Limits::default());
    parser.feed(
        b"<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>\
          <message><body>",
    );
    let chunk = vec![b'a'; CHUNK];
    let mut first_error = None;
    let mut fed = 0;
    while fed < TOTAL {
        parser.feed(&chunk);
        fed += CHUNK;
        loop {
            match parser.next_event() {
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(e) => {
                    first_error.get_or_insert(e);
                    break;
                }
            }
        }
    }
    let peak = PEAK.load(Ordering::SeqCst) - baseline;
    assert_eq!(
        first_error,
        Some(XmlError::LimitExceeded {
            kind: LimitKind::ElementBytes,
            max: Limits::default().max_element_bytes
        })
    );
    assert!(peak < 64 * 1024 * 1024, "peak heap {peak} bytes");
    // Much tighter in fact: one element budget plus a chunk or so.
    assert!(peak < 2 * 1024 * 1024, "peak heap {peak} bytes");
}
