//! The demo's stand-ins: a fake Slack Web API that records what each person sees. (The fake
//! Coupa is [`crate::coupa::sandbox`].)

pub mod fake_slack;
