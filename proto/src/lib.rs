//! gatecheck-proto: the wire formats and SASL mechanisms that gatecheck's reference server and
//! conformance suite both speak. No I/O lives here: every parser takes bytes, every mechanism
//! takes messages and returns messages, and randomness and time are passed in by the caller, so
//! the same code is fuzzable in-process and deterministic in tests.

pub mod datetime;
pub mod dcr;
pub mod jid;
pub mod jose;
pub mod ns;
pub mod sasl;
pub mod script;
pub mod uri;
pub mod xml;
