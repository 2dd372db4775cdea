//! The human report: one miette diagnostic per finding, with the source excerpt, the rule's
//! title as label, the fix hint and the legal citations, then a summary line. This is the only
//! module that uses miette's renderer.

use std::borrow::Cow;
use std::fmt;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, MietteError,
    MietteSpanContents, SourceCode, SourceSpan, SpanContents,
};

use super::{one_line, printable};
use crate::diagnostic::{Finding, Report, SetupError, Severity};
use crate::document::{Lang, is_cjk};
use crate::rules::RuleSet;
use crate::source::{SourceFile, floor_char_boundary};

/// Display columns shown on each side of a finding: policies often hold a whole paragraph on
/// one line, so the excerpt is cut around the span instead of printing the line.
const EXCERPT_COLUMNS: usize = 36;

/// The source as miette sees it: columns counted in characters (miette's own `str` source
/// counts bytes), and long lines cut to an excerpt around the span.
#[derive(Debug)]
struct Excerpt<'r> {
    source: Cow<'r, SourceFile>,
    /// The source's text as shown ([`super::printable`]), when it differs from `source.text`
    /// only there; byte offsets and lines are the same.
    shown: Option<&'r str>,
}

fn width(c: char) -> usize {
    if is_cjk(c) { 2 } else { 1 }
}

impl SourceCode for Excerpt<'_> {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_before: usize,
        context_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let text = self.shown.unwrap_or(self.source.text.as_str());
        let start = floor_char_boundary(text, span.offset());
        let end = floor_char_boundary(text, span.offset() + span.len()).max(start);
        // From the file's line index: counting from the start for each finding would make
        // a report quadratic in the findings of a large file.
        let line_start = self.source.line_span(start).start;
        let line = self.source.line_index(start);
        let (from, to) = if context_before == 0 && context_after == 0 {
            (start, end)
        } else {
            let line_end = self.source.line_span(end).end;
            let mut from = start;
            let mut budget = EXCERPT_COLUMNS;
            for (i, c) in text[line_start..start].char_indices().rev() {
                if width(c) > budget {
                    break;
                }
                budget -= width(c);
                from = line_start + i;
            }
            let mut to = end;
            let mut budget = EXCERPT_COLUMNS;
            for (i, c) in text[end..line_end].char_indices() {
                if width(c) > budget {
                    break;
                }
                budget -= width(c);
                to = end + i + c.len_utf8();
            }
            (from, to.max(end))
        };
        let column = self.source.chars_between(line_start, from);
        let lines = text[from..to].matches('\n').count() + 1;
        Ok(Box::new(MietteSpanContents::new_named(
            one_line(&self.source.display).into_owned(),
            &text.as_bytes()[from..to],
            SourceSpan::from((from, to - from)),
            line,
            column,
            lines,
        )))
    }
}

#[derive(Clone, Copy, Debug)]
pub struct HumanOptions {
    pub color: bool,
    pub width: usize,
    /// List where each passed requirement was met, after the findings.
    pub show_evidence: bool,
}

impl Default for HumanOptions {
    fn default() -> Self {
        HumanOptions {
            color: false,
            width: 80,
            show_evidence: false,
        }
    }
}

fn handler(options: &HumanOptions) -> GraphicalReportHandler {
    let theme = if options.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    GraphicalReportHandler::new_themed(theme)
        .with_width(options.width)
        .with_links(false)
        .without_syntax_highlighting()
}

fn severity(severity: Severity) -> miette::Severity {
    match severity {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
        Severity::Info => miette::Severity::Advice,
    }
}

fn span(start: usize, end: usize) -> SourceSpan {
    SourceSpan::from((start, end.saturating_sub(start)))
}

/// A finding as miette renders it: its labels in one file, and labels in other files (the
/// policy of a manifest cross-check) as related diagnostics with their own source.
#[derive(Debug)]
struct Rendered<'r> {
    message: String,
    code: Option<String>,
    severity: miette::Severity,
    help: Option<String>,
    labels: Vec<LabeledSpan>,
    source: Excerpt<'r>,
    related: Vec<Rendered<'r>>,
}

impl fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Rendered<'_> {}

impl Diagnostic for Rendered<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.code
            .as_ref()
            .map(|c| Box::new(c) as Box<dyn fmt::Display + 'a>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display + 'a>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        (!self.related.is_empty()).then(|| {
            Box::new(self.related.iter().map(|r| r as &dyn Diagnostic))
                as Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>
        })
    }
}

fn excerpt<'r>(report: &'r Report, shown: &'r [Cow<'r, str>], file: usize) -> Excerpt<'r> {
    Excerpt {
        source: Cow::Borrowed(&report.files[file].source),
        shown: Some(&shown[file]),
    }
}

fn diagnostic<'r>(
    report: &'r Report,
    shown: &'r [Cow<'r, str>],
    rules: &RuleSet,
    finding: &Finding,
) -> Rendered<'r> {
    let entry = &report.files[finding.primary.file];
    let lang = entry.lang.unwrap_or(Lang::En);
    let label = rules
        .get(&finding.rule)
        .map(|r| r.title.get(lang).to_string());
    let mut help = finding.help.as_deref().unwrap_or_default().to_string();
    if !finding.references.is_empty() {
        let heading = match lang {
            Lang::Zh => "依据",
            Lang::En => "see",
        };
        help.push_str(&format!("\n{heading}: {}", finding.references.join("; ")));
    }
    let mut labels = vec![LabeledSpan::new_primary_with_span(
        label,
        span(finding.primary.span.start, finding.primary.span.end),
    )];
    let mut related = Vec::new();
    for other in &finding.related {
        let at = span(other.span.start, other.span.end);
        if other.file == finding.primary.file {
            let message = other.message.as_deref().map(|m| one_line(m).into_owned());
            labels.push(LabeledSpan::new_with_span(message, at));
        } else {
            let name = &report.files[other.file].source.display;
            let message = other
                .message
                .clone()
                .map_or_else(|| name.clone(), |m| format!("{m} ({name})"));
            related.push(Rendered {
                message: one_line(&message).into_owned(),
                code: None,
                severity: miette::Severity::Advice,
                help: None,
                labels: vec![LabeledSpan::new_primary_with_span(
                    other.message.as_deref().map(|m| one_line(m).into_owned()),
                    at,
                )],
                source: excerpt(report, shown, other.file),
                related: Vec::new(),
            });
        }
    }
    Rendered {
        message: one_line(&finding.message).into_owned(),
        code: Some(finding.rule.clone()),
        severity: severity(finding.severity),
        help: Some(help),
        labels,
        source: excerpt(report, shown, finding.primary.file),
        related,
    }
}

pub fn render(report: &Report, rules: &RuleSet, options: &HumanOptions) -> String {
    let handler = handler(options);
    let mut out = String::new();
    let shown: Vec<Cow<'_, str>> = (report.files.iter())
        .map(|file| printable(&file.source.text))
        .collect();
    for finding in &report.findings {
        let rendered = diagnostic(report, &shown, rules, finding);
        if handler.render_report(&mut out, &rendered).is_err() {
            let message = one_line(&finding.message);
            out.push_str(&format!("{}: {message}\n", finding.rule));
        }
        out.push('\n');
    }
    if options.show_evidence {
        out.push_str(&evidence(report, options.width));
    }
    for line in super::skipped_lines(report) {
        out.push_str(&line);
        out.push('\n');
    }
    out.push_str(&super::summary_line(report));
    out.push('\n');
    out
}

/// The compliance matrix: each requirement met, where, and the words that meet it.
fn evidence(report: &Report, width: usize) -> String {
    let mut out = String::new();
    let mut file = None;
    for item in &report.evidence {
        let source = report.source(&item.location);
        if file != Some(item.location.file) {
            file = Some(item.location.file);
            out.push_str(&format!("evidence in {}:\n", one_line(&source.display)));
        }
        let start = source.position(item.location.span.start);
        let at = format!("{}:{}", start.line, start.column);
        let head = format!("  ✓ {:<34} {at:<8} ", item.rule);
        let room = width.saturating_sub(head.chars().count()).max(20);
        let quoted: String = printable(source.slice(item.location.span))
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let shown = if quoted.chars().count() > room {
            let cut: String = quoted.chars().take(room.saturating_sub(1)).collect();
            format!("{cut}…")
        } else {
            quoted
        };
        out.push_str(&format!("{head}{shown}\n"));
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out
}

/// Setup problems (rule files, configuration), each pointing into its file.
pub fn render_setup_errors(errors: &[SetupError], options: &HumanOptions) -> String {
    let handler = handler(options);
    let mut out = String::new();
    for error in errors {
        let mut diagnostic = MietteDiagnostic::new(format!("{}: {}", error.path, error.message))
            .with_code("setup-error")
            .with_labels([LabeledSpan::new_primary_with_span(
                Some("here".to_string()),
                span(error.span.start, error.span.end),
            )]);
        if let Some(help) = &error.help {
            diagnostic = diagnostic.with_help(help.clone());
        }
        let rendered = miette::Report::new(diagnostic).with_source_code(Excerpt {
            source: Cow::Owned(SourceFile::from_text(&error.path, &printable(&error.text))),
            shown: None,
        });
        if handler.render_report(&mut out, rendered.as_ref()).is_err() {
            out.push_str(&format!("{}: {}\n", error.path, error.message));
        }
    }
    out.push_str(&format!(
        "{} problem(s) in privlint's setup; nothing was checked\n",
        errors.len()
    ));
    out
}
