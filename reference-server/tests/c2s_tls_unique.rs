//! tls-unique (RFC 5929 §3.1) can never be computed by this server: rustls does not expose the
//! TLS 1.2 Finished message, and on TLS 1.3 the type is undefined (RFC 9266 §3). Over real
//! sockets with the client forced to each TLS version: tls-unique is never advertised in
//! XEP-0440 `<sasl-channel-binding/>`, a SCRAM-SHA-256-PLUS attempt with `p=tls-unique` is
//! refused, and `p=tls-exporter` and `p=tls-server-end-point` succeed.

mod support;

use gatecheck_proto::sasl::ChannelBindingType;
use gatecheck_proto::sasl::ScramHash;
use gatecheck_proto::sasl::scram::{ClientBinding, ScramClient};
use gatecheck_proto::xml::Element;
use support::*;

const CB: &str = "urn:xmpp:sasl-cb:0";

/// One SASL2 SCRAM-SHA-256-PLUS attempt binding `ty` with `data`; the final element.
async fn plus_attempt(c: &mut Client, ty: ChannelBindingType, data: Vec<u8>) -> Element {
    let s = ScramClient::new(
        ScramHash::Sha256,
        "alice",
        "pencil",
        None,
        ClientBinding::Bound(ty, data),
        "fyko+d2lbbFgONRv9qkxdawL",
    )
    .unwrap();
    sasl2_scram(c, s, "SCRAM-SHA-256-PLUS", "").await
}

#[tokio::test]
async fn tls_unique_never_offered_or_accepted_on_either_version() {
    let dir = tempdir("tls-unique");
    let server = start(&config(&dir)).await;
    for (version, expect) in [
        (&rustls::version::TLS12, rustls::ProtocolVersion::TLSv1_2),
        (&rustls::version::TLS13, rustls::ProtocolVersion::TLSv1_3),
    ] {
        let mut c = Client::connect_tls_versions(&server, &[version]).await;
        assert_eq!(c.version, Some(expect));
        let f = c.open().await;
        assert!(
            sasl2_mechs(&f).contains(&"SCRAM-SHA-256-PLUS".to_owned()),
            "{expect:?}: {}",
            f.to_xml()
        );
        let types: Vec<_> = f
            .child("sasl-channel-binding", CB)
            .expect("XEP-0440 advertisement")
            .children_named("channel-binding", CB)
            .filter_map(|t| t.attr("type").map(str::to_owned))
            .collect();
        assert!(
            !types.iter().any(|t| t == "tls-unique"),
            "{expect:?}: {types:?}"
        );
        assert!(types.iter().any(|t| t == "tls-exporter"), "{types:?}");
        assert!(
            types.iter().any(|t| t == "tls-server-end-point"),
            "{types:?}"
        );

        // 12 arbitrary bytes, the size of a TLS 1.2 Finished verify_data.
        let out = plus_attempt(&mut c, ChannelBindingType::TlsUnique, vec![0x5a; 12]).await;
        assert_eq!(out.name, "failure", "{expect:?}: {}", out.to_xml());
        // The refusal leaves the stream usable: tls-exporter on the same stream.
        let exporter = c.exporter.clone().unwrap();
        let out = plus_attempt(&mut c, ChannelBindingType::TlsExporter, exporter).await;
        assert_eq!(out.name, "success", "{expect:?}: {}", out.to_xml());

        let mut c = Client::connect_tls_versions(&server, &[version]).await;
        c.open().await;
        let end_point = c.end_point.clone().expect("end-point hash of the leaf");
        let out = plus_attempt(&mut c, ChannelBindingType::TlsServerEndPoint, end_point).await;
        assert_eq!(out.name, "success", "{expect:?}: {}", out.to_xml());
    }
    server.shutdown(std::time::Duration::from_secs(2)).await;
}
