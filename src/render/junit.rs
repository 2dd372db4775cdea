//! JUnit XML for CI systems that show test reports (GitLab `artifacts:reports:junit`, Jenkins):
//! one test suite per file, one failing test case per finding, one passing case for a file
//! without findings and one skipped case for a file that was not read.

use std::fmt::Write;

use crate::diagnostic::{FileStatus, Report};

/// Escape text for XML 1.0 content; `attribute` also keeps line breaks and tabs, which parsers
/// would otherwise turn into spaces in attribute values.
fn escape(text: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#13;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\n' | '\t' => out.push(c),
            // XML 1.0 cannot carry these characters at all, not even as references.
            c if c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

fn text(text: &str) -> String {
    escape(text, false)
}

fn attribute(text: &str) -> String {
    escape(text, true)
}

pub fn render(report: &Report) -> String {
    let findings_of = |index: usize| {
        report
            .findings
            .iter()
            .filter(move |f| f.primary.file == index)
    };
    // A file without findings still counts as one (passing or skipped) test case.
    let cases = |index: usize| findings_of(index).count().max(1);
    let skipped = |index: usize| {
        usize::from(
            findings_of(index).count() == 0
                && matches!(report.files[index].status, FileStatus::Skipped(_)),
        )
    };
    let all_cases: usize = (0..report.files.len()).map(cases).sum();
    let all_skipped: usize = (0..report.files.len()).map(skipped).sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"privlint\" tests=\"{all_cases}\" failures=\"{}\" errors=\"0\" skipped=\"{all_skipped}\">",
        report.findings.len()
    );
    for (index, file) in report.files.iter().enumerate() {
        let path = attribute(&file.source.display);
        let _ = writeln!(
            out,
            "  <testsuite name=\"{path}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\">",
            cases(index),
            findings_of(index).count(),
            skipped(index)
        );
        if findings_of(index).count() == 0 {
            match &file.status {
                FileStatus::Skipped(reason) => {
                    let _ = writeln!(
                        out,
                        "    <testcase name=\"privlint\" classname=\"{path}\">\n      <skipped message=\"{}\"/>\n    </testcase>",
                        attribute(reason)
                    );
                }
                _ => {
                    let _ = writeln!(
                        out,
                        "    <testcase name=\"privlint\" classname=\"{path}\"/>"
                    );
                }
            }
        }
        for finding in findings_of(index) {
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
                attribute(&finding.rule),
                start.line,
                start.column
            );
            let _ = writeln!(
                out,
                "      <failure type=\"{}\" message=\"{}\">{}</failure>",
                finding.severity.name(),
                attribute(&finding.message),
                text(&body)
            );
            let _ = writeln!(out, "    </testcase>");
        }
        // How the file was checked ("not recognised as a privacy policy ...").
        if let Some(note) = &file.note {
            let _ = writeln!(out, "    <system-out>{}</system-out>", text(note));
        }
        let _ = writeln!(out, "  </testsuite>");
    }
    out.push_str("</testsuites>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{FileEntry, FileKind, Finding, Label, Severity};
    use crate::source::{SourceFile, Span};

    fn file(name: &str, status: FileStatus) -> FileEntry {
        FileEntry {
            source: SourceFile::from_text(name, "text"),
            kind: FileKind::Policy,
            format: None,
            lang: None,
            status,
            note: None,
        }
    }

    fn finding(file: usize) -> Finding {
        Finding {
            rule: "missing-contact".into(),
            severity: Severity::Error,
            message: "no contact".into(),
            help: None,
            references: Default::default(),
            primary: Label {
                file,
                span: Span::new(0, 4),
                message: None,
            },
            related: Vec::new(),
            section: None,
            fingerprint: String::new(),
        }
    }

    #[test]
    fn counts_one_case_per_finding_and_per_clean_or_skipped_file() {
        let report = Report {
            files: vec![
                file("clean.md", FileStatus::Checked),
                file("huge.html", FileStatus::Skipped("too large".into())),
                file("gaps.md", FileStatus::Checked),
            ],
            findings: vec![finding(2), finding(2)],
            ..Default::default()
        };
        let xml = render(&report);
        assert!(
            xml.contains(
                "<testsuites name=\"privlint\" tests=\"4\" failures=\"2\" errors=\"0\" skipped=\"1\">"
            ),
            "{xml}"
        );
        assert!(xml.contains("<skipped message=\"too large\"/>"), "{xml}");
        assert_eq!(xml.matches("<testcase ").count(), 4);
    }

    #[test]
    fn escapes_what_xml_cannot_carry() {
        assert_eq!(text("a<b & \"c\"\n"), "a&lt;b &amp; &quot;c&quot;\n");
        assert_eq!(attribute("a\nb\tc"), "a&#10;b&#9;c");
        assert_eq!(text("\u{1}\r\u{FFFF}"), "\u{FFFD}&#13;\u{FFFD}");
    }
}
