//! A simulated user: the properties set for it (the rest are the simulator's defaults,
//! derived when read), its stable id, and the tokens `$search` matches on.

use std::borrow::Cow;

use anyhow::{Context, bail};
use serde_json::{Map, Value, json};

/// Namespace for deriving stable user ids from UPNs.
const ID_NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x9b1f_4c1e_6a2d_4e8b_9f3a_5c7d_1e2f_3a4b);

/// Every user property the simulator serves, by Graph's name.
const PROPERTIES: &[&str] = &[
    "id",
    "displayName",
    "userPrincipalName",
    "mail",
    "otherMails",
    "proxyAddresses",
    "mailNickname",
    "givenName",
    "surname",
    "jobTitle",
    "department",
    "officeLocation",
    "companyName",
    "employeeId",
    "streetAddress",
    "city",
    "state",
    "postalCode",
    "country",
    "businessPhones",
    "mobilePhone",
    "imAddresses",
    "preferredLanguage",
    "accountEnabled",
    "userType",
    "creationType",
    "externalUserState",
    "externalUserStateChangeDateTime",
    "identities",
    "onPremisesSyncEnabled",
    "onPremisesDistinguishedName",
    "onPremisesSamAccountName",
    "onPremisesUserPrincipalName",
    "onPremisesDomainName",
    "onPremisesSecurityIdentifier",
    "onPremisesImmutableId",
    "onPremisesLastSyncDateTime",
    "onPremisesProvisioningErrors",
    "lastPasswordChangeDateTime",
    "createdDateTime",
    "passwordPolicies",
    "passwordProfile",
    "signInActivity",
    "signInSessionsValidFromDateTime",
    "isManagementRestricted",
    "usageLocation",
    "assignedLicenses",
];

#[derive(Debug, Clone)]
pub struct SimUser {
    pub id: String,
    /// Why password writeback fails for this user on-premises (e.g. AdminCount=1).
    pub writeback_failure: Option<String>,
    /// The properties set for this user, by their name in `PROPERTIES`; every other one
    /// is its default, derived on read (issue 17: a full map of ~50 properties per user
    /// held 950 MB at 100,000 users). `userPrincipalName` and `displayName` are always
    /// here.
    set: Vec<(&'static str, Value)>,
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

/// The property names a `$select` on users may name.
pub fn known_user_property(name: &str) -> bool {
    canonical(name).is_some()
}

/// The simulator's spelling of a property name given in any case.
fn canonical(name: &str) -> Option<&'static str> {
    PROPERTIES
        .iter()
        .find(|k| k.eq_ignore_ascii_case(name))
        .copied()
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
        let mut u = SimUser {
            id,
            writeback_failure,
            set: Vec::with_capacity(given.len() + 1),
            upn_lower: String::new(),
            mail_lower: String::new(),
            name_tokens: Vec::new(),
            auth,
            sign_ins,
        };
        u.put("displayName", json!(display_name));
        let activity_given = given.contains_key("signInActivity");
        for (k, v) in given {
            let Some(key) = PROPERTIES.iter().copied().find(|p| *p == k) else {
                bail!("user {upn}: unknown property `{k}`");
            };
            match (key, v) {
                // Given sign-in activity amends the derived one, field by field.
                ("signInActivity", Value::Object(from)) => {
                    let mut into = u.default_of(key).unwrap_or_default();
                    if let Value::Object(m) = &mut into {
                        m.extend(from);
                    }
                    u.put(key, into);
                }
                // Exchange gives every mail user its primary SMTP address: an empty list
                // is left to the default, which derives it from `mail`.
                ("proxyAddresses", Value::Array(a)) if a.is_empty() => {}
                (key, v) => u.put(key, v),
            }
        }
        u.reindex();
        // A user with a story: their sign-in activity agrees with it (unless the file
        // states it).
        let newest = |ok: bool| {
            u.sign_ins
                .iter()
                .filter(|s| !ok || s["status"]["errorCode"] == json!(0))
                .filter_map(|s| s["createdDateTime"].as_str())
                .max()
                .map(str::to_string)
        };
        if let (false, Some(last)) = (activity_given, newest(false)) {
            let succeeded = newest(true);
            if let Some(Value::Object(mut activity)) = u.default_of("signInActivity") {
                activity.insert("lastSignInDateTime".into(), json!(last));
                activity.insert("lastSuccessfulSignInDateTime".into(), json!(succeeded));
                u.put("signInActivity", Value::Object(activity));
            }
        }
        // An invitation not redeemed has registered nothing.
        if u.get("externalUserState").as_deref() == Some(&json!("PendingAcceptance")) {
            u.auth.methods = vec!["password".into()];
        }
        u.set.shrink_to_fit();
        Ok(u)
    }

    /// Sets a property (one of `PROPERTIES`, spelled as there). A user's names, UPN and
    /// mail are fixed once made: the tenant's lookups and `$search` index hold them.
    pub fn insert(&mut self, key: &'static str, value: Value) {
        debug_assert!(PROPERTIES.contains(&key), "{key} is no user property");
        debug_assert!(
            !matches!(key, "id" | "displayName" | "userPrincipalName" | "mail"),
            "{key} is fixed"
        );
        self.put(key, value);
    }

    fn put(&mut self, key: &'static str, value: Value) {
        match self.set.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => *v = value,
            None => self.set.push((key, value)),
        }
    }

    fn reindex(&mut self) {
        self.upn_lower = self.upn().to_lowercase();
        self.mail_lower = self
            .get("mail")
            .as_deref()
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_lowercase();
        // Tokenize before lower-casing: a lower→upper change splits tokens.
        self.name_tokens = tokenize(self.display_name());
    }

    /// A property as Graph returns it, by its exact name; `None` for no such property.
    pub fn get(&self, key: &str) -> Option<Cow<'_, Value>> {
        match self.set.iter().find(|(k, _)| *k == key) {
            Some((_, v)) => Some(Cow::Borrowed(v)),
            None => self.default_of(key).map(Cow::Owned),
        }
    }

    /// `get` for a name in any case, as `$select` and `$filter` name properties.
    pub fn get_ignore_case(&self, name: &str) -> Option<(&'static str, Cow<'_, Value>)> {
        let key = canonical(name)?;
        Some((key, self.get(key)?))
    }

    /// Whether a property is `true`.
    pub fn is(&self, key: &str) -> bool {
        self.get(key).as_deref() == Some(&Value::Bool(true))
    }

    /// A string property's text.
    pub fn text(&self, key: &str) -> Option<Cow<'_, str>> {
        match self.get(key)? {
            Cow::Borrowed(Value::String(s)) => Some(Cow::Borrowed(s)),
            Cow::Owned(Value::String(s)) => Some(Cow::Owned(s)),
            _ => None,
        }
    }

    /// Every property, as a full `GET` without `$select` would return them.
    pub fn props(&self) -> Map<String, Value> {
        PROPERTIES
            .iter()
            .filter_map(|k| Some((k.to_string(), self.get(k)?.into_owned())))
            .collect()
    }

    fn stored(&self, key: &str) -> Option<&str> {
        self.set
            .iter()
            .find(|(k, _)| *k == key)
            .and_then(|(_, v)| v.as_str())
    }

    pub fn upn(&self) -> &str {
        self.stored("userPrincipalName").unwrap_or_default()
    }

    pub fn display_name(&self) -> &str {
        self.stored("displayName").unwrap_or_default()
    }

    /// The simulator's default for a property not set for this user.
    fn default_of(&self, key: &str) -> Option<Value> {
        let upn = self.upn();
        let id = self.id.as_str();
        let time = |salt, days| json!(derived_time(id, salt, days));
        let request = |what: &str| {
            json!(uuid::Uuid::new_v5(&ID_NAMESPACE, format!("{id}/{what}").as_bytes()).to_string())
        };
        Some(match key {
            "id" => json!(id),
            "userPrincipalName" | "displayName" => json!(self.stored(key)),
            "mail" => json!(upn),
            "mailNickname" => json!(upn.split('@').next().unwrap_or_default()),
            "givenName" | "surname" => match self.display_name().split_once(' ') {
                Some((g, s)) => json!(if key == "givenName" { g } else { s }),
                None => Value::Null,
            },
            "proxyAddresses" => match self.get("mail").as_deref() {
                Some(Value::String(mail)) => json!([format!("SMTP:{mail}")]),
                _ => json!([]),
            },
            "companyName" => json!("Contoso Ltd"),
            "preferredLanguage" => json!("en-US"),
            "usageLocation" => json!("US"),
            "accountEnabled" => json!(true),
            "userType" => json!("Member"),
            "identities" => {
                let domain = upn.rsplit('@').next().unwrap_or_default();
                json!([{"signInType": "userPrincipalName", "issuer": domain, "issuerAssignedId": upn}])
            }
            "lastPasswordChangeDateTime" => time(1, 200),
            "createdDateTime" | "signInSessionsValidFromDateTime" => time(2, 1500),
            "passwordProfile" => json!({
                "forceChangePasswordNextSignIn": false,
                "forceChangePasswordNextSignInWithMfa": false,
                "password": null
            }),
            "signInActivity" => json!({
                "lastSignInDateTime": time(3, 20),
                "lastSignInRequestId": request("signin"),
                "lastNonInteractiveSignInDateTime": time(4, 10),
                "lastNonInteractiveSignInRequestId": request("ni"),
                "lastSuccessfulSignInDateTime": time(3, 20),
                "lastSuccessfulSignInRequestId": request("signin"),
            }),
            "otherMails"
            | "businessPhones"
            | "imAddresses"
            | "onPremisesProvisioningErrors"
            | "assignedLicenses" => json!([]),
            other if PROPERTIES.contains(&other) => Value::Null,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(v: Value) -> anyhow::Result<SimUser> {
        let Value::Object(m) = v else { unreachable!() };
        SimUser::new(m)
    }

    /// Only what was set is stored; every other property derives on read, from the UPN,
    /// the name and the id, as a full map of defaults did before (issue 17).
    #[test]
    fn defaults_derive_on_read_and_what_was_set_wins() {
        let u = user(json!({
            "userPrincipalName": "Ana.Ito@contoso.com",
            "displayName": "Ana Ito",
            "jobTitle": "Buyer",
            "signInActivity": {"lastSignInDateTime": "2026-11-01T08:00:00Z"},
        }))
        .unwrap();
        assert!(u.set.len() <= 4, "{:?}", u.set);
        let p = u.props();
        assert_eq!(p.len(), PROPERTIES.len());
        assert_eq!(p["mail"], json!("Ana.Ito@contoso.com"));
        assert_eq!(p["proxyAddresses"], json!(["SMTP:Ana.Ito@contoso.com"]));
        assert_eq!(
            (&p["givenName"], &p["surname"]),
            (&json!("Ana"), &json!("Ito"))
        );
        assert_eq!(p["jobTitle"], json!("Buyer"));
        assert_eq!(p["department"], Value::Null);
        // Given activity amends the derived one; the rest of it is still there.
        let activity = &p["signInActivity"];
        assert_eq!(
            activity["lastSignInDateTime"],
            json!("2026-11-01T08:00:00Z")
        );
        assert!(activity["lastNonInteractiveSignInDateTime"].is_string());
        // Derived values are stable: the same on every read.
        assert_eq!(u.props(), p);
        assert_eq!(u.get_ignore_case("JOBTITLE").unwrap().0, "jobTitle");
        assert!(u.get("passwordProfile").unwrap()["forceChangePasswordNextSignIn"] == false);
        // No mail: no primary SMTP address either.
        let none = user(json!({"userPrincipalName": "x@contoso.com", "mail": null})).unwrap();
        assert_eq!(none.props()["proxyAddresses"], json!([]));
        assert!(user(json!({"userPrincipalName": "x@contoso.com", "shoeSize": 9})).is_err());
    }

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
