//! From raw blocks to a document: headings recognised from numbering (第三部分, 一、, (一),
//! 1., 1、, (1), 1) ...) and emphasis, tables of contents kept as lists, tables pasted as one
//! cell per line, heading levels, sections, language and sentences.

use std::sync::OnceLock;

use super::{
    Block, BlockKind, Document, Format, Lang, RawBlock, RawDocument, RawKind, Section, Table,
    TableOrigin, detect_lang, sentences,
};
use crate::matcher::Matcher;

/// How a heading is numbered. Headings of the same style are siblings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Style {
    Part,
    Chapter,
    SectionWord,
    Article,
    CnEnum,
    ParenCn,
    NumDun,
    NumDot,
    Decimal(u8),
    ParenNum,
    NumParen,
    Letter,
    Circled,
    Angle,
    Roman,
    EnWord,
    Bold,
    Plain,
    Markup(u8),
}

impl Style {
    /// How deep items numbered this way usually sit in a Chinese policy: 第一部分 holds 一、,
    /// which holds (一), then 1. or 1、, 1.1, 1.1.1, (1), 1), a), ①. `None` for markers with
    /// no settled place.
    fn depth(self) -> Option<u8> {
        Some(match self {
            Style::Part => 0,
            Style::Chapter => 1,
            Style::SectionWord => 2,
            Style::Article => 3,
            Style::CnEnum => 4,
            Style::ParenCn => 5,
            Style::NumDun | Style::NumDot => 6,
            Style::Decimal(levels) => 6 + levels.min(3),
            Style::ParenNum => 10,
            Style::NumParen => 11,
            Style::Letter => 12,
            Style::Circled => 13,
            _ => return None,
        })
    }
}

/// The depth of the numbering that starts `text` (see [`Style::depth`]), after any bullet
/// left as text ("* 1.2.2位置信息。" in converted HTML).
pub(crate) fn numbering_depth(text: &str) -> Option<u8> {
    let text = text.trim_start_matches(['*', '-', '•', '·', ' ']);
    match numbering(text) {
        Some((style, _)) => style.depth(),
        // "a.在您使用服务时……": an item, though too loose a marker to start headings with
        // (it would reorder the outline of policies that letter their permissions).
        None => lowercase_letter_item(text)
            .then_some(Style::Letter.depth())
            .flatten(),
    }
}

/// Whether `text` starts like "a.xxx": a lowercase letter, a dot, then no letter or space
/// ("e.g." and "a.m." are not items).
fn lowercase_letter_item(text: &str) -> bool {
    let mut chars = text.chars();
    matches!(
        (chars.next(), chars.next(), chars.next()),
        (Some(letter), Some('.'), Some(next))
            if letter.is_ascii_lowercase() && !next.is_ascii_lowercase() && next != '.' && !next.is_whitespace()
    )
}

const CN_NUM: &str = "[一二三四五六七八九十百零〇两]+";

/// Can a marker start with this character?
type MayStart = fn(char) -> bool;

/// The numbering patterns in order of preference, each with a test of the characters it can
/// start with: most lines start with none of them, and need no pattern run at all.
fn numbering_patterns() -> &'static [(Matcher, Style, MayStart)] {
    static PATTERNS: OnceLock<Vec<(Matcher, Style, MayStart)>> = OnceLock::new();
    PATTERNS.get_or_init(|| {
        let n = CN_NUM;
        let ordinal: MayStart = |c| c == '第';
        let cn: MayStart = |c| "一二三四五六七八九十百零〇两".contains(c);
        let paren: MayStart = |c| c == '(';
        // `\d` is any Unicode decimal digit, all of which are numeric.
        let digit: MayStart = char::is_numeric;
        let table: [(String, Style, MayStart); 17] = [
            (format!(r"^第(?:{n}|\d+)部分"), Style::Part, ordinal),
            (format!(r"^第(?:{n}|\d+)章"), Style::Chapter, ordinal),
            (format!(r"^第(?:{n}|\d+)节"), Style::SectionWord, ordinal),
            (format!(r"^第(?:{n}|\d+)条"), Style::Article, ordinal),
            (format!(r"^{n} ?[、.]"), Style::CnEnum, cn),
            // "()" with the numeral missing is a typo seen in real policies.
            (format!(r"^\( ?(?:{n})? ?\)"), Style::ParenCn, paren),
            (
                r"^\d{1,2}\.\d{1,2}\.\d{1,2}\.?".to_string(),
                Style::Decimal(3),
                digit,
            ),
            (
                r"^\d{1,2}\.\d{1,2}(?:\.|[^\d.]|$)".to_string(),
                Style::Decimal(2),
                digit,
            ),
            (r"^\d{1,2} ?、".to_string(), Style::NumDun, digit),
            (r"^\d{1,2} ?\.(?:[^\d]|$)".to_string(), Style::NumDot, digit),
            (r"^\( ?\d{1,2} ?\)".to_string(), Style::ParenNum, paren),
            (r"^\d{1,2} ?\)".to_string(), Style::NumParen, digit),
            (
                r"^(?:\([a-zA-Z]\)|[a-z]\)|[A-Z]\. )".to_string(),
                Style::Letter,
                |c| c == '(' || c.is_ascii_alphabetic(),
            ),
            (r"^[①-⑳]".to_string(), Style::Circled, |c| {
                ('①'..='⑳').contains(&c)
            }),
            (r"^<\d+(?:\.\d+)*>".to_string(), Style::Angle, |c| c == '<'),
            (r"^[IVX]{1,5}\. ".to_string(), Style::Roman, |c| {
                "IVX".contains(c)
            }),
            (
                r"^(?i:section|article|chapter|part) +(?:\d+|[IVX]+)\b[.:]?".to_string(),
                Style::EnWord,
                // Case-insensitive 's' also matches 'ſ'.
                |c| "sacpSACPſ".contains(c),
            ),
        ];
        table
            .into_iter()
            .map(|(pattern, style, may_start)| (Matcher::new(pattern), style, may_start))
            .collect()
    })
}

/// The Chinese characters a marker can start with.
const HAN_MARKER_STARTS: &str = "第一二三四五六七八九十百零两";

/// The numbering style at the start of `text` and the byte length of the marker.
pub(crate) fn numbering(text: &str) -> Option<(Style, usize)> {
    let first = text.chars().next()?;
    // Most lines start with a Chinese character that no marker starts with.
    if super::is_han(first) && !HAN_MARKER_STARTS.contains(first) {
        return None;
    }
    marker(text, first)
}

/// [`numbering`] by trying each pattern that can start with `first`, the first character.
fn marker(text: &str, first: char) -> Option<(Style, usize)> {
    for (pattern, style, may_start) in numbering_patterns() {
        if !may_start(first) {
            continue;
        }
        if let Some(m) = pattern.find(text) {
            // Patterns that peek at the character after the marker must not swallow it.
            let mut end = m.end;
            if matches!(style, Style::NumDot | Style::Decimal(2)) {
                let marker = &text[m];
                if let Some(last) = marker.chars().last()
                    && last != '.'
                    && !last.is_ascii_digit()
                {
                    end -= last.len_utf8();
                }
            }
            return Some((*style, end));
        }
    }
    None
}

const SENTENCE_PUNCT: &[char] = &['。', ';', '!', '?'];
const CLAUSE_END: &[char] = &['。', ';', '!', ',', '、', ':', '?'];
/// Words a clause cannot end on: "3.为了便于您使用……功能,我们需要" is a sentence broken
/// before its object, not a heading.
const DANGLING: &[&str] = &[
    "需要", "会在", "会", "将", "在", "的", "和", "及", "与", "或", "并", "向", "对", "把", "为",
    "以", "例如", "是否",
];

fn chars(text: &str) -> usize {
    text.chars().count()
}

fn is_zh(text: &str) -> bool {
    text.chars().any(super::is_han)
}

/// A clause break, and then a last word that needs a continuation.
fn broken_off(body: &str, trimmed: &str) -> bool {
    body.contains(',') && DANGLING.iter().any(|word| trimmed.ends_with(word))
}

/// Does `body` (the text after any numbering) read like a heading rather than a sentence?
fn heading_body(body: &str, max_zh: usize, max_en_words: usize) -> bool {
    let body = body.trim();
    if body.is_empty() || body.contains('\n') {
        return false;
    }
    if is_zh(body) {
        let trimmed = body.trim_end_matches(['"', ')', ']', '】', '》']);
        chars(body) <= max_zh
            && !body.contains(['。', ';'])
            && !trimmed.ends_with(CLAUSE_END)
            && !broken_off(body, trimmed)
            && !body.contains("! ")
    } else {
        let words = body.split_whitespace().count();
        let first = body.chars().next().unwrap_or(' ');
        words <= max_en_words
            && !first.is_lowercase()
            && !body.ends_with(['.', ',', ';', ':'])
            && !body.contains(". ")
    }
}

/// The heading style of a block's text, if it reads like a heading.
pub(crate) fn heading_style(text: &str, strong: bool) -> Option<Style> {
    let text = text.trim();
    if text.contains('\n') {
        return None;
    }
    if let Some((style, end)) = numbering(text) {
        let body = &text[end..];
        return heading_body(body, 40, 14).then_some(style);
    }
    if strong && heading_body(text, 40, 14) {
        return Some(Style::Bold);
    }
    // "附录:相关定义", "附录一 第三方SDK目录": the colon names the appendix, it does not
    // open a list.
    if let Some(rest) = text.strip_prefix("附录")
        && chars(rest) <= 20
        && !rest.contains(SENTENCE_PUNCT)
        && !rest.contains(',')
    {
        return Some(Style::Plain);
    }
    let plain = if is_zh(text) {
        (2..=20).contains(&chars(text))
            && !text.contains(SENTENCE_PUNCT)
            && !text.contains([',', '、', ':'])
    } else {
        let words = text.split_whitespace().count();
        (1..=8).contains(&words)
            && text.chars().next().is_some_and(char::is_uppercase)
            && !text.contains(['.', ',', ';', ':', '@', '/'])
            && text.chars().filter(char::is_ascii_alphabetic).count() >= 3
    };
    plain.then_some(Style::Plain)
}

/// Table header cells end with a column noun.
pub(crate) fn is_header_cell(text: &str) -> bool {
    static HEADER: OnceLock<Matcher> = OnceLock::new();
    let header = HEADER.get_or_init(|| {
        Matcher::new(
            r"(?i)(?:名称|来源|目的|用途|范围|类型|种类|提供方|开发者|主体|链接|网址|功能|场景|字段|方式|说明|内容|权限|描述|公司|厂商|name|purpose|purposes|type|types|provider|vendor|developer|data|link|url|scope|description)\s*(?:\([^)]*\))?\s*:?$",
        )
    });
    let text = text.trim();
    // "所属公司:某某有限公司" is a record, and "某某有限公司" a value, not a column name.
    let record = text.find(':').is_some_and(|colon| colon + 1 < text.len());
    let entity = ["有限公司", "有限责任公司", "股份公司", "集团"]
        .iter()
        .any(|suffix| text.ends_with(suffix));
    chars(text) <= 24
        && !record
        && !entity
        && !text.contains(SENTENCE_PUNCT)
        && header.is_match(text)
}

fn is_cell_like(block: &RawBlock) -> bool {
    let text = block.text.trim();
    block.kind == RawKind::Paragraph
        && !text.contains('\n')
        && chars(text) <= 200
        && !text.ends_with('。')
        && numbering(text).is_none()
}

/// Tables pasted as text: k header cells each on a line, then rows of k cells.
fn detect_flattened_tables(raw: &mut RawDocument) {
    let n = raw.blocks.len();
    let mut i = 0;
    while i < n {
        if !(is_cell_like(&raw.blocks[i]) && is_header_cell(&raw.blocks[i].text)) {
            i += 1;
            continue;
        }
        // Header cells end with a column noun; one or two in between may not ("产品/服务"),
        // as long as a header cell follows them.
        let header_at =
            |j: usize| j < n && is_cell_like(&raw.blocks[j]) && is_header_cell(&raw.blocks[j].text);
        let mut k = 0;
        while k < 10 && i + k < n && is_cell_like(&raw.blocks[i + k]) {
            if header_at(i + k) {
                k += 1;
            } else if header_at(i + k + 1) && is_cell_like(&raw.blocks[i + k]) {
                k += 2;
            } else if header_at(i + k + 2)
                && is_cell_like(&raw.blocks[i + k])
                && is_cell_like(&raw.blocks[i + k + 1])
            {
                k += 3;
            } else {
                break;
            }
        }
        let mut data = 0;
        while i + k + data < n && is_cell_like(&raw.blocks[i + k + data]) {
            data += 1;
        }
        let rows = data / k.max(1);
        if k < 2 || rows == 0 {
            i += k.max(1);
            continue;
        }
        let table = raw.new_table(TableOrigin::Flattened);
        for (offset, block) in raw.blocks[i..i + k + rows * k].iter_mut().enumerate() {
            block.kind = RawKind::TableCell {
                table,
                row: offset / k,
                col: offset % k,
                header: offset < k,
            };
        }
        i += k + rows * k;
    }
}

/// The key of a `key:value` line that describes an SDK or a data item ("SDK名称:...",
/// "使用目的:...", "收集个人信息类型:..."), normalised.
pub(crate) fn record_key(text: &str) -> Option<&str> {
    static KEY: OnceLock<Matcher> = OnceLock::new();
    let key = KEY.get_or_init(|| {
        Matcher::new(
            r"^(?:(?:使用)?(?:第三方)?(?:SDK|插件|服务|合作方|第三方|机构|公司)?(?:名称|全称|类型|提供方|提供者|开发者|所属公司|公司名称|公司全称|主体|运营方)|(?:公司|企业)(?:名称|全称)|(?:使用|收集|处理|共享|合作)?(?:目的|用途)(?:描述|说明)?|业务功能|功能(?:描述|说明)?|使用场景|场景(?:描述)?|(?:收集|采集|获取|共享|处理|使用|涉及)(?:的)?(?:用户|个人)?(?:信息|数据)(?:的)?(?:类型|范围|字段|内容|种类)?(?:/(?:字段|类型|范围))?|(?:个人)?(?:信息|数据)(?:类型|范围|字段|种类|获取)|[^:,;。]{0,8}?(?:(?:官网|官方网站|隐私(?:权)?政策|隐私协议|个人信息保护(?:政策|规则))(?:链接|网址|地址)?|链接|网址)|(?:处理|收集|共享)方式|(?:申请|使用|调用|涉及)?(?:的)?(?:系统)?权限|是否[^:]{1,10}|SDK版本|版本)$",
        )
    });
    // Bullets left over from exported lists ("*用途:...").
    let text = text.trim().trim_start_matches(['*', '•', '·']).trim_start();
    let colon = text.find(':')?;
    let name = text[..colon].trim();
    (!text.contains('\n') && key.is_match(name) && text.len() > colon + 1).then_some(name)
}

/// Runs of `key:value` lines describing SDKs or data items become tables, one row per
/// record (a record ends where a key repeats).
fn detect_key_value_records(raw: &mut RawDocument) {
    let n = raw.blocks.len();
    let mut i = 0;
    while i < n {
        let is_record_line = |b: &RawBlock| {
            matches!(b.kind, RawKind::Paragraph | RawKind::ListItem)
                && record_key(&b.text).is_some()
        };
        if !is_record_line(&raw.blocks[i]) {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < n && is_record_line(&raw.blocks[j]) {
            j += 1;
        }
        if j - i >= 2 {
            let table = raw.new_table(TableOrigin::KeyValue);
            let mut row = 0;
            let mut col = 0;
            let mut keys: Vec<String> = Vec::new();
            for block in &mut raw.blocks[i..j] {
                let key = record_key(&block.text).unwrap_or_default().to_string();
                if keys.contains(&key) {
                    row += 1;
                    col = 0;
                    keys.clear();
                }
                keys.push(key);
                block.kind = RawKind::TableCell {
                    table,
                    row,
                    col,
                    header: false,
                };
                col += 1;
            }
        }
        i = j;
    }
}

/// Build the document from the blocks a front end produced.
pub(crate) fn build(mut raw: RawDocument, format: Format, lang: Option<Lang>) -> Document {
    detect_flattened_tables(&mut raw);
    detect_key_value_records(&mut raw);
    let styles: Vec<Option<Style>> = infer_heading_styles(&raw.blocks);
    let levels = assign_levels(&raw.blocks, &styles);

    let lang = lang.unwrap_or_else(|| detect_lang(raw.blocks.iter().map(|b| b.text.as_str())));
    let mut tables: Vec<Table> = raw
        .tables
        .iter()
        .enumerate()
        .map(|(index, &origin)| Table {
            rows: Vec::new(),
            header_rows: 0,
            origin,
            spanned: raw.spanned.contains(&index),
        })
        .collect();

    let mut blocks = Vec::with_capacity(raw.blocks.len());
    for (index, (block, level)) in raw.blocks.into_iter().zip(levels).enumerate() {
        let kind = match (block.kind, level) {
            (RawKind::Heading(level), _) => BlockKind::Heading {
                level,
                inferred: false,
            },
            (_, Some(level)) => BlockKind::Heading {
                level,
                inferred: true,
            },
            (RawKind::Paragraph, None) => BlockKind::Paragraph,
            (RawKind::ListItem, None) => BlockKind::ListItem,
            (
                RawKind::TableCell {
                    table,
                    row,
                    col,
                    header,
                },
                None,
            ) => {
                let entry = &mut tables[table];
                while entry.rows.len() <= row {
                    entry.rows.push(Vec::new());
                }
                entry.rows[row].push(index);
                if header {
                    entry.header_rows = entry.header_rows.max(row + 1);
                }
                BlockKind::TableCell {
                    table,
                    row,
                    col,
                    header,
                }
            }
        };
        let span = block.map.to_source(0..block.text.len());
        let sentences = sentences::split(&block.text, lang);
        blocks.push(Block {
            kind,
            section: 0,
            text: block.text,
            map: block.map,
            span,
            sentences,
        });
    }

    let sections = build_sections(&mut blocks);
    let title = pick_title(&blocks);
    Document {
        format,
        lang,
        blocks,
        sections,
        tables,
        comments: raw.comments,
        title,
    }
}

/// Heading styles of blocks that read like headings; a run of adjacent same-style
/// candidates (a table of contents, a list of short items) stays a list.
fn infer_heading_styles(blocks: &[RawBlock]) -> Vec<Option<Style>> {
    let mut styles: Vec<Option<Style>> = blocks
        .iter()
        .map(|block| match block.kind {
            RawKind::Heading(level) => Some(Style::Markup(level)),
            RawKind::Paragraph | RawKind::ListItem => heading_style(&block.text, block.strong),
            RawKind::TableCell { .. } => None,
        })
        .collect();
    let mut i = 0;
    while i < styles.len() {
        let Some(style) = styles[i].filter(|s| !matches!(s, Style::Markup(_))) else {
            i += 1;
            continue;
        };
        let mut j = i + 1;
        while j < styles.len() && styles[j] == Some(style) {
            j += 1;
        }
        // Two unnumbered lines in a row are often a title and subtitle; a list needs three.
        let list_length = if style == Style::Plain { 3 } else { 2 };
        if j - i >= list_length {
            for entry in &mut styles[i..j] {
                *entry = None;
            }
        }
        i = j;
    }
    styles
}

/// Levels for headings: markup headings keep theirs; numbered ones take the level of the
/// first heading of the same style, or nest one deeper than the current heading.
fn assign_levels(blocks: &[RawBlock], styles: &[Option<Style>]) -> Vec<Option<u8>> {
    let mut stack: Vec<(Style, u8)> = Vec::new();
    blocks
        .iter()
        .zip(styles)
        .map(|(block, style)| {
            let style = (*style)?;
            if let RawKind::Heading(level) = block.kind {
                stack.retain(|&(_, l)| l < level);
                stack.push((style, level));
                return None;
            }
            if style == Style::Plain {
                // An unnumbered line labels what follows; it never closes numbered sections.
                return Some(stack.last().map_or(1, |&(_, l)| (l + 1).min(9)));
            }
            if let Some(position) = stack.iter().position(|&(s, _)| s == style) {
                let level = stack[position].1;
                stack.truncate(position + 1);
                Some(level)
            } else {
                let level = stack.last().map_or(1, |&(_, l)| (l + 1).min(9));
                stack.push((style, level));
                Some(level)
            }
        })
        .collect()
}

fn build_sections(blocks: &mut [Block]) -> Vec<Section> {
    let mut sections = vec![Section {
        heading: None,
        level: 0,
        parent: None,
        blocks: 0..blocks.len(),
    }];
    let mut open: Vec<usize> = vec![0];
    for index in 0..blocks.len() {
        if let BlockKind::Heading { level, .. } = blocks[index].kind {
            while open.len() > 1 && sections[*open.last().unwrap_or(&0)].level >= level {
                let closed = open.pop().unwrap_or(0);
                sections[closed].blocks.end = index;
            }
            let parent = *open.last().unwrap_or(&0);
            sections.push(Section {
                heading: Some(index),
                level,
                parent: Some(parent),
                blocks: index..blocks.len(),
            });
            open.push(sections.len() - 1);
        }
        blocks[index].section = *open.last().unwrap_or(&0);
    }
    sections
}

/// The first early heading that names a policy, else the first heading, else the first block.
fn pick_title(blocks: &[Block]) -> Option<usize> {
    static POLICY: OnceLock<Matcher> = OnceLock::new();
    let policy = POLICY.get_or_init(|| {
        Matcher::new(
            r"(?i)隐私|个人信息|政策|协议|条款|声明|指引|privacy|policy|notice|terms|statement",
        )
    });
    let early = || blocks.iter().enumerate().take(12);
    early()
        .find(|(_, b)| b.is_heading() && policy.is_match(&b.text))
        .or_else(|| early().find(|(_, b)| b.is_heading()))
        .or_else(|| early().find(|(_, b)| policy.is_match(&b.text) && b.text.chars().count() <= 60))
        .or_else(|| early().next())
        .map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shortcut for Chinese characters agrees with trying every pattern.
    #[test]
    fn only_numerals_and_ordinals_start_chinese_markers() {
        let han = (0x3400..=0x4DBF)
            .chain(0x4E00..=0x9FFF)
            .chain(0xF900..=0xFAFF)
            .chain(0x20000..=0x2FA1F)
            .filter_map(char::from_u32);
        let mut markers = 0;
        for c in han {
            for rest in ["、", ".", "一部分", "1条", "十章", " 、"] {
                let text = format!("{c}{rest}标题");
                let found = marker(&text, c);
                assert_eq!(numbering(&text), found, "{text}");
                markers += usize::from(found.is_some());
            }
        }
        assert!(markers >= 20, "only {markers} markers among the samples");
    }

    #[test]
    fn recognises_chinese_numbering() {
        let cases = [
            ("第三部分 隐私保护政策", Style::Part),
            ("第一章 总则", Style::Chapter),
            ("第十条 个人信息的保存", Style::Article),
            ("一、我们如何收集和使用您的个人信息", Style::CnEnum),
            ("(一)我们如何收集您的信息", Style::ParenCn),
            ("1.帮助您成为用户", Style::NumDot),
            ("1、我们如何使用Cookie", Style::NumDun),
            ("(1)帮助您完成注册", Style::ParenNum),
            ("1)我们在您使用服务过程中收集的信息", Style::NumParen),
            ("1.1 注册", Style::Decimal(2)),
            ("<3.1>日志信息", Style::Angle),
            ("Section 2 Information We Collect", Style::EnWord),
        ];
        for (text, style) in cases {
            assert_eq!(heading_style(text, false), Some(style), "{text}");
        }
    }

    #[test]
    fn sentences_are_not_headings() {
        for text in [
            "1.在获取明确同意的情况下共享:获得您的明确同意后,我们会与其他方共享您的个人信息;",
            "(一)您有权访问、更正、删除您的个人信息,法律法规规定的例外情况除外。",
            "特别提示:",
            "1. we collect your email address when you sign up",
            "2023.09.06",
            "感谢您使用本平台!",
            "3.为了便于您使用充值交费、通讯录备份功能,我们需要",
            "3.2您可以申请注销您的个人账户,或在符合法律法规和本平台的",
        ] {
            assert_eq!(heading_style(text, false), None, "{text}");
        }
    }

    #[test]
    fn bold_and_short_lines() {
        assert_eq!(
            heading_style("我们如何保护您的信息", true),
            Some(Style::Bold)
        );
        assert_eq!(heading_style("引言", false), Some(Style::Plain));
        assert_eq!(
            heading_style("Information We Collect", false),
            Some(Style::Plain)
        );
        assert_eq!(heading_style("姓名、身份证号、人脸照片", false), None);
        // A dangling word ends a heading only after a clause break.
        assert_eq!(
            heading_style("2.您的个人信息的存储和保护", false),
            Some(Style::NumDot)
        );
    }

    #[test]
    fn appendix_lines_are_headings() {
        assert_eq!(heading_style("附录:相关定义", false), Some(Style::Plain));
        assert_eq!(
            heading_style("附录一 第三方SDK目录", false),
            Some(Style::Plain)
        );
        assert_eq!(
            heading_style("附录中的定义适用于本政策,请您仔细阅读。", false),
            None
        );
    }

    #[test]
    fn numbering_depth_orders_the_usual_levels() {
        let depth = |text| numbering_depth(text).expect(text);
        let levels = [
            "第一部分",
            "一、",
            "(一)",
            "1.",
            "1.1",
            "1.2.2",
            "(1)",
            "1)",
            "(a)",
            "①",
        ];
        for pair in levels.windows(2) {
            assert!(depth(pair[0]) < depth(pair[1]), "{pair:?}");
        }
        assert_eq!(depth("1、"), depth("1."));
        // A bullet left as text ("* 1.2.2位置信息。" in converted HTML) is passed over.
        assert_eq!(
            numbering_depth("* 1.2.2位置信息。"),
            numbering_depth("1.2.2位置信息。")
        );
        assert_eq!(
            numbering_depth("a.在您使用服务时"),
            numbering_depth("(a)在您使用服务时")
        );
        assert_eq!(numbering_depth("e.g. an example"), None);
        assert_eq!(numbering_depth("位置信息。"), None);
        assert_eq!(numbering_depth("**加粗**"), None);
    }

    #[test]
    fn record_keys() {
        assert_eq!(record_key("SDK名称:腾讯浏览服务"), Some("SDK名称"));
        assert_eq!(
            record_key("采集用户信息字段:人脸图片"),
            Some("采集用户信息字段")
        );
        assert_eq!(
            record_key("用途描述:通过人脸识别验证用户身份"),
            Some("用途描述")
        );
        assert_eq!(record_key("设备信息:为识别您的设备预防恶意程序"), None);
        assert_eq!(record_key("使用目的:"), None);
        assert_eq!(record_key("SDK官网:https://x.example"), Some("SDK官网"));
        assert_eq!(
            record_key("极光隐私政策链接:https://x.example"),
            Some("极光隐私政策链接")
        );
        assert_eq!(
            record_key("收集的个人信息的类型/字段:设备信息"),
            Some("收集的个人信息的类型/字段")
        );
        assert_eq!(record_key("公司全称:某某科技有限公司"), Some("公司全称"));
        assert_eq!(record_key("联系地址:北京市"), None);
        assert_eq!(record_key("*用途:消息推送"), Some("用途"));
        assert_eq!(record_key("数据类型:设备标识信息"), Some("数据类型"));
        assert_eq!(
            record_key("第三方机构名称:某某科技有限公司"),
            Some("第三方机构名称")
        );
    }

    #[test]
    fn header_cells() {
        assert!(is_header_cell("第三方SDK名称"));
        assert!(is_header_cell("收集个人信息用途/目的"));
        assert!(is_header_cell("SDK Name"));
        assert!(!is_header_cell("人脸识别SDK"));
        assert!(!is_header_cell("姓名、身份证号、人脸照片"));
        assert!(!is_header_cell("所属公司:某某科技有限公司"));
    }
}
