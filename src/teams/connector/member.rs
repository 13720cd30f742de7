//! [`Member`]: a person in a conversation, as the Bot Connector describes them, and the small
//! answers of the other calls.

use serde::Deserialize;

/// A conversation member (`GET …/members/{userId}`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Member {
    /// The Teams user id (`29:…`).
    pub id: String,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// The Azure AD object id.
    #[serde(default)]
    pub aad_object_id: Option<String>,
    /// Email, as Teams has it (not normalized).
    #[serde(default)]
    pub email: Option<String>,
    /// The sign-in name, often but not always the email.
    #[serde(default)]
    pub user_principal_name: Option<String>,
    /// The member's tenant.
    #[serde(default)]
    pub tenant_id: Option<String>,
}

/// An answer naming what was created: a conversation or an activity.
#[derive(Debug, Deserialize)]
pub(super) struct Created {
    pub id: String,
}

/// The connector's error body: `{"error":{"code","message"}}`, or `{"message"}` from the
/// authorization in front of it.
#[derive(Debug, Deserialize)]
pub(super) struct ErrorBody {
    #[serde(default)]
    pub error: Option<ErrorDetail>,
    #[serde(default)]
    pub message: Option<String>,
}

/// The inside of [`ErrorBody`].
#[derive(Debug, Deserialize)]
pub(super) struct ErrorDetail {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_member_is_read_from_the_connectors_camel_case() {
        let member: Member = serde_json::from_str(
            r#"{"id":"29:1abc","name":"Ana Lima","aadObjectId":"6f1c","email":"Ana@Contoso.com",
                "userPrincipalName":"ana@contoso.com","tenantId":"t1","givenName":"Ana"}"#,
        )
        .unwrap();
        assert_eq!(member.aad_object_id.as_deref(), Some("6f1c"));
        assert_eq!(
            member.user_principal_name.as_deref(),
            Some("ana@contoso.com")
        );
        assert_eq!(member.tenant_id.as_deref(), Some("t1"));
        let bare: Member = serde_json::from_str(r#"{"id":"29:1abc"}"#).unwrap();
        assert_eq!(bare.email, None);
    }
}
