//! `privlint debug parse`: what the linter sees in a document.

use std::fmt::Write;

use crate::document::{BlockKind, Document};
use crate::sdk::{Field, SdkEntry};
use crate::source::{SourceFile, Span};

pub fn render_parse(file: &SourceFile, doc: &Document, sdks: &[SdkEntry]) -> String {
    let mut out = String::new();
    let pos = |span: Span| {
        let (a, b) = (file.position(span.start), file.position(span.end));
        format!("{}:{}-{}:{}", a.line, a.column, b.line, b.column)
    };
    let _ = writeln!(
        out,
        "file: {}\nformat: {}  lang: {}  encoding: {}",
        file.display,
        doc.format.name(),
        doc.lang.code(),
        file.encoding
    );
    match doc.title {
        Some(t) => {
            let _ = writeln!(out, "title: #{t} {:?}", doc.blocks[t].text);
        }
        None => {
            let _ = writeln!(out, "title: none");
        }
    }
    let _ = writeln!(out, "\nsections:");
    for (index, section) in doc.sections.iter().enumerate().skip(1) {
        let depth = depth(doc, index);
        let heading = section.heading.map_or("", |h| doc.blocks[h].text.as_str());
        let _ = writeln!(
            out,
            "{:indent$}§{index} level {} {:?} blocks {}..{}",
            "",
            section.level,
            heading,
            section.blocks.start,
            section.blocks.end,
            indent = depth * 2
        );
    }
    if !doc.tables.is_empty() {
        let _ = writeln!(out, "\ntables:");
        for (index, table) in doc.tables.iter().enumerate() {
            let columns = table.rows.iter().map(Vec::len).max().unwrap_or(0);
            let _ = writeln!(
                out,
                "  table {index} ({:?}): {} rows x {} columns, {} header row(s)",
                table.origin,
                table.rows.len(),
                columns,
                table.header_rows
            );
            for row in &table.rows {
                let cells: Vec<&str> = row.iter().map(|&b| doc.blocks[b].text.as_str()).collect();
                let _ = writeln!(out, "    | {} |", cells.join(" | "));
            }
        }
    }
    if !sdks.is_empty() {
        let _ = writeln!(out, "\nsdk entries:");
        for entry in sdks {
            let _ = writeln!(
                out,
                "  {} ({}) {}",
                entry.name.text(doc),
                entry.layout.name(),
                pos(doc.blocks[entry.name.block].source_span(entry.name.range.clone()))
            );
            let parts: [(&str, &Option<Field>); 4] = [
                ("vendor", &entry.vendor),
                ("purpose", &entry.purpose),
                ("scope", &entry.scope),
                ("link", &entry.link),
            ];
            for (label, field) in parts {
                let shown = field.as_ref().map_or("-", |f| f.text(doc));
                let _ = writeln!(out, "    {label}: {shown}");
            }
        }
    }
    let _ = writeln!(out, "\nblocks:");
    for (index, block) in doc.blocks.iter().enumerate() {
        let kind = match block.kind {
            BlockKind::Heading { level, inferred } => {
                format!(
                    "heading {level}{}",
                    if inferred { " (inferred)" } else { "" }
                )
            }
            BlockKind::Paragraph => "paragraph".to_string(),
            BlockKind::ListItem => "list item".to_string(),
            BlockKind::TableCell {
                table,
                row,
                col,
                header,
            } => format!(
                "table {table} {} r{row}c{col}",
                if header { "header" } else { "cell" }
            ),
        };
        let _ = writeln!(
            out,
            "  #{index} {kind} §{} {}",
            block.section,
            pos(block.span)
        );
        for range in &block.sentences {
            let span = block.source_span(range.clone());
            let _ = writeln!(out, "      {} {:?}", pos(span), &block.text[range.clone()]);
        }
    }
    out
}

fn depth(doc: &Document, mut section: usize) -> usize {
    let mut depth = 0usize;
    while let Some(parent) = doc.sections[section].parent {
        depth += 1;
        section = parent;
    }
    depth.saturating_sub(1)
}
