//! The document model every rule sees: sections, blocks, sentences and tables, each with a
//! span into the source file. One parser per format produces raw blocks; `structure` turns
//! them into a document (headings from numbering, sections, flattened tables, sentences).

mod html;
mod markdown;
mod offsets;
mod sentences;
mod structure;
mod text;

use std::ops::Range;

pub use offsets::{MappedText, OffsetMap, TextBuilder, is_cjk, is_han, is_normalised_away};
pub(crate) use structure::{numbering, numbering_depth};

use crate::source::{SourceFile, Span};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Markdown,
    Html,
    Text,
}

impl Format {
    /// The format of a policy file by extension (`.md`, `.markdown`, `.html`, `.htm`, `.txt`).
    pub fn from_path(path: &std::path::Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "md" | "markdown" | "mdown" | "mkd" => Some(Format::Markdown),
            "html" | "htm" | "xhtml" => Some(Format::Html),
            "txt" | "text" => Some(Format::Text),
            _ => None,
        }
    }

    /// The format of a file with an unknown extension, from its first bytes.
    pub fn sniff(text: &str) -> Format {
        let head: String = text
            .chars()
            .take(1024)
            .collect::<String>()
            .to_ascii_lowercase();
        if head.contains("<html") || head.contains("<!doctype html") || head.contains("<body") {
            Format::Html
        } else {
            Format::Text
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Format::Markdown => "markdown",
            Format::Html => "html",
            Format::Text => "text",
        }
    }
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    En,
    Zh,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh",
        }
    }

    pub const ALL: [Lang; 2] = [Lang::En, Lang::Zh];

    pub fn index(self) -> usize {
        self as usize
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockKind {
    /// `inferred` headings were recognised from numbering or emphasis, not from markup.
    Heading {
        level: u8,
        inferred: bool,
    },
    Paragraph,
    ListItem,
    TableCell {
        table: usize,
        row: usize,
        col: usize,
        header: bool,
    },
}

/// A unit of prose: heading, paragraph, list item or table cell.
#[derive(Clone, Debug)]
pub struct Block {
    pub kind: BlockKind,
    /// Index of the innermost section containing this block.
    pub section: usize,
    /// Normalised text (see [`TextBuilder`]); patterns match against it.
    pub text: String,
    pub map: OffsetMap,
    pub span: Span,
    /// Sentence ranges into `text`, in order, covering its non-blank parts.
    pub sentences: Vec<Range<usize>>,
}

impl Block {
    pub fn is_heading(&self) -> bool {
        matches!(self.kind, BlockKind::Heading { .. })
    }

    pub fn source_span(&self, range: Range<usize>) -> Span {
        self.map.to_source(range)
    }
}

/// A heading and everything under it. `sections[0]` is the whole document.
#[derive(Clone, Debug)]
pub struct Section {
    pub heading: Option<usize>,
    pub level: u8,
    pub parent: Option<usize>,
    /// The blocks of this section and all its subsections (heading included).
    pub blocks: Range<usize>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TableOrigin {
    Markup,
    /// Header and row cells each on a line of their own (a table pasted as text).
    Flattened,
    /// Records of `key:value` lines, one row per record ("SDK名称:... 使用目的:...").
    KeyValue,
}

#[derive(Clone, Debug)]
pub struct Table {
    /// Block indices of the cells, row by row.
    pub rows: Vec<Vec<usize>>,
    pub header_rows: usize,
    pub origin: TableOrigin,
    /// Some cells span several rows: a row without a cell in a column continues the cell
    /// above it.
    pub spanned: bool,
}

/// An HTML comment in Markdown or HTML (kept for in-document directives).
#[derive(Clone, Debug)]
pub struct Comment {
    pub span: Span,
    pub text: String,
}

#[derive(Debug)]
pub struct Document {
    pub format: Format,
    pub lang: Lang,
    pub blocks: Vec<Block>,
    pub sections: Vec<Section>,
    pub tables: Vec<Table>,
    pub comments: Vec<Comment>,
    /// The block naming the document: findings about what the document lacks point here.
    pub title: Option<usize>,
}

impl Document {
    pub fn heading_text(&self, section: usize) -> Option<&str> {
        let block = self.sections.get(section)?.heading?;
        Some(self.blocks[block].text.as_str())
    }

    /// The row of a table cell as block indices (header rows excluded).
    pub fn row_of(&self, block: usize) -> Option<&[usize]> {
        match self.blocks[block].kind {
            BlockKind::TableCell { table, row, .. } => {
                self.tables.get(table)?.rows.get(row).map(Vec::as_slice)
            }
            _ => None,
        }
    }

    /// True when the document has no prose at all.
    pub fn is_empty(&self) -> bool {
        self.blocks.iter().all(|b| b.text.trim().is_empty())
    }
}

/// What a front end produces before structure is inferred.
#[derive(Debug)]
pub(crate) struct RawBlock {
    pub kind: RawKind,
    pub text: String,
    pub map: OffsetMap,
    /// Every character was bold or strong.
    pub strong: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RawKind {
    /// A heading from markup (Markdown `#`, HTML `<h2>`, text `===` underlines).
    Heading(u8),
    Paragraph,
    ListItem,
    TableCell {
        table: usize,
        row: usize,
        col: usize,
        header: bool,
    },
}

#[derive(Debug, Default)]
pub(crate) struct RawDocument {
    pub blocks: Vec<RawBlock>,
    pub comments: Vec<Comment>,
    pub tables: Vec<TableOrigin>,
    /// Tables with cells spanning several rows.
    pub spanned: Vec<usize>,
}

impl RawDocument {
    /// Finish `builder` as a block of `kind`, dropping it if it holds no text.
    pub fn push(&mut self, kind: RawKind, builder: TextBuilder) {
        let strong = builder.all_strong();
        let (text, map) = builder.finish();
        if text.trim().is_empty() {
            return;
        }
        self.blocks.push(RawBlock {
            kind,
            text,
            map,
            strong,
        });
    }

    /// Append the blocks, tables and comments of a nested parse (an HTML `<pre>`).
    pub fn append(&mut self, other: RawDocument) {
        let offset = self.tables.len();
        self.tables.extend(other.tables);
        self.spanned
            .extend(other.spanned.into_iter().map(|t| t + offset));
        self.comments.extend(other.comments);
        self.blocks
            .extend(other.blocks.into_iter().map(|mut block| {
                if let RawKind::TableCell { table, .. } = &mut block.kind {
                    *table += offset;
                }
                block
            }));
    }

    pub fn new_table(&mut self, origin: TableOrigin) -> usize {
        self.tables.push(origin);
        self.tables.len() - 1
    }

    pub fn mark_spanned(&mut self, table: usize) {
        if !self.spanned.contains(&table) {
            self.spanned.push(table);
        }
    }
}

/// A string normalised the way document text is (full-width forms, quotes, spaces next to
/// Chinese), so it can be looked for in a document.
pub fn normalize(text: &str) -> String {
    let mut builder = TextBuilder::default();
    builder.push_source(text, 0, false);
    builder.finish().0
}

/// Parse a decoded file. `lang` overrides language detection.
pub fn parse(file: &SourceFile, format: Format, lang: Option<Lang>) -> Document {
    let raw = match format {
        Format::Markdown => markdown::parse(&file.text),
        Format::Html => html::parse(&file.text),
        Format::Text => text::parse(&MappedText::identity(&file.text, 0)),
    };
    structure::build(raw, format, lang)
}

/// Han share of the letters: Chinese when Han characters make up at least a quarter of the
/// text measured in words (an English word is counted as five letters).
pub fn detect_lang<'a>(texts: impl Iterator<Item = &'a str>) -> Lang {
    let (mut han, mut latin) = (0usize, 0usize);
    for text in texts {
        for c in text.chars() {
            if is_han(c) {
                han += 1;
            } else if c.is_ascii_alphabetic() {
                latin += 1;
            }
        }
    }
    if han > 0 && han * 4 >= han + latin / 5 {
        Lang::Zh
    } else {
        Lang::En
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_from_han_share() {
        assert_eq!(
            detect_lang(["我们收集您的 IMEI 和 Android ID。"].into_iter()),
            Lang::Zh
        );
        assert_eq!(
            detect_lang(["We collect your email address (邮箱) to send receipts."].into_iter()),
            Lang::En
        );
        assert_eq!(detect_lang(std::iter::empty()), Lang::En);
    }
}
