//! Third-party SDK entries listed in a policy: rows of SDK tables (Markdown, HTML, tab- or
//! line-separated text), runs of `SDK名称:… 使用目的:…` records, such records on one line,
//! and list items that start with an SDK name. Each entry keeps where its name, vendor,
//! purpose, data scope and privacy-policy link were found, so checks point at what is there
//! and say what is missing.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::sync::OnceLock;

use regex::Regex;
use regex_syntax::hir::literal::{ExtractKind, Extractor};

use crate::automaton::Automaton;
use crate::document::{BlockKind, Document, TableOrigin};
use crate::matcher::{Matcher, matcher};
use crate::rules::patterns::fold_ascii_case;
use crate::rules::taxonomy::{Taxonomy, term_langs};

/// A piece of a block's text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    pub block: usize,
    pub range: Range<usize>,
}

impl Field {
    pub fn text<'a>(&self, doc: &'a Document) -> &'a str {
        doc.blocks[self.block].text[self.range.clone()].trim()
    }
}

/// How the policy wrote the entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// A row of a table with a header (markup, flattened or tab-separated).
    Table,
    /// `key: value` lines, one per field.
    Records,
    /// `key: value` pairs on one line.
    Line,
    /// A list item or paragraph that starts with the SDK's name.
    Item,
    /// A heading naming the SDK, its fields in the blocks under it.
    Heading,
}

impl Layout {
    pub fn name(self) -> &'static str {
        match self {
            Layout::Table => "table",
            Layout::Records => "records",
            Layout::Line => "line",
            Layout::Item => "item",
            Layout::Heading => "heading",
        }
    }
}

#[derive(Clone, Debug)]
pub struct SdkEntry {
    pub name: Field,
    pub vendor: Option<Field>,
    pub purpose: Option<Field>,
    pub scope: Option<Field>,
    pub link: Option<Field>,
    /// Every block of the entry (a table row's cells, a run of records, one item).
    pub blocks: Vec<usize>,
    pub layout: Layout,
    /// Entries of one list share a group: the rows of a table (the table's index), the
    /// entry headings of one section (past the tables' indices). Other entries have none.
    pub group: Option<usize>,
}

impl SdkEntry {
    /// Take in a row that continues this entry: its blocks, and the parts this one lacks.
    fn absorb(&mut self, row: SdkEntry) {
        self.vendor = self.vendor.take().or(row.vendor);
        self.purpose = self.purpose.take().or(row.purpose);
        self.scope = self.scope.take().or(row.scope);
        self.link = self.link.take().or(row.link);
        for block in row.blocks {
            if !self.blocks.contains(&block) {
                self.blocks.push(block);
            }
        }
    }
}

/// Each entry's whole text, cell after cell. A block several entries share ("官网链接:…第三方
/// SDK名称:商汤" ends one record and starts the next; a line of records) is divided at their
/// names: an entry reads it from its own name to the next, or up to the first name when its
/// name stands elsewhere. A line of thousands of records is then read once, not once per
/// record.
pub fn entry_texts(doc: &Document, entries: &[SdkEntry]) -> Vec<String> {
    let mut readers: HashMap<usize, usize> = HashMap::new();
    for entry in entries {
        for &b in &entry.blocks {
            *readers.entry(b).or_default() += 1;
        }
    }
    let mut names_in: HashMap<usize, Vec<usize>> = HashMap::new();
    for entry in entries {
        (names_in.entry(entry.name.block).or_default()).push(entry.name.range.start);
    }
    for starts in names_in.values_mut() {
        starts.sort_unstable();
    }
    let part = |entry: &SdkEntry, b: usize| -> &str {
        let text = doc.blocks[b].text.as_str();
        if readers.get(&b).is_none_or(|&n| n < 2) {
            return text;
        }
        let starts = names_in.get(&b).map_or(&[][..], Vec::as_slice);
        let from = if entry.name.block == b {
            entry.name.range.start
        } else {
            0
        };
        let next = starts.partition_point(|&start| start <= from);
        let to = starts.get(next).copied().unwrap_or(text.len());
        &text[from..to]
    };
    (entries.iter())
        .map(|entry| {
            (entry.blocks.iter())
                .map(|&b| part(entry, b))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Name,
    Vendor,
    Purpose,
    Scope,
    /// Permissions the SDK uses: a data scope when nothing else says what it collects.
    Permission,
    Link,
    Other,
}

/// The role of a column from its header, or of a record from its key.
fn role(label: &str) -> Role {
    static LINK: OnceLock<Matcher> = OnceLock::new();
    static PURPOSE: OnceLock<Matcher> = OnceLock::new();
    static SCOPE: OnceLock<Matcher> = OnceLock::new();
    static PERMISSION: OnceLock<Matcher> = OnceLock::new();
    static OTHER: OnceLock<Matcher> = OnceLock::new();
    static VENDOR: OnceLock<Matcher> = OnceLock::new();
    static NAME: OnceLock<Matcher> = OnceLock::new();
    let label = label.trim();
    let checks: [(&'static OnceLock<Matcher>, &'static str, Role); 7] = [
        (
            &LINK,
            r"(?i)链接|网址|官网|隐私(?:权)?政策|隐私(?:协议|声明|说明)|保护(?:规则|政策|指引)|privacy|policy|link|url|website",
            Role::Link,
        ),
        (
            &PURPOSE,
            r"(?i)目的|用途|功能|场景|业务|服务内容|purpose|usage|use case|function",
            Role::Purpose,
        ),
        (
            &SCOPE,
            r"(?i)信息|数据|字段|范围|种类|data|information|scope|collect|categor",
            Role::Scope,
        ),
        (&PERMISSION, r"(?i)权限|permission", Role::Permission),
        (
            &OTHER,
            r"(?i)序号|编号|版本|方式|是否|类型|类别|version|method|type|^no\.?$|^#$",
            Role::Other,
        ),
        (
            &VENDOR,
            r"(?i)来源|提供(?:方|者|商|公司|主体|单位)|开发者|开发商|所属|公司|主体|运营|厂商|供应商|机构|第三方名称|合作方名称|合作伙伴|vendor|provider|developer|company|operator|entity|third[- ]part",
            Role::Vendor,
        ),
        // "服务" alone or "服务商" names the service; "我们提供的服务" names the app's feature.
        (
            &NAME,
            r"(?i)SDK|插件|名称|name|^(?:第三方|合作)?服务(?:商|方)?$",
            Role::Name,
        ),
    ];
    checks
        .into_iter()
        .find(|(cell, pattern, _)| matcher(cell, pattern).is_match(label))
        .map_or(Role::Other, |(_, _, role)| role)
}

/// Words that make a header, key or heading about SDKs.
fn says_sdk(text: &str) -> bool {
    static SDK: OnceLock<Matcher> = OnceLock::new();
    matcher(&SDK, r"(?i)SDK|插件|plug-?in|软件开发工具包").is_match(text)
}

/// Words of headings and lead-ins that introduce a list of SDKs or embedded services.
fn sdk_heading(text: &str) -> bool {
    static CONTEXT: OnceLock<Matcher> = OnceLock::new();
    matcher(
        &CONTEXT,
        r"(?i)SDK|插件|软件开发工具包|第三方(?:服务|代码|合作)|接入的第三方|third[- ]party (?:sdks?|services|partners|providers|code)|service providers|sub-?processors",
    )
    .is_match(text)
}

/// Whether what `block` names at byte `at` is named as an SDK: its sentence says SDK or
/// plug-in, or the block is a table cell or sits in an SDK list ("我们通过友盟SDK统计" but
/// not "可使用微信支付").
pub fn about_sdks(doc: &Document, block: usize, at: usize) -> bool {
    let text = &doc.blocks[block].text;
    let sentence = doc.blocks[block]
        .sentences
        .iter()
        .find(|s| s.contains(&at))
        .map_or(text.as_str(), |s| &text[s.clone()]);
    says_sdk(sentence)
        || matches!(doc.blocks[block].kind, BlockKind::TableCell { .. })
        || sdk_context(doc, block)
}

/// Whether a block sits under an SDK heading or right after an SDK lead-in.
fn sdk_context(doc: &Document, block: usize) -> bool {
    let mut section = Some(doc.blocks[block].section);
    while let Some(s) = section {
        if doc.heading_text(s).is_some_and(sdk_heading) {
            return true;
        }
        section = doc.sections[s].parent;
    }
    // The paragraph or two before a list often say what it lists.
    (block.saturating_sub(2)..block).any(|b| {
        !matches!(doc.blocks[b].kind, BlockKind::TableCell { .. })
            && sdk_heading(&doc.blocks[b].text)
    })
}

/// The blocks of the policy's SDK list: the entries, and the section about SDKs holding
/// them (entries written in a shape the extractor does not know still sit there).
pub fn list_region(doc: &Document, entries: &[SdkEntry]) -> HashSet<usize> {
    let mut region: HashSet<usize> = entries.iter().flat_map(|e| e.blocks.clone()).collect();
    // Entries of one list share their sections: each section's blocks are added once.
    let mut sections = HashSet::new();
    for entry in entries {
        let innermost = doc.blocks[entry.name.block].section;
        let mut section = Some(innermost);
        let mut about_sdks = None;
        while let Some(s) = section {
            if doc.heading_text(s).is_some_and(sdk_heading) {
                about_sdks = Some(s);
            }
            section = doc.sections[s].parent;
        }
        if let Some(s) = about_sdks.or((innermost != 0).then_some(innermost))
            && sections.insert(s)
        {
            region.extend(doc.sections[s].blocks.clone());
        }
    }
    region
}

/// A legal-entity name: "有限公司", "Inc.", "GmbH".
pub fn names_entity(text: &str) -> bool {
    static ENTITY: OnceLock<Matcher> = OnceLock::new();
    matcher(
        &ENTITY,
        r"有限(?:责任)?公司|股份(?:有限)?公司|集团|研究院|研究所|中心|(?i:\b(?:inc|ltd|llc|l\.l\.c|gmbh|limited|corporation|corp|co|plc|s\.a|b\.v|pte|ag|ab|sarl|s\.r\.l|k\.k)\b)",
    )
    .is_match(text)
}

/// A legal-entity name ("某某科技有限公司", "Acme Widgets Ltd."). Run by the backtracker: the
/// regex crate takes 12 ms to compile its window of word characters.
const ENTITY_NAME: &str = r"[^\s,;:。、\x22'()]{2,30}?(?:有限(?:责任)?公司|股份(?:有限)?公司|集团|研究院|中心)(?:\([^)]{1,20}\))?|(?i:[A-Z][\w&.,' -]{1,40}?\b(?:inc|ltd|llc|gmbh|limited|corporation|corp|plc|pte)\b\.?)";

/// Where a legal-entity name stands in `text`.
fn entity_name(text: &str) -> Option<Range<usize>> {
    static NAME: OnceLock<Matcher> = OnceLock::new();
    NAME.get_or_init(|| Matcher::new(ENTITY_NAME)).find(text)
}

/// Where a web address stands in `text`.
fn url_in(text: &str) -> Option<Range<usize>> {
    static URL: OnceLock<Matcher> = OnceLock::new();
    matcher(
        &URL,
        r"(?i)https?://[^\s<>()\[\]\x22']+|www\.[a-z0-9-]+\.[a-z][^\s<>()\[\]\x22']*",
    )
    .find(text)
}

/// Whether `text` contains a web address.
pub fn has_url(text: &str) -> bool {
    url_in(text).is_some()
}

/// All SDK entries of a document, in document order.
pub fn extract(doc: &Document, taxonomy: &Taxonomy) -> Vec<SdkEntry> {
    let mut taken = vec![false; doc.blocks.len()];
    let mut entries = wrapped_record_entries(doc, &mut taken);
    for (index, table) in doc.tables.iter().enumerate() {
        let mut found = match table.origin {
            TableOrigin::KeyValue => record_entries(doc, index, taxonomy),
            TableOrigin::Markup | TableOrigin::Flattened => table_entries(doc, index),
        };
        found.retain(|entry| !taken[entry.name.block]);
        for entry in &found {
            for &b in &entry.blocks {
                taken[b] = true;
            }
        }
        entries.extend(found);
    }
    for (index, block) in doc.blocks.iter().enumerate() {
        // A numbered item alone under a label ("推送:" / "1.个推推送平台SDK:…") may have
        // been taken for a heading.
        let item_like = matches!(
            block.kind,
            BlockKind::Paragraph | BlockKind::ListItem | BlockKind::Heading { inferred: true, .. }
        );
        if taken[index] || !item_like {
            continue;
        }
        if let Some(entry) = line_entry(doc, index).or_else(|| item_entry(doc, index, taxonomy)) {
            for &b in &entry.blocks {
                taken[b] = true;
            }
            entries.push(entry);
        }
    }
    entries.extend(heading_entries(doc, taxonomy, &taken));
    entries.sort_by_key(|e| (e.name.block, e.name.range.start));
    group_runs(doc, &mut entries);
    entries
}

/// The most blocks between two entries of one list written as items, lines or records.
const LIST_GAP_BLOCKS: usize = 6;

/// Items, lines and records that follow each other in one section form a list, like the
/// rows of a table: their groups are numbered past the tables' and the sections' indices.
fn group_runs(doc: &Document, entries: &mut [SdkEntry]) {
    let mut next_group = doc.tables.len() + doc.sections.len();
    let mut previous: Option<(Layout, usize, usize)> = None;
    for entry in entries.iter_mut().filter(|e| e.group.is_none()) {
        let section = doc.blocks[entry.name.block].section;
        let first = entry.blocks.first().copied().unwrap_or(entry.name.block);
        let last = entry
            .blocks
            .iter()
            .copied()
            .max()
            .unwrap_or(entry.name.block);
        let continues = previous.is_some_and(|(layout, sec, end)| {
            layout == entry.layout && sec == section && first <= end + LIST_GAP_BLOCKS
        });
        if !continues {
            next_group += 1;
        }
        entry.group = Some(next_group);
        previous = Some((entry.layout, section, last));
    }
}

fn whole(doc: &Document, block: usize) -> Option<Field> {
    let text = &doc.blocks[block].text;
    let start = text.len() - text.trim_start().len();
    let end = text.trim_end().len();
    (start < end).then_some(Field {
        block,
        range: start..end,
    })
}

/// Rows of a table whose header names an SDK (or a third party, under an SDK heading).
fn table_entries(doc: &Document, index: usize) -> Vec<SdkEntry> {
    let table = &doc.tables[index];
    let Some(header) = table
        .header_rows
        .checked_sub(1)
        .and_then(|r| table.rows.get(r))
    else {
        return Vec::new();
    };
    let column = |b: usize| match doc.blocks[b].kind {
        BlockKind::TableCell { col, .. } => col,
        _ => usize::MAX,
    };
    let mut roles: Vec<(usize, Role)> = header
        .iter()
        .map(|&b| (column(b), role(&doc.blocks[b].text)))
        .collect();
    let about_sdks = header.iter().any(|&b| says_sdk(&doc.blocks[b].text))
        || header.first().is_some_and(|&b| sdk_context(doc, b));
    if !about_sdks {
        return Vec::new();
    }
    // Without a name column, the third party's name is the entry's name.
    if !roles.iter().any(|(_, r)| *r == Role::Name)
        && let Some(vendor) = roles.iter_mut().find(|(_, r)| *r == Role::Vendor)
    {
        vendor.1 = Role::Name;
    }
    let has = |role: Role| roles.iter().any(|(_, r)| *r == role);
    if !has(Role::Name) || !(has(Role::Purpose) || has(Role::Scope) || has(Role::Vendor)) {
        return Vec::new();
    }
    let role_of = |col: usize| {
        roles
            .iter()
            .find(|(c, _)| *c == col)
            .map_or(Role::Other, |(_, r)| *r)
    };
    let width = header.len();
    let mut entries: Vec<SdkEntry> = Vec::new();
    // Under a cell spanning several rows, a row has no cell of its own in that column.
    let mut above: Vec<Option<usize>> = vec![None; width];
    for row in table.rows.iter().skip(table.header_rows) {
        let mut cells: Vec<Option<usize>> = if table.spanned {
            above.clone()
        } else {
            vec![None; width]
        };
        for &b in row {
            if let Some(cell) = cells.get_mut(column(b)) {
                *cell = Some(b);
            }
        }
        above.clone_from(&cells);
        let field = |wanted: Role| {
            cells
                .iter()
                .enumerate()
                .filter(|(col, _)| role_of(*col) == wanted)
                .find_map(|(_, b)| b.and_then(|b| whole(doc, b)))
        };
        let first = |wanted: Role| {
            cells
                .iter()
                .enumerate()
                .find(|(col, _)| role_of(*col) == wanted)
                .and_then(|(_, b)| b.and_then(|b| whole(doc, b)))
        };
        let Some(name) = field(Role::Name) else {
            continue;
        };
        // A row shifted by a missing cell puts a link or a data list in the name column.
        let named = name.text(doc);
        if has_url(named)
            || named.starts_with(['<', '[', '-', '|'])
            || (named.matches([',', '、']).count() >= 2 && !says_sdk(named))
        {
            continue;
        }
        // A name column may hold the vendor too; a separate vendor column wins.
        let vendor = field(Role::Vendor).or_else(|| {
            let scan = name.text(doc);
            names_entity(scan).then(|| name.clone())
        });
        let entry = SdkEntry {
            vendor,
            purpose: field(Role::Purpose),
            scope: first(Role::Scope).or_else(|| field(Role::Permission)),
            link: field(Role::Link),
            name,
            blocks: cells.iter().flatten().copied().collect(),
            layout: Layout::Table,
            group: Some(index),
        };
        // Rows under a name cell spanning them (one permission or data item per row) are
        // one entry.
        match entries.last_mut() {
            Some(previous) if previous.name == entry.name => previous.absorb(entry),
            _ => entries.push(entry),
        }
    }
    entries
}

/// The key and the value range of a `key:value` text.
fn split_record(text: &str) -> Option<(&str, Range<usize>)> {
    let colon = text.find(':')?;
    let value = &text[colon + 1..];
    let start = colon + 1 + (value.len() - value.trim_start().len());
    Some((
        text[..colon].trim(),
        start..text.trim_end().len().max(start),
    ))
}

/// A record run is one entry per row; its name is a name record or the line before it.
fn record_entries(doc: &Document, index: usize, taxonomy: &Taxonomy) -> Vec<SdkEntry> {
    let table = &doc.tables[index];
    let mut entries = Vec::new();
    for row in &table.rows {
        let mut fields: Vec<(Role, Field)> = Vec::new();
        let mut keys_say_sdk = false;
        for &b in row {
            // A record may carry more records on its line ("名称:… 用途:…").
            let text = &doc.blocks[b].text;
            let found = inline_fields(doc, b);
            keys_say_sdk |= found.iter().any(|f| says_sdk(&text[f.key.clone()]));
            fields.extend(found.into_iter().map(|f| (f.role, f.value)));
        }
        let get = |wanted: Role| {
            fields
                .iter()
                .find(|(r, _)| *r == wanted)
                .map(|(_, f)| f.clone())
        };
        let first = row.first().copied().unwrap_or_default();
        let name = get(Role::Name).or_else(|| preceding_name(doc, first));
        let Some(name) = name else {
            continue;
        };
        let named = name.text(doc);
        // A record titled with a vendor's own label ("支付宝") names it even where the text
        // would not (the vendor's names in running text need "支付宝支付", "支付宝SDK").
        if !(keys_say_sdk
            || says_sdk(named)
            || taxonomy.vendor_in(named).is_some()
            || taxonomy.vendors.iter().any(|v| v.label == named)
            || sdk_context(doc, first))
        {
            continue;
        }
        let mut blocks = row.clone();
        // Under a name line, a paragraph before the records ("为了向您及时推送服务通知，
        // ……需要获取您的设备信息") describes the entry too.
        let mut prose = BodyFields::default();
        for b in name.block + 1..first {
            prose = prose.or(body_fields(doc, b, 0, taxonomy));
            blocks.push(b);
        }
        if !blocks.contains(&name.block) {
            blocks.push(name.block);
        }
        let link = get(Role::Link).or_else(|| {
            let (at, link) = link_after(doc, row.last().copied().unwrap_or(first))?;
            blocks.extend(at);
            Some(link)
        });
        blocks.sort_unstable();
        let keyed = BodyFields {
            vendor: get(Role::Vendor),
            purpose: get(Role::Purpose),
            scope: get(Role::Scope).or_else(|| get(Role::Permission)),
            link,
        };
        let found = keyed.or(prose);
        entries.push(SdkEntry {
            vendor: found.vendor,
            purpose: found.purpose,
            scope: found.scope,
            link: found.link,
            name,
            blocks,
            layout: Layout::Records,
            group: None,
        });
    }
    entries
}

/// Records hard-wrapped at any place, so that a line ends one record and starts the next
/// ("…使用目的:推送消息" / "收集数据类型:设备信息 官网链接:<…> 第三方SDK名称:Talking"): the
/// fields of the run of blocks around such a line, split at each name key. The run's blocks
/// are marked in `taken`.
fn wrapped_record_entries(doc: &Document, taken: &mut [bool]) -> Vec<SdkEntry> {
    let eligible = |b: usize| !doc.blocks[b].is_heading();
    let mut entries = Vec::new();
    let mut b = 0;
    while b < doc.blocks.len() {
        let text = &doc.blocks[b].text;
        let misaligned = !taken[b]
            && eligible(b)
            && text.contains("名称:")
            && inline_fields(doc, b)
                .iter()
                .skip(1)
                .any(|f| f.role == Role::Name && says_sdk(&text[f.key.clone()]));
        if !misaligned {
            b += 1;
            continue;
        }
        let section = doc.blocks[b].section;
        let in_run = |i: usize| {
            eligible(i) && doc.blocks[i].section == section && !inline_fields(doc, i).is_empty()
        };
        let mut start = b;
        while start > 0 && !taken[start - 1] && in_run(start - 1) {
            start -= 1;
        }
        let mut end = b + 1;
        while end < doc.blocks.len() && in_run(end) {
            end += 1;
        }
        let mut current: Option<SdkEntry> = None;
        for i in start..end {
            let text = &doc.blocks[i].text;
            for (k, field) in inline_fields(doc, i).into_iter().enumerate() {
                if field.role == Role::Name && says_sdk(&text[field.key.clone()]) {
                    entries.extend(current.take());
                    // A line that ends the previous record is not this entry's text.
                    let blocks = if k == 0 { vec![i] } else { Vec::new() };
                    current = Some(SdkEntry {
                        name: field.value,
                        vendor: None,
                        purpose: None,
                        scope: None,
                        link: None,
                        blocks,
                        layout: Layout::Records,
                        group: None,
                    });
                    continue;
                }
                let Some(entry) = current.as_mut() else {
                    continue;
                };
                let slot = match field.role {
                    Role::Vendor => &mut entry.vendor,
                    Role::Purpose => &mut entry.purpose,
                    Role::Scope | Role::Permission => &mut entry.scope,
                    Role::Link => &mut entry.link,
                    Role::Name | Role::Other => continue,
                };
                if slot.is_none() {
                    *slot = Some(field.value);
                }
                if entry.blocks.last() != Some(&i) {
                    entry.blocks.push(i);
                }
            }
        }
        entries.extend(current);
        for flag in &mut taken[start..end] {
            *flag = true;
        }
        b = end;
    }
    entries
}

/// A link key left without a value at the end of a record run, with the address on the
/// next line ("隐私权政策链接:" / "[https://…](https://…)"): the blocks and the address.
fn link_after(doc: &Document, last: usize) -> Option<(Vec<usize>, Field)> {
    let key = last + 1;
    let (label, value) = split_record(doc.blocks.get(key)?.text.trim())?;
    if !value.is_empty() || role(label) != Role::Link {
        return None;
    }
    let at = key + 1;
    let text = &doc.blocks.get(at)?.text;
    let range = url_in(text)?;
    let before = text[..range.start].trim();
    before
        .chars()
        .all(|c| matches!(c, '[' | '<' | '('))
        .then(|| (vec![key, at], Field { block: at, range }))
}

/// A `key:value` field within a block.
struct InlineField {
    role: Role,
    /// Where the key stands in the block's text.
    key: Range<usize>,
    value: Field,
}

/// The keys of `key:value` fields.
const FIELD_KEY: &str = r"(?i)(?:第三方)?(?:SDK|插件|机构)?(?:名称|提供方|开发者|所属公司|公司名称|公司全称|运营方)|(?:使用)?(?:目的|用途)|使用场景|功能|(?:收集|采集|获取|共享|使用|处理|涉及)(?:的)?(?:用户|个人)?(?:信息|数据)(?:的)?(?:类型|范围|字段|内容|种类)?(?:/(?:字段|类型|范围))?|(?:个人)?(?:信息|数据)(?:类型|范围|字段|种类|获取)|(?:申请|使用|调用|涉及)?(?:的)?(?:系统)?权限|[^:,;。\s]{0,6}?(?:隐私(?:权)?政策|官网)(?:链接|网址)?|链接|网址|(?-u:\b)SDK name|(?-u:\b)vendor|(?-u:\b)provider|(?-u:\b)developer|(?-u:\b)purposes?|(?-u:\b)data (?:collected|types?)|(?-u:\b)information collected|(?-u:\b)permissions|(?-u:\b)privacy policy";

/// The literals every field key ends with, or `None` when they cannot be listed. A key counts
/// only before a colon: a block where no colon follows one of these is not searched. (The
/// key pattern's word boundaries are ASCII ones, which its lazy DFA can run on Chinese text.)
fn field_key_ends() -> Option<&'static Automaton> {
    static ENDS: OnceLock<Option<Automaton>> = OnceLock::new();
    ENDS.get_or_init(|| {
        let hir = regex_syntax::parse(FIELD_KEY).expect("built-in pattern");
        let mut ends = Extractor::new()
            .kind(ExtractKind::Suffix)
            .limit_total(KEY_ENDS_LIMIT)
            .extract(&fold_ascii_case(&hir));
        // The last two Chinese characters end fewer distinct keys than whole words do: an
        // automaton of a few dozen literals builds at once.
        ends.keep_last_bytes(KEY_END_LEN);
        let literals = ends.literals()?;
        if literals.iter().any(|l| l.as_bytes().is_empty()) {
            return None;
        }
        Automaton::new(literals.iter().map(|l| l.as_bytes()))
    })
    .as_ref()
}

/// Room for every combination of the key pattern's words (a few hundred).
const KEY_ENDS_LIMIT: usize = 1000;

/// Key ends are cut to this many bytes.
const KEY_END_LEN: usize = 6;

/// Whether a field key may end right before a colon in `text` (no key is missed).
fn may_have_fields(text: &str) -> bool {
    if !text.contains(':') {
        return false;
    }
    field_key_ends().is_none_or(|ends| {
        (ends.find_overlapping(text.as_bytes()))
            .any(|end| text.as_bytes()[end.end..].starts_with(b":"))
    })
}

/// The `key:value` fields of a block, in order.
fn inline_fields(doc: &Document, block: usize) -> Vec<InlineField> {
    // The regex crate's automaton, not the backtracker: its window of any characters would
    // send the backtracker exploring from every place of a long block.
    static KEY: OnceLock<Regex> = OnceLock::new();
    let text = &doc.blocks[block].text;
    if !may_have_fields(text) {
        return Vec::new();
    }
    let key = KEY.get_or_init(|| Regex::new(FIELD_KEY).expect("built-in pattern"));
    let keys: Vec<Range<usize>> = key
        .find_iter(text)
        .filter(|m| text[m.end()..].starts_with(':'))
        .map(|m| m.range())
        .collect();
    let mut fields = Vec::new();
    for (i, range) in keys.iter().enumerate() {
        let end = keys.get(i + 1).map_or(text.len(), |next| next.start);
        let value = &text[range.end + 1..end];
        let lead = value.len() - value.trim_start().len();
        let trimmed = value
            .trim_end()
            .trim_end_matches([';', ',', '。', '、', '*'])
            .trim_end();
        let start = range.end + 1 + lead;
        let stop = (range.end + 1 + trimmed.len()).max(start);
        if stop > start {
            fields.push(InlineField {
                role: role(&text[range.clone()]),
                key: range.clone(),
                value: Field {
                    block,
                    range: start..stop,
                },
            });
        }
    }
    fields
}

/// "1. 友盟统计SDK" or "友盟统计SDK:" on the line before a run of records (or the one
/// before that, past a note such as "由此SDK引入:…").
fn preceding_name(doc: &Document, first: usize) -> Option<Field> {
    (first.saturating_sub(2)..first)
        .rev()
        .find_map(|block| name_line(doc, block))
}

fn name_line(doc: &Document, block: usize) -> Option<Field> {
    let b = &doc.blocks[block];
    if matches!(b.kind, BlockKind::TableCell { .. }) {
        return None;
    }
    let text = b.text.trim_end();
    let start = numbering_end(text);
    let end = text.trim_end_matches(':').len();
    let name = text.get(start..end)?.trim();
    if let Some((key, value)) = split_record(name) {
        // "第三方SDK名称:某SDK" on its own line before the other records.
        return (role(key) == Role::Name && !value.is_empty()).then(|| Field {
            block,
            range: start + value.start..start + value.end,
        });
    }
    (is_name(name) && name.chars().count() <= 40).then_some(Field {
        block,
        range: start..end,
    })
}

/// A name, not a sentence or a lead-in ("您可通过以下链接访问…", "使用的第三方SDK").
fn is_name(text: &str) -> bool {
    static SENTENCE: OnceLock<Matcher> = OnceLock::new();
    static GENERIC: OnceLock<Matcher> = OnceLock::new();
    let sentence = matcher(
        &SENTENCE,
        r#"^[、,;:."'(]|^(?:尊敬|亲爱)的|[。;]|您|我们|以下|如下|可以|通过|具体|包括|https?:|等?(?:数据|信息)$|(?i:\b(?:we|you|following|below|includ)\w*\b)"#,
    );
    let generic = matcher(
        &GENERIC,
        r"^(?:(?:我们)?(?:使用|接入|集成|嵌入)?的?|主要)?(?:第三方)?(?:SDK|插件|服务商|服务|软件开发工具包|合作方|[与和及、])+(?:列表|清单|目录|说明|名称|信息)?$",
    );
    let text = text.trim();
    !text.is_empty() && !sentence.is_match(text) && !generic.is_match(text)
}

/// An item that starts with an Android permission's name ("* READ_PHONE_STATE:…",
/// "android.permission.CAMERA:…").
fn permission_item(text: &str) -> bool {
    static PERMISSION: OnceLock<Matcher> = OnceLock::new();
    let rest = &text[numbering_end(text)..];
    matcher(
        &PERMISSION,
        r"^(?:android\.permission\.)?[A-Z][A-Z_]{3,}[A-Z]\s*(?:\([^)]{0,20}\))?\s*:",
    )
    .is_match(rest)
}

/// Where the text after a list number ("1.", "(2)", "三、") starts.
fn numbering_end(text: &str) -> usize {
    static NUMBER: OnceLock<Matcher> = OnceLock::new();
    matcher(
        &NUMBER,
        r"^\s*(?:[(\[]?(?:\d{1,3}|[一二三四五六七八九十]{1,3}|[a-zA-Z])[)\].、]|\d{1,3}\.\d{1,3}\.?|[•·\-*Ø§►▪■◆●○√✓»])\s*",
    )
    .find(text)
    .map_or(0, |m| m.end)
}

/// `SDK名称:… 使用目的:… 收集信息:…` on one line.
fn line_entry(doc: &Document, block: usize) -> Option<SdkEntry> {
    let text = &doc.blocks[block].text;
    let found = inline_fields(doc, block);
    if found.len() < 2 {
        return None;
    }
    let get = |wanted: Role| {
        found
            .iter()
            .find(|f| f.role == wanted)
            .map(|f| f.value.clone())
    };
    let lead_name = || {
        let first = found[0].key.start;
        let start = numbering_end(text);
        let name = text
            .get(start..first)?
            .trim_end_matches([':', ' ', ',', ';']);
        (is_name(name) && name.chars().count() <= 40).then_some(Field {
            block,
            range: start..start + name.len(),
        })
    };
    // A purpose and a link alone ("功能:… 详情链接:…") may be prose, not an entry.
    let keyed = found
        .iter()
        .any(|f| matches!(f.role, Role::Name | Role::Vendor | Role::Scope));
    if !keyed {
        return None;
    }
    let name = get(Role::Name)
        .or_else(lead_name)
        .or_else(|| preceding_name(doc, block))?;
    if !(says_sdk(text) || sdk_context(doc, block)) {
        return None;
    }
    Some(SdkEntry {
        vendor: get(Role::Vendor),
        purpose: get(Role::Purpose),
        scope: get(Role::Scope).or_else(|| get(Role::Permission)),
        link: get(Role::Link),
        name,
        blocks: vec![block],
        layout: Layout::Line,
        group: None,
    })
}

/// "1. 极光推送SDK: 用于消息推送, 收集设备标识符…" under an SDK heading, or any item whose
/// name ends in "SDK".
fn item_entry(doc: &Document, block: usize, taxonomy: &Taxonomy) -> Option<SdkEntry> {
    static NAME: OnceLock<Matcher> = OnceLock::new();
    static PROSE: OnceLock<Matcher> = OnceLock::new();
    let text = &doc.blocks[block].text;
    let start = numbering_end(text);
    let rest = &text[start..];
    // The name's suffix starts within its first 41 characters: most blocks have none there.
    let head = rest
        .char_indices()
        .nth(44)
        .map_or(rest, |(i, _)| &rest[..i]);
    let suffixed = ["SDK", "sdk", "插件", "Kit", "Sdk"]
        .iter()
        .any(|suffix| head.contains(suffix));
    let name_end = suffixed
        .then(|| {
            matcher(
                &NAME,
                r"^[^:;,。(]{1,40}?(?:SDK|sdk|插件|Kit|Sdk)\)?(?:\s*\([^)]{0,40}\))?",
            )
            .find(rest)
        })
        .flatten()
        .map(|m| m.end)
        .or_else(|| {
            // A known vendor's product named before a colon.
            let colon = rest.find(':')?;
            let head = &rest[..colon];
            // "友盟+隐私说明: <https://…>" is a link line, not an entry.
            let plain = !head.contains(['<', '[', '('])
                && !head.ends_with("http")
                && !head.ends_with("https")
                && !["隐私", "政策", "协议", "说明", "链接", "网址"]
                    .iter()
                    .any(|word| head.contains(word));
            (plain && head.chars().count() <= 30 && taxonomy.vendor_in(head).is_some())
                .then_some(colon)
        })?;
    let name = &rest[..name_end];
    // Prose that happens to start with an SDK's name is not a list entry.
    let prose = matcher(
        &PROSE,
        r"^(?:我们|您|本|为|如|若|在|当|通过|由于|对于|关于|以上|上述|部分|这些|该|其|(?i:we|our|you|the|this|these|if|when|to|for|as)\b)",
    );
    let after = rest[name_end..].trim_start();
    let body_text = after.trim_start_matches([':', '-', '—', ' ']);
    if prose.is_match(name.trim())
        || !is_name(name)
        || !after.starts_with([':', '(', '-', '—'])
        || body_text.is_empty()
    {
        return None;
    }
    if !(doc.blocks[block].kind == BlockKind::ListItem || sdk_context(doc, block)) {
        return None;
    }
    let mut found = body_fields(doc, block, start + name_end, taxonomy);
    let mut blocks = vec![block];
    // An item taken for a heading may have lost the rest of its line to the next block
    // ("(4)分享SDK:为了……我们使用了Mobtech" / "Sharesdk,需要访问您的设备标识").
    let next = block + 1;
    if doc.blocks[block].is_heading()
        && doc
            .blocks
            .get(next)
            .is_some_and(|b| b.kind == BlockKind::Paragraph)
    {
        found = found.or(body_fields(doc, next, 0, taxonomy));
        blocks.push(next);
    }
    // The entry's further permissions, one item each ("* READ_PHONE_STATE:获取IMSI用于……"),
    // belong to it until an item names something else.
    let section = doc.blocks[block].section;
    let after = blocks.last().map_or(block, |&last| last) + 1;
    for next in after..doc.blocks.len() {
        let item = &doc.blocks[next];
        if item.section != section || !permission_item(&item.text) {
            break;
        }
        found = found.or(body_fields(doc, next, 0, taxonomy));
        blocks.push(next);
    }
    Some(SdkEntry {
        name: Field {
            block,
            range: start..start + name.trim_end().len(),
        },
        vendor: found.vendor,
        purpose: found.purpose,
        scope: found.scope,
        link: found.link,
        blocks,
        layout: Layout::Item,
        group: None,
    })
}

/// The most blocks under an SDK heading read as its entry.
const HEADING_ENTRY_BLOCKS: usize = 12;

/// "1、极光推送SDK" or "3、友盟" as a heading, with the entry's fields in the blocks under it
/// ("使用目的:数据统计", "收集使用的个人信息包括:…", "隐私政策链接:…"). `taken` marks blocks
/// already read as entries: a heading over a table or list of entries names a group.
fn heading_entries(doc: &Document, taxonomy: &Taxonomy, taken: &[bool]) -> Vec<SdkEntry> {
    static SUFFIX: OnceLock<Matcher> = OnceLock::new();
    let mut entries = Vec::new();
    for (s, section) in doc.sections.iter().enumerate() {
        let Some(heading) = section.heading.filter(|&h| !taken[h]) else {
            continue;
        };
        let Some(name) = name_line(doc, heading) else {
            continue;
        };
        let named = name.text(doc);
        // The document's title, or a heading naming a policy ("极光推送SDK隐私政策"): the
        // document is that SDK's own policy, not an entry of a list.
        if doc.title == Some(heading) || names_policy(named) {
            continue;
        }
        let names_sdk = matcher(
            &SUFFIX,
            r"(?:SDK|sdk|Sdk|插件|Kit)\)?(?:\s*\([^)]{0,40}\))?$",
        )
        .is_match(named);
        // A vendor's product named alone ("3、友盟", "腾讯Bugly"), not a topic that mentions
        // one ("基于微信登录的SDK接入").
        let names_vendor = named.chars().count() <= 20
            && !named.contains('的')
            && taxonomy.vendor_in(named).is_some();
        if !(names_sdk || names_vendor) {
            continue;
        }
        // The section's own blocks, before its first subsection.
        let own_end = doc.sections[s + 1..]
            .iter()
            .find(|sub| sub.parent == Some(s))
            .and_then(|sub| sub.heading)
            .unwrap_or(section.blocks.end);
        let content: Vec<usize> = (heading + 1..own_end).take(HEADING_ENTRY_BLOCKS).collect();
        if content.is_empty() || content.iter().any(|&b| taken[b]) {
            continue;
        }
        let mut keyed = BodyFields::default();
        let mut free = BodyFields::default();
        for &b in &content {
            let fields = inline_fields(doc, b);
            let get = |wanted: Role| {
                fields
                    .iter()
                    .find(|f| f.role == wanted)
                    .map(|f| f.value.clone())
            };
            keyed = keyed.or(BodyFields {
                vendor: get(Role::Vendor),
                purpose: get(Role::Purpose),
                scope: get(Role::Scope).or_else(|| get(Role::Permission)),
                link: get(Role::Link),
            });
            free = free.or(body_fields(doc, b, 0, taxonomy));
        }
        // A heading over prose is a topic, not an entry: an entry's text has fields, or
        // sits in an SDK list.
        let has_fields = keyed.vendor.is_some()
            || keyed.purpose.is_some()
            || keyed.scope.is_some()
            || keyed.link.is_some();
        if !(has_fields || sdk_context(doc, heading)) {
            continue;
        }
        let found = keyed.or(free);
        entries.push(SdkEntry {
            name,
            vendor: found.vendor,
            purpose: found.purpose,
            scope: found.scope,
            link: found.link,
            blocks: std::iter::once(heading).chain(content).collect(),
            layout: Layout::Heading,
            group: Some(doc.tables.len() + section.parent.unwrap_or(s)),
        });
    }
    entries
}

/// Whether a heading names a policy document rather than an SDK.
fn names_policy(heading: &str) -> bool {
    static POLICY: OnceLock<Matcher> = OnceLock::new();
    matcher(
        &POLICY,
        r"(?i)(?:隐私|个人信息)(?:权)?(?:保护)?(?:政策|指引|声明|规则)|privacy (?:policy|notice|statement)",
    )
    .is_match(heading)
}

/// What an entry's free text says: its vendor, purpose, data scope and link.
#[derive(Default)]
struct BodyFields {
    vendor: Option<Field>,
    purpose: Option<Field>,
    scope: Option<Field>,
    link: Option<Field>,
}

impl BodyFields {
    /// Fill the parts still missing from `other`.
    fn or(self, other: BodyFields) -> BodyFields {
        BodyFields {
            vendor: self.vendor.or(other.vendor),
            purpose: self.purpose.or(other.purpose),
            scope: self.scope.or(other.scope),
            link: self.link.or(other.link),
        }
    }
}

/// The parts of an entry in the free text of `block` from byte `body_start` on ("用于消息推送，
/// 收集设备标识符…, 由某某公司提供, https://…").
fn body_fields(doc: &Document, block: usize, body_start: usize, taxonomy: &Taxonomy) -> BodyFields {
    static PURPOSE: OnceLock<Matcher> = OnceLock::new();
    static COLLECTS: OnceLock<Matcher> = OnceLock::new();
    let body = &doc.blocks[block].text[body_start..];
    let field = |r: Range<usize>| Field {
        block,
        range: body_start + r.start..body_start + r.end,
    };
    let purpose = matcher(
        &PURPOSE,
        r"(?i)(?:用于|用以|为(?:了|方便|便于)|以便|以(?:提供|保障|实现|确保|完成|帮助)|使用目的|目的|作用|功能)[^;。]{1,60}|(?:为您)?提供[^,;。]{1,30}(?:服务|功能)|\b(?:used (?:to|for)|to (?:provide|enable|help|support|analy[sz]e|send|deliver|process))\b[^;.]{1,80}",
    )
    .find(body)
    .map(&field);
    let lang = doc.lang;
    let mut terms: Vec<Range<usize>> = taxonomy
        .terms_possibly_in(body, term_langs(lang))
        .flat_map(|(_, _, re)| re.find_iter(body).map(|m| m.range()))
        .filter(|r| !r.is_empty())
        .collect();
    if let Some(m) = matcher(
        &COLLECTS,
        r"(?i)(?:收集|获取|采集|读取)[^;。]{0,30}(?:信息|数据|标识|权限|token|令牌)|(?:访问|调用|使用|申请)[^;。]{0,20}权限|允许(?:程序|应用|其|该SDK)?(?:访问|读取|获取)[^,;。]{1,30}|(?:访问|读取|获取)[^,;。]{0,12}(?:状态|位置|通讯录|相册|存储|麦克风|相机|摄像头)|\bcollects?\b[^;.]{1,60}",
    )
    .find(body)
    {
        terms.push(m);
    }
    // "手机/电话权限、定位权限": the permissions stand for the data they open.
    for (_, words) in taxonomy.words_possibly_in(body, lang) {
        terms.extend(
            words
                .find_iter(body)
                .filter(|m| body[m.end()..].trim_start().starts_with("权限"))
                .map(|m| m.range()),
        );
    }
    let scope = (!terms.is_empty()).then(|| {
        let from = terms.iter().map(|r| r.start).min().unwrap_or(0);
        let to = terms.iter().map(|r| r.end).max().unwrap_or(0);
        field(from..to)
    });
    BodyFields {
        vendor: entity_name(body).map(field),
        purpose,
        scope,
        link: url_in(body).map(field),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::{Format, parse};
    use crate::source::SourceFile;

    #[test]
    fn a_markdown_link_gives_its_address_alone() {
        let text = "隐私政策:[https://a.example/p?x=1](https://a.example/p?x=1)";
        let found = url_in(text).map(|r| &text[r]);
        assert_eq!(found, Some("https://a.example/p?x=1"));
    }

    #[test]
    fn field_prefilter_keeps_every_key() {
        assert!(
            field_key_ends().is_some(),
            "the key pattern's ends can be listed"
        );
        for text in [
            "SDK名称:友盟",
            "使用目的:统计",
            "第三方隐私政策链接:https://example.com",
            "某某公司隐私政策:https://example.com",
            "Vendor: Example Inc.",
            "Data collected: device ID",
        ] {
            assert!(may_have_fields(text), "{text}");
            let source = SourceFile::from_text("policy", text);
            let doc = parse(&source, Format::Text, None);
            assert!(!inline_fields(&doc, 0).is_empty(), "{text}");
        }
        // A colon after anything but a key, or no colon at all.
        assert!(!may_have_fields("我们收集的信息如下:设备标识符"));
        assert!(!may_have_fields("SDK名称 友盟"));
    }

    #[test]
    fn entity_names_found_like_the_regex_crate() {
        let mut texts: Vec<String> = [
            "开发者:北京某某科技有限公司(北京)",
            "第三方:上海某某网络股份有限公司",
            "提供方: Acme Widgets Ltd. (UK)",
            "vendor: société générale s.a. and ACME GmbH",
            "由 Google LLC 提供",
            "the Inc of nothing",
            "某某集团、某某研究院和某某中心",
            "a,有限公司",
        ]
        .map(String::from)
        .into();
        // Every line of the fixtures, policies and SDK lists among them.
        let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures");
        for entry in walkdir::WalkDir::new(fixtures).into_iter().flatten() {
            if let Ok(text) = std::fs::read_to_string(entry.path()) {
                texts.extend(text.lines().map(String::from));
            }
        }
        let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
        crate::matcher::tests::assert_finds_like_the_regex_crate(ENTITY_NAME, &texts);
    }

    fn entries(text: &str, format: Format) -> Vec<(String, [Option<String>; 4], Layout)> {
        let rules = crate::rules::load(&[]).expect("built-in rules load");
        let source = SourceFile::from_text("policy", text);
        let doc = parse(&source, format, None);
        extract(&doc, &rules.taxonomy)
            .into_iter()
            .map(|e| {
                let get = |f: &Option<Field>| f.as_ref().map(|f| f.text(&doc).to_string());
                (
                    e.name.text(&doc).to_string(),
                    [get(&e.vendor), get(&e.purpose), get(&e.scope), get(&e.link)],
                    e.layout,
                )
            })
            .collect()
    }

    /// An SDK's own policy, titled after it: its title and a heading naming a policy are no
    /// entries, while a heading naming the SDK over its fields is one.
    #[test]
    fn an_sdks_own_policy_title_is_no_entry() {
        for text in [
            "# 极光推送SDK隐私政策\n\n我们重视您的个人信息。本SDK由示例科技有限公司提供。\n",
            "# 示例应用\n\n## 隐私政策 SDK\n\n本SDK由示例科技有限公司提供。\n",
        ] {
            assert_eq!(entries(text, Format::Markdown), [], "{text}");
        }
        let listed = "# 隐私政策\n\n## 第三方SDK\n\n### 极光推送SDK\n\n使用目的:消息推送\n";
        let found = entries(listed, Format::Markdown);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, "极光推送SDK");
    }

    #[test]
    fn flattened_table() {
        let text = "我们接入的第三方SDK如下。\n\n第三方SDK名称\n\n第三方SDK来源\n\n收集个人信息用途/目的\n\n收集个人信息范围\n\n人脸识别SDK\n\n某某科技有限公司\n\n提供人脸识别服务\n\n姓名、身份证号、人脸照片\n";
        let found = entries(text, Format::Text);
        assert_eq!(found.len(), 1);
        let (name, [vendor, purpose, scope, link], layout) = &found[0];
        assert_eq!(name, "人脸识别SDK");
        assert_eq!(vendor.as_deref(), Some("某某科技有限公司"));
        assert_eq!(purpose.as_deref(), Some("提供人脸识别服务"));
        assert_eq!(scope.as_deref(), Some("姓名、身份证号、人脸照片"));
        assert_eq!(link, &None);
        assert_eq!(*layout, Layout::Table);
    }

    #[test]
    fn markdown_table_with_vendor_and_link_columns() {
        let text = "## 第三方SDK目录\n\n| SDK名称 | 第三方名称 | 使用目的 | 收集个人信息 | 隐私政策 |\n|---|---|---|---|---|\n| 某推送SDK | 某某信息技术有限公司 | 消息推送 | 设备标识符 | [链接](https://push.example.com/privacy) |\n| 某统计SDK | 某某数据有限公司 | 统计分析 |  | 无 |\n";
        let found = entries(text, Format::Markdown);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].0, "某推送SDK");
        assert_eq!(found[0].1[0].as_deref(), Some("某某信息技术有限公司"));
        assert!(found[0].1[3].as_deref().unwrap().contains("https://"));
        assert_eq!(found[1].1[2], None, "an empty scope cell is no scope");
    }

    #[test]
    fn key_value_records_named_by_the_line_before() {
        let text = "第三方SDK说明\n\n1. 某地图定位SDK\n使用目的:为您提供定位服务\n收集个人信息类型:位置信息、设备信息\n隐私政策链接:https://map.example.com/privacy\n";
        let found = entries(text, Format::Text);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, "某地图定位SDK");
        assert_eq!(found[0].1[1].as_deref(), Some("为您提供定位服务"));
        assert_eq!(found[0].1[2].as_deref(), Some("位置信息、设备信息"));
        assert_eq!(found[0].2, Layout::Records);
    }

    #[test]
    fn records_on_one_line() {
        let text = "SDK名称:某分享SDK;使用目的:分享内容到社交平台;收集信息:设备信息;隐私政策链接:https://share.example.com/p\n";
        let found = entries(text, Format::Text);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, "某分享SDK");
        assert_eq!(found[0].1[1].as_deref(), Some("分享内容到社交平台"));
        assert_eq!(found[0].1[2].as_deref(), Some("设备信息"));
        assert_eq!(found[0].2, Layout::Line);
    }

    #[test]
    fn list_items_named_by_an_sdk() {
        let text = "# 第三方SDK\n\n- 某推送SDK:用于向您推送消息,会收集设备标识符(IMEI、OAID),由某某科技有限公司提供。\n- 我们使用某统计SDK分析崩溃。\n";
        let found = entries(text, Format::Markdown);
        assert_eq!(found.len(), 1, "prose is not an entry: {found:?}");
        assert_eq!(found[0].0, "某推送SDK");
        assert!(
            found[0].1[1]
                .as_deref()
                .unwrap()
                .starts_with("用于向您推送消息")
        );
        assert!(found[0].1[2].as_deref().unwrap().contains("IMEI"));
        assert!(found[0].1[0].is_some());
        assert_eq!(found[0].1[3], None);
    }

    #[test]
    fn permission_items_continue_the_entry_above() {
        let text = "第三方SDK:\n\n* 某登录SDK:CHANGE_WIFI_STATE:在WiFi与数据双开时切换网络;\n\n* READ_PHONE_STATE:(可选)获取IMSI用于判断双卡;\n\n* 某推送SDK:READ_PHONE_STATE:获取设备IMEI;\n\n* VIBRATE:允许程序振动\n\n说明:以上权限均为可选。\n";
        let found = entries(text, Format::Text);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].0, "某登录SDK");
        assert!(
            found[0].1[2].as_deref().unwrap().contains("IMSI"),
            "{found:?}"
        );
        assert_eq!(found[1].0, "某推送SDK");
        assert!(found[1].1[2].as_deref().unwrap().contains("IMEI"));
    }

    #[test]
    fn data_inventories_are_not_sdk_lists() {
        let text = "| 业务功能 | 收集的个人信息 | 使用目的 |\n|---|---|---|\n| 注册登录 | 手机号码 | 创建账号 |\n";
        assert!(entries(text, Format::Markdown).is_empty());
    }
}
