//! Shared pieces of the fuzz targets: the Block Kit limit checks every rendering must pass, and
//! `arbitrary` builders for the domain values cards are made from. The targets themselves are in
//! `fuzz_targets/`; the code under test is the library's own, never a copy.

pub mod block_kit;
pub mod domain_input;
