//! The operations both front ends share, between the callers (`cli/`, `runtime/`) and
//! the layers that do not know each other: `graph/` (HTTP) and `policy/` (pure decisions).
//! Gathering the facts of a verdict, resetting, explaining a Graph error.

pub mod bulk;
pub mod explain;
pub mod facts;
pub mod reset;
pub mod resolve;
pub mod tap;
pub mod triage;

use crate::graph::model::User;
use crate::policy::account::{Account, Identity};

/// Graph's user as the policy sees it.
pub fn account(u: &User) -> Account {
    Account {
        id: u.id.clone(),
        display_name: u.display_name.clone(),
        user_principal_name: u.user_principal_name.clone(),
        mail: u.mail.clone(),
        account_enabled: u.account_enabled,
        creation_type: u.creation_type.clone(),
        external_user_state: u.external_user_state.clone(),
        identities: u.identities.as_ref().map(|ids| {
            ids.iter()
                .map(|i| Identity {
                    sign_in_type: i.sign_in_type.clone(),
                    issuer: i.issuer.clone(),
                })
                .collect()
        }),
        on_premises_sync_enabled: u.on_premises_sync_enabled,
        on_premises_distinguished_name: u.on_premises_distinguished_name.clone(),
        is_management_restricted: u.is_management_restricted,
        password_policies: u.password_policies.clone(),
    }
}
