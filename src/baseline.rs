//! Baselines: record today's findings, then report only new ones. Findings are matched by
//! fingerprint (rule, file, underlined text, section heading), never by line number, so
//! editing elsewhere in a document keeps accepted findings accepted.

use std::collections::BTreeSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::diagnostic::{Finding, Report, SetupError};
use crate::engine::PARSE_ERROR;
use crate::source::Span;

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BaselineFile {
    version: u32,
    findings: Vec<Entry>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    rule: String,
    path: String,
    fingerprint: String,
}

/// The baseline file content for `report` (sorted, so it diffs well).
pub fn render(report: &Report) -> String {
    let file = BaselineFile {
        version: 1,
        findings: report
            .findings
            .iter()
            .filter(|f| acceptable(f))
            .map(|f| Entry {
                rule: f.rule.clone(),
                path: report.source(&f.primary).display.clone(),
                fingerprint: f.fingerprint.clone(),
            })
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&file).unwrap_or_default();
    text.push('\n');
    text
}

/// The fingerprints accepted by a baseline file.
pub fn load(path: &Path) -> Result<BTreeSet<String>, SetupError> {
    let display = path.display().to_string();
    let error = |text: String, span: Span, message: String| SetupError {
        path: display.clone(),
        text,
        span,
        message,
        help: Some("write a baseline with `privlint check --write-baseline FILE`".into()),
    };
    let text = crate::source::read_setup_file(path).map_err(|e| {
        error(
            String::new(),
            Span::default(),
            format!("cannot read the baseline: {e}"),
        )
    })?;
    // Editors on Windows start files with a byte-order mark.
    let body = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let file: BaselineFile = serde_json::from_str(body).map_err(|e| {
        let line_start: usize = body
            .split_inclusive('\n')
            .take(e.line().saturating_sub(1))
            .map(str::len)
            .sum();
        let at =
            text.len() - body.len() + (line_start + e.column().saturating_sub(1)).min(body.len());
        error(
            text.clone(),
            Span::new(at, at),
            format!("not a privlint baseline: {e}"),
        )
    })?;
    if file.version != 1 {
        return Err(error(
            text,
            Span::default(),
            format!(
                "baseline version {} is not supported (expected 1)",
                file.version
            ),
        ));
    }
    Ok(file.findings.into_iter().map(|e| e.fingerprint).collect())
}

/// The fingerprints of every finding of `report`: what a baseline written now accepts.
pub fn fingerprints(report: &Report) -> BTreeSet<String> {
    report
        .findings
        .iter()
        .filter(|f| acceptable(f))
        .map(|f| f.fingerprint.clone())
        .collect()
}

/// A file that could not be read is never accepted: a policy deleted or corrupted after the
/// baseline was written would pass unseen.
fn acceptable(finding: &Finding) -> bool {
    finding.rule != PARSE_ERROR
}

/// Remove the findings the baseline accepts, counting them.
pub fn apply(report: &mut Report, accepted: &BTreeSet<String>) {
    let before = report.findings.len();
    report
        .findings
        .retain(|f| !(acceptable(f) && accepted.contains(&f.fingerprint)));
    report.baselined += before - report.findings.len();
}
