//! In-document switches: `<!-- privlint-disable RULE -->` ... `<!-- privlint-enable RULE -->`,
//! `<!-- privlint-disable-next-block RULE -- reason -->` and
//! `<!-- privlint-disable-file RULE -->` (Markdown, HTML, and comment lines in plain text);
//! in YAML manifests the same as `# privlint-...` comment lines, with
//! `# privlint-disable-next-line RULE` for the line below.
//! A directive that suppresses nothing is itself a finding (`unused-suppression`), and so is
//! a malformed one or one naming an unknown rule (`invalid-suppression`). Both are rules like
//! any other: selection, ignores and severity overrides apply to them.

use std::collections::HashMap;

use crate::diagnostic::{Finding, Label, Severity};
use crate::document::{Comment, Document, Lang};
use crate::rules::{Rule, RuleSet};
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

/// One rule named by a directive, with the source range it is switched off in.
#[derive(Clone, Debug)]
struct Switch {
    rule: String,
    region: Span,
    used: bool,
}

#[derive(Clone, Debug)]
struct Directive {
    kind: Kind,
    span: Span,
    switches: Vec<Switch>,
}

/// What applying the directives of one document produced.
#[derive(Debug, Default)]
pub struct Outcome {
    pub kept: Vec<Finding>,
    pub suppressed: usize,
}

/// The rules that ran on the document, with their configured severity.
type Ran<'a> = [(&'a Rule, Option<Severity>)];

struct Problems<'a> {
    ran: &'a Ran<'a>,
    lang: Lang,
    /// The file the directives are in.
    file: usize,
    findings: Vec<Finding>,
}

impl Problems<'_> {
    /// Report a problem with a directive, unless its rule is not enabled for this file.
    fn push(&mut self, id: &str, span: Span, message: String) {
        let Some((rule, severity)) = self.ran.iter().find(|(r, _)| r.id == id) else {
            return;
        };
        self.findings.push(Finding {
            rule: id.to_string(),
            severity: severity.unwrap_or(rule.severity),
            message,
            help: Some(std::sync::Arc::clone(&rule.help_text[self.lang.index()])),
            references: rule.references.clone(),
            primary: Label {
                file: self.file,
                span,
                message: None,
            },
            related: Vec::new(),
            section: None,
            fingerprint: String::new(),
        });
    }

    fn zh(&self) -> bool {
        self.lang == Lang::Zh
    }
}

/// Parse `privlint-...` comments; malformed ones become `invalid-suppression` findings.
/// `next` is the keyword that covers the next unit (`disable-next-block` in documents,
/// `disable-next-line` in YAML).
fn parse(
    comments: &[Comment],
    next: &str,
    rules: &RuleSet,
    problems: &mut Problems<'_>,
) -> Vec<Directive> {
    let mut directives = Vec::new();
    for comment in comments {
        let text = comment.text.trim();
        let Some(rest) = text.strip_prefix("privlint-") else {
            // `PRIVLINT-DISABLE` would otherwise be ignored without a word.
            if text
                .get(..9)
                .is_some_and(|p| p.eq_ignore_ascii_case("privlint-"))
            {
                let message = if problems.zh() {
                    "屏蔽指令须使用小写，如 `privlint-disable`".to_string()
                } else {
                    "directives are written in lower case, e.g. `privlint-disable`".to_string()
                };
                problems.push(INVALID, comment.span, message);
            }
            continue;
        };
        // Everything after ` -- ` is the reason, for the reader only.
        let head = rest.split_once("--").map_or(rest, |(head, _)| head);
        let mut words = head.split(|c: char| c.is_whitespace() || c == ',');
        let keyword = words.next().unwrap_or_default();
        let kind = match keyword {
            "disable" => Kind::Disable,
            "enable" => Kind::Enable,
            "disable-file" => Kind::File,
            keyword if keyword == next => Kind::NextBlock,
            other => {
                let message = if problems.zh() {
                    format!(
                        "未知的指令 `privlint-{other}`：应为 disable、enable、{next} 或 disable-file"
                    )
                } else {
                    format!(
                        "unknown directive `privlint-{other}`; use disable, enable, {next} or disable-file"
                    )
                };
                problems.push(INVALID, comment.span, message);
                continue;
            }
        };
        let names: Vec<&str> = words.filter(|w| !w.is_empty()).collect();
        if names.is_empty() {
            let message = if problems.zh() {
                format!("`privlint-{keyword}` 未指明规则")
            } else {
                format!("`privlint-{keyword}` names no rule")
            };
            problems.push(INVALID, comment.span, message);
            continue;
        }
        let mut switches = Vec::new();
        let mut unknown = Vec::new();
        for name in names {
            // An alias switches its rule off, as in `--select`.
            if let Some(rule) = rules.find(name) {
                switches.push(Switch {
                    rule: rule.id.clone(),
                    region: Span::default(),
                    used: false,
                });
            } else {
                unknown.push(name);
            }
        }
        // One problem per comment, however many names it gets wrong: a finding per name
        // would repeat the comment thousands of times.
        if !unknown.is_empty() {
            let message = unknown_rules_message(&unknown, problems.zh());
            problems.push(INVALID, comment.span, message);
        }
        if !switches.is_empty() {
            directives.push(Directive {
                kind,
                span: comment.span,
                switches,
            });
        }
    }
    directives
}

/// "`a` is not a rule id", or for several "`a`, `b` are not rule ids", naming at most
/// [`NAMED_UNKNOWN`] of them.
fn unknown_rules_message(unknown: &[&str], zh: bool) -> String {
    let named: Vec<String> = (unknown.iter().take(NAMED_UNKNOWN))
        .map(|name| format!("`{name}`"))
        .collect();
    let more = unknown.len() - named.len();
    match (zh, unknown.len(), more) {
        (true, 1, _) => format!("{} 不是规则编号", named[0]),
        (true, _, 0) => format!("{} 不是规则编号", named.join("、")),
        (true, _, _) => format!(
            "{} 等 {} 个名称不是规则编号",
            named.join("、"),
            unknown.len()
        ),
        (false, 1, _) => format!("{} is not a rule id", named[0]),
        (false, _, 0) => format!("{} are not rule ids", named.join(", ")),
        (false, _, _) => format!("{} and {more} more are not rule ids", named.join(", ")),
    }
}

/// How many unknown names a message lists.
const NAMED_UNKNOWN: usize = 5;

/// The region each switch covers in a file `len` bytes long: a `disable` lasts until the next
/// `enable` of the same rule, or the end of the file; `next_unit` gives the unit after a
/// position (the next block, the next line).
fn place(directives: &mut [Directive], next_unit: &dyn Fn(usize) -> Span, len: usize) {
    // Where each rule is enabled again, sorted: a file may hold thousands of directives.
    let mut enables: HashMap<String, Vec<usize>> = HashMap::new();
    for directive in directives.iter().filter(|d| d.kind == Kind::Enable) {
        for switch in &directive.switches {
            (enables.entry(switch.rule.clone()).or_default()).push(directive.span.start);
        }
    }
    for at in enables.values_mut() {
        at.sort_unstable();
    }
    for directive in directives.iter_mut() {
        let after = directive.span.end;
        for switch in &mut directive.switches {
            switch.region = match directive.kind {
                Kind::File => Span::new(0, len),
                Kind::Enable => Span::default(),
                Kind::Disable => {
                    let end = (enables.get(&switch.rule))
                        .and_then(|at| at.get(at.partition_point(|&a| a < after)).copied())
                        .unwrap_or(len);
                    Span::new(after, end)
                }
                Kind::NextBlock => next_unit(after),
            };
        }
    }
}

/// The regions each rule is switched off in, per rule and in directive order, to find the
/// first switch covering a finding without trying every directive.
struct Regions {
    by_rule: HashMap<String, RuleRegions>,
}

#[derive(Default)]
struct RuleRegions {
    /// (directive, switch) of each region.
    switches: Vec<(usize, usize)>,
    starts: Vec<usize>,
    /// Exclusive ends (`usize::MAX` for a whole-file switch, which also covers the end).
    ends: Vec<usize>,
    /// The largest end so far, when the starts are in order: then the first region covering
    /// a position is the first whose running end passes it.
    furthest: Option<Vec<usize>>,
}

impl Regions {
    fn new(directives: &[Directive]) -> Self {
        let mut by_rule: HashMap<String, RuleRegions> = HashMap::new();
        for (d, directive) in directives.iter().enumerate() {
            if directive.kind == Kind::Enable {
                continue;
            }
            for (s, switch) in directive.switches.iter().enumerate() {
                let regions = by_rule.entry(switch.rule.clone()).or_default();
                regions.switches.push((d, s));
                regions.starts.push(switch.region.start);
                regions.ends.push(if directive.kind == Kind::File {
                    usize::MAX
                } else {
                    switch.region.end
                });
            }
        }
        for regions in by_rule.values_mut() {
            if regions.starts.is_sorted() {
                let mut furthest = 0;
                let running = regions.ends.iter().map(|&end| {
                    furthest = end.max(furthest);
                    furthest
                });
                regions.furthest = Some(running.collect());
            }
        }
        Regions { by_rule }
    }

    /// The first switch, in directive order, of `rule` whose region covers `at`.
    fn covering(&self, rule: &str, at: usize) -> Option<(usize, usize)> {
        let regions = self.by_rule.get(rule)?;
        let covers = |i: usize| regions.starts[i] <= at && at < regions.ends[i];
        let first = match &regions.furthest {
            Some(furthest) => {
                let i = furthest.partition_point(|&end| end <= at);
                (i < regions.starts.len() && covers(i)).then_some(i)
            }
            None => (0..regions.starts.len()).find(|&i| covers(i)),
        };
        first.map(|i| regions.switches[i])
    }
}

/// Drop the findings the document's directives switch off; report directives that are
/// unused or invalid. `ran` are the rules that ran on the document: a directive naming a rule
/// that did not run (not selected, ignored for this file) cannot be judged and is not reported.
pub fn apply(
    findings: Vec<Finding>,
    doc: &Document,
    len: usize,
    rules: &RuleSet,
    ran: &Ran<'_>,
) -> Outcome {
    let next_block = |after: usize| {
        doc.blocks
            .iter()
            .find(|b| b.span.start >= after)
            .map_or(Span::default(), |b| b.span)
    };
    let switches = Switches {
        comments: &doc.comments,
        next: "disable-next-block",
        next_unit: &next_block,
        len,
        lang: doc.lang,
        file: 0,
    };
    switches.apply(findings, rules, ran)
}

/// The same for a YAML manifest (file `file` of the report): `# privlint-...` comment lines.
/// `scalars` are where the manifest's scalars are, by start: lines inside them are text.
pub fn apply_yaml(
    findings: Vec<Finding>,
    text: &str,
    scalars: &[Span],
    file: usize,
    lang: Lang,
    rules: &RuleSet,
    ran: &Ran<'_>,
) -> Outcome {
    let mut comments = Vec::new();
    let mut lines: Vec<Span> = Vec::new();
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let content = line.trim_end_matches(['\n', '\r']);
        let trimmed = content.trim_start();
        let span = Span::new(start, start + content.len());
        let hash = span.start + (content.len() - trimmed.len());
        // A `#` line inside a block scalar is the scalar's text, not a comment.
        let in_scalar = || {
            let before = scalars.partition_point(|s| s.start <= hash);
            before > 0 && hash < scalars[before - 1].end
        };
        if let Some(comment) = trimmed.strip_prefix('#').filter(|_| !in_scalar()) {
            comments.push(Comment {
                span,
                text: comment.trim().to_string(),
            });
        } else if !trimmed.is_empty() {
            lines.push(span);
        }
        start += line.len();
    }
    let next_line = |after: usize| {
        lines
            .iter()
            .find(|l| l.start >= after)
            .copied()
            .unwrap_or_default()
    };
    let switches = Switches {
        comments: &comments,
        next: "disable-next-line",
        next_unit: &next_line,
        len: text.len(),
        lang,
        file,
    };
    switches.apply(findings, rules, ran)
}

/// The directives of one file and how to place them.
struct Switches<'a> {
    comments: &'a [Comment],
    next: &'static str,
    next_unit: &'a dyn Fn(usize) -> Span,
    len: usize,
    lang: Lang,
    file: usize,
}

impl Switches<'_> {
    fn apply(&self, findings: Vec<Finding>, rules: &RuleSet, ran: &Ran<'_>) -> Outcome {
        let mut problems = Problems {
            ran,
            lang: self.lang,
            file: self.file,
            findings: Vec::new(),
        };
        let mut directives = parse(self.comments, self.next, rules, &mut problems);
        place(&mut directives, self.next_unit, self.len);
        let mut outcome = Outcome::default();
        let regions = Regions::new(&directives);
        for finding in findings {
            let at = finding.primary.span.start;
            match regions.covering(&finding.rule, at) {
                Some((d, s)) => {
                    directives[d].switches[s].used = true;
                    outcome.suppressed += 1;
                }
                None => outcome.kept.push(finding),
            }
        }
        // An enable only closes a disable; it is never "unused" on its own.
        for directive in directives.iter().filter(|d| d.kind != Kind::Enable) {
            let unused: Vec<&str> = directive
                .switches
                .iter()
                .filter(|s| !s.used && ran.iter().any(|(r, _)| r.id == s.rule))
                .map(|s| s.rule.as_str())
                .collect();
            if !unused.is_empty() {
                let message = if problems.zh() {
                    format!("该屏蔽指令未屏蔽任何问题（{}）", unused.join("、"))
                } else {
                    format!("this directive suppresses nothing ({})", unused.join(", "))
                };
                problems.push(UNUSED, directive.span, message);
            }
        }
        outcome.kept.extend(problems.findings);
        outcome
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::{self, Format};
    use crate::source::SourceFile;

    fn directive(kind: Kind, rule: &str, region: (usize, usize)) -> Directive {
        Directive {
            kind,
            span: Span::default(),
            switches: vec![Switch {
                rule: rule.into(),
                region: Span::new(region.0, region.1),
                used: false,
            }],
        }
    }

    /// The first covering switch in directive order, found the slow way.
    fn first_covering(directives: &[Directive], rule: &str, at: usize) -> Option<(usize, usize)> {
        directives.iter().enumerate().find_map(|(d, directive)| {
            let whole = directive.kind == Kind::File;
            (directive.kind != Kind::Enable)
                .then(|| {
                    directive.switches.iter().position(|s| {
                        s.rule == rule && s.region.start <= at && (at < s.region.end || whole)
                    })
                })
                .flatten()
                .map(|s| (d, s))
        })
    }

    #[test]
    fn regions_find_the_first_covering_switch() {
        use Kind::*;
        let in_order = vec![
            directive(Disable, "a", (10, 50)),
            directive(NextBlock, "a", (20, 30)),
            directive(Disable, "b", (25, 90)),
            directive(Disable, "a", (60, 70)),
            directive(Enable, "a", (0, 100)),
        ];
        // A whole-file switch late in the file puts the starts out of order.
        let mut out_of_order = in_order.clone();
        out_of_order.push(directive(File, "a", (0, 100)));
        for directives in [in_order, out_of_order] {
            let regions = Regions::new(&directives);
            for rule in ["a", "b", "c"] {
                for at in 0..=101 {
                    assert_eq!(
                        regions.covering(rule, at),
                        first_covering(&directives, rule, at),
                        "{rule} at {at}"
                    );
                }
            }
        }
    }

    fn rules() -> RuleSet {
        crate::rules::load(&[]).expect("built-in rules")
    }

    fn finding(rule: &str, at: usize) -> Finding {
        Finding {
            rule: rule.to_string(),
            severity: Severity::Error,
            message: String::new(),
            help: None,
            references: Default::default(),
            primary: Label {
                file: 0,
                span: Span::new(at, at + 1),
                message: None,
            },
            related: Vec::new(),
            section: None,
            fingerprint: String::new(),
        }
    }

    /// Apply the directives of a Markdown `text` to findings of `rule` at the start of each
    /// line containing `X`; return the rules of what is kept.
    fn run(text: &str, ran: &[&str]) -> (Vec<String>, usize) {
        let rules = rules();
        let source = SourceFile::from_text("t.md", text);
        let doc = document::parse(&source, Format::Markdown, Some(Lang::En));
        let findings = text
            .match_indices('X')
            .map(|(at, _)| finding("consent-by-continued-use", at))
            .collect();
        let ran: Vec<(&Rule, Option<Severity>)> = ran
            .iter()
            .map(|id| (rules.get(id).expect("rule"), None))
            .collect();
        let outcome = apply(findings, &doc, text.len(), &rules, &ran);
        let mut kept: Vec<String> = outcome
            .kept
            .iter()
            .map(|f| format!("{}@{}", f.rule, f.primary.span.start))
            .collect();
        kept.sort();
        (kept, outcome.suppressed)
    }

    const ALL: &[&str] = &[
        "consent-by-continued-use",
        "forced-bundled-consent",
        UNUSED,
        INVALID,
    ];

    #[test]
    fn enable_closes_only_the_rules_it_names() {
        let text = "<!-- privlint-disable consent-by-continued-use, forced-bundled-consent -->\n\nX one\n\n<!-- privlint-enable forced-bundled-consent -->\n\nX two\n";
        let (kept, suppressed) = run(text, ALL);
        // consent-by-continued-use stays off after the enable of the other rule; the other
        // rule suppressed nothing.
        assert_eq!(suppressed, 2);
        assert_eq!(kept, vec!["unused-suppression@0"]);
    }

    #[test]
    fn an_upper_case_directive_is_reported_not_ignored() {
        let text = "<!-- PRIVLINT-DISABLE-FILE consent-by-continued-use -->\n\nX one\n";
        let (kept, suppressed) = run(text, ALL);
        assert_eq!(suppressed, 0);
        assert_eq!(
            kept,
            vec![
                format!("consent-by-continued-use@{}", text.find('X').unwrap()),
                "invalid-suppression@0".to_string()
            ]
        );
        // A comment that only starts like one is no directive.
        let text = "<!-- privlintable notes -->\n\nX one\n";
        let (kept, _) = run(text, ALL);
        assert_eq!(
            kept,
            vec![format!(
                "consent-by-continued-use@{}",
                text.find('X').unwrap()
            )]
        );
    }

    #[test]
    fn next_block_covers_one_block() {
        let text = "<!-- privlint-disable-next-block consent-by-continued-use -- reviewed -->\nX one\n\nX two\n";
        let (kept, suppressed) = run(text, ALL);
        assert_eq!(suppressed, 1);
        assert_eq!(
            kept,
            vec![format!(
                "consent-by-continued-use@{}",
                text.rfind('X').unwrap()
            )]
        );
    }

    #[test]
    fn directives_for_rules_that_did_not_run_are_not_judged() {
        let text = "<!-- privlint-disable forced-bundled-consent -->\n\nX\n";
        assert_eq!(run(text, ALL).0.len(), 2, "unused when the rule ran");
        let ran = &["consent-by-continued-use", UNUSED, INVALID];
        let at = text.find('X').unwrap();
        assert_eq!(
            run(text, ran).0,
            vec![format!("consent-by-continued-use@{at}")]
        );
    }

    #[test]
    fn a_comment_naming_unknown_rules_is_one_problem() {
        let names: Vec<String> = (0..20).map(|i| format!("r{i}")).collect();
        let text = format!("<!-- privlint-disable {} -->\n\nX\n", names.join(","));
        let (kept, _) = run(&text, ALL);
        assert_eq!(kept.iter().filter(|k| k.starts_with(INVALID)).count(), 1);
        assert_eq!(
            unknown_rules_message(&["a", "b"], false),
            "`a`, `b` are not rule ids"
        );
        let many: Vec<&str> = names.iter().map(String::as_str).collect();
        assert_eq!(
            unknown_rules_message(&many, false),
            "`r0`, `r1`, `r2`, `r3`, `r4` and 15 more are not rule ids"
        );
        assert_eq!(unknown_rules_message(&["a"], true), "`a` 不是规则编号");
    }

    #[test]
    fn problems_follow_the_selection_of_their_rules() {
        let text =
            "<!-- privlint-disable no-such-rule -->\n\n<!-- privlint-frobnicate x -->\n\nX\n";
        let finding = format!("consent-by-continued-use@{}", text.find('X').unwrap());
        let second = text.find("<!-- privlint-frobnicate").unwrap();
        let (kept, _) = run(text, ALL);
        assert_eq!(
            kept,
            vec![
                finding.clone(),
                "invalid-suppression@0".to_string(),
                format!("invalid-suppression@{second}"),
            ]
        );
        let (kept, _) = run(text, &["consent-by-continued-use"]);
        assert_eq!(kept, vec![finding]);
    }
}
