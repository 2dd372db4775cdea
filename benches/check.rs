//! Parsing and rule evaluation over the policies written for the tests (`fixtures/docs`).
//! Run with `cargo bench`; `scripts/bench.sh` measures the whole binary over a real corpus.

use std::path::Path;
use std::sync::OnceLock;

use divan::{Bencher, black_box};
use privlint::decode::decode;
use privlint::document::{self, Format};
use privlint::engine;
use privlint::rules::{self, RuleSet};
use privlint::source::SourceFile;

fn main() {
    divan::main();
}

const POLICIES: &[&str] = &[
    "zh-complete.md",
    "zh-gaps.txt",
    "zh-sdk-list.html",
    "en-complete.md",
    "en-gaps.html",
];

fn rules() -> &'static RuleSet {
    static RULES: OnceLock<RuleSet> = OnceLock::new();
    RULES.get_or_init(|| {
        let rules = rules::load(&[]).unwrap_or_else(|_| panic!("built-in rules load"));
        // Measure evaluation, not the compilation on first use.
        rules.patterns.compile_all();
        rules
    })
}

fn source(name: &str) -> (SourceFile, Format) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/docs")
        .join(name);
    let bytes = std::fs::read(&path).expect("fixture");
    let format = Format::from_path(&path).expect("known extension");
    let decoded = decode(&bytes, format == Format::Html);
    (SourceFile::new(path, name.to_string(), decoded), format)
}

/// Loading and checking the built-in rules, as every run does at start-up.
#[divan::bench(sample_count = 20)]
fn load_rules() -> RuleSet {
    rules::load(&[]).unwrap_or_else(|_| panic!("built-in rules load"))
}

#[divan::bench(args = POLICIES)]
fn parse(bencher: Bencher, name: &str) {
    let (source, format) = source(name);
    bencher
        .counter(divan::counter::BytesCount::new(source.text.len()))
        .bench(|| document::parse(black_box(&source), format, None));
}

#[divan::bench(args = POLICIES)]
fn evaluate_rules(bencher: Bencher, name: &str) {
    let rules = rules();
    let (source, format) = source(name);
    let doc = document::parse(&source, format, None);
    let selected: Vec<_> = rules.rules.iter().map(|rule| (rule, None)).collect();
    bencher
        .counter(divan::counter::BytesCount::new(source.text.len()))
        .bench(|| engine::lint(black_box(&doc), rules, &selected));
}
