//! Fault tests: after Coupa failing, Redis restarting, or the process being killed mid-decision
//! or between posting a card and recording it,
//! everything converges within one sync cycle — no duplicate cards, no approval without a card,
//! no decision made twice, no card left claiming something untrue — and every user who clicked
//! was told the truth.

mod claim_hold;
mod coupa_decisions;
mod coupa_sync;
mod killed;
mod redis_restart;
mod unrecorded_cards;
