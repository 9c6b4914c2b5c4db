//! Building query strings and paths exactly as Graph documents them.

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

/// Properties the search results list shows.
pub const SEARCH_SELECT: &str = "id,displayName,userPrincipalName,mail,jobTitle,department,\
accountEnabled,userType,creationType,externalUserState,onPremisesSyncEnabled";

/// Properties the details pane and the eligibility engine need (without `signInActivity`,
/// which needs `AuditLog.Read.All` and is added when permitted).
pub const USER_SELECT: &str = "id,displayName,userPrincipalName,mail,givenName,surname,jobTitle,\
department,officeLocation,accountEnabled,userType,creationType,externalUserState,identities,\
onPremisesSyncEnabled,onPremisesDistinguishedName,onPremisesSamAccountName,\
onPremisesUserPrincipalName,onPremisesDomainName,onPremisesSecurityIdentifier,\
onPremisesImmutableId,onPremisesLastSyncDateTime,lastPasswordChangeDateTime,createdDateTime,\
passwordPolicies,isManagementRestricted,usageLocation";

/// Graph's maximum page size for `/users`.
pub const MAX_PAGE: u32 = 999;

/// `$search` for what an admin types: a name, a UPN or a mail prefix. Every clause is in
/// double quotes with `"` and `\` escaped, as the directory `$search` syntax requires.
/// displayName is matched by tokens; UPN and mail by prefix (that is how Graph works).
pub fn user_search_expression(text: &str) -> String {
    let escaped = escape_search(text.trim());
    ["displayName", "userPrincipalName", "mail"]
        .iter()
        .map(|p| format!("\"{p}:{escaped}\""))
        .collect::<Vec<_>>()
        .join(" OR ")
}

pub fn escape_search(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

/// OData string literal: single quotes doubled.
pub fn odata_string(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Characters that must be encoded inside one path segment. `#` in B2B UPNs
/// (`x_contoso.com#EXT#@…`) must become `%23`, as the user-get docs require.
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'\\')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// The path of one user: `/users/{id}` or `/users/{upn}`. A UPN starting with `$` must be
/// addressed as `/users('$x@y')` (user-get, https://learn.microsoft.com/graph/api/user-get),
/// and so is one with an apostrophe (`o'brien@…`), whose quote the OData key syntax
/// doubles.
pub fn user_path(id_or_upn: &str) -> String {
    if id_or_upn.starts_with('$') || id_or_upn.contains('\'') {
        let quoted = id_or_upn.replace('\'', "''");
        format!("/users('{}')", utf8_percent_encode(&quoted, SEGMENT))
    } else {
        format!("/users/{}", utf8_percent_encode(id_or_upn, SEGMENT))
    }
}

/// Whether `key` can name a user at all: an object id, a UPN or address, or a display
/// name. Empty text, `.` and `..` (which as a path segment would address another resource:
/// `/users/..` is `/v1.0/`), control characters and very long text are refused before
/// any request is made.
pub fn check_user_key(key: &str) -> Result<(), String> {
    let key = key.trim();
    let bad = key.is_empty()
        || key.chars().all(|c| c == '.')
        || key.chars().any(char::is_control)
        || key.chars().count() > 256;
    if bad {
        Err(format!(
            "{:?} is not a user: give an object id, a user principal name or mail address, or a display name; to find one, use `resetdesk search`",
            crate::sanitize::sanitize_line(key, 80)
        ))
    } else {
        Ok(())
    }
}

/// `principalId eq 'a'` or `principalId in ('a','b')`.
pub fn principal_filter(ids: &[String]) -> String {
    if ids.len() == 1 {
        format!("principalId eq {}", odata_string(&ids[0]))
    } else {
        let list: Vec<String> = ids.iter().map(|i| odata_string(i)).collect();
        format!("principalId in ({})", list.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_clauses_are_quoted_and_escaped() {
        assert_eq!(
            user_search_expression(" adele "),
            r#""displayName:adele" OR "userPrincipalName:adele" OR "mail:adele""#
        );
        assert!(user_search_expression(r#"a"b\c"#).starts_with(r#""displayName:a\"b\\c""#));
    }

    #[test]
    fn user_paths_follow_the_documented_quirks() {
        assert_eq!(
            user_path("AdeleV_adatum.com#EXT#@contoso.com"),
            "/users/AdeleV_adatum.com%23EXT%23@contoso.com"
        );
        assert_eq!(
            user_path("$admin@contoso.com"),
            "/users('$admin@contoso.com')"
        );
        assert_eq!(user_path("a/b?c"), "/users/a%2Fb%3Fc");
        assert_eq!(
            user_path("o'brien@contoso.com"),
            "/users('o''brien@contoso.com')"
        );
    }

    #[test]
    fn user_keys_are_anything_that_can_name_a_user() {
        for ok in [
            "87d349ed-44d7-43e1-9a83-5f2406dee5bd",
            "adele.vance@contoso.com",
            "AdeleV_adatum.com#EXT#@contoso.onmicrosoft.com",
            "$admin@contoso.com",
            "o'brien@contoso.com",
            "Hans Becker",
            "../groups",
        ] {
            assert!(check_user_key(ok).is_ok(), "{ok}");
        }
        for bad in ["", " ", ".", "..", "...", "a\u{1b}[2J", &"x".repeat(300)] {
            assert!(check_user_key(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn principal_filters() {
        assert_eq!(principal_filter(&["x".into()]), "principalId eq 'x'");
        assert_eq!(
            principal_filter(&["x".into(), "o'k".into()]),
            "principalId in ('x','o''k')"
        );
    }
}
