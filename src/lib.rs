#![recursion_limit = "256"]
//! resetdesk: a keyboard-driven console for Microsoft Entra ID password resets.
//!
//! Layers, each knowing only the ones below: `cli` (headless commands) → `graph` (Microsoft
//! Graph over HTTP) and `policy` (pure decisions) → `auth`, `config`, `secret`, `sanitize`.
//! `sim` is the Graph simulator the demo and the tests run against.

pub mod app;
pub mod auth;
pub mod cli;
pub mod clipboard;
pub mod cloud;
pub mod config;
#[doc(hidden)]
pub mod fuzzing;
pub mod graph;
pub mod journal;
pub mod keymap;
pub mod policy;
pub mod runtime;
pub mod sanitize;
pub mod secret;
pub mod service;
#[cfg(feature = "demo")]
pub mod sim;
pub mod theme;
pub mod ui;
