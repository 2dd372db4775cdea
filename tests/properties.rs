//! Properties over generated input: decoding never panics, spans always lie inside the file
//! on character boundaries, and reports do not depend on the number of threads.

use std::path::PathBuf;
use std::sync::OnceLock;

use proptest::prelude::*;

use privlint::config::Settings;
use privlint::decode::decode;
use privlint::document::{self, Format};
use privlint::engine;
use privlint::render::{self, HumanOptions, OutputFormat};
use privlint::rules::{self, RuleSet};
use privlint::source::SourceFile;

fn rules() -> &'static RuleSet {
    static RULES: OnceLock<RuleSet> = OnceLock::new();
    RULES.get_or_init(|| rules::load(&[]).unwrap_or_else(|e| panic!("built-in rules: {:?}", e.0)))
}

/// Pieces that policies and their markup are made of, so that generated text reaches the
/// parsers' and rules' interesting paths more often than random characters would.
const PIECES: &[&str] = &[
    "我们",
    "收集",
    "您的",
    "个人信息",
    "手机号码",
    "位置信息",
    "第三方",
    "SDK名称:",
    "目的:",
    "同意",
    "撤回",
    "注销",
    "儿童",
    "14周岁",
    "15个工作日",
    "。",
    "，",
    "；",
    "：",
    "（",
    "）",
    "\u{3000}",
    "We collect",
    " your ",
    "personal information",
    "third parties",
    "consent",
    "withdraw",
    ". ",
    ", ",
    "\n",
    "\n\n",
    "\r\n",
    "\t",
    "# ",
    "## ",
    "- ",
    "* ",
    "1. ",
    "一、",
    "（一）",
    "|",
    "| --- |",
    "**",
    "_",
    "`",
    "```",
    "> ",
    "[链接](http://a)",
    "<p>",
    "</p>",
    "<table><tr><td>",
    "</td></tr></table>",
    "<br>",
    "<h2>",
    "</h2>",
    "<li>",
    "&nbsp;",
    "&amp;",
    "<!--",
    "-->",
    "<script>",
    "</script>",
    "\u{200B}",
    "\u{FEFF}",
    "é",
    "😀",
    "\0",
];

fn policy_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            4 => prop::sample::select(PIECES).prop_map(str::to_string),
            1 => any::<String>(),
        ],
        0..80,
    )
    .prop_map(|pieces| pieces.concat())
}

fn check_spans(source: &SourceFile, format: Format) {
    let doc = document::parse(source, format, None);
    let text = &source.text;
    for block in &doc.blocks {
        let span = block.source_span(0..block.text.len());
        assert!(span.start <= span.end && span.end <= text.len(), "{span:?}");
        assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end));
        for sentence in &block.sentences {
            assert!(sentence.start <= sentence.end && sentence.end <= block.text.len());
            assert!(block.text.is_char_boundary(sentence.start));
            assert!(block.text.is_char_boundary(sentence.end));
        }
    }
    let selected: Vec<_> = rules().rules.iter().map(|rule| (rule, None)).collect();
    let (findings, evidence) = engine::lint(&doc, rules(), &selected);
    let spans = findings
        .iter()
        .flat_map(|f| std::iter::once(&f.primary).chain(&f.related))
        .chain(evidence.iter().map(|e| &e.location))
        .map(|label| label.span);
    for span in spans {
        assert!(span.start <= span.end && span.end <= text.len(), "{span:?}");
        assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn decoding_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..4096), html: bool) {
        let decoded = decode(&bytes, html);
        // Offsets in the decoded text map back into the original bytes, in order.
        let mut previous = 0;
        for (offset, _) in decoded.text.char_indices().chain([(decoded.text.len(), ' ')]) {
            let original = decoded.offsets.original_offset(&decoded.text, offset);
            prop_assert!(original >= previous && original <= bytes.len(), "{original} at {offset}");
            previous = original;
        }
    }

    #[test]
    fn spans_lie_inside_the_file_on_char_boundaries(text in policy_text()) {
        let source = SourceFile::from_text("policy", &text);
        for format in [Format::Markdown, Format::Html, Format::Text] {
            check_spans(&source, format);
        }
    }

    #[test]
    fn spans_of_decoded_bytes_lie_inside_the_file(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let source = SourceFile::new(PathBuf::from("policy"), "policy".to_string(), decode(&bytes, true));
        check_spans(&source, Format::sniff(&source.text));
    }
}

/// The same files give byte-identical JSON with one thread and with several.
#[test]
fn output_does_not_depend_on_thread_count() {
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(4));
    runner
        .run(&prop::collection::vec(policy_text(), 1..12), |policies| {
            let dir = tempfile::tempdir().unwrap();
            for (i, text) in policies.iter().enumerate() {
                let name = ["md", "html", "txt"][i % 3];
                std::fs::write(dir.path().join(format!("p{i:02}.{name}")), text).unwrap();
            }
            let run = |threads: usize| {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .unwrap();
                pool.install(|| {
                    let report = engine::check_paths(
                        &[dir.path().to_path_buf()],
                        &Settings::defaults(rules()),
                        rules(),
                    );
                    render::render(
                        &report,
                        rules(),
                        OutputFormat::Json,
                        &HumanOptions::default(),
                    )
                })
            };
            prop_assert_eq!(run(1), run(4));
            Ok(())
        })
        .unwrap();
}
