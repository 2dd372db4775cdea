//! `path:line:col: severity[rule] message`, columns counted in characters.

use std::fmt::Write;

use crate::diagnostic::Report;

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    for finding in &report.findings {
        let source = report.source(&finding.primary);
        let start = source.position(finding.primary.span.start);
        let _ = writeln!(
            out,
            "{}:{}:{}: {}[{}] {}",
            super::one_line(&source.display),
            start.line,
            start.column,
            finding.severity.name(),
            finding.rule,
            super::one_line(&finding.message)
        );
    }
    for line in super::skipped_lines(report) {
        let _ = writeln!(out, "{line}");
    }
    let _ = writeln!(out, "{}", super::summary_line(report));
    out
}
