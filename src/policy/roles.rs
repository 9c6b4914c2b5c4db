//! Built-in Entra roles: names, template ids and Microsoft's PRIVILEGED label, embedded at
//! build time from `assets/entra-role-ids.csv` (copied from the "All roles" table of the
//! Entra permissions reference; see `assets/SOURCES.md`).

use std::collections::HashMap;

const BUILTIN_CSV: &str = include_str!("../../assets/entra-role-ids.csv");

#[derive(Debug, Clone, PartialEq)]
pub struct RoleDef {
    /// For built-in roles the definition id equals the template id.
    pub id: String,
    pub template_id: String,
    pub display_name: String,
    pub description: String,
    pub built_in: bool,
    pub privileged: bool,
}

#[derive(Debug, Clone)]
pub struct RoleCatalog {
    roles: Vec<RoleDef>,
    by_id: HashMap<String, usize>,
}

#[derive(serde::Deserialize)]
struct Row {
    role_name: String,
    template_id: String,
    is_privileged: bool,
}

impl RoleCatalog {
    pub fn builtin() -> RoleCatalog {
        let mut c = RoleCatalog {
            roles: Vec::new(),
            by_id: HashMap::new(),
        };
        let mut rdr = csv::Reader::from_reader(BUILTIN_CSV.as_bytes());
        // The embedded file is checked by the tests (every row parses).
        for row in rdr.deserialize::<Row>().flatten() {
            c.add(RoleDef {
                id: row.template_id.clone(),
                template_id: row.template_id,
                description: format!("Built-in role {}", row.role_name),
                display_name: row.role_name,
                built_in: true,
                privileged: row.is_privileged,
            });
        }
        c
    }

    pub fn add(&mut self, def: RoleDef) {
        self.by_id.insert(def.id.to_lowercase(), self.roles.len());
        if def.template_id != def.id {
            self.by_id
                .insert(def.template_id.to_lowercase(), self.roles.len());
        }
        self.roles.push(def);
    }

    /// By definition id or template id (case-insensitive).
    pub fn by_id(&self, id: &str) -> Option<&RoleDef> {
        self.by_id.get(&id.to_lowercase()).map(|&i| &self.roles[i])
    }

    pub fn by_name(&self, name: &str) -> Option<&RoleDef> {
        self.roles
            .iter()
            .find(|r| r.display_name.eq_ignore_ascii_case(name))
    }

    pub fn all(&self) -> &[RoleDef] {
        &self.roles
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_loads_all_builtin_roles() {
        let c = RoleCatalog::builtin();
        assert_eq!(c.all().len(), 123);
        let ga = c.by_id("62E90394-69F5-4237-9190-012177145E10").unwrap();
        assert_eq!(ga.display_name, "Global Administrator");
        assert!(ga.privileged);
        assert_eq!(
            c.by_name("helpdesk administrator").unwrap().template_id,
            "729827e3-9c14-49f7-bb1b-9608f156bbb8"
        );
    }
}
