//! [`EngineError`]: why a use case could not finish, the one error type of the engine boundary.

use crate::chat::port::ChatError;
use crate::coupa::CoupaError;
use crate::domain::ApprovalId;
use crate::domain::outcome::FailureCause;
use crate::store::StoreError;

/// Why a use case could not finish. The person who asked is told its
/// [`cause`](EngineError::cause); logs get the whole chain.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// Coupa failed.
    #[error(transparent)]
    Coupa(#[from] CoupaError),
    /// The chat platform failed.
    #[error(transparent)]
    Chat(#[from] ChatError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The claim on an approval ran out (the store was away too long to renew it) before Coupa
    /// was called; it may already be someone else's, so Coupa was not called.
    #[error("the claim on approval {0} ran out before Coupa was called")]
    ClaimRanOut(ApprovalId),
}

impl EngineError {
    /// Which part failed, as the person who asked is told.
    pub fn cause(&self) -> FailureCause {
        match self {
            EngineError::Coupa(e) if e.is_transient() => FailureCause::CoupaUnreachable,
            EngineError::Coupa(_) => FailureCause::CoupaRefused,
            EngineError::Chat(_) => FailureCause::ChatUnreachable,
            EngineError::Store(_) | EngineError::ClaimRanOut(_) => FailureCause::StoreUnavailable,
        }
    }
}
