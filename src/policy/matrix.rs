//! The "Who can reset passwords" matrix, embedded at build time from
//! `assets/reset-permissions.csv` (source: `assets/SOURCES.md`).

use std::collections::HashMap;
use std::sync::OnceLock;

const MATRIX_CSV: &str = include_str!("../../assets/reset-permissions.csv");

/// A row of the matrix: what the target is.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    /// A role named in the matrix, by template id.
    Role(String),
    /// "User (no admin role)".
    NoRole,
    /// "User (no admin role, but member or owner of a role-assignable group)".
    RoleAssignableGroup,
    /// "User with a role scoped to a restricted management administrative unit".
    RestrictedAuRole,
    /// "All other built-in and custom roles".
    OtherRole,
}

impl Category {
    pub fn from_matrix_name(name: &str, template_id: &str) -> Category {
        match name {
            "User (no admin role)" => Category::NoRole,
            "User (no admin role, but member or owner of a role-assignable group)" => {
                Category::RoleAssignableGroup
            }
            "User with a role scoped to a restricted management administrative unit" => {
                Category::RestrictedAuRole
            }
            "All other built-in and custom roles" => Category::OtherRole,
            _ => Category::Role(template_id.to_lowercase()),
        }
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct Row {
    pub caller_role: String,
    pub caller_role_template_id: String,
    pub target_role_or_category: String,
    pub target_role_template_id: String,
    pub allowed: String,
    pub note: String,
}

pub struct Matrix {
    cells: HashMap<(String, Category), bool>,
    /// Template ids of the roles the matrix has as columns, with their names.
    callers: Vec<(String, String)>,
    /// Template ids that are rows of the matrix.
    target_roles: Vec<String>,
}

impl Matrix {
    pub fn get() -> &'static Matrix {
        static M: OnceLock<Matrix> = OnceLock::new();
        M.get_or_init(|| Matrix::parse(MATRIX_CSV))
    }

    fn parse(text: &str) -> Matrix {
        let mut m = Matrix {
            cells: HashMap::new(),
            callers: Vec::new(),
            target_roles: Vec::new(),
        };
        for row in rows(text) {
            let caller = row.caller_role_template_id.to_lowercase();
            if !m.callers.iter().any(|(id, _)| id == &caller) {
                m.callers.push((caller.clone(), row.caller_role.clone()));
            }
            let cat = Category::from_matrix_name(
                &row.target_role_or_category,
                &row.target_role_template_id,
            );
            if let Category::Role(id) = &cat
                && !m.target_roles.contains(id)
            {
                m.target_roles.push(id.clone());
            }
            m.cells.insert((caller, cat), row.allowed == "yes");
        }
        m
    }

    /// The raw rows, for tests that walk the whole matrix.
    pub fn rows() -> Vec<Row> {
        rows(MATRIX_CSV)
    }

    /// Does the matrix have this role as a column (a role that can reset passwords)?
    pub fn is_caller(&self, template_id: &str) -> bool {
        let t = template_id.to_lowercase();
        self.callers.iter().any(|(id, _)| *id == t)
    }

    pub fn callers(&self) -> &[(String, String)] {
        &self.callers
    }

    /// The category a role held by the target falls in.
    pub fn category_of_role(&self, template_id: &str) -> Category {
        let t = template_id.to_lowercase();
        if self.target_roles.contains(&t) {
            Category::Role(t)
        } else {
            Category::OtherRole
        }
    }

    /// May a caller role (tenant scope) reset a target in this category?
    pub fn allows(&self, caller_template_id: &str, category: &Category) -> bool {
        self.cells
            .get(&(caller_template_id.to_lowercase(), category.clone()))
            .copied()
            .unwrap_or(false)
    }
}

fn rows(text: &str) -> Vec<Row> {
    csv::Reader::from_reader(text.as_bytes())
        .deserialize::<Row>()
        // The embedded file is checked by the tests (all 144 rows parse).
        .filter_map(Result::ok)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matrix_has_144_rows_8_callers_18_categories() {
        let rows = Matrix::rows();
        assert_eq!(rows.len(), 144);
        let m = Matrix::get();
        assert_eq!(m.callers().len(), 8);
        assert_eq!(m.cells.len(), 144);
        let ga = "62e90394-69f5-4237-9190-012177145e10";
        let hda = "729827e3-9c14-49f7-bb1b-9608f156bbb8";
        assert!(m.allows(hda, &Category::NoRole));
        assert!(!m.allows(hda, &Category::Role(ga.into())));
        assert!(!m.allows(hda, &Category::OtherRole));
        assert_eq!(
            m.category_of_role("29232cdf-9323-42fd-ade2-1d097af3e4de"),
            Category::OtherRole
        );
    }
}
