//! Fault tests: after Coupa failing, Redis restarting, or the process being killed or stopped
//! mid-decision or between posting a card and recording it, everything converges within one sync
//! cycle — no duplicate cards, no approval without a card, no decision made twice, no card left
//! claiming something untrue, no decision without its outcome in the audit log — and every user
//! who clicked was told the truth. A bug that panics while one requisition is handled costs that
//! requisition alone, until the bug is gone (`panics`).

mod claim_hold;
mod coupa_decisions;
mod coupa_sync;
mod killed;
mod panics;
mod redis_restart;
mod terminated;
mod unconfirmed;
mod unrecorded_cards;
