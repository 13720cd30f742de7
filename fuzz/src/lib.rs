//! Shared pieces of the fuzz targets: `arbitrary` builders for the domain values cards are made
//! from. The Block Kit limit checks every rendering must pass are the library's own
//! (`coupa_approvals::sandbox::block_kit`). The targets themselves are in `fuzz_targets/`; the code
//! under test is the library's own, never a copy.

pub mod domain_input;
