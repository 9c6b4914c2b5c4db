//! National clouds: each has its own Graph root and login authority, and tokens are not
//! interchangeable between them (Graph docs, "National cloud deployments").

use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Cloud {
    #[default]
    Global,
    Usgov,
    UsgovDod,
    China,
}

impl Cloud {
    pub const NAMES: &'static [&'static str] = &["global", "usgov", "usgov-dod", "china"];

    pub fn parse(s: &str) -> Option<Cloud> {
        Some(match s {
            "global" => Cloud::Global,
            "usgov" => Cloud::Usgov,
            "usgov-dod" => Cloud::UsgovDod,
            "china" => Cloud::China,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Cloud::Global => "global",
            Cloud::Usgov => "usgov",
            Cloud::UsgovDod => "usgov-dod",
            Cloud::China => "china",
        }
    }

    /// Graph root without the version segment.
    pub fn graph_root(self) -> &'static str {
        match self {
            Cloud::Global => "https://graph.microsoft.com",
            Cloud::Usgov => "https://graph.microsoft.us",
            Cloud::UsgovDod => "https://dod-graph.microsoft.us",
            Cloud::China => "https://microsoftgraph.chinacloudapi.cn",
        }
    }

    pub fn graph_base_url(self) -> String {
        format!("{}/v1.0", self.graph_root())
    }

    pub fn login_authority(self) -> &'static str {
        match self {
            Cloud::Global => "https://login.microsoftonline.com",
            Cloud::Usgov | Cloud::UsgovDod => "https://login.microsoftonline.us",
            Cloud::China => "https://login.chinacloudapi.cn",
        }
    }

    /// The `.default` scope of this cloud's Graph resource.
    pub fn graph_scope(self) -> String {
        format!("{}/.default", self.graph_root())
    }

    /// Whether this cloud's Graph v1.0 has `authentication/methods/{id}/resetPassword` and
    /// `authentication/operations`: the only way to reset a synced user's password with
    /// writeback. The China cloud (21Vianet) has neither: its v1.0 schema
    /// (msgraph-metadata `schemas/v1.0-Mooncake.csdl`) gives `authentication` only
    /// `microsoftAuthenticatorMethods`, `phoneMethods` and `platformCredentialMethods`, and
    /// the reference page lists the action for Global and US Government only
    /// (https://learn.microsoft.com/graph/api/authenticationmethod-resetpassword?view=graph-rest-1.0).
    /// The US Government schema (`v1.0-Fairfax.csdl`) has both.
    pub fn has_reset_password(self) -> bool {
        self != Cloud::China
    }

    /// The navigation properties of `authentication` that this cloud's v1.0 schema lacks
    /// (of those the product calls); the simulator answers them as Graph answers an unknown
    /// segment.
    pub fn missing_authentication_segments(self) -> &'static [&'static str] {
        match self {
            Cloud::China => &[
                "methods",
                "passwordMethods",
                "operations",
                "temporaryAccessPassMethods",
            ],
            _ => &[],
        }
    }

    /// What a console or `doctor` tells an operator about features this cloud lacks.
    pub fn missing_features(self) -> Option<&'static str> {
        (!self.has_reset_password()).then_some(
            "the China cloud's Graph has no resetPassword and no authentication operations: \
             synced (hybrid) users cannot be reset with writeback here; reset them in \
             on-premises AD. Cloud-only users are reset as usual.",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_endpoints_differ() {
        for n in Cloud::NAMES {
            assert_eq!(Cloud::parse(n).unwrap().name(), *n);
        }
        assert_eq!(
            Cloud::UsgovDod.graph_base_url(),
            "https://dod-graph.microsoft.us/v1.0"
        );
        assert_eq!(
            Cloud::China.login_authority(),
            "https://login.chinacloudapi.cn"
        );
        assert!(Cloud::parse("mars").is_none());
    }

    #[test]
    fn only_china_lacks_reset_password() {
        for n in Cloud::NAMES {
            let c = Cloud::parse(n).unwrap();
            assert_eq!(c.has_reset_password(), c != Cloud::China, "{n}");
            assert_eq!(c.missing_features().is_some(), c == Cloud::China, "{n}");
            assert_eq!(
                c.missing_authentication_segments().contains(&"operations"),
                c == Cloud::China
            );
        }
    }
}
