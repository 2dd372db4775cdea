//! The JSON report, schema version 1 (documented in the README). Fields may be added within
//! version 1; none is removed or renamed.

use rayon::prelude::*;
use serde::Serialize;

use crate::diagnostic::{FileKind, FileStatus, Label, Report, Summary};
use crate::source::Position;

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    tool: Tool,
    summary: Summary,
    files: Vec<JsonFile<'a>>,
    findings: Vec<JsonFinding<'a>>,
    evidence: Vec<JsonEvidence<'a>>,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct JsonFile<'a> {
    path: &'a str,
    kind: FileKind,
    format: Option<&'static str>,
    lang: Option<&'static str>,
    encoding: &'static str,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonLocation<'a> {
    path: &'a str,
    start: Position,
    end: Position,
    text: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'a str,
    severity: &'static str,
    message: &'a str,
    help: Option<&'a str>,
    references: &'a [String],
    location: JsonLocation<'a>,
    related: Vec<JsonLocation<'a>>,
    fingerprint: &'a str,
}

#[derive(Serialize)]
struct JsonEvidence<'a> {
    rule: &'a str,
    location: JsonLocation<'a>,
}

fn location<'a>(report: &'a Report, label: &'a Label) -> JsonLocation<'a> {
    let source = report.source(label);
    JsonLocation {
        path: &source.display,
        start: source.position(label.span.start),
        end: source.position(label.span.end),
        text: source.slice(label.span),
        message: label.message.as_deref(),
    }
}

/// Write the report as pretty JSON, streaming: the text of a large run is never held whole.
pub fn write(report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let json = JsonReport {
        version: 1,
        tool: Tool {
            name: "privlint",
            version: env!("CARGO_PKG_VERSION"),
        },
        summary: report.summary(),
        files: report
            .files
            .iter()
            .map(|f| JsonFile {
                path: &f.source.display,
                kind: f.kind,
                format: f.format.map(|x| x.name()),
                lang: f.lang.map(|l| l.code()),
                encoding: f.source.encoding,
                status: match f.status {
                    FileStatus::Checked => "checked",
                    FileStatus::Failed => "failed",
                    FileStatus::Skipped(_) => "skipped",
                },
                reason: match &f.status {
                    FileStatus::Skipped(reason) => Some(reason.as_str()),
                    _ => None,
                },
                note: f.note.as_deref(),
            })
            .collect(),
        // Line and column numbers count characters from the line start: computed on every
        // core, in order.
        findings: report
            .findings
            .par_iter()
            .map(|f| JsonFinding {
                rule: &f.rule,
                severity: f.severity.name(),
                message: &f.message,
                help: f.help.as_deref(),
                references: &f.references,
                location: location(report, &f.primary),
                related: f.related.iter().map(|l| location(report, l)).collect(),
                fingerprint: &f.fingerprint,
            })
            .collect(),
        evidence: report
            .evidence
            .par_iter()
            .map(|e| JsonEvidence {
                rule: &e.rule,
                location: location(report, &e.location),
            })
            .collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &json)?;
    out.write_all(b"\n")
}
