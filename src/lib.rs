//! privlint: a privacy-compliance linter for privacy policies and data-collection manifests.
//!
//! `engine::check_paths` checks files with a loaded `rules::RuleSet` and returns a
//! `diagnostic::Report`; `render` turns it into text. The library never prints; the binary
//! renders reports and maps them to exit codes.
#![warn(clippy::print_stdout, clippy::print_stderr)]

mod automaton;
pub mod baseline;
pub mod classify;
pub mod config;
pub mod debug;
pub mod decode;
pub mod diagnostic;
pub mod document;
pub mod engine;
pub mod explain;
pub mod manifest;
mod matcher;
pub mod pairing;
pub mod render;
pub mod rules;
pub mod sdk;
pub mod source;
pub mod suppress;
pub mod walk;
pub mod yaml;
