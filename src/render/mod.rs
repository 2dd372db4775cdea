//! Turning a report into text: `human` (miette), `concise` (one line per finding), `json` (the
//! versioned schema in the README), `sarif`, `github` (workflow annotations) and `junit`.

mod concise;
mod github;
mod human;
mod json;
mod junit;
pub mod sarif;

pub use human::{HumanOptions, render_setup_errors};

use std::borrow::Cow;

use crate::diagnostic::{FileStatus, Report};
use crate::rules::RuleSet;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    Human,
    Concise,
    Json,
    Sarif,
    Github,
    Junit,
}

/// Text from a document, a manifest or a file name made safe for a terminal: control
/// characters (an escape sequence could clear the screen or hide what follows), bidirectional
/// overrides (they reorder what follows) and Unicode line separators become `?`, one per
/// byte, so offsets into the text still hold; line breaks and tabs stay.
pub(crate) fn printable(text: &str) -> Cow<'_, str> {
    replace_unsafe(text, |c| matches!(c, '\n' | '\t' | '\r'))
}

/// A field shown on one line (a message, a file name, a note): as [`printable`], and line
/// breaks become `?` too, so that text from a manifest or a file name cannot start a line
/// that reads like a finding.
pub(crate) fn one_line(text: &str) -> Cow<'_, str> {
    replace_unsafe(text, |c| c == '\t')
}

fn replace_unsafe(text: &str, kept: impl Fn(char) -> bool) -> Cow<'_, str> {
    let unsafe_char = |c: char| {
        (c.is_control()
            || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}'))
            && !kept(c)
    };
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut shown = String::with_capacity(text.len());
    for c in text.chars() {
        if unsafe_char(c) {
            shown.extend(std::iter::repeat_n('?', c.len_utf8()));
        } else {
            shown.push(c);
        }
    }
    Cow::Owned(shown)
}

/// Write the report in `format` to `out`.
pub fn write(
    report: &Report,
    rules: &RuleSet,
    format: OutputFormat,
    human: &HumanOptions,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let text = match format {
        OutputFormat::Json => return json::write(report, out),
        OutputFormat::Sarif => return sarif::write(report, rules, out),
        OutputFormat::Human => human::render(report, rules, human),
        // Neither colours its output: the whole of it is made printable.
        OutputFormat::Concise => printable(&concise::render(report)).into_owned(),
        OutputFormat::Github => printable(&github::render(report)).into_owned(),
        OutputFormat::Junit => junit::render(report),
    };
    out.write_all(text.as_bytes())
}

/// The report in `format`, as text.
pub fn render(
    report: &Report,
    rules: &RuleSet,
    format: OutputFormat,
    human: &HumanOptions,
) -> String {
    let mut out = Vec::new();
    write(report, rules, format, human, &mut out).expect("writing to memory does not fail");
    String::from_utf8(out).expect("every renderer writes UTF-8")
}

/// `--statistics`: findings per rule, most frequent first.
pub fn statistics(report: &Report) -> String {
    let mut counts: std::collections::BTreeMap<(&str, &str), usize> = Default::default();
    for finding in &report.findings {
        *counts
            .entry((finding.rule.as_str(), finding.severity.name()))
            .or_default() += 1;
    }
    let mut rows: Vec<((&str, &str), usize)> = counts.into_iter().collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut out = String::new();
    for ((rule, severity), count) in rows {
        out.push_str(&format!("{count:>6}  {rule:<36} {severity}\n"));
    }
    out.push_str(&summary_line(report));
    out.push('\n');
    out
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
    let extras: Vec<String> = [
        (summary.skipped, "skipped"),
        (summary.suppressed, "suppressed"),
        (summary.baselined, "in the baseline"),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{n} {what}"))
    .collect();
    if !extras.is_empty() {
        line.push_str(&format!(" ({})", extras.join(", ")));
    }
    line
}

/// One line per skipped file (with the reason) and per file with a note.
pub fn skipped_lines(report: &Report) -> Vec<String> {
    report
        .files
        .iter()
        .filter_map(|f| match (&f.status, &f.note) {
            (FileStatus::Skipped(reason), _) => {
                Some(one_line(&format!("skipped {}: {reason}", f.source.display)).into_owned())
            }
            (_, Some(note)) => {
                Some(one_line(&format!("note {}: {note}", f.source.display)).into_owned())
            }
            _ => None,
        })
        .collect()
}
