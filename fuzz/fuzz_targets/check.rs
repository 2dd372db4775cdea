#![no_main]
//! The whole check of one policy: decode, sniff the format, parse, run every built-in rule,
//! and check that every finding points inside the text.

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use privlint::decode::decode;
use privlint::document::{self, Format};
use privlint::engine;
use privlint::rules::{self, RuleSet};
use privlint::source::SourceFile;

fn rules() -> &'static RuleSet {
    static RULES: OnceLock<RuleSet> = OnceLock::new();
    RULES.get_or_init(|| rules::load(&[]).unwrap_or_else(|_| panic!("built-in rules load")))
}

fuzz_target!(|bytes: &[u8]| {
    let rules = rules();
    let source = SourceFile::new("fuzz".into(), "fuzz".to_string(), decode(bytes, true));
    let format = Format::sniff(&source.text);
    let doc = document::parse(&source, format, None);
    let selected: Vec<_> = rules.rules.iter().map(|rule| (rule, None)).collect();
    let (findings, _) = engine::lint(&doc, rules, &selected);
    for finding in findings {
        let span = finding.primary.span;
        assert!(span.start <= span.end && span.end <= source.text.len());
        assert!(source.text.is_char_boundary(span.start) && source.text.is_char_boundary(span.end));
    }
});
