//! Layer 1: every rule's own examples, and one snapshot per rule of how its invalid examples
//! are reported.

use std::sync::OnceLock;

use privlint::render::{self, HumanOptions, OutputFormat};
use privlint::rules::{self, RuleSet, testing};

fn rules() -> &'static RuleSet {
    static RULES: OnceLock<RuleSet> = OnceLock::new();
    RULES.get_or_init(|| rules::load(&[]).unwrap_or_else(|e| panic!("built-in rules: {:?}", e.0)))
}

#[test]
fn every_rule_passes_its_own_examples() {
    let set = rules();
    let mut failures = String::new();
    for rule in &set.rules {
        let result = testing::run(rule, set);
        if !result.passed() {
            failures.push_str(&format!(
                "{} {}\n{}",
                rule.id,
                result.marks(),
                result.failures()
            ));
        }
    }
    assert!(failures.is_empty(), "rule examples failed:\n{failures}");
}

#[test]
fn every_checking_rule_has_near_misses() {
    // Valid examples with a note are the near misses (negation, another subject, a
    // look-alike); every rule that looks at text needs at least one.
    let set = rules();
    for rule in &set.rules {
        if rule.check.kind == rules::CheckKind::Builtin {
            continue;
        }
        let near_misses = rule
            .examples
            .valid
            .iter()
            .chain(&rule.examples.invalid)
            .filter(|e| e.note.is_some())
            .count();
        assert!(near_misses > 0, "{} has no annotated near miss", rule.id);
    }
}

#[test]
fn invalid_examples_as_reported() {
    let set = rules();
    insta::glob!("../rules", "*/*.yaml", |path| {
        let id = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        let Some(rule) = set.get(id) else {
            return;
        };
        let mut out = String::new();
        for example in &rule.examples.invalid {
            let report = testing::example_report(rule, set, example);
            out.push_str(&render::render(
                &report,
                set,
                OutputFormat::Human,
                &HumanOptions::default(),
            ));
            out.push_str("----\n");
        }
        insta::assert_snapshot!(out);
    });
}
