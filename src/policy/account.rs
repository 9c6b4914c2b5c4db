//! What the policy needs to know about a user account: policy's own input type, so that
//! `policy/` imports nothing from `graph/` (the service layer converts Graph's `User`).

/// One sign-in identity of an account (Graph's `objectIdentity`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Identity {
    pub sign_in_type: Option<String>,
    pub issuer: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Account {
    pub id: String,
    pub display_name: Option<String>,
    pub user_principal_name: Option<String>,
    pub mail: Option<String>,
    pub account_enabled: Option<bool>,
    pub creation_type: Option<String>,
    pub external_user_state: Option<String>,
    /// `None`: not read (not selected, or unreadable).
    pub identities: Option<Vec<Identity>>,
    /// Tri-state: `Some(true)` synced now, `Some(false)` synced once, `None` never synced.
    pub on_premises_sync_enabled: Option<bool>,
    pub on_premises_distinguished_name: Option<String>,
    pub is_management_restricted: Option<bool>,
    /// `DisablePasswordExpiration`, `DisableStrongPassword`, …
    pub password_policies: Option<String>,
}

impl Account {
    /// The display name, else the UPN, else the id.
    pub fn label(&self) -> &str {
        self.display_name
            .as_deref()
            .or(self.user_principal_name.as_deref())
            .unwrap_or(&self.id)
    }
}
