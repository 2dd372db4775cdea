//! Checking files: read, decode, parse, run the applicable rules, and collect findings and
//! evidence into a report. Files are checked in parallel; the report is the same whatever
//! the number of threads.

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::classify::{DocumentKind, classify};
use crate::config::Settings;
use crate::decode::{DecodeProblem, decode};
use crate::diagnostic::{
    Evidence, FileEntry, FileKind, FileStatus, Finding, Label, Report, Severity,
};
use crate::document::{self, Document, Format, Lang};
use crate::manifest::{self, Manifest};
use crate::pairing::{self, LoadedManifest, Unit, Unpaired};
use crate::rules::builtin::{self, Builtin};
use crate::rules::eval::{self, Hit};
use crate::rules::{CheckKind, Rule, RuleSet};
use crate::sdk::{self, SdkEntry};
use crate::source::{SourceFile, Span};
use crate::suppress;
use crate::walk::{self, Target};
use crate::yaml::PathSeg;

/// The id of the built-in rule that reports unreadable or empty input.
pub const PARSE_ERROR: &str = "parse-error";

/// What checking one file produced. Labels use file indices local to the file's unit (the
/// policy is 0, its manifests follow); merging renumbers them.
struct FileResult {
    entry: FileEntry,
    findings: Vec<Finding>,
    evidence: Vec<Evidence>,
    suppressed: usize,
}

impl FileResult {
    fn failed(source: SourceFile, kind: FileKind, finding: Finding) -> Self {
        FileResult {
            entry: FileEntry {
                source,
                kind,
                format: None,
                lang: None,
                status: FileStatus::Failed,
                note: None,
            },
            findings: vec![finding],
            evidence: Vec::new(),
            suppressed: 0,
        }
    }
}

/// Check every policy and manifest found under `paths` with `rules`.
pub fn check_paths(paths: &[PathBuf], settings: &Settings, rules: &RuleSet) -> Report {
    // The `--manifest` file goes last, and once however it is spelt or also walked.
    let mut all = paths.to_vec();
    all.extend(settings.manifest.clone());
    let targets = walk::collect(&all, &settings.filter);
    let units = pairing::units(
        targets,
        settings.manifest.as_deref(),
        &settings.filter,
        |target| load_manifest(target, settings),
    );
    let results: Vec<Vec<FileResult>> = units
        .par_iter()
        .map(|unit| {
            // A bug on one file must not lose the findings of the others.
            std::panic::catch_unwind(AssertUnwindSafe(|| check_unit(unit, settings, rules)))
                .unwrap_or_else(|panic| internal_error(unit, rules, &panic))
        })
        .collect();
    let mut report = Report::default();
    for unit in results {
        let offset = report.files.len();
        for result in unit {
            report.files.push(result.entry);
            report.suppressed += result.suppressed;
            report
                .findings
                .extend(result.findings.into_iter().map(|mut f| {
                    f.primary.file += offset;
                    for label in &mut f.related {
                        label.file += offset;
                    }
                    f
                }));
            report
                .evidence
                .extend(result.evidence.into_iter().map(|mut e| {
                    e.location.file += offset;
                    e
                }));
        }
    }
    report.finish_with(|source| walk::display(&settings.filter.relative(&source.path)));
    report
}

fn internal_error(
    unit: &Unit,
    rules: &RuleSet,
    panic: &(dyn std::any::Any + Send),
) -> Vec<FileResult> {
    let detail = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    let targets: Vec<(&Target, FileKind)> = match unit {
        Unit::Policy { target, manifests } => std::iter::once((target, FileKind::Policy))
            .chain(manifests.iter().map(|m| (&m.target, FileKind::Manifest)))
            .collect(),
        Unit::Manifest(loaded) => vec![(&loaded.target, FileKind::Manifest)],
    };
    targets
        .into_iter()
        .map(|(target, kind)| {
            let source = SourceFile::from_text(&target.display, "");
            let finding = parse_error(
                rules,
                &source,
                Span::default(),
                format!("internal error while checking this file (please report it): {detail}"),
            );
            FileResult::failed(source, kind, finding)
        })
        .collect()
}

/// The rules that run on a file: selected, not ignored for its path, in the profiles that
/// apply to its language.
fn rules_for<'r>(
    path: &Path,
    lang: Lang,
    settings: &Settings,
    rules: &'r RuleSet,
) -> Vec<(&'r Rule, Option<Severity>)> {
    let ignored = settings.ignored_for(path);
    rules
        .rules
        .iter()
        .filter(|r| !ignored.contains(&r.id) && settings.in_profile(r, lang))
        .filter_map(|r| settings.rules.get(&r.id).map(|severity| (r, *severity)))
        .collect()
}

/// Why a file cannot be read at all, or that it is too large; `Ok` when it can be read.
fn precheck(target: &Target, settings: &Settings) -> Result<(), Result<String, String>> {
    if let Some(problem) = &target.problem {
        return Err(Err(problem.clone()));
    }
    let size = match std::fs::metadata(&target.path) {
        // A pipe or a device could block the run or never end.
        Ok(meta) if !meta.is_file() => {
            return Err(Err("not a regular file; it was not read".to_string()));
        }
        Ok(meta) => meta.len(),
        Err(e) => return Err(Err(format!("cannot read the file: {e}"))),
    };
    if size > settings.max_file_size {
        return Err(Ok(format!(
            "larger than the {} MiB limit ({} bytes)",
            settings.max_file_size >> 20,
            size
        )));
    }
    Ok(())
}

/// Read and parse a manifest (before pairing, which needs its `app.policy`).
fn load_manifest(target: &Target, settings: &Settings) -> LoadedManifest {
    let source = match precheck(target, settings) {
        Err(Err(problem)) => Err(problem),
        Err(Ok(skipped)) => Err(format!("not checked: {skipped}")),
        Ok(()) => std::fs::read(&target.path)
            .map_err(|e| format!("cannot read the file: {e}"))
            .map(|bytes| {
                SourceFile::new(
                    target.path.clone(),
                    target.display.clone(),
                    decode(&bytes, false),
                )
            }),
    };
    let manifest = source.as_ref().ok().map(|s| Manifest::parse(&s.text));
    LoadedManifest {
        target: target.clone(),
        source,
        manifest,
        unpaired: None,
    }
}

/// A policy and its manifests, or a manifest alone.
fn check_unit(unit: &Unit, settings: &Settings, rules: &RuleSet) -> Vec<FileResult> {
    let (target, manifests) = match unit {
        Unit::Policy { target, manifests } => (target, manifests.as_slice()),
        Unit::Manifest(loaded) => {
            return vec![check_manifest(loaded, 0, None, settings, rules)];
        }
    };
    let checked = check_policy(target, settings, rules);
    let mut results = vec![checked.result];
    let Some((doc, selected)) = checked.doc else {
        for (k, loaded) in manifests.iter().enumerate() {
            let mut result = check_manifest(loaded, k + 1, None, settings, rules);
            result.entry.note = Some(format!(
                "its policy {} could not be read; cross-checks were not run",
                target.display
            ));
            results.push(result);
        }
        return results;
    };
    if manifests.is_empty() {
        if settings.inline_suppressions {
            suppress_policy(&mut results[0], &doc, rules, &selected);
        }
        return results;
    }
    let sdks = sdk::extract(&doc, &rules.taxonomy);
    let policy = manifest::Policy {
        doc: &doc,
        sdks: &sdks,
        file: 0,
    };
    for (k, loaded) in manifests.iter().enumerate() {
        results.push(check_manifest(
            loaded,
            k + 1,
            Some(&policy),
            settings,
            rules,
        ));
    }
    // Cross-check findings may point into the policy, and manifests raise text findings.
    let mut all: Vec<Finding> = results
        .iter_mut()
        .flat_map(|r| r.findings.drain(..))
        .collect();
    for (k, loaded) in manifests.iter().enumerate() {
        if let Some(Ok(manifest)) = &loaded.manifest {
            manifest::escalate(manifest, k + 1, &policy, &mut all);
        }
    }
    for (file, result) in results.iter_mut().enumerate() {
        let (own, rest): (Vec<Finding>, Vec<Finding>) =
            all.into_iter().partition(|f| f.primary.file == file);
        all = rest;
        result.findings = own;
    }
    if settings.inline_suppressions {
        suppress_policy(&mut results[0], &doc, rules, &selected);
        for (k, loaded) in manifests.iter().enumerate() {
            // A manifest that could not be read or parsed ran no check: its directives
            // cannot be judged.
            if let (Ok(source), Some(Ok(manifest))) = (&loaded.source, &loaded.manifest) {
                let result = &mut results[k + 1];
                let findings = std::mem::take(&mut result.findings);
                let ran = rules_for(&loaded.target.path, doc.lang, settings, rules);
                let scalars = manifest.scalar_spans();
                let outcome = suppress::apply_yaml(
                    findings,
                    &source.text,
                    &scalars,
                    k + 1,
                    doc.lang,
                    rules,
                    &ran,
                );
                result.findings = outcome.kept;
                result.suppressed += outcome.suppressed;
            }
        }
    }
    results
}

/// Apply the policy's own suppression comments to its findings.
fn suppress_policy(result: &mut FileResult, doc: &Document, rules: &RuleSet, selected: &Selected) {
    let findings = std::mem::take(&mut result.findings);
    let outcome = suppress::apply(
        findings,
        doc,
        result.entry.source.text.len(),
        rules,
        selected,
    );
    result.findings = outcome.kept;
    result.suppressed += outcome.suppressed;
}

/// Rules with their configured severity, if any.
type Selected<'r> = Vec<(&'r Rule, Option<Severity>)>;

/// A policy checked, with its document and the rules that ran on it when it could be read.
struct CheckedPolicy<'r> {
    result: FileResult,
    doc: Option<(Document, Selected<'r>)>,
}

/// Check a manifest (file `file` of its unit) on its own and, with a policy, against it.
fn check_manifest(
    loaded: &LoadedManifest,
    file: usize,
    policy: Option<&manifest::Policy<'_>>,
    settings: &Settings,
    rules: &RuleSet,
) -> FileResult {
    let source = match &loaded.source {
        Ok(source) => source.clone(),
        Err(problem) => {
            let source = SourceFile::from_text(&loaded.target.display, "");
            let mut finding = parse_error(rules, &source, Span::default(), problem.clone());
            finding.primary.file = file;
            return FileResult::failed(source, FileKind::Manifest, finding);
        }
    };
    let manifest = match &loaded.manifest {
        Some(Ok(manifest)) => manifest,
        Some(Err(error)) => {
            let span = Span::new(
                error.span.start.min(source.text.len()),
                error.span.end.min(source.text.len()),
            );
            let mut finding = parse_error(rules, &source, span, error.message.clone());
            finding.primary.file = file;
            return FileResult::failed(source, FileKind::Manifest, finding);
        }
        None => unreachable!("a readable manifest is parsed when loaded"),
    };
    let lang = policy.map_or_else(|| manifest::language(manifest), |p| p.doc.lang);
    let selected = rules_for(&loaded.target.path, lang, settings, rules);
    let run = manifest::Run {
        rules,
        selected: &selected,
        file,
    };
    let mut findings = manifest::check(manifest, &run, policy);
    if let Some(Unpaired::Unusable(named, why)) = &loaded.unpaired {
        let span = manifest.span(&[PathSeg::Key("app"), PathSeg::Key("policy")]);
        findings.extend(manifest::unresolved(
            manifest,
            &run,
            lang,
            span,
            named.clone(),
            why.detail(lang),
        ));
    }
    let note = loaded.unpaired.as_ref().map(|reason| match reason {
        Unpaired::Unusable(named, why) => {
            format!(
                "its policy {named} (app.policy) {}; cross-checks were not run",
                why.note()
            )
        }
        Unpaired::Ambiguous(0) => {
            "no policy found beside it and none named in app.policy; cross-checks were not run"
                .to_string()
        }
        Unpaired::Ambiguous(n) => format!(
            "{n} policies beside it and none named in app.policy; cross-checks were not run"
        ),
    });
    let mut suppressed = 0;
    if policy.is_none() && settings.inline_suppressions {
        // Without a policy the cross-checks never ran: directives naming them cannot be judged.
        let ran: Vec<_> = selected
            .iter()
            .filter(|(rule, _)| {
                let id = rule.id.as_str();
                manifest::WITHOUT_POLICY.contains(&id)
                    || [suppress::UNUSED, suppress::INVALID].contains(&id)
            })
            .cloned()
            .collect();
        let outcome = suppress::apply_yaml(
            findings,
            &source.text,
            &manifest.scalar_spans(),
            file,
            lang,
            rules,
            &ran,
        );
        findings = outcome.kept;
        suppressed = outcome.suppressed;
    }
    FileResult {
        entry: FileEntry {
            source,
            kind: FileKind::Manifest,
            format: None,
            lang: Some(lang),
            status: FileStatus::Checked,
            note,
        },
        findings,
        evidence: Vec::new(),
        suppressed,
    }
}

fn check_policy<'r>(target: &Target, settings: &Settings, rules: &'r RuleSet) -> CheckedPolicy<'r> {
    let source = SourceFile::from_text(&target.display, "");
    let fail = |source: SourceFile, detail: String| {
        let finding = parse_error(rules, &source, Span::default(), detail);
        CheckedPolicy {
            result: FileResult::failed(source, FileKind::Policy, finding),
            doc: None,
        }
    };
    match precheck(target, settings) {
        Err(Err(problem)) => return fail(source, problem),
        Err(Ok(skipped)) => {
            return CheckedPolicy {
                result: FileResult {
                    entry: FileEntry {
                        source,
                        kind: FileKind::Policy,
                        format: None,
                        lang: None,
                        status: FileStatus::Skipped(skipped),
                        note: None,
                    },
                    findings: Vec::new(),
                    evidence: Vec::new(),
                    suppressed: 0,
                },
                doc: None,
            };
        }
        Ok(()) => {}
    }
    match read_source(&target.path, &target.display) {
        Ok((source, format, problem)) => {
            check_source(source, format, &target.path, settings, rules, problem)
        }
        Err(detail) => fail(source, detail),
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

/// Check a decoded policy. Its findings are not yet filtered by suppressions: manifests may
/// add findings about it first.
fn check_source<'r>(
    source: SourceFile,
    format: Format,
    path: &Path,
    settings: &Settings,
    rules: &'r RuleSet,
    problem: Option<DecodeProblem>,
) -> CheckedPolicy<'r> {
    let mut findings = Vec::new();
    let entry = |source: SourceFile, lang: Option<Lang>, status: FileStatus, note| FileEntry {
        source,
        kind: FileKind::Policy,
        format: Some(format),
        lang,
        status,
        note,
    };
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
            return CheckedPolicy {
                result: FileResult {
                    entry: entry(source, None, FileStatus::Failed, None),
                    findings: vec![finding],
                    evidence: Vec::new(),
                    suppressed: 0,
                },
                doc: None,
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
        return CheckedPolicy {
            result: FileResult {
                entry: entry(source, Some(doc.lang), FileStatus::Failed, None),
                findings,
                evidence: Vec::new(),
                suppressed: 0,
            },
            doc: None,
        };
    }
    // Rules about a policy's content would all fire on a README, or on terms of service
    // that leave privacy to a policy of its own.
    let kind = classify(&doc);
    let selected: Vec<(&Rule, Option<Severity>)> = rules_for(path, doc.lang, settings, rules)
        .into_iter()
        .filter(|(rule, _)| rule.runs_on(&kind))
        .collect();
    let (mut more, evidence) = lint(&doc, rules, &selected);
    findings.append(&mut more);
    let note = match &kind {
        DocumentKind::Policy => None,
        DocumentKind::Unrelated => Some(
            "not recognised as a privacy policy (it never mentions privacy or personal information); rules about a policy's content were not run".to_string(),
        ),
        DocumentKind::Agreement { block, range } => {
            let span = doc.blocks[*block].source_span(range.clone());
            let line = source.line_index(span.start) + 1;
            Some(format!(
                "a user agreement that refers to a separate privacy policy (\"{}\", line {line}); rules about a policy's content were not run",
                doc.blocks[*block].text[range.clone()].trim()
            ))
        }
    };
    CheckedPolicy {
        result: FileResult {
            entry: entry(source, Some(doc.lang), FileStatus::Checked, note),
            findings,
            evidence,
            suppressed: 0,
        },
        doc: Some((doc, selected)),
    }
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
            let mut outcome = eval::evaluate(rule, rules, doc, &matches);
            if rule.id == builtin::MISSING_SDK_LIST && !outcome.hits.is_empty() {
                let sdks = sdks.get_or_insert_with(|| sdk::extract(doc, &rules.taxonomy));
                if builtin::lists_sdks(rules, doc, sdks) {
                    outcome.hits.clear();
                }
            }
            outcome
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
        help: Some(rule.help_for(doc.lang, hit)),
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
    let quoted: Vec<String> = hit.terms.iter().map(|t| as_written(t, lang)).collect();
    template
        .replace("{match}", quoted.first().map_or("", String::as_str))
        .replace("{detail}", hit.terms.get(1).map_or("", String::as_str))
        .replace("{terms}", &quoted.join(separator))
        .replace(
            "{limit}",
            &hit.limit.map_or_else(String::new, |l| l.to_string()),
        )
        .trim()
        .to_string()
}

/// Document text quoted in a Chinese message: punctuation that normalisation made ASCII
/// ("，" reads ",", “” read `"`) is shown full-width again where it stands next to a Chinese
/// character.
fn as_written(text: &str, lang: Lang) -> String {
    if lang != Lang::Zh {
        return text.to_string();
    }
    let chars: Vec<char> = text.chars().collect();
    let mut written = String::with_capacity(text.len());
    let mut previous: Option<char> = None;
    let mut latin_open = false;
    let mut quote_open = false;
    for (i, &c) in chars.iter().enumerate() {
        let wide = match c {
            '"' if quote_open => '”',
            '"' => '“',
            ',' => '，',
            ';' => '；',
            ':' => '：',
            '(' => '（',
            ')' => '）',
            '!' => '！',
            '?' => '？',
            _ => c,
        };
        // What came before is judged as written (so "(必填):" widens both marks); after a
        // space the mark belongs to Latin text ("READ_CONTACTS (通讯录)"), and so does the
        // closing parenthesis of a Latin opening one.
        let near_chinese = previous.is_some_and(|p| !p.is_ascii())
            || chars.get(i + 1).is_some_and(|n| !n.is_ascii());
        let latin = previous.is_some_and(|p| p.is_ascii_whitespace()) || (c == ')' && latin_open);
        let shown = if near_chinese && !latin { wide } else { c };
        if c == '(' {
            latin_open = shown == '(';
        }
        if c == '"' && shown != '"' {
            quote_open = !quote_open;
        }
        written.push(shown);
        previous = Some(shown);
    }
    written
}

fn parse_error(rules: &RuleSet, source: &SourceFile, span: Span, detail: String) -> Finding {
    let rule = rules.get(PARSE_ERROR);
    Finding {
        rule: PARSE_ERROR.to_string(),
        severity: rule.map_or(Severity::Error, |r| r.severity),
        message: detail,
        help: rule.map(|r| std::sync::Arc::clone(&r.help_text[Lang::En.index()])),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_chinese_text_gets_its_full_width_punctuation_back() {
        assert_eq!(
            as_written("如您不同意本政策的任何条款,您应立即停止使用", Lang::Zh),
            "如您不同意本政策的任何条款，您应立即停止使用"
        );
        assert_eq!(
            as_written("身份证号(必填):", Lang::Zh),
            "身份证号（必填）："
        );
        assert_eq!(
            as_written("经营\"西安人社通\"App", Lang::Zh),
            "经营“西安人社通”App"
        );
        // ASCII between ASCII stays: numbers, English names
        assert_eq!(as_written("1,000元 SDK(v2)", Lang::Zh), "1,000元 SDK(v2)");
        assert_eq!(
            as_written("READ_CONTACTS (通讯录)", Lang::Zh),
            "READ_CONTACTS (通讯录)"
        );
        assert_eq!(as_written("name, email", Lang::En), "name, email");
    }
}
