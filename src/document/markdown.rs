//! Markdown via pulldown-cmark's offset iterator. Headings, paragraphs, list items, table
//! cells and block quotes become blocks; code blocks and front matter are skipped; raw HTML
//! blocks go through the HTML front end; HTML comments are kept for directives.

use std::ops::Range;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

use super::{RawDocument, RawKind, TableOrigin, TextBuilder, html};
use crate::source::Span;

struct State<'a> {
    source: &'a str,
    doc: RawDocument,
    current: Option<(RawKind, TextBuilder)>,
    strong: usize,
    /// Inside code blocks, front matter and images: text is not prose.
    skip: usize,
    html_block: Option<Range<usize>>,
    table: Option<TableState>,
    links: Vec<String>,
}

struct TableState {
    id: usize,
    row: usize,
    col: usize,
    in_head: bool,
}

pub(crate) fn parse(source: &str) -> RawDocument {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_YAML_STYLE_METADATA_BLOCKS
        // Hugo's TOML front matter (`+++`), as YAML's (`---`), is not policy text.
        | Options::ENABLE_PLUSES_DELIMITED_METADATA_BLOCKS;
    let mut state = State {
        source,
        doc: RawDocument::default(),
        current: None,
        strong: 0,
        skip: 0,
        html_block: None,
        table: None,
        links: Vec::new(),
    };
    for (event, range) in Parser::new_ext(source, options).into_offset_iter() {
        state.event(event, range);
    }
    state.flush();
    state.doc
}

impl State<'_> {
    fn flush(&mut self) {
        if let Some((kind, builder)) = self.current.take() {
            self.doc.push(kind, builder);
        }
    }

    fn start(&mut self, kind: RawKind) {
        self.flush();
        self.current = Some((kind, TextBuilder::default()));
    }

    fn builder(&mut self) -> &mut TextBuilder {
        &mut self
            .current
            .get_or_insert_with(|| (RawKind::Paragraph, TextBuilder::default()))
            .1
    }

    fn event(&mut self, event: Event<'_>, range: Range<usize>) {
        if self.skip > 0 {
            match event {
                Event::Start(Tag::CodeBlock(_) | Tag::MetadataBlock(_) | Tag::Image { .. }) => {
                    self.skip += 1
                }
                Event::End(TagEnd::CodeBlock | TagEnd::MetadataBlock(_) | TagEnd::Image) => {
                    self.skip -= 1
                }
                _ => {}
            }
            return;
        }
        match event {
            Event::Start(tag) => self.start_tag(tag, range),
            Event::End(tag) => self.end_tag(tag),
            Event::Text(text) => self.text(&text, range),
            Event::Code(code) => {
                let slice = &self.source[range.clone()];
                let strong = self.strong > 0;
                match slice.find(code.as_ref()) {
                    Some(at) => self.builder().push_source(&code, range.start + at, strong),
                    None => self.builder().push_decoded(
                        &code,
                        Span::new(range.start, range.end),
                        strong,
                    ),
                }
            }
            Event::SoftBreak => self.builder().space(range.start),
            Event::HardBreak => self.builder().hard_break(range.start),
            Event::Html(_) => {
                if let Some(block) = &mut self.html_block {
                    block.end = range.end;
                }
            }
            Event::InlineHtml(html) => self.inline_html(&html, range),
            Event::Rule => self.flush(),
            _ => {}
        }
    }

    fn text(&mut self, text: &str, range: Range<usize>) {
        let strong = self.strong > 0;
        let verbatim = self.source.get(range.clone()) == Some(text);
        let builder = self.builder();
        if verbatim {
            builder.push_source(text, range.start, strong);
        } else {
            builder.push_decoded(text, Span::new(range.start, range.end), strong);
        }
    }

    fn inline_html(&mut self, html: &str, range: Range<usize>) {
        let lower = html.trim().to_ascii_lowercase();
        if lower.starts_with("<!--") {
            self.doc.comments.push(html::comment(self.source, range));
        } else if lower.starts_with("<br") {
            self.builder().hard_break(range.start);
        }
    }

    fn start_tag(&mut self, tag: Tag<'_>, range: Range<usize>) {
        match tag {
            Tag::Paragraph => {
                let item_is_empty = matches!(&self.current, Some((RawKind::ListItem, b)) if b.is_empty())
                    || matches!(&self.current, Some((RawKind::TableCell { .. }, _)));
                if !item_is_empty {
                    self.start(RawKind::Paragraph);
                }
            }
            Tag::Heading { level, .. } => self.start(RawKind::Heading(level as u8)),
            Tag::Item => self.start(RawKind::ListItem),
            Tag::List(_) | Tag::BlockQuote(_) | Tag::FootnoteDefinition(_) => self.flush(),
            Tag::CodeBlock(_) | Tag::MetadataBlock(_) => {
                self.flush();
                self.skip += 1;
            }
            Tag::Image { .. } => self.skip += 1,
            Tag::HtmlBlock => {
                self.flush();
                self.html_block = Some(range);
            }
            Tag::Table(_) => {
                self.flush();
                let id = self.doc.new_table(TableOrigin::Markup);
                self.table = Some(TableState {
                    id,
                    row: 0,
                    col: 0,
                    in_head: false,
                });
            }
            Tag::TableHead => {
                if let Some(table) = &mut self.table {
                    table.in_head = true;
                    table.col = 0;
                }
            }
            Tag::TableRow => {
                if let Some(table) = &mut self.table {
                    table.col = 0;
                }
            }
            Tag::TableCell => {
                if let Some(table) = &self.table {
                    let kind = RawKind::TableCell {
                        table: table.id,
                        row: table.row,
                        col: table.col,
                        header: table.in_head,
                    };
                    self.start(kind);
                }
            }
            Tag::Strong => self.strong += 1,
            Tag::Link { dest_url, .. } => self.links.push(dest_url.to_string()),
            _ => {}
        }
    }

    fn end_tag(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item
                if !matches!(&self.current, Some((RawKind::TableCell { .. }, _))) =>
            {
                self.flush();
            }
            TagEnd::HtmlBlock => {
                if let Some(block) = self.html_block.take() {
                    html::parse_into(&mut self.doc, self.source, block);
                }
            }
            TagEnd::TableCell => {
                self.flush();
                if let Some(table) = &mut self.table {
                    table.col += 1;
                }
            }
            TagEnd::TableHead | TagEnd::TableRow => {
                if let Some(table) = &mut self.table {
                    table.row += 1;
                    table.in_head = false;
                }
            }
            TagEnd::Table => self.table = None,
            TagEnd::Strong => self.strong = self.strong.saturating_sub(1),
            TagEnd::Link => {
                // Keep the target of a link: an e-mail address or a policy URL is content.
                if let Some(url) = self.links.pop()
                    && !url.is_empty()
                    && !url.starts_with('#')
                    && !self.builder().text().ends_with(url.as_str())
                {
                    let at = self.builder().source_end();
                    let shown = format!(" ({})", url.trim_start_matches("mailto:"));
                    self.builder()
                        .push_decoded(&shown, Span::new(at, at), false);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocks(source: &str) -> Vec<(RawKind, String)> {
        parse(source)
            .blocks
            .into_iter()
            .map(|b| (b.kind, b.text))
            .collect()
    }

    #[test]
    fn headings_paragraphs_lists_and_code() {
        let source = "# 隐私政策\n\n我们会**收集**您的手机号码。\n\n- 撤回同意\n- 注销账号\n\n```\n15天内答复\n```\n";
        assert_eq!(
            blocks(source),
            vec![
                (RawKind::Heading(1), "隐私政策".into()),
                (RawKind::Paragraph, "我们会收集您的手机号码。".into()),
                (RawKind::ListItem, "撤回同意".into()),
                (RawKind::ListItem, "注销账号".into()),
            ]
        );
    }

    #[test]
    fn yaml_and_toml_front_matter_are_skipped() {
        for fence in ["---", "+++"] {
            let source = format!("{fence}\ntitle: 继续使用即视为同意\n{fence}\n\n# 隐私政策\n");
            assert_eq!(
                blocks(&source),
                vec![(RawKind::Heading(1), "隐私政策".into())],
                "{fence}"
            );
        }
    }

    #[test]
    fn tables_and_html_blocks() {
        let source = "| SDK名称 | 收集信息 |\n|---|---|\n| 友盟 | 设备信息 |\n\n<table><tr><td>极光</td><td>IMEI</td></tr></table>\n";
        let doc = parse(source);
        let texts: Vec<&str> = doc.blocks.iter().map(|b| b.text.as_str()).collect();
        assert_eq!(
            texts,
            vec!["SDK名称", "收集信息", "友盟", "设备信息", "极光", "IMEI"]
        );
        assert_eq!(doc.tables.len(), 2);
        assert!(matches!(
            doc.blocks[2].kind,
            RawKind::TableCell {
                row: 1,
                col: 0,
                header: false,
                ..
            }
        ));
    }

    #[test]
    fn entities_map_back_and_comments_are_kept() {
        let source = "<!-- privlint-disable missing-contact -->\n\nA &amp; B, e-mail [us](mailto:dpo@example.com).\n";
        let doc = parse(source);
        assert_eq!(doc.comments.len(), 1);
        let block = &doc.blocks[0];
        assert_eq!(block.text, "A & B, e-mail us (dpo@example.com).");
        let at = block.text.find('&').unwrap();
        let span = block.map.to_source(at..at + 1);
        assert_eq!(&source[span.start..span.end], "&amp;");
    }
}
