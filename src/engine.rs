//! Checking files: read, decode, parse, run the applicable rules, and collect findings and
//! evidence into a report. Files are checked in parallel; the report is the same whatever
//! the number of threads.

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::config::Settings;
use crate::decode::{DecodeProblem, decode};
use crate::diagnostic::{
    Evidence, FileEntry, FileKind, FileStatus, Finding, Label, Report, Severity,
};
use crate::document::{self, Document, Format, Lang};
use crate::rules::builtin::{self, Builtin};
use crate::rules::eval::{self, Hit};
use crate::rules::{CheckKind, Rule, RuleSet};
use crate::sdk::{self, SdkEntry};
use crate::source::{SourceFile, Span};
use crate::suppress;
use crate::walk::{self, Target};

/// The id of the built-in rule that reports unreadable or empty input.
pub const PARSE_ERROR: &str = "parse-error";

/// What checking one file produced, before file indices are assigned.
struct FileResult {
    entry: FileEntry,
    findings: Vec<Finding>,
    evidence: Vec<Evidence>,
    suppressed: usize,
}

/// Check every policy found under `paths` with `rules`.
pub fn check_paths(paths: &[PathBuf], settings: &Settings, rules: &RuleSet) -> Report {
    let targets = walk::collect(paths, &settings.filter);
    let results: Vec<FileResult> = targets
        .par_iter()
        .map(|target| {
            // A bug on one file must not lose the findings of the others.
            std::panic::catch_unwind(AssertUnwindSafe(|| check_target(target, settings, rules)))
                .unwrap_or_else(|panic| internal_error(target, rules, &panic))
        })
        .collect();
    let mut report = Report::default();
    for (index, result) in results.into_iter().enumerate() {
        report.files.push(result.entry);
        report.suppressed += result.suppressed;
        report
            .findings
            .extend(result.findings.into_iter().map(|mut f| {
                f.primary.file = index;
                for label in &mut f.related {
                    label.file = index;
                }
                f
            }));
        report
            .evidence
            .extend(result.evidence.into_iter().map(|mut e| {
                e.location.file = index;
                e
            }));
    }
    report.finish_with(|source| walk::display(&settings.filter.relative(&source.path)));
    report
}

fn internal_error(
    target: &Target,
    rules: &RuleSet,
    panic: &(dyn std::any::Any + Send),
) -> FileResult {
    let detail = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    let entry = FileEntry {
        source: SourceFile::from_text(&target.display, ""),
        kind: FileKind::Policy,
        format: None,
        lang: None,
        status: FileStatus::Failed,
        note: None,
    };
    let finding = parse_error(
        rules,
        &entry.source,
        Span::default(),
        format!("internal error while checking this file (please report it): {detail}"),
    );
    FileResult {
        entry,
        findings: vec![finding],
        evidence: Vec::new(),
        suppressed: 0,
    }
}

fn check_target(target: &Target, settings: &Settings, rules: &RuleSet) -> FileResult {
    let empty = |status: FileStatus| FileEntry {
        source: SourceFile::from_text(&target.display, ""),
        kind: FileKind::Policy,
        format: None,
        lang: None,
        status,
        note: None,
    };
    let fail = |detail: String| {
        let entry = empty(FileStatus::Failed);
        let finding = parse_error(rules, &entry.source, Span::default(), detail);
        FileResult {
            entry,
            findings: vec![finding],
            evidence: Vec::new(),
            suppressed: 0,
        }
    };
    if let Some(problem) = &target.problem {
        return fail(problem.clone());
    }
    let size = match std::fs::metadata(&target.path) {
        Ok(meta) => meta.len(),
        Err(e) => return fail(format!("cannot read the file: {e}")),
    };
    if size > settings.max_file_size {
        return FileResult {
            entry: empty(FileStatus::Skipped(format!(
                "larger than the {} MiB limit ({} bytes)",
                settings.max_file_size >> 20,
                size
            ))),
            findings: Vec::new(),
            evidence: Vec::new(),
            suppressed: 0,
        };
    }
    match read_source(&target.path, &target.display) {
        Ok((source, format, problem)) => {
            let ignored = settings.ignored_for(&target.path);
            let selected: Vec<(&Rule, Option<Severity>)> = rules
                .rules
                .iter()
                .filter(|r| !ignored.contains(&r.id))
                .filter_map(|r| settings.rules.get(&r.id).map(|severity| (r, *severity)))
                .collect();
            check_source(source, format, settings, rules, &selected, problem)
        }
        Err(detail) => fail(detail),
    }
}

/// Read and decode a policy file; its format comes from the extension, else from its content.
pub fn read_source(
    path: &Path,
    display: &str,
) -> Result<(SourceFile, Format, Option<DecodeProblem>), String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read the file: {e}"))?;
    let by_extension = Format::from_path(path);
    let decoded = decode(&bytes, by_extension != Some(Format::Text));
    let problem = decoded.problem.clone();
    let source = SourceFile::new(path.to_path_buf(), display.to_string(), decoded);
    let format = by_extension.unwrap_or_else(|| Format::sniff(&source.text));
    Ok((source, format, problem))
}

fn check_source(
    source: SourceFile,
    format: Format,
    settings: &Settings,
    rules: &RuleSet,
    selected: &[(&Rule, Option<Severity>)],
    problem: Option<DecodeProblem>,
) -> FileResult {
    let mut findings = Vec::new();
    match problem {
        Some(DecodeProblem::Binary { offset }) => {
            let finding = parse_error(
                rules,
                &source,
                Span::default(),
                format!(
                    "the file looks binary (a NUL byte at offset {offset}); it was not checked"
                ),
            );
            return FileResult {
                entry: FileEntry {
                    source,
                    kind: FileKind::Policy,
                    format: Some(format),
                    lang: None,
                    status: FileStatus::Failed,
                    note: None,
                },
                findings: vec![finding],
                evidence: Vec::new(),
                suppressed: 0,
            };
        }
        Some(DecodeProblem::Malformed { offset, count }) => {
            let at = source.text.find('\u{FFFD}').unwrap_or(0);
            let span = Span::new(at, at + '\u{FFFD}'.len_utf8().min(source.text.len() - at));
            findings.push(parse_error(
                rules,
                &source,
                span,
                format!(
                    "{count} byte sequence(s) are not valid {}; the first is at byte {offset}. They were replaced and the rest of the file was checked",
                    source.encoding
                ),
            ));
        }
        None => {}
    }
    let doc = document::parse(&source, format, settings.lang);
    if doc.is_empty() {
        findings.push(parse_error(
            rules,
            &source,
            Span::default(),
            "the document contains no text to check".to_string(),
        ));
        return FileResult {
            entry: FileEntry {
                source,
                kind: FileKind::Policy,
                format: Some(format),
                lang: Some(doc.lang),
                status: FileStatus::Failed,
                note: None,
            },
            findings,
            evidence: Vec::new(),
            suppressed: 0,
        };
    }
    // Rules that require content would all fire on a README or a notice that is not a policy.
    let is_policy = looks_like_policy(&doc);
    let selected: Vec<(&Rule, Option<Severity>)> = selected
        .iter()
        .filter(|(rule, _)| is_policy || rule.check.kind != CheckKind::Require)
        .copied()
        .collect();
    let (mut more, evidence) = lint(&doc, rules, &selected);
    findings.append(&mut more);
    let mut suppressed = 0;
    if settings.inline_suppressions {
        let outcome = suppress::apply(findings, &doc, source.text.len(), rules, &selected);
        findings = outcome.kept;
        suppressed = outcome.suppressed;
    }
    FileResult {
        entry: FileEntry {
            source,
            kind: FileKind::Policy,
            format: Some(format),
            lang: Some(doc.lang),
            status: FileStatus::Checked,
            note: (!is_policy).then(|| {
                "not recognised as a privacy policy (it never mentions privacy or personal information); rules that require content were not run".to_string()
            }),
        },
        findings,
        evidence,
        suppressed,
    }
}

/// Whether the document speaks about privacy or personal information at all.
fn looks_like_policy(doc: &Document) -> bool {
    static POLICY: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let policy = POLICY.get_or_init(|| {
        regex::Regex::new(r"(?i)隐私|个人信息|个人资料|用户信息|privacy|personal (?:data|information)|personally identifiable")
            .expect("policy pattern")
    });
    doc.blocks.iter().any(|b| policy.is_match(&b.text))
}

/// Run `selected` rules (each with its configured severity, if any) on a parsed document. Labels point at file 0; the caller renumbers.
pub fn lint(
    doc: &Document,
    rules: &RuleSet,
    selected: &[(&Rule, Option<Severity>)],
) -> (Vec<Finding>, Vec<Evidence>) {
    let matches = rules.patterns.scan(doc);
    let mut findings = Vec::new();
    let mut evidence = Vec::new();
    let mut sdks: Option<Vec<SdkEntry>> = None;
    for &(rule, severity) in selected {
        if !rule.applies_to(doc.lang) {
            continue;
        }
        let outcome = if rule.check.kind == CheckKind::Builtin {
            if builtin::builtin(&rule.id) != Some(Builtin::Text) {
                continue;
            }
            let sdks = sdks.get_or_insert_with(|| sdk::extract(doc, &rules.taxonomy));
            builtin::evaluate(rule, rules, doc, sdks)
        } else {
            eval::evaluate(rule, rules, doc, &matches)
        };
        for hit in outcome.hits {
            let mut finding = finding(rule, doc, &hit);
            if let Some(severity) = severity {
                finding.severity = severity;
            }
            findings.push(finding);
        }
        if let Some((block, range)) = outcome.evidence {
            evidence.push(Evidence {
                rule: rule.id.clone(),
                location: Label {
                    file: 0,
                    span: doc.blocks[block].source_span(range),
                    message: None,
                },
            });
        }
    }
    (findings, evidence)
}

fn finding(rule: &Rule, doc: &Document, hit: &Hit) -> Finding {
    let span = match hit.block {
        Some(block) => doc.blocks[block].source_span(hit.range.clone()),
        None => Span::default(),
    };
    let section = hit
        .block
        .and_then(|b| doc.heading_text(doc.blocks[b].section))
        .map(str::to_string);
    Finding {
        rule: rule.id.clone(),
        severity: hit.severity,
        message: fill(rule.message.get(doc.lang), hit, doc.lang),
        help: Some(fill(rule.help.get(doc.lang), hit, doc.lang)),
        references: rule.references.clone(),
        primary: Label {
            file: 0,
            span,
            message: None,
        },
        related: Vec::new(),
        section,
        fingerprint: String::new(),
    }
}

/// Fill `{match}`, `{terms}` and `{limit}` in a message.
pub(crate) fn fill(template: &str, hit: &Hit, lang: Lang) -> String {
    let separator = match lang {
        Lang::Zh => "、",
        Lang::En => ", ",
    };
    template
        .replace("{match}", hit.terms.first().map_or("", String::as_str))
        .replace("{detail}", hit.terms.get(1).map_or("", String::as_str))
        .replace("{terms}", &hit.terms.join(separator))
        .replace(
            "{limit}",
            &hit.limit.map_or_else(String::new, |l| l.to_string()),
        )
        .trim()
        .to_string()
}

fn parse_error(rules: &RuleSet, source: &SourceFile, span: Span, detail: String) -> Finding {
    let rule = rules.get(PARSE_ERROR);
    Finding {
        rule: PARSE_ERROR.to_string(),
        severity: rule.map_or(Severity::Error, |r| r.severity),
        message: detail,
        help: rule.map(|r| r.help.en.clone()),
        references: rule.map(|r| r.references.clone()).unwrap_or_default(),
        primary: Label {
            file: 0,
            span: Span::new(
                span.start.min(source.text.len()),
                span.end.min(source.text.len()),
            ),
            message: None,
        },
        related: Vec::new(),
        section: None,
        fingerprint: String::new(),
    }
}
