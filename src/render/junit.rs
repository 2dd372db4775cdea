//! JUnit XML for CI systems that show test reports: one test suite per file, one failing test
//! case per finding, one passing case for a file without findings.

use std::fmt::Write;

use crate::diagnostic::Report;

fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 cannot carry most control characters, even escaped.
            c if c.is_control() && !matches!(c, '\n' | '\r' | '\t') => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

pub fn render(report: &Report) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let total: usize = report.files.len().max(report.findings.len());
    let _ = writeln!(
        out,
        "<testsuites name=\"privlint\" tests=\"{}\" failures=\"{}\">",
        total,
        report.findings.len()
    );
    for (index, file) in report.files.iter().enumerate() {
        let findings: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.primary.file == index)
            .collect();
        let path = xml(&file.source.display);
        let _ = writeln!(
            out,
            "  <testsuite name=\"{path}\" tests=\"{}\" failures=\"{}\">",
            findings.len().max(1),
            findings.len()
        );
        if findings.is_empty() {
            let _ = writeln!(
                out,
                "    <testcase name=\"privlint\" classname=\"{path}\"/>"
            );
        }
        for finding in findings {
            let start = file.source.position(finding.primary.span.start);
            let mut body = format!(
                "{}:{}:{}: {}[{}] {}",
                file.source.display,
                start.line,
                start.column,
                finding.severity.name(),
                finding.rule,
                finding.message
            );
            if let Some(help) = &finding.help {
                body.push_str(&format!("\n{help}"));
            }
            if !finding.references.is_empty() {
                body.push_str(&format!("\n{}", finding.references.join("; ")));
            }
            let _ = writeln!(
                out,
                "    <testcase name=\"{} {}:{}\" classname=\"{path}\">",
                xml(&finding.rule),
                start.line,
                start.column
            );
            let _ = writeln!(
                out,
                "      <failure type=\"{}\" message=\"{}\">{}</failure>",
                finding.severity.name(),
                xml(&finding.message),
                xml(&body)
            );
            let _ = writeln!(out, "    </testcase>");
        }
        let _ = writeln!(out, "  </testsuite>");
    }
    out.push_str("</testsuites>\n");
    out
}
