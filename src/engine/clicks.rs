//! Repeated clicks: one decision at a time per person, card and choice in this process.
//!
//! People double-click, the chat platform retries a slow acknowledgement, and a stuck card gets
//! clicked again and again. Each of those would otherwise run the whole decision path (store
//! reads, a claim, a private answer) only to be told "already decided". The gate lets the first click
//! through; while its decision runs, and for a short quiet time after it was answered, the same
//! click (same approval, card version, person and choice) is acknowledged and dropped: the person
//! gets the one answer, not one per click. A decision that failed for a reason worth retrying
//! opens the gate again at once.
//!
//! Exactly-once does not depend on this: it is the store's claim, shared by every replica. The
//! gate only saves work, and it is per process.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::domain::{ApprovalId, ChatUserId, Decision, Fingerprint};

use crate::domain::outcome::DecisionResult;

use super::decide::DecisionRequest;

/// How long a repeat of an answered click is dropped.
pub const QUIET_AFTER_ANSWER: Duration = Duration::from_secs(5);

/// Entries kept before answered ones past their quiet time are swept.
const SWEEP_AT: usize = 4_096;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct ClickKey {
    approval: ApprovalId,
    fingerprint: Fingerprint,
    user: ChatUserId,
    decision: Decision,
}

impl ClickKey {
    fn of(request: &DecisionRequest) -> Self {
        Self {
            approval: request.approval,
            fingerprint: request.fingerprint.clone(),
            user: request.user.clone(),
            decision: request.decision,
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Seen {
    Deciding,
    Answered(Instant),
}

#[derive(Default)]
struct Clicks {
    seen: HashMap<ClickKey, Seen>,
    sweep_at: usize,
}

/// The gate. Cheap to clone; clones share their memory.
#[derive(Clone)]
pub struct ClickGate {
    clicks: Arc<Mutex<Clicks>>,
    quiet: Duration,
}

impl Default for ClickGate {
    fn default() -> Self {
        Self::new(QUIET_AFTER_ANSWER)
    }
}

impl ClickGate {
    /// A gate that drops repeats of an answered click for `quiet`.
    pub fn new(quiet: Duration) -> Self {
        Self {
            clicks: Arc::new(Mutex::new(Clicks {
                seen: HashMap::new(),
                sweep_at: SWEEP_AT,
            })),
            quiet,
        }
    }

    /// Lets `request` through, or `None` when the same click is being decided or was just
    /// answered. Dropped clicks are counted in `clicks_coalesced_total`.
    pub fn admit(&self, request: &DecisionRequest) -> Option<ClickPermit> {
        let key = ClickKey::of(request);
        let now = Instant::now();
        let mut clicks = self.lock();
        let admitted = match clicks.seen.get(&key) {
            Some(Seen::Deciding) => false,
            Some(Seen::Answered(at)) => now.duration_since(*at) >= self.quiet,
            None => true,
        };
        if !admitted {
            drop(clicks);
            metrics::counter!("clicks_coalesced_total").increment(1);
            return None;
        }
        clicks.seen.insert(key.clone(), Seen::Deciding);
        if clicks.seen.len() >= clicks.sweep_at {
            let quiet = self.quiet;
            clicks.seen.retain(|_, seen| match seen {
                Seen::Deciding => true,
                Seen::Answered(at) => now.duration_since(*at) < quiet,
            });
            // Sweep again only when the map has doubled, so a sweep costs O(1) per click.
            clicks.sweep_at = (clicks.seen.len() * 2).max(SWEEP_AT);
        }
        Some(ClickPermit {
            gate: self.clone(),
            key: Some(key),
        })
    }

    /// How many clicks the gate remembers (deciding or recently answered).
    pub fn remembered(&self) -> usize {
        self.lock().seen.len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Clicks> {
        // The map holds no invariant a panic could break halfway.
        self.clicks.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A click let through. Say how it ended with [`ClickPermit::answered`]; dropped without an
/// answer (a panic, a cancelled task), it opens the gate for the next click.
pub struct ClickPermit {
    gate: ClickGate,
    key: Option<ClickKey>,
}

impl ClickPermit {
    /// Records the outcome: repeats are dropped for the quiet time, unless the person was told
    /// to try again.
    pub fn answered(mut self, result: &DecisionResult) {
        let Some(key) = self.key.take() else { return };
        let mut clicks = self.gate.lock();
        if matches!(result, DecisionResult::Failed(_)) {
            clicks.seen.remove(&key);
        } else {
            clicks.seen.insert(key, Seen::Answered(Instant::now()));
        }
    }
}

impl Drop for ClickPermit {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.gate.lock().seen.remove(&key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::RequisitionId;
    use crate::domain::outcome::{FailureCause, Refusal};

    fn click(user: &str, fingerprint: &str, decision: Decision) -> DecisionRequest {
        DecisionRequest {
            approval: ApprovalId(7),
            requisition: RequisitionId(3),
            fingerprint: Fingerprint(fingerprint.into()),
            issued_at: jiff::Timestamp::UNIX_EPOCH,
            user: ChatUserId(user.into()),
            conversation: None,
            decision,
            comment: None,
        }
    }

    #[test]
    fn a_repeat_while_deciding_is_dropped_and_other_people_or_choices_are_not() {
        let gate = ClickGate::default();
        let first = gate.admit(&click("U1", "f", Decision::Approve));
        assert!(first.is_some());
        assert!(gate.admit(&click("U1", "f", Decision::Approve)).is_none());
        assert!(gate.admit(&click("U2", "f", Decision::Approve)).is_some());
        assert!(gate.admit(&click("U1", "f", Decision::Reject)).is_some());
        assert!(gate.admit(&click("U1", "g", Decision::Approve)).is_some());
    }

    #[test]
    fn a_repeat_after_an_answer_is_dropped_only_for_the_quiet_time() {
        let gate = ClickGate::new(Duration::from_millis(50));
        let request = click("U1", "f", Decision::Approve);
        let permit = gate
            .admit(&request)
            .expect("the first click is let through");
        permit.answered(&DecisionResult::Done(Decision::Approve));
        assert!(gate.admit(&request).is_none());
        std::thread::sleep(Duration::from_millis(60));
        assert!(gate.admit(&request).is_some());
    }

    #[test]
    fn a_failed_decision_can_be_retried_at_once() {
        let gate = ClickGate::default();
        let request = click("U1", "f", Decision::Approve);
        let permit = gate
            .admit(&request)
            .expect("the first click is let through");
        permit.answered(&DecisionResult::Failed(FailureCause::CoupaUnreachable));
        assert!(gate.admit(&request).is_some());
    }

    #[test]
    fn a_permit_dropped_without_an_answer_opens_the_gate() {
        let gate = ClickGate::default();
        let request = click("U1", "f", Decision::Approve);
        drop(gate.admit(&request));
        assert!(gate.admit(&request).is_some());
    }

    #[test]
    fn answered_clicks_past_their_quiet_time_are_swept() {
        let gate = ClickGate::new(Duration::ZERO);
        for n in 0..SWEEP_AT * 2 {
            let request = click(&format!("U{n}"), "f", Decision::Approve);
            if let Some(permit) = gate.admit(&request) {
                permit.answered(&DecisionResult::Refused(Refusal::Expired));
            }
        }
        assert!(gate.remembered() <= SWEEP_AT, "{}", gate.remembered());
    }
}
