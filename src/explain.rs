//! `privlint rule ID` and `privlint rule --all`: what a rule checks, why, its citations and
//! examples, straight from its YAML.

use std::fmt::Write;

use crate::rules::{CheckKind, Rule};

pub fn explain(rule: &Rule) -> String {
    let mut out = String::new();
    let langs: Vec<&str> = rule.langs.iter().map(|l| l.code()).collect();
    let _ = writeln!(out, "# {} ({})", rule.id, rule.severity.name());
    let _ = writeln!(out);
    let _ = writeln!(out, "{}", rule.title.en);
    if let Some(zh) = &rule.title.zh {
        let _ = writeln!(out, "{zh}");
    }
    let _ = writeln!(out);
    let kind = format!("{:?}", rule.check.kind).to_lowercase();
    let scope = if rule.check.kind == CheckKind::Builtin {
        String::new()
    } else {
        format!(", scope {:?}", rule.check.scope).to_lowercase()
    };
    let _ = writeln!(out, "languages: {}  check: {kind}{scope}", langs.join(", "));
    if !rule.tags.is_empty() {
        let _ = writeln!(out, "tags: {}", rule.tags.join(", "));
    }
    let _ = writeln!(out, "defined in: {}", rule.origin.path);
    if !rule.references.is_empty() {
        let _ = writeln!(out, "\nReferences:");
        for reference in rule.references.iter() {
            let _ = writeln!(out, "  - {reference}");
        }
    }
    let _ = writeln!(out, "\n{}", rule.description.trim_end());
    let _ = writeln!(out, "\n## Message and fix");
    for lang in &rule.langs {
        let _ = writeln!(
            out,
            "  [{}] {}\n       fix: {}",
            lang.code(),
            rule.message.get(*lang),
            rule.help.get(*lang)
        );
    }
    write_examples(&mut out, rule);
    out
}

fn write_examples(out: &mut String, rule: &Rule) {
    if rule.examples.valid.is_empty() && rule.examples.invalid.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n## Examples");
    for (title, list) in [
        ("Not reported", &rule.examples.valid),
        ("Reported", &rule.examples.invalid),
    ] {
        let _ = writeln!(out, "\n{title}:");
        for example in list {
            let note = example
                .note
                .as_ref()
                .map(|n| format!(" ({n})"))
                .unwrap_or_default();
            let _ = writeln!(out, "  [{}]{note}", example.lang.code());
            if let Some(manifest) = &example.manifest {
                let _ = writeln!(out, "    manifest:");
                for line in manifest.lines().filter(|l| !l.trim().is_empty()) {
                    let _ = writeln!(out, "    | {line}");
                }
                if !example.text.trim().is_empty() {
                    let _ = writeln!(out, "    policy:");
                }
            }
            for line in example.text.lines().filter(|l| !l.trim().is_empty()) {
                let _ = writeln!(out, "    | {line}");
            }
            if !example.expect.is_empty() {
                let _ = writeln!(out, "    underlines: {:?}", example.expect);
            }
        }
    }
}
