//! Whole c2s sessions against the reference server's sans-IO core: the input is a session script
//! (a JSON seed, or the `arbitrary` decoding of the bytes), run in-process over a fork of a seeded
//! store with a fixed clock and RNG. Oracles (gatecheck_server::fuzzing): never authenticated
//! without a valid credential; no account, FAST token, roster entry or spent invitation from a
//! failed exchange; server output frames as XMPP; output and peak heap per session bounded.
#![no_main]

use gatecheck_proto::script::from_corpus_bytes;
use gatecheck_server::fuzzing::{CountingAlloc, run};
use libfuzzer_sys::fuzz_target;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

fuzz_target!(|data: &[u8]| {
    let Some(script) = from_corpus_bytes(data) else { return };
    if let Err(violation) = run(&script) {
        panic!("{violation}\nscript: {}", serde_json::to_string(&script).unwrap_or_default());
    }
});
