//! Coupa's API responses as the tests, benchmarks and fuzzers read them: the files of
//! `tests/fixtures/coupa/`, compiled in, so that nothing reads them from disk at run time.
//! Shapes follow Coupa's public API documentation; names, ids and amounts are invented.

use serde_json::Value;

/// One example Coupa response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coupa {
    /// An approval already approved (`GET /api/approvals/{id}` after the decision).
    ApprovalApproved,
    /// An approval waiting for one user that names a delegate.
    ApprovalDelegated,
    /// An approval waiting for a group.
    ApprovalGroup,
    /// An approval waiting for one user.
    ApprovalUser,
    /// `GET /api/delegations?delegator_id=…`: an approver's delegations, one for approvals and
    /// one for receiving only.
    Delegations,
    /// Coupa's 400 body for acting on an approval that is no longer pending.
    ErrorNotPending,
    /// A token endpoint answer.
    OauthToken,
    /// Requisition 4812, pending at step 2 of 3, with mixed decimal encodings.
    RequisitionPending,
    /// An approval group and its members.
    UserGroup,
    /// `GET /api/users?email=…`.
    UsersByEmail,
}

impl Coupa {
    /// Every fixture, in file-name order.
    pub const ALL: [Self; 10] = [
        Self::ApprovalApproved,
        Self::ApprovalDelegated,
        Self::ApprovalGroup,
        Self::ApprovalUser,
        Self::Delegations,
        Self::ErrorNotPending,
        Self::OauthToken,
        Self::RequisitionPending,
        Self::UserGroup,
        Self::UsersByEmail,
    ];

    /// Its file in `tests/fixtures/coupa/`.
    pub fn file_name(self) -> &'static str {
        match self {
            Self::ApprovalApproved => "approval-approved.json",
            Self::ApprovalDelegated => "approval-delegated.json",
            Self::Delegations => "delegations.json",
            Self::ApprovalGroup => "approval-group.json",
            Self::ApprovalUser => "approval-user.json",
            Self::ErrorNotPending => "error-not-pending.json",
            Self::OauthToken => "oauth-token.json",
            Self::RequisitionPending => "requisition-pending.json",
            Self::UserGroup => "user-group.json",
            Self::UsersByEmail => "users-by-email.json",
        }
    }

    /// The response body, as Coupa sends it.
    pub fn text(self) -> &'static str {
        match self {
            Self::ApprovalApproved => {
                include_str!("../../tests/fixtures/coupa/approval-approved.json")
            }
            Self::ApprovalDelegated => {
                include_str!("../../tests/fixtures/coupa/approval-delegated.json")
            }
            Self::Delegations => include_str!("../../tests/fixtures/coupa/delegations.json"),
            Self::ApprovalGroup => include_str!("../../tests/fixtures/coupa/approval-group.json"),
            Self::ApprovalUser => include_str!("../../tests/fixtures/coupa/approval-user.json"),
            Self::ErrorNotPending => {
                include_str!("../../tests/fixtures/coupa/error-not-pending.json")
            }
            Self::OauthToken => include_str!("../../tests/fixtures/coupa/oauth-token.json"),
            Self::RequisitionPending => {
                include_str!("../../tests/fixtures/coupa/requisition-pending.json")
            }
            Self::UserGroup => include_str!("../../tests/fixtures/coupa/user-group.json"),
            Self::UsersByEmail => include_str!("../../tests/fixtures/coupa/users-by-email.json"),
        }
    }

    /// The response body as JSON.
    pub fn json(self) -> Value {
        // Compiled-in files, not input: a unit test below reads every one of them.
        serde_json::from_str(self.text()).expect("a Coupa fixture is JSON")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fixture_is_json() {
        for fixture in Coupa::ALL {
            assert!(
                serde_json::from_str::<Value>(fixture.text()).is_ok(),
                "{}",
                fixture.file_name()
            );
        }
    }

    #[test]
    fn every_file_in_the_fixture_folder_is_listed() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/coupa");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".json"))
            .collect();
        files.sort();
        let listed: Vec<&str> = Coupa::ALL.iter().map(|f| f.file_name()).collect();
        assert_eq!(files, listed);
    }
}
