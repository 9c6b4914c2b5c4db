//! The Graph simulator: an in-memory tenant served over real HTTP on 127.0.0.1, speaking
//! the Microsoft Graph v1.0 contract (with its errors, paging and throttling), plus a
//! minimal token endpoint. `resetdesk sim` and `--demo` run it.

// Handlers return `Result<Response, Response>`: the error is the Graph error response
// itself, and its size does not matter on a loopback test server.
#![allow(clippy::result_large_err)]

pub mod audit;
pub mod authorize;
pub mod batch;
pub mod faults;
pub(crate) mod filter;
pub mod login;
mod odata;
mod routes;
pub(crate) mod search;
mod search_index;
mod server;
mod tap;
pub mod tenant;
pub mod token;
pub mod writes;

pub use faults::Faults;
pub use server::{AuditOptions, RunningSim, SimOptions, SimState, start};
pub use tenant::Tenant;
