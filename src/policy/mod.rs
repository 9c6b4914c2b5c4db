//! Pure decisions: no I/O. Role data, source of authority, eligibility, passwords, what a
//! failed sign-in means.

pub mod account;
pub mod authority;
pub mod eligibility;
pub mod matrix;
pub mod password;
pub mod roles;
pub mod search_match;
pub mod signin;
pub mod tap;
