//! [`ListMessage`]: a list of what is waiting on one person, sent to them unasked (a reminder),
//! and what it is for ([`ListPurpose`]), which each adapter words as the list's heading. The list
//! is laid out as the answer to "what's pending" is: oldest first, at most ten items with their
//! buttons, then "…and N more" with a link to Coupa.

use jiff::Timestamp;
use rust_decimal::Decimal;
use url::Url;

use crate::domain::records::PendingSnapshot;

/// Why a list is sent; the adapters word its heading from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListPurpose {
    /// The daily reminder of what is still waiting.
    Reminder,
}

/// A list to post to one person directly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListMessage {
    /// What it is for.
    pub purpose: ListPurpose,
    /// The items, oldest first, read live from Coupa.
    pub snapshot: PendingSnapshot,
    /// When the list is sent: its buttons are issued then, and ages count to it.
    pub issued_at: Timestamp,
    /// The Coupa instance, for links.
    pub coupa: Url,
    /// Items above this total ask for confirmation before approving.
    pub confirm_above: Option<Decimal>,
}
