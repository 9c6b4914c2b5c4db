//! Pure decisions: no I/O. Role data, source of authority, eligibility, passwords.

pub mod account;
pub mod authority;
pub mod eligibility;
pub mod matrix;
pub mod password;
pub mod roles;
