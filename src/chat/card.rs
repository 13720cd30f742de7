//! The card view model: what an approval card says, independent of any chat platform.

use std::borrow::Cow;

use jiff::Timestamp;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use url::Url;

use crate::domain::change::Change;
use crate::domain::hold::Hold;
use crate::domain::records::DeliveredCard;
use crate::domain::{Approval, ApprovalId, Decision, Fingerprint, Requisition};

/// Where an approval stands, as a card shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CardState {
    /// Waiting for this approver: buttons shown.
    Pending,
    /// Decided by this recipient through the bot.
    DecidedHere {
        /// What they chose.
        decision: Decision,
        /// Their name.
        by: String,
        /// When.
        at: Timestamp,
        /// Their comment or reason.
        reason: Option<String>,
    },
    /// Decided through the bot by another approver of the same step (a group member), or by
    /// someone deciding in an approver's place.
    DecidedByOther {
        /// What they chose.
        decision: Decision,
        /// Their name.
        by: String,
        /// When.
        at: Timestamp,
        /// Whom they stood in for, when they decided as a delegate; absent from views kept
        /// before delegates were known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        as_delegate_for: Option<String>,
    },
    /// Decided in Coupa itself (web, email, mobile).
    DecidedInCoupa {
        /// What was decided.
        decision: Decision,
        /// Who decided, by name, if Coupa said.
        by: Option<String>,
        /// When, if Coupa said.
        at: Option<Timestamp>,
    },
    /// No longer waiting for a decision (withdrawn, moved on, removed).
    NoLongerPending,
    /// The buttons expired; decide in Coupa.
    Expired,
    /// The requisition changed after this card was sent; a new card follows. With what changed
    /// since the card was sent, when the bot knows what it showed: the card then keeps its
    /// figures as context beside the change.
    Changed(Option<Change>),
    /// Put on hold (through the bot or in Coupa): who, why and when. Nothing can be decided
    /// until Coupa releases it; the card then shows its buttons again.
    OnHold(Hold),
}

/// One approval card. It serializes, so that an adapter can keep what it last showed someone
/// (see `Store::remember_card_view`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Card {
    /// The requisition as read from Coupa.
    pub requisition: Requisition,
    /// The approval step the card is for.
    pub approval: ApprovalId,
    /// Where that step sits in the chain, as (position, steps): the step the card was sent for,
    /// also once the chain has moved on.
    pub step: Option<(u32, u32)>,
    /// Where that step stands.
    pub state: CardState,
    /// "View in Coupa".
    pub coupa_link: Url,
    /// Whether Approve asks for confirmation first.
    pub confirm_approve: bool,
    /// When the buttons were issued (they expire after `BUTTON_TTL_HOURS`).
    pub issued_at: Timestamp,
    /// What the buttons vouch for; a decision on a changed requisition is refused.
    pub fingerprint: Fingerprint,
    /// What changed since the previous card for this approval was sent, when this card replaces
    /// one: the card says so in one line.
    pub updated: Option<Change>,
    /// Whom the recipient decides for, when they got the card as a delegate: the card says "as
    /// delegate for …" on every rendering. Set per recipient ([`Card::for_recipient`]); absent
    /// from views kept before delegates were known.
    #[serde(default)]
    pub delegate_for: Option<String>,
}

impl Card {
    /// The card for `approval` of `requisition` in `state`.
    pub fn new(
        requisition: &Requisition,
        approval: &Approval,
        state: CardState,
        coupa_instance: &Url,
        confirm_above: Option<Decimal>,
        issued_at: Timestamp,
    ) -> Self {
        let mut coupa_link = coupa_instance.clone();
        coupa_link.set_path(&format!("/requisition_headers/{}", requisition.id));
        Self {
            confirm_approve: confirm_above.is_some_and(|limit| requisition.total.amount > limit),
            fingerprint: requisition.fingerprint(),
            requisition: requisition.clone(),
            approval: approval.id,
            step: requisition.step_of(approval),
            state,
            coupa_link,
            issued_at,
            updated: None,
            delegate_for: None,
        }
    }

    /// Whether the card offers Hold: Coupa allows this approval to be put on hold.
    pub fn holdable(&self) -> bool {
        self.requisition
            .approvals
            .iter()
            .chain(&self.requisition.current_approvals)
            .find(|a| a.id == self.approval)
            .is_some_and(|a| a.holdable)
    }

    /// This card as `delivered`'s recipient sees it: marked with whom they decide for when
    /// they got it as a delegate, and no longer pending for them once that delegation ended.
    pub fn for_recipient(&self, delivered: &DeliveredCard) -> Cow<'_, Card> {
        let ended = delivered.delegation_ended
            && matches!(
                self.state,
                CardState::Pending | CardState::Expired | CardState::Changed(_)
            );
        if self.delegate_for == delivered.delegate_for && !ended {
            return Cow::Borrowed(self);
        }
        let mut card = self.clone();
        card.delegate_for = delivered.delegate_for.clone();
        if ended {
            card.state = CardState::NoLongerPending;
            card.updated = None;
        }
        Cow::Owned(card)
    }

    /// This card, saying in one line what changed since the card it replaces was sent.
    pub fn updated(mut self, change: Option<Change>) -> Self {
        self.updated = change.filter(|c| !c.is_empty());
        self
    }
}
