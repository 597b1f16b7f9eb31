//! XMPP stream framing over quick-xml: the [`StreamParser`] turns bytes (split anywhere) into
//! stream events and owned [`Element`] trees under RFC 6120's restricted XML and explicit
//! [`Limits`]; [`Element`] serialises back with minimal `xmlns` and exact escaping; every
//! [`XmlError`] maps to the [`StreamErrorCondition`] to send.

mod attrs;
mod condition;
mod element;
mod error;
mod framer;
mod header;
mod limits;
mod markup;
mod names;
mod scope;
mod serialise;
mod xmlstr;

pub use condition::{StreamErrorCondition, stream_error, stream_error_xml};
pub use element::{Attr, Element, Node};
pub use error::{Restricted, XmlError};
pub use framer::{StreamEvent, StreamParser, parse_element, parse_element_in};
pub use header::{STREAM_CLOSE, StreamHeader};
pub use limits::*;
pub use names::{
    JABBER_CLIENT_NS, JABBER_SERVER_NS, STREAM_ERRORS_NS, STREAMS_NS, XML_NS, XMLNS_NS, is_ncname,
    split_qname,
};
pub use serialise::{escape_attr_into, escape_text_into};
pub use xmlstr::XmlStr;
