//! Findings, evidence and the report: plain data, rendered elsewhere.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::document::{Format, Lang};
use crate::source::{SourceFile, Span};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A problem with privlint's own setup (a rule file, the configuration), with the span of the
/// offending text so it can be shown in context. These stop the run (exit code 2).
#[derive(Clone, Debug)]
pub struct SetupError {
    pub path: String,
    pub text: String,
    pub span: Span,
    pub message: String,
    pub help: Option<String>,
}

/// The lowest severity that fails the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum FailOn {
    #[default]
    Error,
    Warning,
    Info,
    Never,
}

impl FailOn {
    /// The name as written in the configuration and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            FailOn::Error => "error",
            FailOn::Warning => "warning",
            FailOn::Info => "info",
            FailOn::Never => "never",
        }
    }

    fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Info => Some(Severity::Info),
            FailOn::Never => None,
        }
    }
}

/// A place in a file of the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub file: usize,
    pub span: Span,
    pub message: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Finding {
    pub rule: String,
    pub severity: Severity,
    pub message: String,
    /// The rule's help, shared by its findings where it needs no filling in.
    pub help: Option<std::sync::Arc<str>>,
    /// The rule's citations, shared by all its findings.
    pub references: std::sync::Arc<[String]>,
    pub primary: Label,
    pub related: Vec<Label>,
    /// The heading of the section the finding is in (part of the fingerprint).
    pub section: Option<String>,
    pub fingerprint: String,
}

/// Where a `require` rule found what it needed.
#[derive(Clone, Debug)]
pub struct Evidence {
    pub rule: String,
    pub location: Label,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileKind {
    Policy,
    Manifest,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileStatus {
    Checked,
    /// Read but not checked (empty, undecodable): a parse-error finding says why.
    Failed,
    /// Not read (too large, not a file): listed in the summary with the reason.
    Skipped(String),
}

#[derive(Debug)]
pub struct FileEntry {
    pub source: SourceFile,
    pub kind: FileKind,
    pub format: Option<Format>,
    pub lang: Option<Lang>,
    pub status: FileStatus,
    /// Something the reader should know about how the file was checked.
    pub note: Option<String>,
}

#[derive(Debug, Default)]
pub struct Report {
    pub files: Vec<FileEntry>,
    pub findings: Vec<Finding>,
    pub evidence: Vec<Evidence>,
    /// Findings switched off by in-document directives.
    pub suppressed: usize,
    /// Findings accepted by the baseline.
    pub baselined: usize,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub files: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    pub suppressed: usize,
    pub baselined: usize,
    pub skipped: usize,
}

impl Report {
    pub fn summary(&self) -> Summary {
        let count = |s| self.findings.iter().filter(|f| f.severity == s).count();
        Summary {
            files: self.files.len(),
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
            infos: count(Severity::Info),
            suppressed: self.suppressed,
            baselined: self.baselined,
            skipped: self
                .files
                .iter()
                .filter(|f| matches!(f.status, FileStatus::Skipped(_)))
                .count(),
        }
    }

    pub fn source(&self, label: &Label) -> &SourceFile {
        &self.files[label.file].source
    }

    /// Files in path order (a policy and its manifests are checked together, but are
    /// listed where a reader looks for them), with every label renumbered.
    fn sort_files(&mut self) {
        let mut order: Vec<usize> = (0..self.files.len()).collect();
        order.sort_by(|&a, &b| {
            self.files[a]
                .source
                .display
                .cmp(&self.files[b].source.display)
        });
        let mut new_index = vec![0; order.len()];
        for (new, &old) in order.iter().enumerate() {
            new_index[old] = new;
        }
        let mut entries: Vec<Option<FileEntry>> = std::mem::take(&mut self.files)
            .into_iter()
            .map(Some)
            .collect();
        self.files = order
            .iter()
            .filter_map(|&old| entries[old].take())
            .collect();
        let labels = self
            .findings
            .iter_mut()
            .flat_map(|f| std::iter::once(&mut f.primary).chain(f.related.iter_mut()))
            .chain(self.evidence.iter_mut().map(|e| &mut e.location));
        for label in labels {
            label.file = new_index[label.file];
        }
    }

    /// True when a finding reaches the `fail_on` threshold.
    pub fn fails(&self, fail_on: FailOn) -> bool {
        fail_on
            .threshold()
            .is_some_and(|t| self.findings.iter().any(|f| f.severity >= t))
    }

    /// Sort findings and evidence by file, position and rule, and fingerprint the findings
    /// with each file's display path.
    pub fn finish(&mut self) {
        self.finish_with(|source| source.display.clone());
    }

    /// Like `finish`, with the path that identifies a file in fingerprints: it must not
    /// depend on the directory privlint runs in, or baselines stop matching.
    pub fn finish_with(&mut self, identity: impl Fn(&SourceFile) -> String) {
        self.sort_files();
        self.findings.sort_by(|a, b| {
            (
                a.primary.file,
                a.primary.span.start,
                &a.rule,
                a.primary.span.end,
            )
                .cmp(&(
                    b.primary.file,
                    b.primary.span.start,
                    &b.rule,
                    b.primary.span.end,
                ))
        });
        self.evidence.sort_by(|a, b| {
            (a.location.file, a.location.span.start, &a.rule).cmp(&(
                b.location.file,
                b.location.span.start,
                &b.rule,
            ))
        });
        let mut seen: HashMap<u64, u32> = HashMap::new();
        for finding in &mut self.findings {
            let source = &self.files[finding.primary.file].source;
            let text: String = source
                .slice(finding.primary.span)
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            let base = fnv1a(&[
                finding.rule.as_bytes(),
                identity(source).as_bytes(),
                text.as_bytes(),
                finding.section.as_deref().unwrap_or("").as_bytes(),
            ]);
            let occurrence = seen.entry(base).or_insert(0);
            *occurrence += 1;
            let hash = fnv1a(&[&base.to_le_bytes(), &occurrence.to_le_bytes()]);
            finding.fingerprint = format!("{hash:016x}");
        }
    }
}

/// FNV-1a over several fields, with a separator so ("ab","c") and ("a","bc") differ.
fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &byte in part.iter().chain(std::iter::once(&0xFF)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01B3);
        }
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities_order_for_fail_on() {
        assert!(Severity::Error > Severity::Warning && Severity::Warning > Severity::Info);
        let report = Report {
            findings: vec![Finding {
                rule: "r".into(),
                severity: Severity::Warning,
                message: String::new(),
                help: None,
                references: Default::default(),
                primary: Label {
                    file: 0,
                    span: Span::new(0, 0),
                    message: None,
                },
                related: vec![],
                section: None,
                fingerprint: String::new(),
            }],
            ..Default::default()
        };
        assert!(!report.fails(FailOn::Error));
        assert!(report.fails(FailOn::Warning));
        assert!(report.fails(FailOn::Info));
        assert!(!report.fails(FailOn::Never));
    }

    #[test]
    fn fnv_separates_fields() {
        assert_ne!(fnv1a(&[b"ab", b"c"]), fnv1a(&[b"a", b"bc"]));
    }
}
