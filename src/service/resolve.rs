//! Finding the user a ticket names, the way the caller names them: an object id, a UPN,
//! a mail or proxy address, an `otherMails` address, a guest's own home email, or a
//! display name. Stages are tried in that order; the first stage that matches decides —
//! one user, or several (then nothing is done and the candidates are shown).
//!
//! Only documented filters (https://learn.microsoft.com/graph/api/resources/user:
//! `mail` eq; `otherMails` and `proxyAddresses` with `any`; `userPrincipalName`
//! startswith; `displayName` eq), one form per request, as advanced queries.

use crate::graph::model::User;
use crate::graph::query::odata_string;
use crate::graph::{GraphApi, GraphError};

/// More than this many matches are not worth listing.
const MAX_CANDIDATES: u32 = 25;

#[derive(Debug)]
pub enum Resolved {
    One(Box<User>),
    /// Several users match the first stage that matched.
    Many(Vec<User>),
    /// Nothing matched; what was tried, for the message.
    None(Vec<&'static str>),
}

pub(crate) fn is_object_id(key: &str) -> bool {
    uuid::Uuid::try_parse(key).is_ok()
}

/// `adele.vance@fabrikam.com` → `adele.vance_fabrikam.com#EXT#`, the start of the UPN a
/// guest invited with that address gets.
pub(crate) fn guest_upn_prefix(address: &str) -> Option<String> {
    let (local, domain) = address.rsplit_once('@')?;
    Some(format!("{local}_{domain}#EXT#"))
}

async fn get(api: &dyn GraphApi, key: &str) -> Result<Option<User>, GraphError> {
    match api.get_user(key).await {
        Ok(u) => Ok(Some(u)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

/// Runs the filters of one stage and merges their matches (by id).
async fn stage(api: &dyn GraphApi, filters: &[String]) -> Result<Vec<User>, GraphError> {
    let mut found: Vec<User> = Vec::new();
    for f in filters {
        for u in api.filter_users(f, MAX_CANDIDATES).await? {
            if !found.iter().any(|x| x.id == u.id) {
                found.push(u);
            }
        }
    }
    Ok(found)
}

fn decide(mut users: Vec<User>) -> Option<Resolved> {
    match users.len() {
        0 => None,
        1 => users.pop().map(|u| Resolved::One(Box::new(u))),
        _ => Some(Resolved::Many(users)),
    }
}

pub async fn resolve(api: &dyn GraphApi, key: &str) -> Result<Resolved, GraphError> {
    let key = key.trim();
    let mut tried = Vec::new();
    if is_object_id(key) {
        tried.push("object id");
        if let Some(u) = get(api, key).await? {
            return Ok(Resolved::One(Box::new(u)));
        }
    }
    if key.contains('@') {
        tried.push("user principal name");
        if let Some(u) = get(api, key).await? {
            return Ok(Resolved::One(Box::new(u)));
        }
        tried.push("mail, proxy and other addresses");
        let q = odata_string(key);
        let smtp = odata_string(&format!("smtp:{key}"));
        let addresses = [
            format!("mail eq {q}"),
            format!("proxyAddresses/any(p:p eq {smtp})"),
            format!("otherMails/any(m:m eq {q})"),
        ];
        if let Some(r) = decide(stage(api, &addresses).await?) {
            return Ok(r);
        }
        if let Some(prefix) = guest_upn_prefix(key) {
            tried.push("a guest's home address");
            let guest = [format!(
                "startswith(userPrincipalName,{})",
                odata_string(&prefix)
            )];
            if let Some(r) = decide(stage(api, &guest).await?) {
                return Ok(r);
            }
        }
    }
    tried.push("display name");
    let by_name = [format!("displayName eq {}", odata_string(key))];
    if let Some(r) = decide(stage(api, &by_name).await?) {
        return Ok(r);
    }
    Ok(Resolved::None(tried))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_guests_upn_starts_with_the_mangled_home_address() {
        assert_eq!(
            guest_upn_prefix("tom.baker@outlook.com").as_deref(),
            Some("tom.baker_outlook.com#EXT#")
        );
        assert_eq!(guest_upn_prefix("no-at-sign"), None);
    }
}
