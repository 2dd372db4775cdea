//! Layer 2: whole reports over documents written for the tests (fixtures/), in human, concise
//! and JSON form.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use privlint::config::Settings;
use privlint::engine;
use privlint::render::{self, HumanOptions, OutputFormat};
use privlint::rules::{self, RuleSet};

fn rules() -> &'static RuleSet {
    static RULES: OnceLock<RuleSet> = OnceLock::new();
    RULES.get_or_init(|| rules::load(&[]).unwrap_or_else(|e| panic!("built-in rules: {:?}", e.0)))
}

/// The path relative to the crate root (the tests' working directory), so snapshots do not
/// depend on where the repository is checked out.
fn relative(path: &Path) -> PathBuf {
    path.strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .unwrap_or(path)
        .to_path_buf()
}

fn render_file(path: &Path, format: OutputFormat) -> String {
    let report = engine::check_paths(&[relative(path)], &Settings::defaults(rules()), rules());
    render::render(&report, rules(), format, &HumanOptions::default())
}

#[test]
fn documents_human() {
    insta::glob!("../fixtures", "docs/*", |path| {
        insta::assert_snapshot!(render_file(path, OutputFormat::Human));
    });
}

#[test]
fn documents_json() {
    insta::glob!("../fixtures", "docs/*", |path| {
        insta::assert_snapshot!(render_file(path, OutputFormat::Json));
    });
}

#[test]
fn bad_inputs_concise() {
    insta::glob!("../fixtures", "bad/*", |path| {
        insta::assert_snapshot!(render_file(path, OutputFormat::Concise));
    });
}

#[test]
fn complete_policies_have_no_findings_and_full_evidence() {
    for name in ["zh-complete.md", "en-complete.md"] {
        let path = Path::new("fixtures/docs").join(name);
        let report = engine::check_paths(&[path], &Settings::defaults(rules()), rules());
        assert!(
            report.findings.is_empty(),
            "{name}: {:?}",
            report.findings.iter().map(|f| &f.rule).collect::<Vec<_>>()
        );
        let require_rules = rules()
            .rules
            .iter()
            .filter(|r| r.check.kind == rules::CheckKind::Require)
            .count();
        assert_eq!(
            report.evidence.len(),
            require_rules,
            "{name}: one evidence per require rule"
        );
    }
}

#[test]
fn directory_walk_is_sorted_and_deterministic() {
    let first = engine::check_paths(
        &[PathBuf::from("fixtures")],
        &Settings::defaults(rules()),
        rules(),
    );
    let again = engine::check_paths(
        &[PathBuf::from("fixtures")],
        &Settings::defaults(rules()),
        rules(),
    );
    let paths: Vec<&str> = first
        .files
        .iter()
        .map(|f| f.source.display.as_str())
        .collect();
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(paths, sorted);
    assert_eq!(
        render::render(
            &first,
            rules(),
            OutputFormat::Json,
            &HumanOptions::default()
        ),
        render::render(
            &again,
            rules(),
            OutputFormat::Json,
            &HumanOptions::default()
        )
    );
}

#[test]
fn spans_point_at_the_source_text() {
    for entry in std::fs::read_dir("fixtures/docs").unwrap() {
        let path = entry.unwrap().path();
        let report = engine::check_paths(&[path], &Settings::defaults(rules()), rules());
        for finding in &report.findings {
            let source = report.source(&finding.primary);
            let span = finding.primary.span;
            assert!(span.start <= span.end && span.end <= source.text.len());
            assert!(
                source.text.is_char_boundary(span.start) && source.text.is_char_boundary(span.end)
            );
        }
    }
}
