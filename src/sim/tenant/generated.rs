//! Generated users for scale tests (`--users`): realistic names, many contractors.

use anyhow::bail;
use serde_json::{Map, json};

use super::{SimUser, Tenant};

/// Upper bound for `--users`.
pub const MAX_GENERATED_USERS: usize = 1_000_000;

impl Tenant {
    /// Adds `n` generated users with realistic names. About 40 % are contractors whose
    /// display name ends in "(Contractor)", so one search term matches thousands of them.
    pub fn add_generated_users(&mut self, n: usize) -> anyhow::Result<()> {
        if n > MAX_GENERATED_USERS {
            bail!("--users is limited to {MAX_GENERATED_USERS}");
        }
        const FIRST: &[&str] = &[
            "Aaliyah", "Aaron", "Abigail", "Adrian", "Aiden", "Alice", "Amir", "Ana", "Andre",
            "Anika", "Arjun", "Ben", "Bianca", "Caleb", "Camila", "Chen", "Chloe", "Daniel",
            "Diana", "Elena", "Eli", "Emma", "Farah", "Felix", "Gabriel", "Hana", "Ivan", "Jada",
            "Jonas", "Julia", "Kai", "Karin", "Leo", "Lina", "Malik", "Maya", "Mateo", "Nina",
            "Omar", "Paula", "Quinn", "Rosa", "Sami", "Sara", "Tariq", "Uma", "Victor", "Wen",
            "Yara", "Zane",
        ];
        const LAST: &[&str] = &[
            "Abbott",
            "Becker",
            "Castillo",
            "Dubois",
            "Eriksen",
            "Fischer",
            "Gonzalez",
            "Haddad",
            "Ito",
            "Jensen",
            "Kowalski",
            "Larsen",
            "Moreau",
            "Nakamura",
            "Okafor",
            "Petrov",
            "Quintero",
            "Rossi",
            "Santos",
            "Tanaka",
            "Ueda",
            "Varga",
            "Weber",
            "Xu",
            "Yilmaz",
            "Zhang",
            "Andersen",
            "Brennan",
            "Costa",
            "Dalton",
            "Esposito",
            "Farouk",
            "Gallagher",
            "Hoffman",
            "Ivanova",
            "Jovanovic",
            "Khan",
            "Lopez",
            "Meyer",
            "Novak",
            "Olsen",
            "Park",
            "Ramos",
            "Schmidt",
            "Torres",
            "Urban",
            "Vogel",
            "Walsh",
            "Young",
            "Ziegler",
        ];
        const DEPTS: &[&str] = &[
            "Retail",
            "Logistics",
            "Engineering",
            "Finance",
            "Sales",
            "Manufacturing",
            "Customer Service",
            "Operations",
        ];
        let start = self.users.len();
        for i in 0..n {
            let first = FIRST[i % FIRST.len()];
            let last = LAST[(i / FIRST.len() + i * 7) % LAST.len()];
            let contractor = i % 5 < 2;
            let upn = format!(
                "{}.{}.{:05}@contoso.com",
                first.to_lowercase(),
                last.to_lowercase(),
                i
            );
            let display = if contractor {
                format!("{first} {last} (Contractor)")
            } else {
                format!("{first} {last}")
            };
            let mut m = Map::new();
            m.insert("userPrincipalName".into(), json!(upn));
            m.insert("displayName".into(), json!(display));
            m.insert("givenName".into(), json!(first));
            m.insert("surname".into(), json!(last));
            m.insert("department".into(), json!(DEPTS[i % DEPTS.len()]));
            m.insert(
                "jobTitle".into(),
                json!(if contractor {
                    "Contractor"
                } else {
                    "Associate"
                }),
            );
            if i % 3 == 0 {
                m.insert("onPremisesSyncEnabled".into(), json!(true));
                m.insert(
                    "onPremisesSamAccountName".into(),
                    json!(format!("u{:06}", start + i)),
                );
                m.insert(
                    "onPremisesDistinguishedName".into(),
                    json!(format!(
                        "CN={first} {last},OU=Generated,DC=corp,DC=contoso,DC=com"
                    )),
                );
                m.insert("onPremisesDomainName".into(), json!("corp.contoso.com"));
                m.insert(
                    "onPremisesLastSyncDateTime".into(),
                    json!("2026-11-21T23:40:12Z"),
                );
            }
            self.push_user(SimUser::new(m)?)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_users_scale_and_are_unique() {
        let mut t = Tenant::demo().unwrap();
        let before = t.users.len();
        t.add_generated_users(5000).unwrap();
        assert_eq!(t.users.len(), before + 5000);
        assert!(t.add_generated_users(MAX_GENERATED_USERS + 1).is_err());
    }
}
