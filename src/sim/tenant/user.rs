//! A simulated user: every property Graph returns for it (with the simulator's defaults),
//! its stable id, and the tokens `$search` matches on.

use anyhow::{Context, bail};
use serde_json::{Map, Value, json};

/// Namespace for deriving stable user ids from UPNs.
const ID_NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x9b1f_4c1e_6a2d_4e8b_9f3a_5c7d_1e2f_3a4b);

#[derive(Debug, Clone)]
pub struct SimUser {
    pub id: String,
    /// Why password writeback fails for this user on-premises (e.g. AdminCount=1).
    pub writeback_failure: Option<String>,
    /// Every user property as Graph would return it on `$select`.
    pub props: Map<String, Value>,
    pub upn_lower: String,
    pub mail_lower: String,
    /// Lower-cased displayName tokens for `$search`.
    pub name_tokens: Vec<String>,
    /// Registered authentication methods and self-service reset reach.
    pub auth: super::auth::SimAuth,
    /// Recent sign-ins, as `signIn` resources.
    pub sign_ins: Vec<Value>,
}

pub fn user_id_for(upn: &str) -> String {
    uuid::Uuid::new_v5(&ID_NAMESPACE, upn.to_lowercase().as_bytes()).to_string()
}

/// Splits text the way directory `$search` tokenizes displayName: on spaces and symbols,
/// at a lower→upper case change and between letters and digits.
pub fn tokenize(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev: Option<char> = None;
    for c in s.chars() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev = None;
            continue;
        }
        if let Some(p) = prev {
            let case_change = p.is_lowercase() && c.is_uppercase();
            let digit_change = p.is_numeric() != c.is_numeric();
            if (case_change || digit_change) && !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
        }
        cur.extend(c.to_lowercase());
        prev = Some(c);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// A deterministic timestamp derived from an id, so the demo looks lived-in but is stable.
fn derived_time(id: &str, salt: u8, max_days: i64) -> String {
    let h = id
        .bytes()
        .fold(u64::from(salt).wrapping_mul(0x100000001b3), |a, b| {
            (a ^ u64::from(b)).wrapping_mul(0x100000001b3)
        });
    let base = time::macros::datetime!(2026-11-20 09:00 UTC);
    let t = base - time::Duration::minutes((h % (max_days as u64 * 24 * 60)) as i64);
    crate::graph::model::lenient_time::format(t)
}

/// Every property the simulator knows for a user, with its default.
fn user_defaults(upn: &str, display_name: &str, id: &str) -> Map<String, Value> {
    let domain = upn.rsplit('@').next().unwrap_or_default().to_string();
    let (given, surname) = match display_name.split_once(' ') {
        Some((g, s)) => (json!(g), json!(s)),
        None => (Value::Null, Value::Null),
    };
    let v = json!({
        "id": id,
        "displayName": display_name,
        "userPrincipalName": upn,
        "mail": upn,
        "otherMails": [],
        "proxyAddresses": [],
        "mailNickname": upn.split('@').next().unwrap_or_default(),
        "givenName": given,
        "surname": surname,
        "jobTitle": null,
        "department": null,
        "officeLocation": null,
        "companyName": "Contoso Ltd",
        "employeeId": null,
        "streetAddress": null,
        "city": null,
        "state": null,
        "postalCode": null,
        "country": null,
        "businessPhones": [],
        "mobilePhone": null,
        "imAddresses": [],
        "preferredLanguage": "en-US",
        "accountEnabled": true,
        "userType": "Member",
        "creationType": null,
        "externalUserState": null,
        "externalUserStateChangeDateTime": null,
        "identities": [{"signInType": "userPrincipalName", "issuer": domain, "issuerAssignedId": upn}],
        "onPremisesSyncEnabled": null,
        "onPremisesDistinguishedName": null,
        "onPremisesSamAccountName": null,
        "onPremisesUserPrincipalName": null,
        "onPremisesDomainName": null,
        "onPremisesSecurityIdentifier": null,
        "onPremisesImmutableId": null,
        "onPremisesLastSyncDateTime": null,
        "onPremisesProvisioningErrors": [],
        "lastPasswordChangeDateTime": derived_time(id, 1, 200),
        "createdDateTime": derived_time(id, 2, 1500),
        "passwordPolicies": null,
        "passwordProfile": {"forceChangePasswordNextSignIn": false, "forceChangePasswordNextSignInWithMfa": false, "password": null},
        "signInActivity": {
            "lastSignInDateTime": derived_time(id, 3, 20),
            "lastSignInRequestId": uuid::Uuid::new_v5(&ID_NAMESPACE, format!("{id}/signin").as_bytes()).to_string(),
            "lastNonInteractiveSignInDateTime": derived_time(id, 4, 10),
            "lastNonInteractiveSignInRequestId": uuid::Uuid::new_v5(&ID_NAMESPACE, format!("{id}/ni").as_bytes()).to_string(),
            "lastSuccessfulSignInDateTime": derived_time(id, 3, 20),
            "lastSuccessfulSignInRequestId": uuid::Uuid::new_v5(&ID_NAMESPACE, format!("{id}/signin").as_bytes()).to_string()
        },
        "signInSessionsValidFromDateTime": derived_time(id, 2, 1500),
        "isManagementRestricted": null,
        "usageLocation": "US",
        "assignedLicenses": [],
    });
    match v {
        Value::Object(m) => m,
        _ => unreachable!("literal object"),
    }
}

/// The property names a `$select` on users may name.
pub fn known_user_property(name: &str) -> bool {
    static NAMES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    NAMES
        .get_or_init(|| user_defaults("x@y", "x", "id").keys().cloned().collect())
        .iter()
        .any(|k| k.eq_ignore_ascii_case(name))
}

impl SimUser {
    pub fn new(mut given: Map<String, Value>) -> anyhow::Result<SimUser> {
        let upn = given
            .get("userPrincipalName")
            .and_then(Value::as_str)
            .context("a user has no userPrincipalName")?
            .to_string();
        let display_name = given
            .get("displayName")
            .and_then(Value::as_str)
            .unwrap_or(&upn)
            .to_string();
        // Simulator-only facts (not Graph properties) start with `_`.
        let writeback_failure = given
            .remove("_writebackFailure")
            .and_then(|v| v.as_str().map(str::to_string));
        let id = match given.remove("id") {
            Some(Value::String(id)) => id,
            _ => user_id_for(&upn),
        };
        let auth = match given.remove("_authentication") {
            Some(v) => super::auth::SimAuth::parse(&upn, v)?,
            None => super::auth::SimAuth::default(),
        };
        let sign_ins = match given.remove("_signIns") {
            Some(v) => super::auth::parse_sign_ins(&upn, &id, &display_name, v)?,
            None => Vec::new(),
        };
        let activity_given = given.contains_key("signInActivity");
        let mut props = user_defaults(&upn, &display_name, &id);
        for (k, v) in given {
            if !props.contains_key(&k) {
                bail!("user {upn}: unknown property `{k}`");
            }
            if let (true, Some(Value::Object(into)), Value::Object(from)) =
                (k == "signInActivity", props.get_mut(&k), &v)
            {
                into.extend(from.clone());
                continue;
            }
            props.insert(k, v);
        }
        // Exchange gives every mail user its primary SMTP address (upper-case prefix).
        let no_proxies = props
            .get("proxyAddresses")
            .and_then(Value::as_array)
            .is_none_or(|a| a.is_empty());
        if no_proxies && let Some(mail) = props.get("mail").and_then(Value::as_str) {
            let primary = json!([format!("SMTP:{mail}")]);
            props.insert("proxyAddresses".into(), primary);
        }
        // A user with a story: their sign-in activity agrees with it (unless the file
        // states it).
        let newest = |ok: bool| {
            sign_ins
                .iter()
                .filter(|s| !ok || s["status"]["errorCode"] == json!(0))
                .filter_map(|s| s["createdDateTime"].as_str())
                .max()
                .map(str::to_string)
        };
        if let (false, Some(last), Some(Value::Object(activity))) = (
            activity_given,
            newest(false),
            props.get_mut("signInActivity"),
        ) {
            activity.insert("lastSignInDateTime".into(), json!(last));
            activity.insert("lastSuccessfulSignInDateTime".into(), json!(newest(true)));
        }
        // An invitation not redeemed has registered nothing.
        let auth = if props.get("externalUserState") == Some(&json!("PendingAcceptance")) {
            super::auth::SimAuth {
                methods: vec!["password".into()],
                ..auth
            }
        } else {
            auth
        };
        let mut u = SimUser {
            id,
            writeback_failure,
            props,
            upn_lower: String::new(),
            mail_lower: String::new(),
            name_tokens: Vec::new(),
            auth,
            sign_ins,
        };
        u.reindex();
        Ok(u)
    }

    pub fn reindex(&mut self) {
        let s = |k: &str| {
            self.props
                .get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_lowercase()
        };
        self.upn_lower = s("userPrincipalName");
        self.mail_lower = s("mail");
        // Tokenize before lower-casing: a lower→upper change splits tokens.
        self.name_tokens = tokenize(self.str("displayName").unwrap_or_default());
    }

    pub fn str(&self, key: &str) -> Option<&str> {
        self.props.get(key).and_then(Value::as_str)
    }

    pub fn display_name(&self) -> &str {
        self.str("displayName").unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokenizer_follows_the_documented_rules() {
        assert_eq!(tokenize("contosoAdmin1"), ["contoso", "admin", "1"]);
        assert_eq!(tokenize("Oscar Ward"), ["oscar", "ward"]);
        assert_eq!(
            tokenize("Fitzgerald-Montgomery"),
            ["fitzgerald", "montgomery"]
        );
        assert_eq!(tokenize("Zoë Ångström"), ["zoë", "ångström"]);
    }
}
