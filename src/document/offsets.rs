//! Text built from pieces of a source file, with a map from every text byte back to the
//! source bytes it came from. Parsers build text with these builders; spans are never
//! searched for again afterwards.

use std::ops::Range;

use crate::source::Span;

/// One run of text bytes and the source bytes it came from. A `linear` run maps byte for
/// byte; any other run (an entity, a full-width character turned half-width) maps as a whole.
#[derive(Clone, Copy, Debug)]
struct Seg {
    text: usize,
    src: usize,
    text_len: usize,
    src_len: usize,
    linear: bool,
}

impl Seg {
    fn text_end(&self) -> usize {
        self.text + self.text_len
    }
    fn src_end(&self) -> usize {
        self.src + self.src_len
    }
}

/// Maps byte ranges of a built text back to source spans.
#[derive(Clone, Debug, Default)]
pub struct OffsetMap {
    segs: Vec<Seg>,
}

impl OffsetMap {
    /// The map of a text that is a verbatim copy of `src` starting at `src_start`.
    pub fn identity(src_start: usize, len: usize) -> Self {
        let mut map = OffsetMap::default();
        map.push(0, src_start, len, len, true);
        map
    }

    fn push(&mut self, text: usize, src: usize, text_len: usize, src_len: usize, linear: bool) {
        if text_len == 0 {
            return;
        }
        if let Some(last) = self.segs.last_mut()
            && linear
            && last.linear
            && last.text_end() == text
            && last.src_end() == src
        {
            last.text_len += text_len;
            last.src_len += src_len;
            return;
        }
        self.segs.push(Seg {
            text,
            src,
            text_len,
            src_len,
            linear,
        });
    }

    fn seg_index(&self, pos: usize) -> Option<usize> {
        let index = self.segs.partition_point(|s| s.text_end() <= pos);
        (index < self.segs.len()).then_some(index)
    }

    /// Source offset of the text byte at `pos`.
    pub fn source_start(&self, pos: usize) -> usize {
        match self.seg_index(pos) {
            Some(i) => {
                let seg = self.segs[i];
                if seg.linear && pos >= seg.text {
                    seg.src + (pos - seg.text)
                } else {
                    seg.src
                }
            }
            None => self.segs.last().map_or(0, Seg::src_end),
        }
    }

    /// Source offset just after the text byte before `pos`.
    pub fn source_end(&self, pos: usize) -> usize {
        if pos == 0 {
            return self.segs.first().map_or(0, |s| s.src);
        }
        match self.seg_index(pos - 1) {
            Some(i) => {
                let seg = self.segs[i];
                if seg.linear {
                    seg.src + (pos - seg.text)
                } else {
                    seg.src_end()
                }
            }
            None => self.segs.last().map_or(0, Seg::src_end),
        }
    }

    pub fn to_source(&self, range: Range<usize>) -> Span {
        let start = self.source_start(range.start);
        let end = self.source_end(range.end).max(start);
        if range.is_empty() {
            Span::new(start, start)
        } else {
            Span::new(start, end)
        }
    }
}

/// Text with its map; the unit handed between parsers (e.g. the content of an HTML `<pre>`).
#[derive(Clone, Debug, Default)]
pub struct MappedText {
    pub text: String,
    pub map: OffsetMap,
}

impl MappedText {
    pub fn identity(text: &str, src_start: usize) -> Self {
        MappedText {
            text: text.to_string(),
            map: OffsetMap::identity(src_start, text.len()),
        }
    }

    /// Append verbatim source text found at `src_start`.
    pub fn push_source(&mut self, piece: &str, src_start: usize) {
        let at = self.text.len();
        self.text.push_str(piece);
        self.map.push(at, src_start, piece.len(), piece.len(), true);
    }

    /// Append `decoded`, which stands for the source bytes `src` (an entity, an escape).
    pub fn push_decoded(&mut self, decoded: &str, src: Span) {
        let at = self.text.len();
        self.text.push_str(decoded);
        self.map
            .push(at, src.start, decoded.len(), src.len(), false);
    }

    /// Calls `f(piece, source)` for the pieces of `range`: `Ok(src_start)` for verbatim text,
    /// `Err(span)` for text that stands for a whole source span.
    pub fn for_each_piece(
        &self,
        range: Range<usize>,
        mut f: impl FnMut(&str, Result<usize, Span>),
    ) {
        let Some(mut i) = self.map.seg_index(range.start) else {
            return;
        };
        while i < self.map.segs.len() {
            let seg = self.map.segs[i];
            if seg.text >= range.end {
                break;
            }
            let start = seg.text.max(range.start);
            let end = seg.text_end().min(range.end);
            if start < end {
                let piece = &self.text[start..end];
                if seg.linear {
                    f(piece, Ok(seg.src + (start - seg.text)));
                } else {
                    f(piece, Err(Span::new(seg.src, seg.src_end())));
                }
            }
            i += 1;
        }
    }
}

/// Builds the normalised prose text of one block.
///
/// Normalisation (documented in the README, relied on by rule patterns): full-width ASCII
/// forms become ASCII, curly and corner quotes become `"`/`'`, zero-width characters vanish,
/// runs of whitespace become one space, and no space is kept next to a CJK character
/// (`15 天` reads `15天`), and 你 reads 您. Hard line breaks stay as `\n` and end sentences.
#[derive(Debug, Default)]
pub struct TextBuilder {
    text: String,
    map: OffsetMap,
    pending_space: Option<usize>,
    /// Whether the last character came from a CJK or full-width one ("：" reads ":" but a
    /// space after it is still next to a Chinese character).
    last_cjk: bool,
    strong_chars: usize,
    plain_chars: usize,
    /// What appending this text to another needs: whether its first character came from a
    /// CJK or full-width one, and the whitespace dropped before it.
    first_cjk: bool,
    leading_space: Option<usize>,
}

impl TextBuilder {
    /// A builder for the text of about `len` source bytes: a line is pushed a piece at a
    /// time, and growing its buffers step by step costs more than the pieces.
    pub fn with_capacity(len: usize) -> Self {
        TextBuilder {
            text: String::with_capacity(len),
            map: OffsetMap {
                segs: Vec::with_capacity(len / 16 + 1),
            },
            ..TextBuilder::default()
        }
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// Append verbatim source text found at `src_start`. `strong` marks bold text.
    pub fn push_source(&mut self, piece: &str, src_start: usize, strong: bool) {
        let mut chars = piece.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            let src = Span::new(src_start + i, src_start + i + c.len_utf8());
            self.push_char(c, src, strong, true);
            if !is_kept(c) {
                continue;
            }
            // Characters the normaliser keeps as they are, after one that was pushed the
            // usual way (which settled any pending space), are copied as one run.
            let run_start = i + c.len_utf8();
            let mut run_end = run_start;
            let mut last = c;
            while let Some(&(j, next)) = chars.peek() {
                if !is_kept(next) {
                    break;
                }
                run_end = j + next.len_utf8();
                last = next;
                chars.next();
            }
            if run_end > run_start {
                let at = self.text.len();
                self.text.push_str(&piece[run_start..run_end]);
                self.map.push(
                    at,
                    src_start + run_start,
                    run_end - run_start,
                    run_end - run_start,
                    true,
                );
                self.last_cjk = is_cjk(last);
            }
        }
    }

    /// Append `decoded`, which stands for the whole source span `src`.
    pub fn push_decoded(&mut self, decoded: &str, src: Span, strong: bool) {
        for c in decoded.chars() {
            self.push_char(c, src, strong, false);
        }
    }

    /// Append `range` of an already mapped text.
    pub fn push_mapped(&mut self, mapped: &MappedText, range: Range<usize>, strong: bool) {
        mapped.for_each_piece(range, |piece, source| match source {
            Ok(src_start) => self.push_source(piece, src_start, strong),
            Err(span) => self.push_decoded(piece, span, strong),
        });
    }

    /// Collapsible whitespace at `src` (a soft line break, an indentation).
    pub fn space(&mut self, src: usize) {
        if self.pending_space.is_none() {
            self.pending_space = Some(src);
        }
    }

    /// A hard line break: ends the current sentence.
    pub fn hard_break(&mut self, src: usize) {
        self.pending_space = None;
        if !self.text.is_empty() && !self.text.ends_with('\n') {
            let at = self.text.len();
            self.text.push('\n');
            self.map.push(at, src, 1, 0, false);
        }
    }

    fn push_char(&mut self, c: char, src: Span, strong: bool, verbatim: bool) {
        let normalized = match normalize_char(c) {
            Normalized::Drop => return,
            Normalized::Space => {
                self.space(src.start);
                return;
            }
            Normalized::Char(n) => n,
        };
        let first = self.text.is_empty();
        if let Some(space_src) = self.pending_space.take() {
            if first {
                self.leading_space = Some(space_src);
            }
            let previous = self.text.chars().next_back();
            let keep = match previous {
                None | Some('\n') => false,
                Some(_) => !self.last_cjk && !is_cjk(c) && !is_cjk(normalized),
            };
            if keep {
                let at = self.text.len();
                self.text.push(' ');
                self.map.push(at, space_src, 1, 0, false);
            }
        }
        let at = self.text.len();
        self.text.push(normalized);
        self.last_cjk = is_cjk(c) || is_cjk(normalized);
        if first {
            self.first_cjk = self.last_cjk;
        }
        let linear = verbatim && normalized.len_utf8() == src.len();
        self.map
            .push(at, src.start, normalized.len_utf8(), src.len(), linear);
        if strong {
            self.strong_chars += 1;
        } else {
            self.plain_chars += 1;
        }
    }

    /// Append the text of `other`, built from source text that follows this one, exactly
    /// as pushing that source text here would have built it.
    pub fn append(&mut self, other: TextBuilder) {
        if other.text.is_empty() {
            if let Some(src) = other.pending_space {
                self.space(src);
            }
            return;
        }
        if self.text.is_empty() {
            self.first_cjk = other.first_cjk;
        }
        if let Some(space_src) = self.pending_space.take().or(other.leading_space) {
            if self.text.is_empty() {
                self.leading_space = Some(space_src);
            }
            let keep = match self.text.chars().next_back() {
                None | Some('\n') => false,
                Some(_) => !self.last_cjk && !other.first_cjk,
            };
            if keep {
                let at = self.text.len();
                self.text.push(' ');
                self.map.push(at, space_src, 1, 0, false);
            }
        }
        let shift = self.text.len();
        self.text.push_str(&other.text);
        for seg in other.map.segs {
            (self.map).push(
                seg.text + shift,
                seg.src,
                seg.text_len,
                seg.src_len,
                seg.linear,
            );
        }
        self.last_cjk = other.last_cjk;
        self.pending_space = other.pending_space;
        self.strong_chars += other.strong_chars;
        self.plain_chars += other.plain_chars;
    }

    /// Where the text built so far ends in the source.
    pub fn source_end(&self) -> usize {
        self.map.source_end(self.text.len())
    }

    /// True when every visible character was bold (a typical pseudo-heading).
    pub fn all_strong(&self) -> bool {
        self.strong_chars > 0 && self.plain_chars == 0
    }

    pub fn finish(mut self) -> (String, OffsetMap) {
        while self.text.ends_with('\n') {
            self.text.pop();
        }
        (self.text, self.map)
    }
}

enum Normalized {
    Drop,
    Space,
    Char(char),
}

/// Whether the normaliser keeps `c` as it is (the common case, tested first).
fn is_kept(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_graphic();
    }
    // Han ideographs, most of a Chinese text, are kept, except 你 (read as 您).
    if ('\u{4E00}'..='\u{9FFF}').contains(&c) {
        return c != '你';
    }
    matches!(normalize_char(c), Normalized::Char(n) if n == c)
}

/// Whether the normaliser replaces or drops `c`, so a pattern holding it never matches.
/// (The space is what whitespace becomes.)
pub fn is_normalised_away(c: char) -> bool {
    c != ' ' && !is_kept(c)
}

fn normalize_char(c: char) -> Normalized {
    match c {
        '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}' => Normalized::Drop,
        c if c.is_whitespace() => Normalized::Space,
        c if c.is_control() => Normalized::Space,
        '\u{FF01}'..='\u{FF5E}' => Normalized::Char(char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)),
        '“' | '”' | '„' | '‟' | '〝' | '〞' | '「' | '」' | '『' | '』' => {
            Normalized::Char('"')
        }
        '‘' | '’' | '‚' | '‛' => Normalized::Char('\''),
        // The ratio sign and the vertical colon stand in for a colon in some exports.
        '∶' | '︰' => Normalized::Char(':'),
        // The familiar and the polite "you" say the same thing; patterns use 您.
        '你' => Normalized::Char('您'),
        c => Normalized::Char(c),
    }
}

/// Characters next to which whitespace carries no meaning: Han, kana, CJK punctuation and
/// full-width forms. (Hangul is excluded: Korean separates words with spaces.)
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x2FDF
        | 0x3000..=0x303F
        | 0x3040..=0x30FF
        | 0x3100..=0x31FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFFEF
        | 0x20000..=0x2FA1F)
}

/// Han ideographs only (for language detection).
pub fn is_han(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(source: &str) -> (String, OffsetMap) {
        let mut builder = TextBuilder::default();
        builder.push_source(source, 0, false);
        builder.finish()
    }

    /// `first` then `second` pushed into one builder, and `second` built alone and appended.
    fn pushed_and_appended(first: &str, prepare: fn(&mut TextBuilder), second: &str) {
        let mut pushed = TextBuilder::default();
        pushed.push_source(first, 0, false);
        prepare(&mut pushed);
        pushed.push_source(second, first.len() + 1, true);
        let mut appended = TextBuilder::default();
        appended.push_source(first, 0, false);
        prepare(&mut appended);
        let mut alone = TextBuilder::default();
        alone.push_source(second, first.len() + 1, true);
        appended.append(alone);
        assert_eq!(
            format!("{pushed:?}"),
            format!("{appended:?}"),
            "{first:?} + {second:?}"
        );
    }

    #[test]
    fn appending_equals_pushing() {
        let joins: [fn(&mut TextBuilder); 3] = [|_| {}, |b| b.space(3), |b| b.hard_break(3)];
        let pieces = [
            "",
            " ",
            "  ab",
            "ab ",
            "我们",
            " 我们收集",
            "：说明",
            "Ｓdk 信息 ",
            "\u{200B}",
            "x\ty",
        ];
        for prepare in joins {
            for first in pieces {
                for second in pieces {
                    pushed_and_appended(first, prepare, second);
                }
            }
        }
    }

    #[test]
    fn normalises_and_maps_back() {
        let source = "我们将在 １５ 天内回复（工作日）： “撤回”";
        let (text, map) = build(source);
        assert_eq!(text, "我们将在15天内回复(工作日):\"撤回\"");
        let at = text.find("15").unwrap();
        let span = map.to_source(at..at + 2);
        assert_eq!(&source[span.start..span.end], "１５");
        let at = text.find("撤回").unwrap();
        let span = map.to_source(at - 1..at + "撤回".len() + 1);
        assert_eq!(&source[span.start..span.end], "“撤回”");
    }

    #[test]
    fn keeps_single_spaces_between_latin_words() {
        let (text, _) = build("  We   collect\n your\temail. ");
        assert_eq!(text, "We collect your email.");
    }

    #[test]
    fn decoded_pieces_map_as_a_whole() {
        let mut builder = TextBuilder::default();
        builder.push_source("a ", 0, false);
        builder.push_decoded("&", Span::new(2, 7), false);
        builder.push_source(" b", 7, false);
        let (text, map) = builder.finish();
        assert_eq!(text, "a & b");
        assert_eq!(map.to_source(2..3), Span::new(2, 7));
        assert_eq!(map.to_source(0..5), Span::new(0, 9));
    }

    #[test]
    fn mapped_text_pieces_round_trip() {
        let mut mapped = MappedText::default();
        mapped.push_source("x", 10);
        mapped.push_decoded("<", Span::new(11, 15));
        mapped.push_source("隐私", 15);
        let mut builder = TextBuilder::default();
        builder.push_mapped(&mapped, 0..mapped.text.len(), false);
        let (text, map) = builder.finish();
        assert_eq!(text, "x<隐私");
        assert_eq!(map.to_source(2..8), Span::new(15, 21));
        assert_eq!(map.to_source(1..2), Span::new(11, 15));
    }
}
