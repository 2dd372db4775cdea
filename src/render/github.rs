//! GitHub Actions workflow commands: one annotation per finding on the pull request, and a
//! warning for each file that was not read, so a skipped file is never a silent pass.

use std::fmt::Write;

use crate::diagnostic::{FileStatus, Report, Severity};

fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    for finding in &report.findings {
        let source = report.source(&finding.primary);
        let start = source.position(finding.primary.span.start);
        let end = source.position(finding.primary.span.end);
        let command = match finding.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut message = finding.message.clone();
        if let Some(help) = &finding.help {
            message.push_str(&format!("\n{help}"));
        }
        if !finding.references.is_empty() {
            message.push_str(&format!("\n{}", finding.references.join("; ")));
        }
        let _ = writeln!(
            out,
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            escape_property(&source.display),
            start.line,
            start.column,
            end.line,
            end.column,
            escape_property(&format!("privlint {}", finding.rule)),
            escape_data(&message)
        );
    }
    for file in &report.files {
        if let FileStatus::Skipped(reason) = &file.status {
            let _ = writeln!(
                out,
                "::warning file={},title={}::{}",
                escape_property(&file.source.display),
                escape_property("privlint skipped this file"),
                escape_data(&format!("Not checked: {reason}"))
            );
        } else if let Some(note) = &file.note {
            let _ = writeln!(
                out,
                "::notice file={},title={}::{}",
                escape_property(&file.source.display),
                escape_property("privlint note"),
                escape_data(note)
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skipped_files_are_annotated() {
        use crate::diagnostic::{FileEntry, FileKind};
        use crate::source::SourceFile;

        let report = Report {
            files: vec![FileEntry {
                source: SourceFile::from_text("docs/huge, old.html", ""),
                kind: FileKind::Policy,
                format: None,
                lang: None,
                status: FileStatus::Skipped("larger than the 64 MiB limit".into()),
                note: None,
            }],
            ..Default::default()
        };
        assert_eq!(
            render(&report),
            "::warning file=docs/huge%2C old.html,title=privlint skipped this file::Not checked: larger than the 64 MiB limit\n"
        );
    }

    #[test]
    fn escapes_like_the_actions_toolkit() {
        assert_eq!(escape_data("50% done\nnext"), "50%25 done%0Anext");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
    }
}
