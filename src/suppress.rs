//! In-document switches: `<!-- privlint-disable RULE -->` ... `<!-- privlint-enable RULE -->`,
//! `<!-- privlint-disable-next-block RULE -- reason -->` and
//! `<!-- privlint-disable-file RULE -->` (Markdown, HTML, and comment lines in plain text).
//! A directive that suppresses nothing is itself a finding (`unused-suppression`), and so is
//! one naming an unknown rule (`invalid-suppression`).

use crate::diagnostic::{Finding, Label, Severity};
use crate::document::{Comment, Document};
use crate::rules::RuleSet;
use crate::source::Span;

pub const UNUSED: &str = "unused-suppression";
pub const INVALID: &str = "invalid-suppression";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Disable,
    Enable,
    NextBlock,
    File,
}

#[derive(Clone, Debug)]
struct Directive {
    kind: Kind,
    rules: Vec<String>,
    span: Span,
    /// The source range the directive covers.
    region: Span,
    used: bool,
}

/// What applying the directives of one document produced.
#[derive(Debug, Default)]
pub struct Outcome {
    pub kept: Vec<Finding>,
    pub suppressed: usize,
}

/// Parse `privlint-...` comments; malformed ones become `invalid-suppression` findings.
fn parse(comments: &[Comment], rules: &RuleSet, problems: &mut Vec<Finding>) -> Vec<Directive> {
    let mut directives = Vec::new();
    for comment in comments {
        let text = comment.text.trim();
        let Some(rest) = text.strip_prefix("privlint-") else {
            continue;
        };
        let (head, _reason) = match rest.split_once("--") {
            Some((head, reason)) => (head, Some(reason.trim())),
            None => (rest, None),
        };
        let mut words = head.split(|c: char| c.is_whitespace() || c == ',');
        let keyword = words.next().unwrap_or_default();
        let kind = match keyword {
            "disable" => Kind::Disable,
            "enable" => Kind::Enable,
            "disable-next-block" => Kind::NextBlock,
            "disable-file" => Kind::File,
            other => {
                problems.push(problem(
                    rules,
                    INVALID,
                    comment.span,
                    format!("unknown directive `privlint-{other}`; use disable, enable, disable-next-block or disable-file"),
                ));
                continue;
            }
        };
        let names: Vec<String> = words
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect();
        if names.is_empty() {
            problems.push(problem(
                rules,
                INVALID,
                comment.span,
                format!("`privlint-{keyword}` names no rule"),
            ));
            continue;
        }
        let (known, unknown): (Vec<String>, Vec<String>) =
            names.into_iter().partition(|n| rules.get(n).is_some());
        for name in unknown {
            problems.push(problem(
                rules,
                INVALID,
                comment.span,
                format!("`{name}` is not a rule id"),
            ));
        }
        if !known.is_empty() {
            directives.push(Directive {
                kind,
                rules: known,
                span: comment.span,
                region: Span::default(),
                used: false,
            });
        }
    }
    directives
}

/// The region each directive covers in `doc` (a file `len` bytes long).
fn place(directives: &mut [Directive], doc: &Document, len: usize) {
    let enables: Vec<(usize, Vec<String>)> = directives
        .iter()
        .filter(|d| d.kind == Kind::Enable)
        .map(|d| (d.span.start, d.rules.clone()))
        .collect();
    for directive in directives.iter_mut() {
        let after = directive.span.end;
        directive.region = match directive.kind {
            Kind::File => Span::new(0, len),
            Kind::Enable => Span::default(),
            Kind::Disable => {
                let end = enables
                    .iter()
                    .filter(|(at, names)| {
                        *at >= after && names.iter().any(|n| directive.rules.contains(n))
                    })
                    .map(|(at, _)| *at)
                    .min()
                    .unwrap_or(len);
                Span::new(after, end)
            }
            Kind::NextBlock => doc
                .blocks
                .iter()
                .find(|b| b.span.start >= after)
                .map_or(Span::default(), |b| b.span),
        };
    }
}

/// Drop the findings the document's directives switch off; report directives that are
/// unused or invalid.
pub fn apply(findings: Vec<Finding>, doc: &Document, len: usize, rules: &RuleSet) -> Outcome {
    let mut problems = Vec::new();
    let mut directives = parse(&doc.comments, rules, &mut problems);
    place(&mut directives, doc, len);
    let mut outcome = Outcome::default();
    for finding in findings {
        let at = finding.primary.span.start;
        let covering = directives.iter_mut().find(|d| {
            d.kind != Kind::Enable
                && d.rules.contains(&finding.rule)
                && d.region.start <= at
                && (at < d.region.end || d.kind == Kind::File)
        });
        match covering {
            Some(directive) => {
                directive.used = true;
                outcome.suppressed += 1;
            }
            None => outcome.kept.push(finding),
        }
    }
    // An enable only closes a disable; it is never "unused" on its own.
    for directive in &directives {
        if directive.kind != Kind::Enable && !directive.used {
            problems.push(problem(
                rules,
                UNUSED,
                directive.span,
                format!(
                    "this directive suppresses nothing ({})",
                    directive.rules.join(", ")
                ),
            ));
        }
    }
    outcome.kept.extend(problems);
    outcome
}

fn problem(rules: &RuleSet, id: &str, span: Span, message: String) -> Finding {
    let rule = rules.get(id);
    Finding {
        rule: id.to_string(),
        severity: rule.map_or(Severity::Warning, |r| r.severity),
        message,
        help: rule.map(|r| r.help.en.clone()),
        references: Vec::new(),
        primary: Label {
            file: 0,
            span,
            message: None,
        },
        related: Vec::new(),
        section: None,
        fingerprint: String::new(),
    }
}
