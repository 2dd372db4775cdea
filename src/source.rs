//! Source files: decoded text, byte spans, and positions for people (line, character column)
//! and for machines (byte offset in the file as it was read).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::decode::{Decoded, OriginalOffsets};

/// A half-open byte range into [`SourceFile::text`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub const fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    pub const fn len(&self) -> usize {
        self.end - self.start
    }

    pub const fn is_empty(&self) -> bool {
        self.end <= self.start
    }

    /// The smallest span covering both.
    pub fn cover(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

/// A printable position: 1-based line, 1-based column counted in Unicode scalar values,
/// and the 0-based byte offset in the original (undecoded) file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Position {
    pub line: usize,
    pub column: usize,
    pub offset: usize,
}

/// One input file after decoding.
#[derive(Clone, Debug)]
pub struct SourceFile {
    pub path: PathBuf,
    /// The path as shown to users: relative where possible, always `/`-separated.
    pub display: String,
    /// The decoded text (UTF-8, byte-order mark removed). Spans index into it.
    pub text: String,
    /// Encoding name as reported in JSON (`utf-8`, `utf-16le`, `gb18030`, `windows-1252`, ...).
    pub encoding: &'static str,
    line_starts: Vec<usize>,
    original: OriginalOffsets,
    /// Characters before every [`CHAR_STEP`] bytes, built when a column is asked for far
    /// into a line: counting from the line start each time would make a report on a file
    /// that is one long line (minified HTML) quadratic in its findings.
    char_steps: OnceLock<Vec<usize>>,
}

const CHAR_STEP: usize = 4096;

impl SourceFile {
    pub fn new(path: PathBuf, display: String, decoded: Decoded) -> Self {
        let line_starts = line_starts(&decoded.text);
        SourceFile {
            path,
            display,
            text: decoded.text,
            encoding: decoded.encoding,
            line_starts,
            original: decoded.offsets,
            char_steps: OnceLock::new(),
        }
    }

    /// A source built from text that needs no decoding (rule examples, tests).
    pub fn from_text(display: &str, text: &str) -> Self {
        SourceFile::new(
            PathBuf::from(display),
            display.to_string(),
            Decoded::utf8(text.to_string()),
        )
    }

    pub fn position(&self, offset: usize) -> Position {
        let offset = floor_char_boundary(&self.text, offset.min(self.text.len()));
        let line_index = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let line_start = self.line_starts[line_index];
        let column = self.chars_between(line_start, offset) + 1;
        Position {
            line: line_index + 1,
            column,
            offset: self.original.original_offset(&self.text, offset),
        }
    }

    pub fn slice(&self, span: Span) -> &str {
        let start = floor_char_boundary(&self.text, span.start.min(self.text.len()));
        let end = floor_char_boundary(&self.text, span.end.min(self.text.len())).max(start);
        &self.text[start..end]
    }

    /// How many characters lie between two char boundaries `from <= to`.
    pub fn chars_between(&self, from: usize, to: usize) -> usize {
        if to - from <= CHAR_STEP {
            return self.text[from..to].chars().count();
        }
        self.chars_before(to) - self.chars_before(from)
    }

    fn chars_before(&self, offset: usize) -> usize {
        let steps = self.char_steps.get_or_init(|| {
            let mut steps = vec![0];
            let mut from = 0;
            for step in 1..=self.text.len() / CHAR_STEP {
                let to = floor_char_boundary(&self.text, step * CHAR_STEP);
                steps.push(steps[step - 1] + self.text[from..to].chars().count());
                from = to;
            }
            steps
        });
        let step = offset / CHAR_STEP;
        let from = floor_char_boundary(&self.text, step * CHAR_STEP);
        steps[step] + self.text[from..offset].chars().count()
    }

    /// The 0-based line of `offset`.
    pub fn line_index(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|&s| s <= offset) - 1
    }

    /// The span of the whole line containing `offset`, without its line break.
    pub fn line_span(&self, offset: usize) -> Span {
        let line_index = self.line_index(offset);
        let start = self.line_starts[line_index];
        let end = self
            .line_starts
            .get(line_index + 1)
            .copied()
            .unwrap_or(self.text.len());
        let line = &self.text[start..end];
        let trimmed = line.trim_end_matches(['\n', '\r']);
        Span::new(start, start + trimmed.len())
    }
}

/// Byte offsets at which lines start; `\n`, `\r\n` and a lone `\r` end a line.
fn line_starts(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut starts = vec![0];
    for i in memchr::memchr2_iter(b'\n', b'\r', bytes) {
        let ends_line = bytes[i] == b'\n' || bytes.get(i + 1) != Some(&b'\n');
        if ends_line {
            starts.push(i + 1);
        }
    }
    starts
}

/// The largest configuration, baseline or rule file read (bytes).
pub const SETUP_FILE_LIMIT: u64 = 64 << 20;

/// The text of a configuration, baseline or rule file: only a regular file (a pipe would
/// block the run, a device never end) and no larger than [`SETUP_FILE_LIMIT`].
pub fn read_setup_file(path: &Path) -> Result<String, String> {
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err("not a regular file".to_string());
    }
    let too_large = |size: u64| {
        format!(
            "larger than the {} MiB limit ({size} bytes)",
            SETUP_FILE_LIMIT >> 20
        )
    };
    if meta.len() > SETUP_FILE_LIMIT {
        return Err(too_large(meta.len()));
    }
    // The file may have grown since: read no more than the limit allows.
    let mut text = String::new();
    (std::fs::File::open(path).map_err(|e| e.to_string())?)
        .take(SETUP_FILE_LIMIT + 1)
        .read_to_string(&mut text)
        .map_err(|e| e.to_string())?;
    if text.len() as u64 > SETUP_FILE_LIMIT {
        return Err(too_large(text.len() as u64));
    }
    Ok(text)
}

/// The largest char boundary at or below `index`.
pub fn floor_char_boundary(text: &str, index: usize) -> usize {
    let mut i = index.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_far_into_a_long_line() {
        let line = "隐私a".repeat(5000);
        let file = SourceFile::from_text("long.txt", &format!("x\n{line}\n"));
        for chars in [0, 1, 2, 3, 4000, 9999, 15000] {
            let offset = 2 + line
                .char_indices()
                .nth(chars)
                .map_or(line.len(), |(i, _)| i);
            let position = file.position(offset);
            assert_eq!((position.line, position.column), (2, chars + 1), "{chars}");
        }
        assert_eq!(file.chars_between(2, 2 + line.len()), 15000);
    }

    #[test]
    fn positions_count_characters_not_bytes() {
        let file = SourceFile::from_text("t.md", "第一行\n隐私政策 ok\r\nthird");
        let offset = file.text.find("政策").unwrap();
        let pos = file.position(offset);
        assert_eq!((pos.line, pos.column, pos.offset), (2, 3, offset));
        let third = file.text.find("third").unwrap();
        assert_eq!(file.position(third).line, 3);
        assert_eq!(file.position(third).column, 1);
    }

    #[test]
    fn lone_carriage_return_ends_a_line() {
        let file = SourceFile::from_text("t.txt", "a\rb");
        assert_eq!(file.position(2).line, 2);
    }

    #[test]
    fn offsets_inside_a_character_snap_to_its_start() {
        let file = SourceFile::from_text("t.txt", "隐私");
        assert_eq!(file.position(1).column, 1);
        assert_eq!(file.slice(Span::new(1, 5)), "隐");
    }

    #[test]
    fn line_span_excludes_the_break() {
        let file = SourceFile::from_text("t.txt", "one\r\ntwo\n");
        assert_eq!(file.slice(file.line_span(1)), "one");
        assert_eq!(file.slice(file.line_span(6)), "two");
    }
}
