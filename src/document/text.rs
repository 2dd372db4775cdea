//! Plain text (and the content of HTML `<pre>`): paragraphs from blank lines or line ends,
//! soft-wrapped lines joined, headings from numbering, `#` markers and `===` underlines.
//! Markdown residue common in exported policies (`**bold**`, `1\.` escapes) is read, not kept.

use std::ops::Range;

use super::structure::{heading_style, is_header_cell, numbering, record_key};
use super::{Comment, MappedText, RawDocument, RawKind, TableOrigin, TextBuilder};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LineKind {
    Blank,
    /// `<!-- ... -->` on a line of its own: kept for in-document directives.
    Comment,
    /// `===`, `---`, `***` and the like.
    Rule(char),
    /// `# Title`: level and the byte offset where the title starts.
    Atx(u8, usize),
    /// A numbering marker with nothing after it (`1.` alone on a line).
    MarkerOnly,
    Text,
}

struct Line {
    range: Range<usize>,
    kind: LineKind,
    /// The line, normalised and trimmed, for classification.
    normalized: String,
    /// The line's text and map, built once: a paragraph takes it over or appends it.
    builder: TextBuilder,
}

/// The block being built: its kind, text, number of lines, and whether it is closed to
/// further lines (a heading line waits only for a possible setext underline).
struct Pending {
    kind: RawKind,
    builder: TextBuilder,
    lines: usize,
    closed: bool,
}

pub(crate) fn parse(source: &MappedText) -> RawDocument {
    let (mut lines, blank_lines) = split_lines(source);
    let text_lines = lines.iter().filter(|l| l.kind == LineKind::Text).count();
    // Documents that separate paragraphs with blank lines wrap long paragraphs over lines.
    let blank_separated = blank_lines * 3 >= text_lines;

    let mut doc = RawDocument::default();
    let mut current: Option<Pending> = None;
    let mut i = 0;
    while i < lines.len() {
        let line = &lines[i];
        match line.kind {
            LineKind::Blank => flush(&mut doc, &mut current),
            LineKind::Comment => {
                flush(&mut doc, &mut current);
                let raw = source.text[line.range.clone()].trim();
                doc.comments.push(Comment {
                    span: source.map.to_source(line.range.clone()),
                    text: raw
                        .trim_start_matches("<!--")
                        .trim_end_matches("-->")
                        .trim()
                        .to_string(),
                });
            }
            LineKind::Rule(marker) => {
                // Converted pages end blocks with a `===` line: the last entry of a numbered
                // list (a table of contents) above one is not underlined.
                let list_end = i >= 2
                    && numbering(&lines[i - 1].normalized).is_some()
                    && numbering(&lines[i - 2].normalized).is_some();
                let underline = matches!(marker, '=' | '-')
                    && !list_end
                    && current
                        .as_ref()
                        .is_some_and(|p| p.lines == 1 && setext_title(p.builder.text()));
                match current.take() {
                    Some(pending) if underline => {
                        let level = if marker == '=' { 1 } else { 2 };
                        doc.push(RawKind::Heading(level), pending.builder);
                    }
                    other => {
                        current = other;
                        flush(&mut doc, &mut current);
                    }
                }
            }
            LineKind::Atx(level, start) => {
                flush(&mut doc, &mut current);
                let mut builder = TextBuilder::default();
                push_line(&mut builder, source, start..line.range.end);
                doc.push(RawKind::Heading(level), builder);
            }
            LineKind::MarkerOnly => {
                // "1." on its own line: the heading or item text follows on the next line.
                flush(&mut doc, &mut current);
                let next = (i + 1..lines.len()).find(|&j| lines[j].kind != LineKind::Blank);
                let mut builder = TextBuilder::default();
                push_line(&mut builder, source, line.range.clone());
                if let Some(j) = next.filter(|&j| lines[j].kind == LineKind::Text) {
                    builder.space(line.range.end);
                    push_line(&mut builder, source, lines[j].range.clone());
                    i = j;
                }
                let kind = if heading_style(builder.text(), false).is_some() {
                    RawKind::Paragraph
                } else {
                    RawKind::ListItem
                };
                doc.push(kind, builder);
            }
            LineKind::Text if pipe_table_at(&lines, i) => {
                flush(&mut doc, &mut current);
                i = push_pipe_table(&mut doc, source, &lines, i);
                continue;
            }
            LineKind::Text if stacked_table_at(&source.text, &lines, i).is_some() => {
                flush(&mut doc, &mut current);
                i = push_stacked_table(&mut doc, source, &lines, i);
                continue;
            }
            LineKind::Text if tab_table_rows(&source.text, &lines, i) >= 2 => {
                flush(&mut doc, &mut current);
                i = push_tab_table(&mut doc, source, &lines, i);
                continue;
            }
            LineKind::Text => {
                let numbered = numbering(&line.normalized).is_some();
                // A `key:value` record line ("使用目的:...") is a block of its own.
                let standalone = heading_style(&line.normalized, false).is_some()
                    || record_key(&line.normalized).is_some();
                let previous = i.checked_sub(1).map(|j| &lines[j]);
                let continues = match (&current, previous) {
                    (Some(p), Some(previous)) if !p.closed && !standalone && !numbered => {
                        blank_separated || soft_wrap(p.builder.text(), &previous.normalized)
                    }
                    _ => false,
                };
                let previous_end = previous.map(|p| p.range.end);
                let soft = match (&current, previous) {
                    (Some(p), Some(previous)) => soft_wrap(p.builder.text(), &previous.normalized),
                    _ => false,
                };
                let line_builder = std::mem::take(&mut lines[i].builder);
                if let (true, Some(pending), Some(previous_end)) =
                    (continues, &mut current, previous_end)
                {
                    if soft {
                        pending.builder.space(previous_end);
                    } else {
                        pending.builder.hard_break(previous_end);
                    }
                    pending.builder.append(line_builder);
                    pending.lines += 1;
                } else {
                    flush(&mut doc, &mut current);
                    let builder = line_builder;
                    let kind = if numbered && !standalone {
                        RawKind::ListItem
                    } else {
                        RawKind::Paragraph
                    };
                    current = Some(Pending {
                        kind,
                        builder,
                        lines: 1,
                        closed: standalone,
                    });
                }
            }
        }
        i += 1;
    }
    flush(&mut doc, &mut current);
    doc
}

/// Cell ranges of a `a | b | c` row (outer pipes optional), or None for other lines.
fn pipe_cells(text: &str, range: &Range<usize>) -> Option<Vec<Range<usize>>> {
    let line = &text[range.clone()];
    if line.matches('|').count() < 2 && !(line.contains('|') && line.trim().starts_with('|')) {
        return None;
    }
    let mut cells = Vec::new();
    let mut start = 0;
    for (i, c) in line
        .char_indices()
        .chain(std::iter::once((line.len(), '|')))
    {
        if c == '|' {
            cells.push(start..i);
            start = i + 1;
        }
    }
    // Outer pipes leave empty first and last cells.
    if cells
        .first()
        .is_some_and(|c| line[c.clone()].trim().is_empty())
    {
        cells.remove(0);
    }
    if cells
        .last()
        .is_some_and(|c| line[c.clone()].trim().is_empty())
    {
        cells.pop();
    }
    let trimmed = cells
        .into_iter()
        .map(|c| {
            let cell = &line[c.clone()];
            let lead = cell.len() - cell.trim_start().len();
            let end = c.start + cell.trim_end().len();
            range.start + (c.start + lead).min(end)..range.start + end
        })
        .collect::<Vec<_>>();
    (trimmed.len() >= 2).then_some(trimmed)
}

fn is_separator_row(text: &str, range: &Range<usize>) -> bool {
    let line = text[range.clone()].trim();
    line.contains('-')
        && line.contains('|')
        && line
            .chars()
            .all(|c| matches!(c, '|' | '-' | ':' | ' ' | '\t'))
}

/// A Markdown-style pipe table (left in exported text): a row, a `---|---` row, more rows.
fn pipe_table_at(lines: &[Line], i: usize) -> bool {
    let Some(next) = lines.get(i + 1) else {
        return false;
    };
    let text = &lines[i].normalized;
    text.contains('|') && next.normalized.contains('|') && next.normalized.contains("--")
}

/// Push row `row` of `table`, its first cell in column `first_col`; a cell is one or more
/// pieces of lines (a cell whose text wraps onto the next line).
fn push_table_row(
    doc: &mut RawDocument,
    source: &MappedText,
    (table, row, first_col): (usize, usize, usize),
    cells: Vec<Vec<Range<usize>>>,
) {
    for (index, pieces) in cells.into_iter().enumerate() {
        let col = first_col + index;
        let mut builder = TextBuilder::default();
        for (k, piece) in pieces.into_iter().enumerate() {
            if k > 0 {
                builder.space(piece.start);
            }
            push_line(&mut builder, source, piece);
        }
        doc.push(
            RawKind::TableCell {
                table,
                row,
                col,
                header: row == 0,
            },
            builder,
        );
    }
}

/// Push the pipe table starting at line `i`; returns the index of the first line after it.
fn push_pipe_table(doc: &mut RawDocument, source: &MappedText, lines: &[Line], i: usize) -> usize {
    let text = &source.text;
    let Some(header) = pipe_cells(text, &lines[i].range) else {
        return i + 1;
    };
    if !is_separator_row(text, &lines[i + 1].range) {
        return i + 1;
    }
    let table = doc.new_table(TableOrigin::Markup);
    let needed = text[lines[i].range.clone()].matches('|').count();
    let columns = header.len();
    push_table_row(
        doc,
        source,
        (table, 0, 0),
        header.into_iter().map(|c| vec![c]).collect(),
    );
    let mut row = 1;
    let mut j = i + 2;
    while let Some((cells, next)) = wrapped_row(text, lines, j, needed) {
        // A short row without outer pipes after a full one is what a table with merged
        // cells leaves when pasted as text: its cells are the last columns, the cells
        // on its left span down from the row above.
        let outer = text[lines[j].range.clone()].trim().starts_with('|')
            || text[lines[next - 1].range.clone()]
                .trim_end()
                .ends_with('|');
        let first_col = if row > 1 && !outer && cells.len() < columns {
            doc.mark_spanned(table);
            columns - cells.len()
        } else {
            0
        };
        push_table_row(doc, source, (table, row, first_col), cells);
        row += 1;
        j = next;
    }
    j
}

/// The cells of a row written one cell per line between lines holding only `|`, from line
/// `i` to the next blank line: each cell's lines (an empty cell has none), and the index of
/// the line after the row. None when no `|` line separates cells.
fn stacked_row(lines: &[Line], i: usize) -> Option<(Vec<Vec<Range<usize>>>, usize)> {
    let mut cells: Vec<Vec<Range<usize>>> = vec![Vec::new()];
    let mut j = i;
    while let Some(line) = lines.get(j) {
        match line.kind {
            LineKind::Blank | LineKind::Rule(_) | LineKind::Comment => break,
            _ if is_separator_line(line) => break,
            _ if line.normalized == "|" => cells.push(Vec::new()),
            _ => cells.last_mut().expect("a cell").push(line.range.clone()),
        }
        j += 1;
    }
    (cells.len() >= 2 && !cells[0].is_empty()).then_some((cells, j))
}

/// A `---|---` line under a header row.
fn is_separator_line(line: &Line) -> bool {
    is_separator_row(&line.normalized, &(0..line.normalized.len()))
}

/// The first non-blank line from `i` on.
fn skip_blank(lines: &[Line], mut i: usize) -> usize {
    while lines.get(i).is_some_and(|l| l.kind == LineKind::Blank) {
        i += 1;
    }
    i
}

/// A Markdown table whose cells held line breaks, as some HTML exports write it: each cell
/// on its own lines, a line holding only `|` between cells, a blank line between rows, and
/// a `---|---` line after the header row. Gives the header's cells and the first line of
/// the data rows.
fn stacked_table_at(
    text: &str,
    lines: &[Line],
    i: usize,
) -> Option<(Vec<Vec<Range<usize>>>, usize)> {
    // Cheap test first: most lines are not followed by a lone `|`.
    if lines.get(i + 1).is_none_or(|l| l.normalized != "|") {
        return None;
    }
    let (header, after) = stacked_row(lines, i)?;
    let separator = lines.get(skip_blank(lines, after))?;
    (is_separator_line(separator)
        && text[separator.range.clone()].matches('|').count() + 1 >= header.len())
    .then(|| (header, skip_blank(lines, skip_blank(lines, after) + 1)))
}

/// Push the stacked table starting at line `i`; returns the index of the first line after
/// it. A lone line between two rows belongs to the last cell of the row before (a cell's
/// line break that lost its place).
fn push_stacked_table(
    doc: &mut RawDocument,
    source: &MappedText,
    lines: &[Line],
    i: usize,
) -> usize {
    let Some((header, mut j)) = stacked_table_at(&source.text, lines, i) else {
        return i + 1;
    };
    let columns = header.len();
    let table = doc.new_table(TableOrigin::Markup);
    push_table_row(doc, source, (table, 0, 0), header);
    let mut rows: Vec<Vec<Vec<Range<usize>>>> = Vec::new();
    let mut end = j;
    loop {
        if let Some((mut cells, next)) = stacked_row(lines, j) {
            // A header row of the next table ("2)分享功能:" / "服务商 | 服务内容" / "---|---").
            if lines
                .get(skip_blank(lines, next))
                .is_some_and(is_separator_line)
            {
                break;
            }
            // Extra cells join the last column; missing ones stay empty.
            while cells.len() > columns {
                let extra = cells.pop().expect("more cells than columns");
                cells.last_mut().expect("a cell").extend(extra);
            }
            cells.resize(columns, Vec::new());
            rows.push(cells);
            end = next;
            j = skip_blank(lines, next);
            continue;
        }
        let lone = lines.get(j).is_some_and(|l| l.kind == LineKind::Text)
            && lines.get(j + 1).is_none_or(|l| l.kind == LineKind::Blank);
        let row_follows = stacked_row(lines, skip_blank(lines, j + 1)).is_some();
        match rows.last_mut() {
            Some(last) if lone && row_follows => {
                let cell = last.last_mut().expect("a cell per column");
                cell.push(lines[j].range.clone());
                end = j + 1;
                j = skip_blank(lines, j + 1);
            }
            _ => break,
        }
    }
    for (row, cells) in rows.into_iter().enumerate() {
        push_table_row(doc, source, (table, row + 1, 0), cells);
    }
    end
}

/// The row of a pipe table starting at line `j`, joining the lines a wrapped cell continues
/// on until the row has as many `|` as the header: its cells, and the line after it.
fn wrapped_row(
    text: &str,
    lines: &[Line],
    j: usize,
    needed: usize,
) -> Option<(Vec<Vec<Range<usize>>>, usize)> {
    let first = lines.get(j)?;
    let mut pipes = text[first.range.clone()].matches('|').count();
    if first.kind != LineKind::Text || pipes == 0 {
        return None;
    }
    let mut end = j + 1;
    let short = pipes;
    while pipes < needed && end < lines.len() && end - j < 8 {
        let line = &lines[end];
        let more = text[line.range.clone()].matches('|').count();
        if line.kind != LineKind::Text || pipes + more > needed {
            break;
        }
        // Short lines alike ("写入外部存储卡 | 写入文件" / "读取手机状态 | 读取手机状态") are
        // rows under merged cells, not one row wrapped, unless the first breaks off a list
        // or ends with a separator.
        let broken_off = text[lines[end - 1].range.clone()]
            .trim_end()
            .ends_with(['、', ',', '，', '/', ';', '；', '|']);
        if end == j + 1 && more == short && !broken_off {
            break;
        }
        pipes += more;
        end += 1;
    }
    // "… | <https://…> |" then the last cell's text alone on the next line.
    let last_line = &text[lines[end - 1].range.clone()];
    if pipes == needed
        && last_line.trim_end().ends_with('|')
        && !text[first.range.clone()].trim_start().starts_with('|')
        && lines
            .get(end)
            .is_some_and(|l| l.kind == LineKind::Text && !text[l.range.clone()].contains('|'))
    {
        end += 1;
    }
    // Split the joined lines at each `|` into cells made of line pieces.
    let mut cells: Vec<Vec<Range<usize>>> = vec![Vec::new()];
    for line in &lines[j..end] {
        let mut start = line.range.start;
        for (offset, c) in text[line.range.clone()].char_indices() {
            if c == '|' {
                let at = line.range.start + offset;
                cells.last_mut().expect("a cell").push(start..at);
                cells.push(Vec::new());
                start = at + 1;
            }
        }
        cells
            .last_mut()
            .expect("a cell")
            .push(start..line.range.end);
    }
    let trimmed: Vec<Vec<Range<usize>>> = cells
        .into_iter()
        .map(|pieces| {
            pieces
                .into_iter()
                .filter_map(|r| {
                    let piece = &text[r.clone()];
                    let lead = piece.len() - piece.trim_start().len();
                    let end = r.start + piece.trim_end().len();
                    (r.start + lead < end).then_some(r.start + lead..end)
                })
                .collect()
        })
        .collect();
    // Outer pipes leave an empty first and last cell.
    let mut cells = trimmed;
    if text[first.range.clone()].trim_start().starts_with('|')
        && cells.first().is_some_and(Vec::is_empty)
    {
        cells.remove(0);
    }
    if cells.len() > 1 && cells.last().is_some_and(Vec::is_empty) {
        cells.pop();
    }
    (cells.len() >= 2).then_some((cells, end))
}

/// Cell ranges of a tab-separated row with at least two cells.
fn tab_cells(text: &str, range: &Range<usize>) -> Option<Vec<Range<usize>>> {
    let line = &text[range.clone()];
    if !line.trim().contains('\t') {
        return None;
    }
    let mut cells = Vec::new();
    let mut start = 0;
    for (i, c) in line
        .char_indices()
        .chain(std::iter::once((line.len(), '\t')))
    {
        if c == '\t' {
            let cell = &line[start..i];
            let lead = cell.len() - cell.trim_start().len();
            let end = start + cell.trim_end().len();
            cells.push(range.start + (start + lead).min(end)..range.start + end);
            start = i + 1;
        }
    }
    cells.retain(|c| !c.is_empty());
    (cells.len() >= 2).then_some(cells)
}

/// How many consecutive lines from `i` are tab-separated rows with the same number of cells
/// (a table exported from a spreadsheet or a word processor).
fn tab_table_rows(text: &str, lines: &[Line], i: usize) -> usize {
    let Some(first) = tab_cells(text, &lines[i].range) else {
        return 0;
    };
    lines[i..]
        .iter()
        .take_while(|l| tab_cells(text, &l.range).is_some_and(|c| c.len() == first.len()))
        .count()
}

/// Push the tab-separated table starting at line `i`; its first row is the header when its
/// cells read like column names. Returns the index of the first line after it.
fn push_tab_table(doc: &mut RawDocument, source: &MappedText, lines: &[Line], i: usize) -> usize {
    let text = &source.text;
    let rows = tab_table_rows(text, lines, i);
    let table = doc.new_table(TableOrigin::Markup);
    let header_row = tab_cells(text, &lines[i].range).is_some_and(|cells| {
        let headers = cells
            .iter()
            .filter(|c| is_header_cell(&quick_normalize(&text[(*c).clone()])))
            .count();
        headers * 2 >= cells.len()
    });
    for (row, line) in lines[i..i + rows].iter().enumerate() {
        for (col, cell) in tab_cells(text, &line.range)
            .unwrap_or_default()
            .into_iter()
            .enumerate()
        {
            let mut builder = TextBuilder::default();
            push_line(&mut builder, source, cell);
            doc.push(
                RawKind::TableCell {
                    table,
                    row,
                    col,
                    header: header_row && row == 0,
                },
                builder,
            );
        }
    }
    i + rows
}

fn flush(doc: &mut RawDocument, current: &mut Option<Pending>) {
    if let Some(pending) = current.take() {
        doc.push(pending.kind, pending.builder);
    }
}

/// A line break inside a sentence: the text so far does not end a sentence, and the line
/// that was broken is long enough to have been wrapped.
fn soft_wrap(text_so_far: &str, previous_line: &str) -> bool {
    let ends_sentence = text_so_far
        .trim_end()
        .trim_end_matches(['"', '\'', ')', '】', '》'])
        .ends_with(['。', '.', '!', '?', ';', ':']);
    !ends_sentence && previous_line.chars().count() >= 20
}

/// A line a `===` or `---` underline can make a heading: short, not a sentence, not a
/// lead-in ending with a colon ("……行使以下权利:" before a separator line), and not a record
/// field ("用途:用于广告投放").
fn setext_title(text: &str) -> bool {
    let text = text.trim();
    !text.is_empty()
        && text.chars().count() <= 60
        && !text.contains(['。', ';', '!'])
        && !text.ends_with([':', '：'])
        && record_key(text).is_none()
}

/// The lines of `source`, a run of blank lines kept as its first, and how many lines were
/// blank: a file of millions of empty lines takes no more memory than one.
fn split_lines(source: &MappedText) -> (Vec<Line>, usize) {
    let bytes = source.text.as_bytes();
    let mut lines: Vec<Line> = Vec::new();
    let mut blank_lines = 0;
    let mut push = |line: Line| {
        if line.kind == LineKind::Blank {
            blank_lines += 1;
            if lines.last().is_some_and(|l| l.kind == LineKind::Blank) {
                return;
            }
        }
        lines.push(line);
    };
    let mut start = 0;
    for i in memchr::memchr2_iter(b'\n', b'\r', bytes) {
        // The '\n' of a "\r\n" was passed over with its '\r'.
        if i < start {
            continue;
        }
        push(classify(source, start..i));
        start = i + 1;
        if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
            start += 1;
        }
    }
    push(classify(source, start..bytes.len()));
    (lines, blank_lines)
}

fn classify(source: &MappedText, range: Range<usize>) -> Line {
    let raw = &source.text[range.clone()];
    let mut builder = TextBuilder::with_capacity(range.len());
    push_line(&mut builder, source, range.clone());
    let trimmed = builder.text().trim();
    let raw_trimmed = raw.trim();
    let kind = if trimmed.is_empty() {
        LineKind::Blank
    } else if raw_trimmed.starts_with("<!--") && raw_trimmed.ends_with("-->") {
        LineKind::Comment
    } else if let Some(mark) = thematic_break(trimmed) {
        LineKind::Rule(mark)
    } else if let Some((level, offset)) = atx(raw) {
        LineKind::Atx(level, range.start + offset)
    } else if numbering(trimmed).is_some_and(|(_, end)| trimmed[end..].trim().is_empty()) {
        LineKind::MarkerOnly
    } else {
        LineKind::Text
    };
    Line {
        range,
        kind,
        normalized: trimmed.to_string(),
        builder,
    }
}

/// The character of a line made of at least three of one of `= - * _ ~ #` (spaces
/// between them allowed). The first character is tested first: most lines are text.
fn thematic_break(trimmed: &str) -> Option<char> {
    let mark = trimmed.chars().next()?;
    if !matches!(mark, '=' | '-' | '*' | '_' | '~' | '#') {
        return None;
    }
    let all_marks = trimmed.chars().all(|c| c == mark || c == ' ');
    (all_marks && trimmed.chars().filter(|&c| c == mark).count() >= 3).then_some(mark)
}

/// `# Title` (up to three spaces of indent): the level and where the title text starts.
fn atx(line: &str) -> Option<(u8, usize)> {
    let indent = line.len() - line.trim_start_matches(' ').len();
    if indent > 3 {
        return None;
    }
    let rest = &line[indent..];
    let hashes = rest.len() - rest.trim_start_matches('#').len();
    if !(1..=6).contains(&hashes) {
        return None;
    }
    let after = &rest[hashes..];
    if !after.starts_with([' ', '\t']) || after.trim().is_empty() {
        return None;
    }
    let offset = indent + hashes + (after.len() - after.trim_start().len());
    Some((hashes as u8, offset))
}

/// Normalise a cell for classification.
fn quick_normalize(text: &str) -> String {
    let mut builder = TextBuilder::default();
    push_stripped(&mut builder, text, 0, |b, piece, at, strong| {
        b.push_source(piece, at, strong);
    });
    builder.finish().0
}

fn push_line(builder: &mut TextBuilder, source: &MappedText, range: Range<usize>) {
    let line = &source.text[range.clone()];
    push_stripped(builder, line, range.start, |b, piece, at, strong| {
        b.push_mapped(source, at..at + piece.len(), strong);
    });
}

/// Push `line` (found at `base`) without Markdown residue: `**` toggles bold, a backslash
/// before ASCII punctuation is an escape.
fn push_stripped(
    builder: &mut TextBuilder,
    line: &str,
    base: usize,
    mut push: impl FnMut(&mut TextBuilder, &str, usize, bool),
) {
    let bytes = line.as_bytes();
    let mut strong = false;
    let mut piece_start = 0;
    let mut i = 0;
    while let Some(offset) = memchr::memchr2(b'*', b'\\', &bytes[i..]) {
        i += offset;
        let skip = if bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'*') {
            Some(2)
        } else if bytes[i] == b'\\' && bytes.get(i + 1).is_some_and(u8::is_ascii_punctuation) {
            Some(1)
        } else {
            None
        };
        match skip {
            Some(n) => {
                if piece_start < i {
                    push(builder, &line[piece_start..i], base + piece_start, strong);
                }
                if n == 2 {
                    strong = !strong;
                }
                i += n;
                piece_start = i;
                if n == 1 {
                    // Keep the escaped character itself.
                    i += 1;
                }
            }
            None => i += 1,
        }
        if i >= bytes.len() {
            break;
        }
    }
    if piece_start < line.len() {
        push(builder, &line[piece_start..], base + piece_start, strong);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocks(text: &str) -> Vec<(RawKind, String)> {
        parse(&MappedText::identity(text, 0))
            .blocks
            .into_iter()
            .map(|b| (b.kind, b.text))
            .collect()
    }

    #[test]
    fn joins_soft_wrapped_lines_and_keeps_headings_apart() {
        let text = "一、我们如何收集信息\n\n我们会收集您的手机号码和电子邮箱地址,用于注册\n    和登录。\n\n二、联系我们\n";
        assert_eq!(
            blocks(text),
            vec![
                (RawKind::Paragraph, "一、我们如何收集信息".to_string()),
                (
                    RawKind::Paragraph,
                    "我们会收集您的手机号码和电子邮箱地址,用于注册和登录。".to_string()
                ),
                (RawKind::Paragraph, "二、联系我们".to_string()),
            ]
        );
    }

    #[test]
    fn one_paragraph_per_line_without_blank_lines() {
        let text = "引言\n我们收集信息。\n我们保护信息。\n1、如何联系我们\n";
        let kinds: Vec<String> = blocks(text).into_iter().map(|(_, t)| t).collect();
        assert_eq!(
            kinds,
            vec![
                "引言",
                "我们收集信息。",
                "我们保护信息。",
                "1、如何联系我们"
            ]
        );
    }

    #[test]
    fn a_numbered_line_broken_before_its_object_goes_on() {
        let text = "3.为了便于您使用通讯录备份功能,我们需要\n**您授权我们获取您的通讯录权限。**\n4.为了保证您正常使用附近营业厅的位置列表功能,我们会在\n后台获取位置。\n";
        let parsed = blocks(text);
        assert_eq!(
            parsed,
            vec![
                (
                    RawKind::ListItem,
                    "3.为了便于您使用通讯录备份功能,我们需要您授权我们获取您的通讯录权限。"
                        .to_string()
                ),
                (
                    RawKind::ListItem,
                    "4.为了保证您正常使用附近营业厅的位置列表功能,我们会在后台获取位置。"
                        .to_string()
                ),
            ]
        );
    }

    #[test]
    fn marker_alone_on_a_line_joins_the_next_line() {
        let text = "1. \n\n服务条款的确认和接纳\n\n正文。\n";
        assert_eq!(blocks(text)[0].1, "1.服务条款的确认和接纳");
    }

    #[test]
    fn setext_and_atx_headings_and_markdown_residue() {
        let text = "“美V聊天”隐私政策  \n==========\n### 提示条款\n**本政策将帮助您了解以下内容:**\n1\\. 在您使用服务时,您同意本政策。\n";
        let parsed = blocks(text);
        assert_eq!(
            parsed[0],
            (RawKind::Heading(1), "\"美V聊天\"隐私政策".to_string())
        );
        assert_eq!(parsed[1], (RawKind::Heading(3), "提示条款".to_string()));
        assert_eq!(parsed[2].1, "本政策将帮助您了解以下内容:");
        assert_eq!(parsed[3].1, "1.在您使用服务时,您同意本政策。");
    }

    /// A lead-in before a separator line introduces what follows, and the last line of a
    /// block (a table of contents' last entry) only ends it: neither is a heading.
    #[test]
    fn separator_lines_end_blocks_without_underlining_them() {
        let lead_in = "我们保障您对自己的个人信息行使以下权利:";
        let text = format!("\n\n{lead_in}  \n==========\n(一)访问您的个人信息\n您有权访问。\n");
        let parsed = blocks(&text);
        assert!(
            (parsed.iter())
                .any(|(kind, text)| !matches!(kind, RawKind::Heading(_)) && text == lead_in),
            "{parsed:?}"
        );
        let text = "目录\n8、隐私政策如何更新\n9、如何联系我们\n==========\n一、我们如何收集信息\n正文。\n";
        let parsed = blocks(text);
        assert!(
            (parsed.iter())
                .all(|(kind, text)| !matches!(kind, RawKind::Heading(1))
                    || text != "9、如何联系我们"),
            "{parsed:?}"
        );
    }

    /// A record's last field before a separator line stays a field of the record.
    #[test]
    fn a_record_field_is_not_underlined_into_a_heading() {
        let text =
            "7.优量汇广告SDK\n涉及信息:手机状态和身份\n用途:用于广告投放展示\n==========\n变更\n";
        let parsed = blocks(text);
        assert!(
            parsed
                .iter()
                .all(|(kind, _)| !matches!(kind, RawKind::Heading(_))),
            "{parsed:?}"
        );
        assert!(
            parsed
                .iter()
                .any(|(_, text)| text == "用途:用于广告投放展示")
        );
    }

    /// A table whose cells held line breaks: cells between `|` lines, rows between blanks.
    #[test]
    fn stacked_tables_one_cell_per_line() {
        let text = "第三方SDK\n|\n用途\n|\n收集的信息\n\n---|---|---\n\n友盟+统计\n|\nApp数据分析\n|\n设备信息\n\n获取网络状态\n\n穿山甲SDK\n|\n广告\n|\n\n后文。\n";
        let cells = blocks(text);
        let cell = |row, col| {
            cells.iter().find_map(|(kind, text)| {
                matches!(kind, RawKind::TableCell { row: r, col: c, .. } if *r == row && *c == col)
                    .then_some(text.as_str())
            })
        };
        assert_eq!(cell(0, 2), Some("收集的信息"));
        assert_eq!(cell(1, 0), Some("友盟+统计"));
        // A lone line between rows stays in the row before.
        assert_eq!(cell(1, 2), Some("设备信息获取网络状态"));
        assert_eq!(cell(2, 1), Some("广告"));
        // An empty cell leaves no block, as in other tables.
        assert_eq!(cell(2, 2), None);
        assert_eq!(
            cells.last(),
            Some(&(RawKind::Paragraph, "后文。".to_string()))
        );
    }

    /// A caption and a header row start the next stacked table.
    #[test]
    fn stacked_tables_split_at_a_repeated_header() {
        let text = "服务商\n|\n服务内容\n\n---|---\n\n微信\n|\n登录\n\n2)分享功能:\n服务商\n|\n服务内容\n\n---|---\n\nQQ\n|\n分享\n";
        let cells = blocks(text);
        let headers: Vec<(&str, usize)> = cells
            .iter()
            .filter_map(|(kind, text)| match kind {
                RawKind::TableCell {
                    table,
                    header: true,
                    col: 0,
                    ..
                } => Some((text.as_str(), *table)),
                _ => None,
            })
            .collect();
        assert_eq!(headers, vec![("服务商", 0), ("服务商", 1)]);
        assert!(
            cells.contains(&(RawKind::ListItem, "2)分享功能:".to_string())),
            "{cells:?}"
        );
        assert!(cells.iter().any(|(kind, text)| text == "QQ"
            && matches!(
                kind,
                RawKind::TableCell {
                    table: 1,
                    row: 1,
                    ..
                }
            )));
    }

    #[test]
    fn pipe_tables_left_in_text() {
        let text = "权限 | 功能 | 用途\n---|---|---\n相机 | 扫码 | 用于扫码\n\n后文。\n";
        let doc = parse(&MappedText::identity(text, 0));
        let cells: Vec<(&str, RawKind)> = doc
            .blocks
            .iter()
            .map(|b| (b.text.as_str(), b.kind))
            .collect();
        assert_eq!(cells.len(), 7);
        assert_eq!(
            cells[3],
            (
                "相机",
                RawKind::TableCell {
                    table: 0,
                    row: 1,
                    col: 0,
                    header: false
                }
            )
        );
        assert_eq!(cells[6].0, "后文。");
    }

    #[test]
    fn pipe_rows_wrapped_over_lines() {
        let text = "序号 | SDK名称 | 收集信息 | 公司\n---|---|---|---\n1 | 某推送SDK | 设备信息、\n网络信息 | 某某有限公司\n2 | 某统计SDK | 设备型号 |\n某某数据有限公司\n\n后文。\n";
        let doc = parse(&MappedText::identity(text, 0));
        let texts: Vec<&str> = doc.blocks.iter().map(|b| b.text.as_str()).collect();
        assert_eq!(
            texts,
            vec![
                "序号",
                "SDK名称",
                "收集信息",
                "公司",
                "1",
                "某推送SDK",
                "设备信息、网络信息",
                "某某有限公司",
                "2",
                "某统计SDK",
                "设备型号",
                "某某数据有限公司",
                "后文。"
            ]
        );
    }

    #[test]
    fn short_rows_under_merged_cells_fill_the_last_columns() {
        let text = "SDK名称 | 目的 | 权限 | 说明\n---|---|---|---\n某推送SDK | 推送 | 读取存储 | 读文件\n写入存储 | 写文件\n读取手机状态 | 读状态\n某统计SDK | 统计 | 定位 | 校正\n";
        let doc = parse(&MappedText::identity(text, 0));
        assert_eq!(doc.spanned, vec![0]);
        let cells: Vec<(usize, usize, &str)> = doc
            .blocks
            .iter()
            .filter_map(|b| match b.kind {
                RawKind::TableCell { row, col, .. } if row == 2 || row == 3 => {
                    Some((row, col, b.text.as_str()))
                }
                _ => None,
            })
            .collect();
        assert_eq!(
            cells,
            vec![
                (2, 2, "写入存储"),
                (2, 3, "写文件"),
                (3, 2, "读取手机状态"),
                (3, 3, "读状态")
            ]
        );
    }

    #[test]
    fn tab_separated_tables() {
        let text =
            "序号\tSDK名称\t使用目的\n1\t某推送SDK\t消息推送\n2\t某统计SDK\t统计分析\n后文。\n";
        let doc = parse(&MappedText::identity(text, 0));
        let cells: Vec<(&str, RawKind)> = doc
            .blocks
            .iter()
            .map(|b| (b.text.as_str(), b.kind))
            .collect();
        assert_eq!(cells.len(), 10);
        assert_eq!(
            cells[1],
            (
                "SDK名称",
                RawKind::TableCell {
                    table: 0,
                    row: 0,
                    col: 1,
                    header: true
                }
            )
        );
        assert_eq!(cells[4].0, "某推送SDK");
        assert_eq!(cells[9].0, "后文。");
        // One line with a tab is not a table.
        let doc = parse(&MappedText::identity("姓名\t张三\n后文。\n", 0));
        assert!(doc.blocks.iter().all(|b| b.kind == RawKind::Paragraph));
    }

    #[test]
    fn spans_point_into_the_source() {
        let text = "标题\n\n  我们会在 15 天内答复。\n";
        let doc = parse(&MappedText::identity(text, 0));
        let block = &doc.blocks[1];
        let at = block.text.find("15天").unwrap();
        let span = block.map.to_source(at..at + "15天".len());
        assert_eq!(&text[span.start..span.end], "15 天");
    }
}
