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
}
