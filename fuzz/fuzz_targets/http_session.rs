//! The OAuth2 HTTP core in-process: the input is a session script whose `Http` steps run against
//! the sans-IO core over the seeded store (other steps are dropped so every input is a request
//! sequence). Oracles: no 5xx, JSON bodies parse, no grant without the client's secret, no code or
//! token without the password (gatecheck_server::fuzzing).
#![no_main]

use gatecheck_proto::script::{Step, from_corpus_bytes};
use gatecheck_server::fuzzing::{CountingAlloc, run};
use libfuzzer_sys::fuzz_target;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

fuzz_target!(|data: &[u8]| {
    let Some(mut script) = from_corpus_bytes(data) else { return };
    script.steps.retain(|s| matches!(s, Step::Http(_)));
    if let Err(violation) = run(&script) {
        panic!("{violation}\nscript: {}", serde_json::to_string(&script).unwrap_or_default());
    }
});
