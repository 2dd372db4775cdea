//! Shared by the front-end targets: decode bytes as privlint does, parse them in one format,
//! and check that every span lies inside the text, on character boundaries.

use privlint::decode::decode;
use privlint::document::{self, Format};
use privlint::source::SourceFile;

pub fn parse_and_check_spans(bytes: &[u8], format: Format) {
    let source = SourceFile::new(
        "fuzz".into(),
        "fuzz".to_string(),
        decode(bytes, format == Format::Html),
    );
    let doc = document::parse(&source, format, None);
    for block in &doc.blocks {
        let span = block.source_span(0..block.text.len());
        assert!(span.start <= span.end && span.end <= source.text.len());
        assert!(source.text.is_char_boundary(span.start));
        assert!(source.text.is_char_boundary(span.end));
        for sentence in &block.sentences {
            assert!(sentence.start <= sentence.end && sentence.end <= block.text.len());
            assert!(block.text.is_char_boundary(sentence.start));
            assert!(block.text.is_char_boundary(sentence.end));
        }
    }
}
