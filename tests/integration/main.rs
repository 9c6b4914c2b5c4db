//! The integration tests, one binary with a module per subject (one link step instead of
//! twelve on a 2-core machine). `support` holds what they share: the simulator and the
//! client pointed at it, the console fixture, the CLI runner and the tmux driver.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

mod support;

mod app_update;
mod audit;
mod batch;
mod cli;
mod conformance;
mod console_bulk;
mod e2e_tmux;
mod eligibility;
mod fault_matrix;
mod force_change;
mod graph_client;
mod hostile;
mod layering;
mod profiles;
mod properties;
mod reset;
mod resolve;
mod sign_in;
mod triage;
mod trust;
mod tui_render;
