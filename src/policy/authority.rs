//! Where a user's password lives: in this tenant (cloud), in on-premises AD (synced), in
//! another identity provider (external), or nowhere yet (pending invite). Decided on
//! `identities`, the invitation state and `onPremisesSyncEnabled`, never on `userType`
//! alone: a B2B "member" is still homed elsewhere, and a local "guest" is not.

use serde::Serialize;

use super::account::Account;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceOfAuthority {
    Cloud,
    Synced,
    External,
    PendingInvite,
}

impl SourceOfAuthority {
    pub fn name(self) -> &'static str {
        match self {
            SourceOfAuthority::Cloud => "cloud",
            SourceOfAuthority::Synced => "synced",
            SourceOfAuthority::External => "external",
            SourceOfAuthority::PendingInvite => "pending-invite",
        }
    }
}

/// Issuers that mean the credential is held by another identity provider.
const EXTERNAL_ISSUERS: &[&str] = &[
    "externalazuread",
    "microsoftaccount",
    "google.com",
    "facebook.com",
    "mail",
];

pub fn source_of_authority(user: &Account) -> SourceOfAuthority {
    if user.external_user_state.as_deref() == Some("PendingAcceptance") {
        return SourceOfAuthority::PendingInvite;
    }
    if home_issuer(user).is_some() {
        return SourceOfAuthority::External;
    }
    if user.on_premises_sync_enabled == Some(true) {
        return SourceOfAuthority::Synced;
    }
    SourceOfAuthority::Cloud
}

/// The identity provider that holds an external user's credential, if any.
pub fn home_issuer(user: &Account) -> Option<String> {
    if let Some(ids) = &user.identities {
        for id in ids {
            let issuer = id.issuer.as_deref().unwrap_or_default();
            let federated = id.sign_in_type.as_deref() == Some("federated");
            if federated || EXTERNAL_ISSUERS.contains(&issuer.to_ascii_lowercase().as_str()) {
                return Some(if issuer.is_empty() {
                    "an external identity provider".into()
                } else {
                    issuer.to_string()
                });
            }
        }
    }
    // Without identities (not selected, or unreadable) an invitation is still a strong
    // signal; the eligibility engine treats the unknown conservatively.
    let invited = user.creation_type.as_deref() == Some("Invitation");
    let ext_upn = user
        .user_principal_name
        .as_deref()
        .is_some_and(|u| u.contains("#EXT#"));
    if user.identities.is_none() && (invited || ext_upn) {
        return Some("an external identity provider".into());
    }
    None
}

/// The home domain of a B2B user, from `alias_domain#EXT#@…` or the mail address.
pub fn home_domain(user: &Account) -> Option<String> {
    let upn = user.user_principal_name.as_deref()?;
    if let Some((_, domain)) = upn
        .split_once("#EXT#")
        .and_then(|(left, _)| left.rsplit_once('_'))
    {
        return Some(domain.to_string());
    }
    user.mail
        .as_deref()
        .and_then(|m| m.rsplit_once('@'))
        .map(|(_, d)| d.to_string())
}

/// A short human description: "synced from CN=…", "homed in fabrikam.com (ExternalAzureAD)".
pub fn describe(user: &Account) -> String {
    match source_of_authority(user) {
        SourceOfAuthority::Cloud if user.on_premises_sync_enabled == Some(false) => {
            "cloud (was synced from on-premises AD; sync stopped)".into()
        }
        SourceOfAuthority::Cloud => "cloud-only account".into(),
        SourceOfAuthority::Synced => match &user.on_premises_distinguished_name {
            Some(dn) => format!("synced from on-premises AD: {dn}"),
            None => "synced from on-premises AD".into(),
        },
        SourceOfAuthority::External => {
            let issuer = home_issuer(user).unwrap_or_default();
            let kind = match issuer.to_ascii_lowercase().as_str() {
                "externalazuread" => "another Microsoft Entra tenant".to_string(),
                "microsoftaccount" => "a personal Microsoft account".to_string(),
                other => other.to_string(),
            };
            match home_domain(user) {
                Some(d) => format!("external: homed in {d} ({kind})"),
                None => format!("external: homed in {kind}"),
            }
        }
        SourceOfAuthority::PendingInvite => {
            "invited guest who has not redeemed the invitation".into()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::account::Identity;

    fn ident(sign_in_type: &str, issuer: &str) -> Identity {
        Identity {
            sign_in_type: Some(sign_in_type.into()),
            issuer: Some(issuer.into()),
        }
    }

    #[test]
    fn sync_tri_state() {
        let mut u = Account {
            identities: Some(vec![ident("userPrincipalName", "contoso.com")]),
            ..Default::default()
        };
        assert_eq!(source_of_authority(&u), SourceOfAuthority::Cloud);
        u.on_premises_sync_enabled = Some(true);
        assert_eq!(source_of_authority(&u), SourceOfAuthority::Synced);
        u.on_premises_sync_enabled = Some(false);
        assert_eq!(source_of_authority(&u), SourceOfAuthority::Cloud);
        assert!(describe(&u).contains("sync stopped"));
    }

    #[test]
    fn decided_on_identities_not_user_type() {
        let b2b_member = Account {
            user_principal_name: Some("priya_woodgrove.com#EXT#@contoso.onmicrosoft.com".into()),
            identities: Some(vec![
                ident("userPrincipalName", "contoso.onmicrosoft.com"),
                ident("federated", "ExternalAzureAD"),
            ]),
            ..Default::default()
        };
        assert_eq!(
            source_of_authority(&b2b_member),
            SourceOfAuthority::External
        );
        assert!(describe(&b2b_member).contains("woodgrove.com"));
        let local_guest = Account {
            identities: Some(vec![ident("userPrincipalName", "contoso.com")]),
            ..Default::default()
        };
        assert_eq!(source_of_authority(&local_guest), SourceOfAuthority::Cloud);
    }

    #[test]
    fn pending_invite_wins() {
        let u = Account {
            external_user_state: Some("PendingAcceptance".into()),
            identities: Some(vec![ident("userPrincipalName", "contoso.onmicrosoft.com")]),
            ..Default::default()
        };
        assert_eq!(source_of_authority(&u), SourceOfAuthority::PendingInvite);
    }
}
