//! Running a rule's own examples: valid ones must give no finding of the rule (Validated,
//! else Noisy); invalid ones must give findings (Reported, else Missing) that underline
//! exactly the `expect` texts, in order (else Wrong).

use std::fmt::Write;

use super::spec::Example;
use super::{Rule, RuleSet};
use crate::diagnostic::{FileEntry, FileKind, FileStatus, Report};
use crate::document::{self, Format};
use crate::engine;
use crate::manifest::{self, Manifest};
use crate::sdk;
use crate::source::SourceFile;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Validated,
    Noisy,
    Reported,
    Missing,
    Wrong,
}

impl Verdict {
    pub fn passed(self) -> bool {
        matches!(self, Verdict::Validated | Verdict::Reported)
    }
}

#[derive(Debug)]
pub struct CaseResult<'a> {
    pub valid: bool,
    pub index: usize,
    pub example: &'a Example,
    pub verdict: Verdict,
    /// The text each finding underlines.
    pub found: Vec<String>,
}

#[derive(Debug)]
pub struct RuleTest<'a> {
    pub rule: &'a Rule,
    pub cases: Vec<CaseResult<'a>>,
}

impl RuleTest<'_> {
    pub fn passed(&self) -> bool {
        self.cases.iter().all(|c| c.verdict.passed())
    }

    /// One character per example, ast-grep style: `.` passed, `N` noisy, `M` missing, `W` wrong.
    pub fn marks(&self) -> String {
        self.cases
            .iter()
            .map(|c| match c.verdict {
                Verdict::Validated | Verdict::Reported => '.',
                Verdict::Noisy => 'N',
                Verdict::Missing => 'M',
                Verdict::Wrong => 'W',
            })
            .collect()
    }

    /// What went wrong, example by example.
    pub fn failures(&self) -> String {
        let mut out = String::new();
        for case in self.cases.iter().filter(|c| !c.verdict.passed()) {
            let kind = if case.valid { "valid" } else { "invalid" };
            let _ = writeln!(
                out,
                "  {kind}[{}] ({}) {:?}: {:?}",
                case.index,
                case.example.lang.code(),
                case.verdict,
                case.example.text
            );
            if !case.valid {
                let _ = writeln!(out, "    expected: {:?}", case.example.expect);
            }
            let _ = writeln!(out, "    found:    {:?}", case.found);
        }
        out
    }
}

/// The report of `rule` alone on one example.
pub fn example_report(rule: &Rule, set: &RuleSet, example: &Example) -> Report {
    let name = match example.format {
        Format::Markdown => "example.md",
        Format::Html => "example.html",
        Format::Text => "example.txt",
    };
    let selected = [(rule, None)];
    let mut report = Report::default();
    let policy = (example.manifest.is_none() || !example.text.trim().is_empty()).then(|| {
        let source = SourceFile::from_text(name, &example.text);
        let doc = document::parse(&source, example.format, Some(example.lang));
        let (findings, evidence) = engine::lint(&doc, set, &selected);
        report.findings.extend(findings);
        report.evidence.extend(evidence);
        report.files.push(FileEntry {
            source,
            kind: FileKind::Policy,
            format: Some(example.format),
            lang: Some(doc.lang),
            status: FileStatus::Checked,
            note: None,
        });
        doc
    });
    if let Some(text) = &example.manifest {
        let source = SourceFile::from_text("privacy-manifest.yaml", text);
        let file = report.files.len();
        // The loader has checked that example manifests parse.
        if let Ok(manifest) = Manifest::parse(text) {
            {
                let run = manifest::Run {
                    rules: set,
                    selected: &selected,
                    file,
                };
                let sdks = policy
                    .as_ref()
                    .map(|doc| sdk::extract(doc, &set.taxonomy))
                    .unwrap_or_default();
                let paired = policy.as_ref().map(|doc| manifest::Policy {
                    doc,
                    sdks: &sdks,
                    file: 0,
                });
                report
                    .findings
                    .extend(manifest::check(&manifest, &run, paired.as_ref()));
                if let Some(paired) = &paired {
                    manifest::escalate(&manifest, file, paired, &mut report.findings);
                }
            }
        }
        report.files.push(FileEntry {
            source,
            kind: FileKind::Manifest,
            format: None,
            lang: Some(example.lang),
            status: FileStatus::Checked,
            note: None,
        });
    }
    report.finish();
    report
}

pub fn run<'a>(rule: &'a Rule, set: &RuleSet) -> RuleTest<'a> {
    let mut cases = Vec::new();
    for (valid, list) in [
        (true, &rule.examples.valid),
        (false, &rule.examples.invalid),
    ] {
        for (index, example) in list.iter().enumerate() {
            let report = example_report(rule, set, example);
            let found: Vec<String> = report
                .findings
                .iter()
                .filter(|f| f.rule == rule.id)
                .map(|f| report.source(&f.primary).slice(f.primary.span).to_string())
                .collect();
            let verdict = match (valid, found.is_empty()) {
                (true, true) => Verdict::Validated,
                (true, false) => Verdict::Noisy,
                (false, true) => Verdict::Missing,
                (false, false) if !example.expect.is_empty() && found != example.expect => {
                    Verdict::Wrong
                }
                (false, false) => Verdict::Reported,
            };
            cases.push(CaseResult {
                valid,
                index,
                example,
                verdict,
                found,
            });
        }
    }
    RuleTest { rule, cases }
}
