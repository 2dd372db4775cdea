//! privlint: a privacy-compliance linter for privacy policies and data-collection manifests.
//!
//! The library never prints; `main.rs` renders reports and maps them to exit codes.
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod debug;
pub mod decode;
pub mod document;
pub mod source;
