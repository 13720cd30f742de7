//! The Microsoft Teams side of the simulated world. So far: [`token_authority`], a stand-in for the
//! Bot Framework's token service, whose tokens the bot's verifier checks exactly as it checks
//! Microsoft's.

pub mod token_authority;

pub use self::token_authority::{SANDBOX_KID, ServedAuthority, TokenAuthority, TokenBuilder};
