//! Turning a report into text: `human` (miette), `concise` (one line per finding) and `json`
//! (the versioned schema in the README).

mod concise;
mod human;
mod json;

pub use human::{HumanOptions, render_rule_errors};

use crate::diagnostic::{FileStatus, Report};
use crate::rules::RuleSet;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    Human,
    Concise,
    Json,
}

pub fn render(
    report: &Report,
    rules: &RuleSet,
    format: OutputFormat,
    human: &HumanOptions,
) -> String {
    match format {
        OutputFormat::Human => human::render(report, rules, human),
        OutputFormat::Concise => concise::render(report),
        OutputFormat::Json => json::render(report),
    }
}

/// "3 errors, 1 warning, 0 infos in 2 files (1 skipped)".
pub fn summary_line(report: &Report) -> String {
    let summary = report.summary();
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let mut line = format!(
        "{}, {}, {} in {}",
        plural(summary.errors, "error"),
        plural(summary.warnings, "warning"),
        plural(summary.infos, "info"),
        plural(summary.files, "file"),
    );
    if summary.skipped > 0 {
        line.push_str(&format!(" ({} skipped)", summary.skipped));
    }
    line
}

/// One line per skipped file, with the reason.
pub fn skipped_lines(report: &Report) -> Vec<String> {
    report
        .files
        .iter()
        .filter_map(|f| match &f.status {
            FileStatus::Skipped(reason) => Some(format!("skipped {}: {reason}", f.source.display)),
            _ => None,
        })
        .collect()
}
