//! May this operator reset this target's password now, and if not, why not and what to do
//! instead? A pure function of the facts, following the decision procedure of
//! research/eligibility.md §11 and the matrix in `assets/reset-permissions.csv`. Graph stays
//! the final authority: an "allowed" verdict can still meet a 403, which is explained then.
//!
//! `types` holds the inputs and the verdict, `classify` puts the target into the matrix's
//! categories and judges one role, `rules` is the ordered list of rules, `wording` every
//! sentence.

mod classify;
mod rules;
mod types;
mod wording;

pub use classify::{GLOBAL_ADMIN, PRIVILEGED_AUTH_ADMIN};
pub use rules::evaluate;
pub use types::*;

#[cfg(test)]
mod tests;
