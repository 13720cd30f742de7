//! Coupa: the sandbox (a stateful fake Coupa for `demo` and the tests).

pub mod demo_data;
pub mod sandbox;
