//! XEP-0388 elements as the reference server reads them: `<authenticate/>` (mechanism,
//! `<initial-response/>`, `<user-agent/>`, inline requests), the `<response/>` payload decoder and
//! the `<authentication/>` feature built from inline advertisements.
//! Oracles: no panic; an accepted `<authenticate/>` names an advertised mechanism, carries a
//! lower-case UUID v4 user-agent id and no SASL2-namespace inline request, and its initial response
//! re-encodes to the same bytes; a decoded payload round-trips; every element the server would
//! send back (failure, challenge, success, features) re-parses equal.
#![no_main]

use gatecheck_proto::ns;
use gatecheck_proto::sasl::Mechanism;
use gatecheck_proto::xml::{Element, Limits, parse_element};
use gatecheck_server::modules::{payload, sasl2};
use libfuzzer_sys::fuzz_target;

/// Replies wrap input elements (two levels deeper, namespaces re-declared), so they are
/// re-parsed with room to spare: the oracle is equality, not the input limits.
fn reparses(e: &Element) {
    let roomy = Limits {
        max_element_bytes: 1 << 22,
        max_depth: 128,
        max_attributes: 1024,
        max_namespace_declarations: 1024,
        ..Limits::default()
    };
    let xml = e.to_xml();
    let again = parse_element(&xml, &roomy);
    assert_eq!(again.as_ref(), Ok(e), "re-parse of {xml}");
}

fuzz_target!(|data: &[u8]| {
    let Some((&control, rest)) = data.split_first() else {
        return;
    };
    // The offer on the stream: a fuzzer-chosen subset of every mechanism.
    let advertised: Vec<Mechanism> = Mechanism::ALL
        .iter()
        .enumerate()
        .filter(|(i, _)| control.rotate_left(*i as u32) & 1 == 1 || control == 0xff)
        .map(|(_, m)| *m)
        .collect();
    let Ok(el) = parse_element(rest, &Limits::default()) else {
        // Not XML: still a payload text candidate.
        if let Ok(text) = std::str::from_utf8(rest) {
            check_payload(text);
        }
        return;
    };
    match sasl2::parse_authenticate(&el, &advertised) {
        Ok(start) => {
            assert!(
                advertised.contains(&start.mechanism),
                "{:?} not offered",
                start.mechanism
            );
            if let Some(id) = &start.user_agent_id {
                assert!(sasl2::is_uuid_v4(id), "user-agent id {id}");
                assert_eq!(id, &id.to_ascii_lowercase());
            }
            if let Some(ir) = &start.initial_response {
                assert_eq!(payload::decode(&payload::encode(ir)).as_ref(), Ok(ir));
                reparses(&sasl2::challenge(ir));
                reparses(&sasl2::success(
                    Some(ir),
                    "user@example.org",
                    start.inline_requests.clone(),
                ));
            }
            assert!(start.inline_requests.iter().all(|c| c.ns != ns::SASL2));
        }
        Err(failure) => reparses(&sasl2::failure(&failure)),
    }
    // <response/> and <initial-response/> text goes through the same decoder.
    check_payload(&el.text());
    // Inline advertisements: whatever children the input had, inside <authentication/>.
    let inline: Vec<Element> = el.elements().cloned().collect();
    if let Some(features) = sasl2::authentication(&advertised, &inline) {
        reparses(&features);
    }
});

fn check_payload(text: &str) {
    if let Ok(bytes) = payload::decode(text) {
        assert!(bytes.len() <= payload::MAX_PAYLOAD);
        assert_eq!(payload::decode(&payload::encode(&bytes)), Ok(bytes));
    }
}
