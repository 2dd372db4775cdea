//! Checks written in Rust rather than as patterns. A rule file with `kind: builtin` gives
//! them their id, severity, messages and examples; this module says which ids exist and
//! runs the ones that read a policy text: the SDK-list checks over the entries
//! [`crate::sdk::extract`] finds. Manifest checks live in [`crate::manifest`].

use std::collections::HashMap;
use std::ops::Range;

use daachorse::DoubleArrayAhoCorasick;
use std::sync::OnceLock;

use super::eval::{Hit, Outcome};
use super::taxonomy::{Taxonomy, Vendor, term_langs};
use super::{Rule, RuleSet};
use crate::diagnostic::Severity;
use crate::document::{Document, Lang};
use crate::matcher::{Matcher, matcher};
use crate::sdk::{Field, SdkEntry, about_sdks, entry_texts, has_url, list_region, names_entity};
use crate::source::floor_char_boundary;

/// What a built-in check reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Builtin {
    /// Reported by privlint itself about its input (unreadable files, suppressions).
    Meta,
    /// Runs on a policy document.
    Text,
    /// Runs on a manifest, or on a manifest and its policy.
    Manifest,
}

pub const SDK_MISSING_SCOPE: &str = "sdk-missing-scope";
pub const SDK_ENTRY_INCOMPLETE: &str = "sdk-entry-incomplete";
pub const THIRD_PARTY_NOT_LISTED: &str = "third-party-mentioned-not-listed";
/// A pattern rule whose "lists them" side also asks the SDK reader ([`lists_sdks`]).
pub const MISSING_SDK_LIST: &str = "missing-sdk-list";

/// Every built-in check by rule id.
pub fn builtin(id: &str) -> Option<Builtin> {
    match id {
        "parse-error" | "unused-suppression" | "invalid-suppression" => Some(Builtin::Meta),
        SDK_MISSING_SCOPE | SDK_ENTRY_INCOMPLETE | THIRD_PARTY_NOT_LISTED => Some(Builtin::Text),
        id if crate::manifest::CHECKS.contains(&id) => Some(Builtin::Manifest),
        _ => None,
    }
}

/// Run a built-in text check on a document and its SDK entries.
pub fn evaluate(rule: &Rule, set: &RuleSet, doc: &Document, sdks: &[SdkEntry]) -> Outcome {
    let hits = match rule.id.as_str() {
        SDK_MISSING_SCOPE => missing_scope(rule, doc, sdks, &set.taxonomy),
        SDK_ENTRY_INCOMPLETE => incomplete(rule, doc, sdks),
        THIRD_PARTY_NOT_LISTED => not_listed(rule, set, doc, sdks),
        _ => Vec::new(),
    };
    Outcome {
        hits,
        evidence: None,
    }
}

/// A cell or value that says nothing: "/", "N/A", "详见其隐私政策", "相关信息". ("无" says the
/// SDK collects nothing, which is a statement.)
pub fn is_placeholder(text: &str) -> bool {
    static EMPTY: OnceLock<Matcher> = OnceLock::new();
    let empty = EMPTY.get_or_init(|| {
        Matcher::new(
            r"(?i)^(?:/|-|—|--|n/?a|null|tbd|待定|详见.{0,30}|(?:请)?(?:参见|参考|见).{0,30}(?:政策|链接|说明|官网)|相关(?:的)?(?:个人)?信息(?:等)?|必要(?:的)?(?:个人)?信息(?:等)?|个人信息(?:等)?|see (?:their|its|the) (?:privacy )?policy.{0,20}|various|other information)$",
        )
    });
    let text = text.trim().trim_end_matches(['。', '.', ';']);
    text.chars().all(|c| !c.is_alphanumeric()) || empty.is_match(text)
}

fn hit_at(field: &Field, terms: Vec<String>, severity: Severity) -> Hit {
    Hit {
        severity,
        block: Some(field.block),
        range: field.range.clone(),
        terms,
        limit: None,
    }
}

/// "SDK「名称」" / "the SDK "name"", or a whole list: "SDK清单全部9个条目".
fn entry_label(doc: &Document, entry: &SdkEntry) -> String {
    let name = entry.name.text(doc);
    match doc.lang {
        Lang::Zh => format!("SDK「{name}」"),
        Lang::En => format!("the SDK \"{name}\""),
    }
}

fn list_label(doc: &Document, count: usize) -> String {
    match doc.lang {
        Lang::Zh => format!("SDK清单的全部{count}个条目"),
        Lang::En => format!("all {count} entries of the SDK list"),
    }
}

/// The indices of entries grouped by their list (a table, a section of entry headings);
/// others stand alone.
fn groups(sdks: &[SdkEntry]) -> Vec<Vec<usize>> {
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut group_of_list = HashMap::new();
    for (i, entry) in sdks.iter().enumerate() {
        match entry.group {
            Some(list) => {
                let group = *group_of_list.entry(list).or_insert_with(|| {
                    groups.push(Vec::new());
                    groups.len() - 1
                });
                groups[group].push(i);
            }
            None => groups.push(vec![i]),
        }
    }
    groups
}

/// No data scope in the entry itself: no scope field (or a placeholder), and no
/// personal-information term anywhere else in the entry ("用途: 统计, 会收集设备标识符" says it
/// in another field).
fn lacks_own_scope(doc: &Document, entry: &SdkEntry, text: &str, taxonomy: &Taxonomy) -> bool {
    let stated = entry
        .scope
        .as_ref()
        .is_some_and(|f| !is_placeholder(f.text(doc)));
    if stated {
        return false;
    }
    let name = entry.name.text(doc);
    let rest = text.replacen(name, " ", 1);
    !names_data(taxonomy, doc.lang, &rest)
}

fn names_data(taxonomy: &Taxonomy, lang: Lang, text: &str) -> bool {
    (taxonomy.terms_possibly_in(text, term_langs(lang))).any(|(_, _, term)| term.is_match(text))
}

/// Words that say what kind of SDK a name is, not whose.
const GENERIC_NAME_ENDS: &[&str] = &[
    "插件", "系列", "产品", "广告", "统计", "推送", "分享", "登录", "支付", "地图", "定位",
];

/// The vendor's or product's name in an entry's name, without what kind of SDK it is:
/// "百度系列产品SDK" is "百度"; `None` when under two characters are left.
fn name_core(name: &str) -> Option<&str> {
    let mut core = name.split(['(', '（']).next().unwrap_or(name);
    loop {
        let trimmed = core.trim_end_matches(|c: char| c.is_whitespace() || "SDKsdk".contains(c));
        let shorter = (GENERIC_NAME_ENDS.iter())
            .find_map(|end| trimmed.strip_suffix(end))
            .unwrap_or(trimmed);
        if shorter == core {
            break;
        }
        core = shorter;
    }
    (core.chars().count() >= 2).then_some(core)
}

/// For each entry `asked` marks, whether prose outside the entry names it and says what it
/// collects: a list of links may leave the data to a sentence such as "第三方分析服务公司包括
/// 友盟,腾讯Bugly等,可能会收集唯一设备识别码……" for the entry "友盟 SDK" ("广点通、穿山甲、百度等……
/// 可能会收集" for "百度系列产品SDK"). One pass over the text for all entries: a list of
/// thousands of entries must not read the document once per entry.
fn scopes_stated_elsewhere(
    doc: &Document,
    sdks: &[SdkEntry],
    asked: &[bool],
    taxonomy: &Taxonomy,
) -> Vec<bool> {
    static COLLECTS: OnceLock<Matcher> = OnceLock::new();
    let collects = matcher(&COLLECTS, r"(?i)收集|获取|采集|读取|\bcollect");
    let cores: Vec<Option<&str>> = (sdks.iter().zip(asked))
        .map(|(entry, &asked)| asked.then(|| name_core(entry.name.text(doc))).flatten())
        .collect();
    let mut distinct: Vec<&str> = cores.iter().flatten().copied().collect();
    distinct.sort_unstable();
    distinct.dedup();
    let Some(searcher) = NameSearch::new(&distinct) else {
        return vec![false; sdks.len()];
    };
    // Per core, how many sentences name it and say what is collected, in all and in each
    // block: an entry's own blocks are not "elsewhere".
    let mut stating = vec![0usize; distinct.len()];
    let mut stating_in_block: HashMap<(usize, usize), usize> = HashMap::new();
    for (b, block) in doc.blocks.iter().enumerate() {
        for range in &block.sentences {
            let sentence = &block.text[range.clone()];
            let named = searcher.named(sentence);
            if named.is_empty()
                || !collects.is_match(sentence)
                || !names_data(taxonomy, doc.lang, sentence)
            {
                continue;
            }
            for core in named {
                stating[core] += 1;
                *stating_in_block.entry((b, core)).or_default() += 1;
            }
        }
    }
    (sdks.iter().zip(cores))
        .map(|(entry, core)| {
            let Some(core) = core else {
                return false;
            };
            let id = distinct.binary_search(&core).expect("every core is listed");
            let mut own_blocks = entry.blocks.clone();
            own_blocks.sort_unstable();
            own_blocks.dedup();
            let inside: usize = (own_blocks.iter())
                .filter_map(|&b| stating_in_block.get(&(b, id)))
                .sum();
            stating[id] > inside
        })
        .collect()
}

/// Which of a list of names a sentence contains: a vectorised substring search per name for
/// a few names (most lists), one automaton pass for many (a list of thousands of entries).
enum NameSearch<'n> {
    Few(Vec<memchr::memmem::Finder<'n>>),
    Many(DoubleArrayAhoCorasick<u32>),
}

/// Up to this many names are searched one by one.
const FEW_NAMES: usize = 16;

impl<'n> NameSearch<'n> {
    /// `None` when there are no names.
    fn new(names: &[&'n str]) -> Option<Self> {
        if names.is_empty() {
            return None;
        }
        if names.len() <= FEW_NAMES {
            let finders = names
                .iter()
                .map(|name| memchr::memmem::Finder::new(*name))
                .collect();
            return Some(NameSearch::Few(finders));
        }
        // daachorse's automaton builds in linear time from thousands of names.
        DoubleArrayAhoCorasick::new(names)
            .ok()
            .map(NameSearch::Many)
    }

    /// The numbers of the names `text` contains, each once, in order.
    fn named(&self, text: &str) -> Vec<usize> {
        match self {
            NameSearch::Few(finders) => (finders.iter().enumerate())
                .filter(|(_, finder)| finder.find(text.as_bytes()).is_some())
                .map(|(i, _)| i)
                .collect(),
            NameSearch::Many(automaton) => {
                let mut named: Vec<usize> = (automaton.find_overlapping_iter(text))
                    .map(|m| m.value() as usize)
                    .collect();
                named.sort_unstable();
                named.dedup();
                named
            }
        }
    }
}

/// One finding per entry without a data scope; one for a whole table when none of its
/// entries has one.
fn missing_scope(rule: &Rule, doc: &Document, sdks: &[SdkEntry], taxonomy: &Taxonomy) -> Vec<Hit> {
    let texts = entry_texts(doc, sdks);
    let unstated: Vec<bool> = (sdks.iter().zip(&texts))
        .map(|(entry, text)| lacks_own_scope(doc, entry, text, taxonomy))
        .collect();
    let elsewhere = scopes_stated_elsewhere(doc, sdks, &unstated, taxonomy);
    let mut hits = Vec::new();
    for group in groups(sdks) {
        let lacking: Vec<&SdkEntry> = (group.iter())
            .filter(|&&i| unstated[i] && !elsewhere[i])
            .map(|&i| &sdks[i])
            .collect();
        if lacking.len() >= 2 && lacking.len() == group.len() {
            let label = list_label(doc, group.len());
            hits.push(hit_at(&sdks[group[0]].name, vec![label], rule.severity));
            continue;
        }
        for entry in lacking {
            let label = entry_label(doc, entry);
            hits.push(hit_at(&entry.name, vec![label], rule.severity));
        }
    }
    hits
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Part {
    Vendor,
    Purpose,
    Link,
}

impl Part {
    fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Part::Vendor, Lang::Zh) => "开发者（公司全称）",
            (Part::Purpose, Lang::Zh) => "使用目的",
            (Part::Link, Lang::Zh) => "隐私政策链接",
            (Part::Vendor, Lang::En) => "the vendor's legal name",
            (Part::Purpose, Lang::En) => "the purpose",
            (Part::Link, Lang::En) => "a link to its privacy policy",
        }
    }
}

fn missing_parts(doc: &Document, entry: &SdkEntry, text: &str) -> Vec<Part> {
    let mut parts = Vec::new();
    let vendor_named = entry
        .vendor
        .as_ref()
        .is_some_and(|f| names_entity(f.text(doc)))
        || names_entity(text);
    if !vendor_named {
        parts.push(Part::Vendor);
    }
    if entry
        .purpose
        .as_ref()
        .is_none_or(|f| is_placeholder(f.text(doc)))
    {
        parts.push(Part::Purpose);
    }
    if !has_url(text) {
        parts.push(Part::Link);
    }
    parts
}

/// The parts an entry lacks (vendor, purpose, policy link); parts every entry of a table
/// lacks are reported once for the table. A missing purpose is an error.
fn incomplete(rule: &Rule, doc: &Document, sdks: &[SdkEntry]) -> Vec<Hit> {
    let severity = |parts: &[Part]| {
        if parts.contains(&Part::Purpose) {
            Severity::Error
        } else {
            rule.severity
        }
    };
    let describe = |parts: &[Part]| -> String {
        let separator = if doc.lang == Lang::Zh { "、" } else { ", " };
        parts
            .iter()
            .map(|p| p.label(doc.lang))
            .collect::<Vec<_>>()
            .join(separator)
    };
    let mut hits = Vec::new();
    let texts = entry_texts(doc, sdks);
    for group in groups(sdks) {
        let missing: Vec<Vec<Part>> = (group.iter())
            .map(|&i| missing_parts(doc, &sdks[i], &texts[i]))
            .collect();
        let group: Vec<&SdkEntry> = group.iter().map(|&i| &sdks[i]).collect();
        let shared: Vec<Part> = if group.len() >= 2 {
            [Part::Vendor, Part::Purpose, Part::Link]
                .into_iter()
                .filter(|p| missing.iter().all(|m| m.contains(p)))
                .collect()
        } else {
            Vec::new()
        };
        if !shared.is_empty() {
            let label = list_label(doc, group.len());
            hits.push(hit_at(
                &group[0].name,
                vec![label, describe(&shared)],
                severity(&shared),
            ));
        }
        for (entry, parts) in group.iter().zip(&missing) {
            let own: Vec<Part> = parts
                .iter()
                .copied()
                .filter(|p| !shared.contains(p))
                .collect();
            if !own.is_empty() {
                let label = entry_label(doc, entry);
                hits.push(hit_at(
                    &entry.name,
                    vec![label, describe(&own)],
                    severity(&own),
                ));
            }
        }
    }
    hits
}

/// Whether the mention of a vendor at `range` of `text` is of an SDK or service the app
/// uses: not an app the user is sent to ("跳转至高德地图App", "关注微信公众号") and not a
/// denial ("我们不会接入…").
fn used_at(text: &str, range: Range<usize>) -> bool {
    static JUMP: OnceLock<Matcher> = OnceLock::new();
    static APP_AFTER: OnceLock<Matcher> = OnceLock::new();
    static DENIED: OnceLock<Matcher> = OnceLock::new();
    let jump = matcher(
        &JUMP,
        r"(?:跳转|唤起|调起|打开|前往|下载|安装|关注)(?:至|到)?[^,;。]{0,4}$",
    );
    let app_after = matcher(
        &APP_AFTER,
        r"^(?i:\s*(?:app|客户端|公众号|小程序|官网|账号|帐号))",
    );
    let denied = matcher(
        &DENIED,
        r"(?:不会|未|没有|不)(?:接入|使用|集成|嵌入|共享|提供)[^,;。]{0,6}$|(?i:\b(?:do|does|will) not (?:use|share|integrate)\b)",
    );
    // The clause before the mention, read back no further than a cue can stand: a block
    // naming an app thousands of times is not read from its start for each mention.
    let near = floor_char_boundary(text, range.start.saturating_sub(CUE_REACH_BYTES));
    let before = &text[near..range.start];
    let clause = before
        .rfind(['。', ';', ','])
        .map_or(before, |p| &before[p..]);
    !jump.is_match(clause) && !denied.is_match(clause) && !app_after.is_match(&text[range.end..])
}

/// How far before a vendor's mention [`used_at`] looks for a cue (bytes).
const CUE_REACH_BYTES: usize = 300;

/// Where the policy names vendors' SDKs or services as used: for each vendor named, its
/// first such mention `keep` accepts (block, range in the block's text).
fn vendor_mentions<'s>(
    set: &'s RuleSet,
    doc: &'s Document,
    keep: impl Fn(usize, usize) -> bool + 's,
) -> impl Iterator<Item = (&'s Vendor, usize, Range<usize>)> {
    let possible = (set.taxonomy).vendors_possibly_in(doc.blocks.iter().map(|b| b.text.as_str()));
    set.taxonomy
        .vendors
        .iter()
        .zip(possible)
        .filter(|(_, p)| *p)
        .filter_map(move |(vendor, _)| {
            let names = vendor.names()?;
            doc.blocks.iter().enumerate().find_map(|(b, block)| {
                names
                    .find_iter(&block.text)
                    .find(|m| keep(b, m.start()) && used_at(&block.text, m.range()))
                    .map(|m| (vendor, b, m.range()))
            })
        })
}

/// Whether the policy lists or names the SDKs it embeds: entries the SDK reader found in any
/// shape, or a known vendor named as an SDK ("通过友盟SDK、腾讯Bugly收集", a table row; not
/// "可使用微信支付"). `missing-sdk-list`'s own patterns see one sentence at a time.
pub fn lists_sdks(set: &RuleSet, doc: &Document, sdks: &[SdkEntry]) -> bool {
    !sdks.is_empty()
        || vendor_mentions(set, doc, |b, at| about_sdks(doc, b, at))
            .next()
            .is_some()
}

/// Vendors named in the text (by their SDK or service) that none of the policy's SDK entries
/// lists.
fn not_listed(rule: &Rule, set: &RuleSet, doc: &Document, sdks: &[SdkEntry]) -> Vec<Hit> {
    // Without a list of its own there is nothing to compare with: a policy that names SDKs
    // only in prose is judged by missing-sdk-list.
    if sdks.is_empty() {
        return Vec::new();
    }
    let listed_blocks = list_region(doc, sdks);
    let listed: Vec<&str> = listed_blocks
        .iter()
        .map(|&b| doc.blocks[b].text.as_str())
        .collect();
    // A list row may name the vendor's company rather than the product ("moblink |
    // 上海游昆信息技术有限公司"); that counts when no other known vendor is that company.
    let sole_entity = |vendor: &Vendor| {
        let vendors = &set.taxonomy.vendors;
        vendors.iter().filter(|v| v.entity == vendor.entity).count() == 1
    };
    // A paragraph that names the SDK and its vendor's legal name ("'秒验SDK'由上海游昆信息技术
    // 有限公司提供") discloses it as fully as a list row, wherever it stands.
    let disclosed = |vendor: &Vendor, names: &regex::Regex| {
        !vendor.entity.is_empty()
            && (doc.blocks.iter())
                .any(|b| b.text.contains(vendor.entity.as_str()) && names.is_match(&b.text))
    };
    let mut hits: Vec<Hit> = vendor_mentions(set, doc, |b, _| !listed_blocks.contains(&b))
        .filter(|(vendor, ..)| {
            let names = vendor.names().expect("mentioned vendors have names");
            let company = sole_entity(vendor).then_some(vendor.entity.as_str());
            !listed.iter().any(|text| {
                names.is_match(text) || company.is_some_and(|entity| text.contains(entity))
            }) && !disclosed(vendor, names)
        })
        .map(|(vendor, block, range)| Hit {
            severity: rule.severity,
            block: Some(block),
            terms: vec![
                doc.blocks[block].text[range.clone()].to_string(),
                vendor.label.clone(),
            ],
            range,
            limit: None,
        })
        .collect();
    hits.sort_by_key(|h| (h.block, h.range.start));
    hits
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::{self, Format};
    use crate::source::SourceFile;

    fn mentioned_not_listed(text: &str) -> Vec<String> {
        let set = crate::rules::load(&[]).expect("built-in rules load");
        let rule = set.get(THIRD_PARTY_NOT_LISTED).expect("the rule exists");
        let doc = document::parse(
            &SourceFile::from_text("t.md", text),
            Format::Markdown,
            Some(Lang::Zh),
        );
        let sdks = crate::sdk::extract(&doc, &set.taxonomy);
        not_listed(rule, &set, &doc, &sdks)
            .into_iter()
            .map(|h| h.terms[0].clone())
            .collect()
    }

    const TABLE: &str = "\n\n| SDK名称 | 开发者 | 使用目的 | 收集的个人信息 |\n|---|---|---|---|\n| 某推送SDK | 某某信息技术有限公司 | 消息推送 | 设备标识符 |\n";

    #[test]
    fn a_paragraph_naming_the_sdk_and_its_company_discloses_it() {
        let text = format!(
            "一键登录所用的“秒验SDK”由上海游昆信息技术有限公司提供，会收集您的手机号码。{TABLE}"
        );
        assert!(mentioned_not_listed(&text).is_empty());
        // the same mention elsewhere is disclosed by that paragraph too
        let text = format!(
            "我们使用秒验实现一键登录。\n\n秒验SDK的开发者为上海游昆信息技术有限公司。{TABLE}"
        );
        assert!(mentioned_not_listed(&text).is_empty());
    }

    #[test]
    fn a_mention_without_the_company_is_still_reported() {
        let text = format!("一键登录所用的“秒验SDK”由第三方提供，会收集您的手机号码。{TABLE}");
        assert_eq!(mentioned_not_listed(&text), ["秒验"]);
        // another vendor's company in the paragraph does not disclose this one
        let text = format!("一键登录所用的“秒验SDK”与深圳市腾讯计算机系统有限公司无关。{TABLE}");
        assert_eq!(mentioned_not_listed(&text), ["秒验"]);
    }
}
