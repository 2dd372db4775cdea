//! HTML as crawled from the web: a forgiving tokenizer that never backtracks. `head`,
//! `script`, `style`, `template`, `noscript` and hidden elements are skipped; block elements
//! and `<br>` end blocks; `<pre>` is prose and goes through the plain-text front end;
//! entities are decoded and every character keeps its source offset.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::OnceLock;

use super::{Comment, MappedText, RawDocument, RawKind, TableOrigin, TextBuilder, text};
use crate::source::Span;

pub(crate) fn parse(source: &str) -> RawDocument {
    let mut doc = RawDocument::default();
    parse_into(&mut doc, source, 0..source.len());
    doc
}

/// An HTML comment at `range` of `source`.
pub(crate) fn comment(source: &str, range: Range<usize>) -> Comment {
    let raw = &source[range.clone()];
    let inner = raw
        .trim()
        .trim_start_matches("<!--")
        .trim_end_matches("-->")
        .trim();
    Comment {
        span: Span::new(range.start, range.end),
        text: inner.to_string(),
    }
}

/// Elements whose content is not prose. Raw-text ones (`script`, `style`) are jumped over.
const SKIPPED: &[&str] = &[
    "head", "template", "noscript", "svg", "math", "iframe", "object", "select", "textarea",
    "title", "button", "nav",
];
const RAW_TEXT: &[&str] = &["script", "style", "xmp"];
const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
];
const BLOCKS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "body",
    "caption",
    "center",
    "dd",
    "details",
    "dialog",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "header",
    "hgroup",
    "hr",
    "html",
    "legend",
    "li",
    "main",
    "ol",
    "p",
    "section",
    "summary",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "pre",
];

struct Tag<'a> {
    name: String,
    end: bool,
    self_closing: bool,
    attrs: &'a str,
    range: Range<usize>,
}

struct TableContext {
    id: usize,
    row: Option<usize>,
    col: usize,
    in_head: bool,
    /// Per column, how many more rows a `rowspan` cell above still covers.
    spanned_below: Vec<usize>,
    /// Columns of the current row covered by a cell above.
    covered: Vec<bool>,
}

struct Parser<'a> {
    source: &'a str,
    doc: &'a mut RawDocument,
    current: Option<(RawKind, TextBuilder)>,
    strong: usize,
    /// Skipping the content of an element: its name and nesting depth.
    skipping: Option<(String, usize)>,
    pre: Option<MappedText>,
    tables: Vec<TableContext>,
    /// Per open link, the target worth keeping in the text: an e-mail address, or a web
    /// address inside a table (the privacy-policy column of an SDK list).
    targets: Vec<Option<String>>,
}

pub(crate) fn parse_into(doc: &mut RawDocument, source: &str, range: Range<usize>) {
    let mut parser = Parser {
        source,
        doc,
        current: None,
        strong: 0,
        skipping: None,
        pre: None,
        tables: Vec::new(),
        targets: Vec::new(),
    };
    parser.run(range);
}

impl Parser<'_> {
    fn run(&mut self, range: Range<usize>) {
        let source = self.source;
        let bytes = source.as_bytes();
        let end = range.end;
        let mut pos = range.start;
        // Where the next '>' is; None once there is none left (then every '<' is text).
        let mut next_gt = memchr(b'>', bytes, pos, end);
        while pos < end {
            let Some(special) = memchr2(b'<', b'&', bytes, pos, end) else {
                self.text(pos..end);
                break;
            };
            if special > pos {
                self.text(pos..special);
            }
            pos = special;
            if bytes[pos] == b'&' {
                pos = self.entity(pos, end);
                continue;
            }
            if next_gt.is_some_and(|gt| gt < pos) {
                next_gt = memchr(b'>', bytes, pos, end);
            }
            let Some(gt) = next_gt else {
                self.text(pos..pos + 1);
                pos += 1;
                continue;
            };
            pos = self.markup(pos, gt, end);
        }
        self.finish_pre();
        self.flush();
    }

    /// Handles the markup starting at `lt`; returns where text resumes.
    fn markup(&mut self, lt: usize, first_gt: usize, end: usize) -> usize {
        let source = self.source;
        let rest = &source[lt..end];
        if rest.starts_with("<!--") {
            let close = find(source, "-->", lt + 4, end).map_or(end, |p| p + 3);
            if self.skipping.is_none() {
                self.doc.comments.push(comment(source, lt..close));
            }
            return close;
        }
        if rest.starts_with("<![CDATA[") {
            return find(source, "]]>", lt, end).map_or(end, |p| p + 3);
        }
        if rest.starts_with("<!") || rest.starts_with("<?") {
            return first_gt + 1;
        }
        let Some(tag) = parse_tag(source, lt, first_gt, end) else {
            // A '<' that starts no tag is text.
            self.text(lt..lt + 1);
            return lt + 1;
        };
        let resume = tag.range.end;
        if let Some((name, depth)) = &mut self.skipping {
            if tag.name == *name && !tag.self_closing {
                if tag.end {
                    *depth -= 1;
                } else {
                    *depth += 1;
                }
            }
            let body_ends_head = tag.name == "body" && name == "head" && !tag.end;
            if *depth == 0 || body_ends_head {
                self.skipping = None;
            }
            return resume;
        }
        if !tag.end && RAW_TEXT.contains(&tag.name.as_str()) {
            let closing = format!("</{}", tag.name);
            return find_ascii_ci(source, &closing, resume, end).map_or(end, |p| {
                memchr(b'>', source.as_bytes(), p, end).map_or(end, |g| g + 1)
            });
        }
        if !tag.end
            && !tag.self_closing
            && (SKIPPED.contains(&tag.name.as_str()) || hidden(tag.attrs))
        {
            if !VOID.contains(&tag.name.as_str()) {
                self.skipping = Some((tag.name.clone(), 1));
            }
            return resume;
        }
        self.tag(&tag);
        resume
    }

    fn tag(&mut self, tag: &Tag<'_>) {
        let name = tag.name.as_str();
        if self.pre.is_some() {
            match (name, tag.end) {
                ("pre", true) => self.finish_pre(),
                ("br", _) => {
                    if let Some(pre) = &mut self.pre {
                        pre.push_decoded("\n", Span::new(tag.range.start, tag.range.end));
                    }
                }
                _ => {}
            }
            return;
        }
        match name {
            "b" | "strong" => {
                if tag.end {
                    self.strong = self.strong.saturating_sub(1);
                } else if !tag.self_closing {
                    self.strong += 1;
                }
                return;
            }
            "a" => {
                self.link(tag);
                return;
            }
            "br" => {
                self.flush();
                return;
            }
            _ => {}
        }
        if !BLOCKS.contains(&name) {
            return;
        }
        self.flush();
        if tag.end {
            self.end_block(name);
            return;
        }
        match name {
            "pre" => self.pre = Some(MappedText::default()),
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                let level = name[1..].parse().unwrap_or(1);
                self.current = Some((RawKind::Heading(level), TextBuilder::default()));
            }
            "li" | "dt" | "dd" => self.current = Some((RawKind::ListItem, TextBuilder::default())),
            "table" => {
                let id = self.doc.new_table(TableOrigin::Markup);
                self.tables.push(TableContext {
                    id,
                    row: None,
                    col: 0,
                    in_head: false,
                    spanned_below: Vec::new(),
                    covered: Vec::new(),
                });
            }
            "thead" => {
                if let Some(table) = self.tables.last_mut() {
                    table.in_head = true;
                }
            }
            "tbody" | "tfoot" => {
                if let Some(table) = self.tables.last_mut() {
                    table.in_head = false;
                }
            }
            "tr" => {
                if let Some(table) = self.tables.last_mut() {
                    table.row = Some(table.row.map_or(0, |r| r + 1));
                    table.col = 0;
                    table.covered = table.spanned_below.iter().map(|&n| n > 0).collect();
                    for n in &mut table.spanned_below {
                        *n = n.saturating_sub(1);
                    }
                }
            }
            "td" | "th" => {
                if let Some(table) = self.tables.last_mut() {
                    let row = *table.row.get_or_insert(0);
                    while table.covered.get(table.col).copied().unwrap_or(false) {
                        table.col += 1;
                    }
                    let span = |name: &str| {
                        attr(tag.attrs, name)
                            .and_then(|v| v.trim().parse::<usize>().ok())
                            .unwrap_or(1)
                            .clamp(1, 1000)
                    };
                    let (rows, cols) = (span("rowspan"), span("colspan").min(64));
                    if rows > 1 {
                        let end = table.col + cols;
                        if table.spanned_below.len() < end {
                            table.spanned_below.resize(end, 0);
                        }
                        for n in &mut table.spanned_below[table.col..end] {
                            *n = rows - 1;
                        }
                        self.doc.mark_spanned(table.id);
                    }
                    let kind = RawKind::TableCell {
                        table: table.id,
                        row,
                        col: table.col,
                        header: name == "th" || table.in_head,
                    };
                    table.col += cols;
                    self.current = Some((kind, TextBuilder::default()));
                }
            }
            _ => {}
        }
    }

    fn end_block(&mut self, name: &str) {
        match name {
            "table" => {
                self.tables.pop();
            }
            "thead" => {
                if let Some(table) = self.tables.last_mut() {
                    table.in_head = false;
                }
            }
            _ => {}
        }
    }

    fn link(&mut self, tag: &Tag<'_>) {
        if tag.end {
            if let Some(Some(target)) = self.targets.pop()
                && !self.builder().text().contains(target.as_str())
            {
                let at = tag.range.start;
                let shown = format!(" ({target})");
                self.builder()
                    .push_decoded(&shown, Span::new(at, at), false);
            }
        } else if !tag.self_closing {
            let in_table = self.tables.last().is_some_and(|t| t.row.is_some());
            self.targets.push(attr(tag.attrs, "href").and_then(|href| {
                if let Some(address) = href.strip_prefix("mailto:") {
                    Some(address.split('?').next().unwrap_or(address).to_string())
                } else {
                    let web = href.starts_with("http://") || href.starts_with("https://");
                    (web && in_table).then(|| href.to_string())
                }
            }));
        }
    }

    fn builder(&mut self) -> &mut TextBuilder {
        &mut self
            .current
            .get_or_insert_with(|| (RawKind::Paragraph, TextBuilder::default()))
            .1
    }

    fn flush(&mut self) {
        if let Some((kind, builder)) = self.current.take() {
            self.doc.push(kind, builder);
        }
    }

    fn finish_pre(&mut self) {
        if let Some(pre) = self.pre.take() {
            self.doc.append(text::parse(&pre));
        }
    }

    fn text(&mut self, range: Range<usize>) {
        if self.skipping.is_some() || range.is_empty() {
            return;
        }
        let piece = &self.source[range.clone()];
        if let Some(pre) = &mut self.pre {
            pre.push_source(piece, range.start);
            return;
        }
        if piece.trim().is_empty() {
            if let Some((_, builder)) = &mut self.current {
                builder.space(range.start);
            }
            return;
        }
        let strong = self.strong > 0;
        self.builder().push_source(piece, range.start, strong);
    }

    /// Decodes the entity at `amp`; returns where text resumes.
    fn entity(&mut self, amp: usize, end: usize) -> usize {
        let source = self.source;
        match decode_entity(&source[amp..end]) {
            Some((decoded, len)) => {
                if self.skipping.is_none() {
                    let span = Span::new(amp, amp + len);
                    if let Some(pre) = &mut self.pre {
                        pre.push_decoded(&decoded, span);
                    } else {
                        let strong = self.strong > 0;
                        self.builder().push_decoded(&decoded, span, strong);
                    }
                }
                amp + len
            }
            None => {
                self.text(amp..amp + 1);
                amp + 1
            }
        }
    }
}

/// Parses the tag at `lt`. A `>` inside a quoted attribute value does not end the tag, but an
/// unclosed quote does not swallow the document either.
fn parse_tag<'a>(source: &'a str, lt: usize, first_gt: usize, end: usize) -> Option<Tag<'a>> {
    let bytes = source.as_bytes();
    let mut pos = lt + 1;
    let is_end = bytes.get(pos) == Some(&b'/');
    if is_end {
        pos += 1;
    }
    if !bytes.get(pos).is_some_and(u8::is_ascii_alphabetic) {
        return None;
    }
    let name_start = pos;
    while pos < end && (bytes[pos].is_ascii_alphanumeric() || matches!(bytes[pos], b'-' | b':')) {
        pos += 1;
    }
    let name = source[name_start..pos].to_ascii_lowercase();
    let attrs_start = pos;
    let mut gt = first_gt;
    let mut quote: Option<u8> = None;
    let scan_limit = end.min(attrs_start + 8192);
    let mut i = attrs_start;
    while i < scan_limit {
        let b = bytes[i];
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'"' || b == b'\'' => quote = Some(b),
            None if b == b'>' => {
                gt = i;
                break;
            }
            None => {}
        }
        i += 1;
    }
    if gt < attrs_start {
        gt = first_gt.max(attrs_start);
    }
    let attrs = &source[attrs_start..gt.min(end)];
    let self_closing = attrs.trim_end().ends_with('/');
    Some(Tag {
        name,
        end: is_end,
        self_closing,
        attrs,
        range: lt..(gt + 1).min(end),
    })
}

fn hidden(attrs: &str) -> bool {
    let lower = attrs.to_ascii_lowercase();
    let compact: String = lower.chars().filter(|c| !c.is_whitespace()).collect();
    compact.contains("display:none")
        || lower
            .split(|c: char| c.is_whitespace() || c == '/')
            .any(|word| word == "hidden" || word.starts_with("hidden="))
}

fn attr<'a>(attrs: &'a str, name: &str) -> Option<&'a str> {
    let lower = attrs.to_ascii_lowercase();
    let mut search = 0;
    while let Some(found) = lower[search..].find(name) {
        let at = search + found;
        let before_ok = at == 0 || !lower.as_bytes()[at - 1].is_ascii_alphanumeric();
        let rest = attrs[at + name.len()..].trim_start();
        if before_ok && let Some(value) = rest.strip_prefix('=') {
            let value = value.trim_start();
            let (quoted, body) = match value.chars().next() {
                Some(q @ ('"' | '\'')) => (Some(q), &value[1..]),
                _ => (None, value),
            };
            let end = match quoted {
                Some(q) => body.find(q).unwrap_or(body.len()),
                None => body
                    .find(|c: char| c.is_whitespace() || c == '>')
                    .unwrap_or(body.len()),
            };
            return Some(&body[..end]);
        }
        search = at + name.len();
    }
    None
}

/// Decodes `&name;`, `&#123;` or `&#x1F;` at the start of `text`: the characters and the
/// number of source bytes they replace.
fn decode_entity(text: &str) -> Option<(String, usize)> {
    let bytes = text.as_bytes();
    if bytes.get(1) == Some(&b'#') {
        let (digits_start, radix) = match bytes.get(2) {
            Some(b'x' | b'X') => (3, 16),
            _ => (2, 10),
        };
        let digits = text[digits_start..]
            .bytes()
            .take(8)
            .take_while(|b| b.is_ascii_hexdigit() && (radix == 16 || b.is_ascii_digit()))
            .count();
        if digits == 0 {
            return None;
        }
        let value = u32::from_str_radix(&text[digits_start..digits_start + digits], radix).ok()?;
        let c = char::from_u32(value)
            .filter(|&c| c != '\0')
            .unwrap_or('\u{FFFD}');
        let mut len = digits_start + digits;
        if bytes.get(len) == Some(&b';') {
            len += 1;
        }
        return Some((c.to_string(), len));
    }
    let name_len = text[1..]
        .bytes()
        .take(32)
        .take_while(u8::is_ascii_alphanumeric)
        .count();
    if name_len == 0 {
        return None;
    }
    let table = entity_table();
    let with_semicolon = bytes.get(1 + name_len) == Some(&b';');
    if with_semicolon {
        let key = &text[..name_len + 2];
        if let Some(value) = table.get(key) {
            return Some((value.to_string(), key.len()));
        }
    }
    // Legacy entities without a semicolon (`&nbsp`, `&amp`, `&copy`...).
    for legacy in ["nbsp", "amp", "lt", "gt", "quot", "copy", "reg"] {
        if text[1..].starts_with(legacy) {
            let key = format!("&{legacy};");
            return table
                .get(key.as_str())
                .map(|v| (v.to_string(), 1 + legacy.len()));
        }
    }
    None
}

fn entity_table() -> &'static HashMap<&'static str, &'static str> {
    static TABLE: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    TABLE.get_or_init(|| {
        entities::ENTITIES
            .iter()
            .filter(|e| e.entity.ends_with(';'))
            .map(|e| (e.entity, e.characters))
            .collect()
    })
}

fn memchr(needle: u8, bytes: &[u8], from: usize, to: usize) -> Option<usize> {
    bytes[from.min(to)..to]
        .iter()
        .position(|&b| b == needle)
        .map(|p| p + from)
}

fn memchr2(a: u8, b: u8, bytes: &[u8], from: usize, to: usize) -> Option<usize> {
    bytes[from.min(to)..to]
        .iter()
        .position(|&c| c == a || c == b)
        .map(|p| p + from)
}

fn find(source: &str, needle: &str, from: usize, to: usize) -> Option<usize> {
    source.get(from..to)?.find(needle).map(|p| p + from)
}

fn find_ascii_ci(source: &str, needle: &str, from: usize, to: usize) -> Option<usize> {
    let hay = source.as_bytes().get(from..to)?;
    let needle = needle.as_bytes();
    hay.windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
        .map(|p| p + from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(source: &str) -> Vec<String> {
        parse(source).blocks.into_iter().map(|b| b.text).collect()
    }

    #[test]
    fn skips_non_prose_and_splits_blocks() {
        let source = "<html><head><title>x</title><style>p{}</style></head><body>\
            <script>var a = '<p>';</script><h2>一、联系我们</h2><p>电话:&nbsp;029-12333<br>邮箱: a@b.cn</p>\
            <div hidden>隐藏</div><noscript>请启用</noscript></body></html>";
        assert_eq!(
            texts(source),
            vec!["一、联系我们", "电话: 029-12333", "邮箱: a@b.cn"]
        );
    }

    #[test]
    fn pre_content_is_plain_text() {
        let source = "<body><pre id=\"s1\">一、提示条款\n我们会收集您的手机号码。\n二、联系我们\n电话 &lt;400&gt;\n</pre></body>";
        let doc = parse(source);
        let texts: Vec<&str> = doc.blocks.iter().map(|b| b.text.as_str()).collect();
        assert_eq!(
            texts,
            vec![
                "一、提示条款",
                "我们会收集您的手机号码。",
                "二、联系我们",
                "电话<400>"
            ]
        );
        let last = &doc.blocks[3];
        let at = last.text.find('<').unwrap();
        let span = last.map.to_source(at..at + 1);
        assert_eq!(&source[span.start..span.end], "&lt;");
    }

    #[test]
    fn tables_cells_and_headers() {
        let source = "<table><thead><tr><th>SDK名称</th><th>收集信息</th></tr></thead>\
            <tbody><tr><td>友盟</td><td>设备信息</td></tr></tbody></table>";
        let doc = parse(source);
        let kinds: Vec<RawKind> = doc.blocks.iter().map(|b| b.kind).collect();
        assert_eq!(
            kinds[2],
            RawKind::TableCell {
                table: 0,
                row: 1,
                col: 0,
                header: false
            }
        );
        assert!(matches!(kinds[0], RawKind::TableCell { header: true, .. }));
    }

    #[test]
    fn broken_markup_never_loops_or_panics() {
        for source in [
            "<",
            "<<<>>>",
            "<a href=\"unclosed>text",
            "&#xFFFFFFFF; &#0; &bogus; &",
            "<div><div><div>text",
            "<script>never closed",
            "<!-- never closed",
            "</p></div>text</pre>",
        ] {
            let _ = parse(source);
        }
        assert_eq!(texts("a < b &amp; c"), vec!["a < b & c"]);
    }

    #[test]
    fn mailto_links_keep_the_address() {
        assert_eq!(
            texts("<p>请<a href=\"mailto:dpo@example.cn\">联系我们</a>。</p>"),
            vec!["请联系我们(dpo@example.cn)。"]
        );
    }
}
