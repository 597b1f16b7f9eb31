//! Unit tests of the HTTP core.
