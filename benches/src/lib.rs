//! Shared inputs for gatecheck's benchmarks, so every bench measures the same realistic bytes.

pub mod xml;

/// Builds about `target` bytes of a c2s stream: header, then a deterministic mix of messages
/// with bodies and extensions, presences and iqs, with escaped and non-ASCII text.
pub fn realistic_stream(target: usize) -> Vec<u8> {
    let mut out = String::with_capacity(target + 1024);
    out.push_str(
        "<?xml version='1.0'?><stream:stream xmlns='jabber:client' \
         xmlns:stream='http://etherx.jabber.org/streams' to='example.org' version='1.0' xml:lang='en'>",
    );
    let mut i = 0u32;
    while out.len() < target {
        match i % 4 {
            0 => out.push_str(&format!(
                "<message from='juliet@example.org/balcony' to='romeo@example.net' type='chat' id='m{i}'>\
                 <body>Wherefore art thou, Romeo? &lt;3 &amp; ¿qué tal? 恋 #{i}</body>\
                 <active xmlns='http://jabber.org/protocol/chatstates'/>\
                 <request xmlns='urn:xmpp:receipts'/>\
                 <origin-id xmlns='urn:xmpp:sid:0' id='5a3c{i:08x}'/></message>\n"
            )),
            1 => out.push_str(&format!(
                "<presence from='romeo@example.net/orchard' id='p{i}'><show>away</show>\
                 <status xml:lang='de'>Bin gleich zurück &amp; so</status><priority>5</priority>\
                 <c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='https://gatecheck' \
                 ver='QgayPKawpkPSDYmwT/WM94uAlu0='/></presence>\n"
            )),
            2 => out.push_str(&format!(
                "<iq type='get' id='i{i}' to='example.org'><query xmlns='jabber:iq:roster' ver='v{i}'/></iq>\n"
            )),
            _ => out.push_str(&format!(
                "<iq type='result' id='i{i}'><query xmlns='jabber:iq:roster'>\
                 <item jid='nurse@example.com' name='Nurse' subscription='both'><group>Friends</group></item>\
                 <item jid='benvolio@example.net' name='Benvolio &quot;B&quot;' subscription='to'/>\
                 </query></iq>\n"
            )),
        }
        i += 1;
    }
    out.into_bytes()
}
