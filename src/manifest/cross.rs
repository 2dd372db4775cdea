//! A manifest against its policy: every declared item, SDK and permission must be disclosed
//! in the text, the policy's entry for each SDK must cover the data the manifest says it
//! receives, every SDK the policy lists must be declared, and declared children or foreign
//! regions make the matching text findings errors.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::OnceLock;

use daachorse::DoubleArrayAhoCorasick;
use regex::Regex;

use super::checks::sdk_label;
use super::model::{Audience, DataItem, Manifest, SdkDeclaration};
use super::{
    Out, POLICY_SDK_NOT_DECLARED, Policy, SDK_SCOPE_MISMATCH, UNDISCLOSED_DATA,
    UNDISCLOSED_PERMISSION, UNDISCLOSED_SDK,
};
use crate::diagnostic::{Finding, Label, Severity};
use crate::document::{Document, Lang, normalize};
use crate::rules::taxonomy::Taxonomy;
use crate::sdk::SdkEntry;
use crate::source::Span;
use crate::yaml::PathSeg;

const MISSING_SDK_LIST: &str = "missing-sdk-list";
const MISSING_MINOR_PROTECTION: &str = "missing-minor-protection";
const MISSING_CROSS_BORDER: &str = "missing-cross-border-statement";

pub(super) fn run(out: &Out<'_>, policy: &Policy<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    data(out, policy, &mut findings);
    sdks(out, policy, &mut findings);
    permissions(out, policy, &mut findings);
    abroad(out, policy, &mut findings);
    findings
}

/// What identifies a data item in text: its names, and the taxonomy terms they match.
struct Names {
    literals: Vec<String>,
    terms: Vec<Regex>,
}

impl Names {
    /// Names and terms of a data item, for text in `lang`.
    fn of_item(item: &DataItem, taxonomy: &Taxonomy, lang: Lang) -> Names {
        let names: Vec<&str> = std::iter::once(item.name.as_str())
            .chain(item.aliases.iter().map(String::as_str))
            .collect();
        Names::of(&names, taxonomy, lang)
    }

    fn of(names: &[&str], taxonomy: &Taxonomy, lang: Lang) -> Names {
        let mut literals = Vec::new();
        let mut terms: Vec<Regex> = Vec::new();
        for name in names {
            let name = normalize(name);
            // "设备标识信息" is also written "设备标识".
            if let Some(stem) = name.strip_suffix("信息").filter(|s| s.chars().count() >= 3) {
                literals.push(stem.to_lowercase());
            }
            literals.push(name.to_lowercase());
            let found = taxonomy.terms_naming(&name);
            let same_lang: Vec<&Regex> = found
                .iter()
                .filter(|(_, l, _)| *l == lang)
                .map(|(_, _, re)| *re)
                .collect();
            if same_lang.is_empty() {
                // A Chinese name in an English policy: any term of its category.
                for (category, _, _) in &found {
                    terms.extend(category.terms(lang).cloned());
                }
            } else {
                terms.extend(same_lang.into_iter().cloned());
            }
        }
        Names { literals, terms }
    }

    /// Names and terms of a category key (`device`), for text in `lang`.
    fn of_category(key: &str, taxonomy: &Taxonomy, lang: Lang) -> Names {
        Names {
            literals: Vec::new(),
            terms: taxonomy
                .category(key)
                .map(|c| c.terms(lang).cloned().collect())
                .unwrap_or_default(),
        }
    }

    /// Where in `text` one of the names or terms occurs.
    fn find(&self, text: &str) -> Option<Range<usize>> {
        self.find_lowered(text, &text.to_lowercase())
    }

    /// [`Names::find`] given `text` lowercased.
    fn find_lowered(&self, text: &str, lower: &str) -> Option<Range<usize>> {
        // Lowercasing keeps byte offsets for ASCII and CJK text; use them only then.
        let literal = self
            .literals
            .iter()
            .filter(|l| !l.is_empty())
            .find_map(|l| lower.find(l.as_str()).map(|at| at..at + l.len()))
            .filter(|r| {
                lower.len() == text.len()
                    && text.is_char_boundary(r.start)
                    && text.is_char_boundary(r.end)
            });
        literal.or_else(|| {
            self.terms
                .iter()
                .find_map(|re| re.find(text).filter(|m| !m.is_empty()).map(|m| m.range()))
        })
    }
}

/// A label in the policy: the heading of the section where something should have been
/// said, else the title.
fn policy_anchor(policy: &Policy<'_>, heading: &Regex, message: String) -> Label {
    let doc = policy.doc;
    let block = doc
        .blocks
        .iter()
        .position(|b| b.is_heading() && heading.is_match(&b.text))
        .or(doc.title)
        .unwrap_or(0);
    let span = doc.blocks.get(block).map_or(Span::default(), |b| b.span);
    Label {
        file: policy.file,
        span,
        message: Some(message),
    }
}

/// A built-in pattern, compiled once per process.
fn regex(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).expect("built-in pattern"))
}

fn collection_heading() -> &'static Regex {
    static HEADING: OnceLock<Regex> = OnceLock::new();
    regex(
        &HEADING,
        r"(?i)收集|使用您的个人信息|个人信息类型|information (?:we|you) (?:collect|provide)|collect",
    )
}

/// Declared items the policy never names.
fn data(out: &Out<'_>, policy: &Policy<'_>, findings: &mut Vec<Finding>) {
    if !out.wants(UNDISCLOSED_DATA) {
        return;
    }
    let taxonomy = &out.run.rules.taxonomy;
    let heading = collection_heading();
    let names: Vec<Names> = (out.manifest.spec.data.iter())
        .map(|item| Names::of_item(item, taxonomy, policy.doc.lang))
        .collect();
    let disclosed = disclosed(&names, policy.doc);
    for (i, item) in out.manifest.spec.data.iter().enumerate() {
        if disclosed[i] {
            continue;
        }
        let sensitive = super::checks::is_sensitive(item, taxonomy);
        let span = out.manifest.span(&[
            PathSeg::Key("data"),
            PathSeg::Index(i),
            PathSeg::Key("name"),
        ]);
        let message = if out.zh() {
            "隐私政策中应说明收集该信息之处".to_string()
        } else {
            "where the policy should disclose it".to_string()
        };
        if let Some(mut finding) = out.finding(
            UNDISCLOSED_DATA,
            out.run.file,
            span,
            vec![item.name.clone()],
            Some(if sensitive {
                Severity::Error
            } else {
                Severity::Warning
            }),
        ) {
            finding
                .related
                .push(policy_anchor(policy, heading, message));
            findings.push(finding);
        }
    }
}

/// For each of many items' names, whether a block of the policy mentions one
/// ([`Names::find_lowered`]): one automaton pass over the text for all the names' literals, and each taxonomy
/// term run once whatever the number of items naming it. A manifest of thousands of items
/// must not read the policy once per item.
fn disclosed(items: &[Names], doc: &Document) -> Vec<bool> {
    let lowered = lowered_blocks(doc);
    // Blocks whose lowercase copy keeps every character's length, as nearly all do: a
    // literal found in the copy stands at the same place in the text.
    let aligned: Vec<bool> = (doc.blocks.iter().zip(&lowered))
        .map(|(block, lower)| {
            lower.len() == block.text.len()
                && (block.text.chars().zip(lower.chars()))
                    .all(|(a, b)| a.len_utf8() == b.len_utf8())
        })
        .collect();
    // Every item's literals, item after item, and whether an aligned block holds each.
    let literals: Vec<&str> = (items.iter())
        .flat_map(|names| names.literals.iter().map(String::as_str))
        .filter(|literal| !literal.is_empty())
        .collect();
    let aligned_texts: Vec<&str> = (lowered.iter().zip(&aligned))
        .filter(|(_, aligned)| **aligned)
        .map(|(lower, _)| lower.as_str())
        .collect();
    let found = occurring(&literals, &aligned_texts);
    let mut next_literal = 0;
    let mut term_matches: HashMap<&str, bool> = HashMap::new();
    (items.iter())
        .map(|names| {
            let count = names.literals.iter().filter(|l| !l.is_empty()).count();
            let literal = found[next_literal..next_literal + count].contains(&true);
            next_literal += count;
            // The few blocks whose lowercase copy moves characters are read as before.
            let unaligned = || {
                (doc.blocks.iter().zip(&lowered).zip(&aligned))
                    .filter(|(_, aligned)| !**aligned)
                    .any(|((block, lower), _)| names.find_lowered(&block.text, lower).is_some())
            };
            let mut term = || {
                names.terms.iter().any(|re| {
                    *term_matches.entry(re.as_str()).or_insert_with(|| {
                        (doc.blocks.iter())
                            .any(|block| re.find(&block.text).is_some_and(|m| !m.is_empty()))
                    })
                })
            };
            literal || unaligned() || term()
        })
        .collect()
}

/// For each of `needles`, whether one of `texts` contains it, in one automaton pass (an
/// empty needle is in any text).
fn occurring(needles: &[&str], texts: &[&str]) -> Vec<bool> {
    let mut distinct: Vec<&str> = (needles.iter().copied())
        .filter(|needle| !needle.is_empty())
        .collect();
    distinct.sort_unstable();
    distinct.dedup();
    let mut found = vec![false; distinct.len()];
    if let Ok(automaton) = DoubleArrayAhoCorasick::<u32>::new(&distinct) {
        for text in texts {
            for hit in automaton.find_overlapping_iter(text) {
                found[hit.value() as usize] = true;
            }
        }
    }
    (needles.iter())
        .map(|needle| {
            if needle.is_empty() {
                return !texts.is_empty();
            }
            distinct.binary_search(needle).is_ok_and(|i| found[i])
        })
        .collect()
}

fn lowered_blocks(doc: &Document) -> Vec<String> {
    doc.blocks.iter().map(|b| b.text.to_lowercase()).collect()
}

/// Text as SDK names are compared: lowercase, without spaces, `+ - _` or the word SDK.
fn simplify(text: &str) -> String {
    normalize(text)
        .to_lowercase()
        .replace(['+', '-', '_'], "")
        .replace("sdk", "")
        .split_whitespace()
        .collect()
}

/// A declared SDK's names, simplified once for comparing with every text.
struct SdkNames<'a> {
    names: Vec<String>,
    vendor: Option<&'a Regex>,
}

impl<'a> SdkNames<'a> {
    fn of(declared: &SdkDeclaration, taxonomy: &'a Taxonomy) -> Self {
        let names = std::iter::once(declared.name.as_str())
            .chain(declared.aliases.iter().map(String::as_str))
            .chain(declared.vendor.as_deref())
            .map(simplify)
            .filter(|name| name.chars().count() >= 2)
            .collect();
        let vendor = taxonomy.vendor_in(&declared.name).and_then(|v| v.names());
        SdkNames { names, vendor }
    }
}

/// For each declared SDK, the first of `texts` that names it. "友盟+SDK", "友盟统计" and
/// "Umeng" are the same SDK: a text names it when, simplified (ignoring case, spaces and the
/// word SDK), it contains one of the SDK's names, or when the SDK's known vendor's names
/// match it. One automaton pass for all the names, each vendor's pattern run once: a
/// manifest of thousands of SDKs must not read the policy once per SDK.
fn first_naming(sdks: &[SdkNames], texts: &[&str]) -> Vec<Option<usize>> {
    let mut owners: HashMap<&str, Vec<usize>> = HashMap::new();
    for (s, sdk) in sdks.iter().enumerate() {
        for name in &sdk.names {
            owners.entry(name.as_str()).or_default().push(s);
        }
    }
    let names: Vec<(&str, Vec<usize>)> = owners.into_iter().collect();
    let mut first: Vec<Option<usize>> = vec![None; sdks.len()];
    let automaton = DoubleArrayAhoCorasick::<u32>::new(names.iter().map(|(name, _)| *name));
    if let Ok(automaton) = automaton {
        // A name's owners all take the first text it occurs in: later ones are skipped.
        let mut seen = vec![false; names.len()];
        for (t, text) in texts.iter().enumerate() {
            for hit in automaton.find_overlapping_iter(simplify(text)) {
                let n = hit.value() as usize;
                if !std::mem::replace(&mut seen[n], true) {
                    for &s in &names[n].1 {
                        first[s] = Some(first[s].map_or(t, |f| f.min(t)));
                    }
                }
            }
        }
    }
    let mut by_vendor: HashMap<&str, Option<usize>> = HashMap::new();
    for (s, sdk) in sdks.iter().enumerate() {
        if let Some(vendor) = sdk.vendor {
            let at = *(by_vendor.entry(vendor.as_str()))
                .or_insert_with(|| texts.iter().position(|text| vendor.is_match(text)));
            first[s] = match (first[s], at) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
    }
    first
}

/// The data names an SDK declaration's scope stands for.
fn scope_names<'a>(
    declared: &'a SdkDeclaration,
    manifest: &'a Manifest,
    taxonomy: &Taxonomy,
    lang: Lang,
) -> Vec<(&'a str, Names)> {
    declared
        .data
        .iter()
        .filter_map(|reference| {
            if let Some(item) = manifest.spec.data.iter().find(|d| &d.id == reference) {
                return Some((item.name.as_str(), Names::of_item(item, taxonomy, lang)));
            }
            taxonomy.category(reference).map(|_| {
                (
                    reference.as_str(),
                    Names::of_category(reference, taxonomy, lang),
                )
            })
        })
        .collect()
}

fn sdks(out: &Out<'_>, policy: &Policy<'_>, findings: &mut Vec<Finding>) {
    let manifest = out.manifest;
    let declared = &manifest.spec.sdks;
    let taxonomy = &out.run.rules.taxonomy;
    let doc = policy.doc;
    let entry_texts: Vec<String> = policy
        .sdks
        .iter()
        .map(|e| {
            format!(
                "{} {}",
                e.name.text(doc),
                e.vendor.as_ref().map_or("", |v| v.text(doc))
            )
        })
        .collect();
    if policy.sdks.is_empty() {
        if !declared.is_empty() {
            let message = if out.zh() {
                format!("清单声明了{}个SDK", declared.len())
            } else {
                format!("the manifest declares {} SDKs", declared.len())
            };
            let anchor = doc.title.map_or(Span::default(), |t| doc.blocks[t].span);
            if let Some(mut finding) =
                out.finding(MISSING_SDK_LIST, policy.file, anchor, Vec::new(), None)
            {
                finding.related.push(Label {
                    file: out.run.file,
                    span: manifest.key_span(&[PathSeg::Key("sdks")]),
                    message: Some(message),
                });
                findings.push(finding);
            }
        }
        // Without a list, an SDK the text never names is undisclosed too.
        static HEADING: OnceLock<Regex> = OnceLock::new();
        let heading = regex(&HEADING, r"(?i)SDK|第三方|third[- ]part");
        let texts: Vec<&str> = doc.blocks.iter().map(|b| b.text.as_str()).collect();
        let names: Vec<SdkNames> = (declared.iter())
            .map(|sdk| SdkNames::of(sdk, taxonomy))
            .collect();
        let first = first_naming(&names, &texts);
        for (i, sdk) in declared.iter().enumerate() {
            if first[i].is_some() {
                continue;
            }
            let span = manifest.span(&[
                PathSeg::Key("sdks"),
                PathSeg::Index(i),
                PathSeg::Key("name"),
            ]);
            let message = if out.zh() {
                "隐私政策中说明第三方之处".to_string()
            } else {
                "where the policy speaks of third parties".to_string()
            };
            if let Some(mut finding) = out.finding(
                UNDISCLOSED_SDK,
                out.run.file,
                span,
                vec![sdk_label(out, &sdk.name)],
                None,
            ) {
                finding
                    .related
                    .push(policy_anchor(policy, heading, message));
                findings.push(finding);
            }
        }
        return;
    }
    let list_label = |entry: &SdkEntry| Label {
        file: policy.file,
        span: doc.blocks[entry.name.block].source_span(entry.name.range.clone()),
        message: Some(if out.zh() {
            "隐私政策的SDK清单".to_string()
        } else {
            "the policy's SDK list".to_string()
        }),
    };
    let mut matched = vec![false; policy.sdks.len()];
    let texts: Vec<&str> = entry_texts.iter().map(String::as_str).collect();
    let names: Vec<SdkNames> = (declared.iter())
        .map(|sdk| SdkNames::of(sdk, taxonomy))
        .collect();
    let first = first_naming(&names, &texts);
    for (i, sdk) in declared.iter().enumerate() {
        let found = first[i];
        let path = |key: &'static str| [PathSeg::Key("sdks"), PathSeg::Index(i), PathSeg::Key(key)];
        let label = sdk_label(out, &sdk.name);
        let Some(index) = found else {
            if let Some(mut finding) = out.finding(
                UNDISCLOSED_SDK,
                out.run.file,
                manifest.span(&path("name")),
                vec![label],
                None,
            ) {
                finding.related.push(list_label(&policy.sdks[0]));
                findings.push(finding);
            }
            continue;
        };
        matched[index] = true;
        let entry = &policy.sdks[index];
        // Without a scope the text check already reports the entry.
        let Some(scope) = &entry.scope else {
            continue;
        };
        let scope_text = scope.text(doc);
        let missing: Vec<&str> = scope_names(sdk, manifest, taxonomy, doc.lang)
            .into_iter()
            .filter(|(_, names)| names.find(scope_text).is_none())
            .map(|(name, _)| name)
            .collect();
        if missing.is_empty() {
            continue;
        }
        let separator = if out.zh() { "、" } else { ", " };
        if let Some(mut finding) = out.finding(
            SDK_SCOPE_MISMATCH,
            out.run.file,
            manifest.key_span(&path("data")),
            vec![label, missing.join(separator)],
            None,
        ) {
            finding.related.push(Label {
                file: policy.file,
                span: doc.blocks[scope.block].source_span(scope.range.clone()),
                message: Some(if out.zh() {
                    "隐私政策中该SDK的信息范围".to_string()
                } else {
                    "the scope the policy gives for this SDK".to_string()
                }),
            });
            findings.push(finding);
        }
    }
    if !out.wants(POLICY_SDK_NOT_DECLARED) {
        return;
    }
    for (entry, _) in policy.sdks.iter().zip(&matched).filter(|(_, m)| !**m) {
        let span = doc.blocks[entry.name.block].source_span(entry.name.range.clone());
        let label = sdk_label(out, entry.name.text(doc));
        if let Some(mut finding) = out.finding(
            POLICY_SDK_NOT_DECLARED,
            policy.file,
            span,
            vec![label],
            None,
        ) {
            finding.related.push(Label {
                file: out.run.file,
                span: manifest.key_span(&[PathSeg::Key("sdks")]),
                message: Some(if out.zh() {
                    "清单的 sdks".to_string()
                } else {
                    "the manifest's sdks".to_string()
                }),
            });
            findings.push(finding);
        }
    }
}

/// Permissions the policy explains neither by name nor by the data they open.
fn permissions(out: &Out<'_>, policy: &Policy<'_>, findings: &mut Vec<Finding>) {
    if !out.wants(UNDISCLOSED_PERMISSION) {
        return;
    }
    let manifest = out.manifest;
    let taxonomy = &out.run.rules.taxonomy;
    let doc = policy.doc;
    static HEADING: OnceLock<Regex> = OnceLock::new();
    static ACCESS: OnceLock<Regex> = OnceLock::new();
    let heading = regex(&HEADING, r"(?i)权限|permission");
    let access = regex(
        &ACCESS,
        r"(?i)权限|授权|读取|访问|获取|调用|申请|开启|允许|使用您的|\bpermissions?\b|\baccess\b|\ballow\b|\buse your\b",
    );
    // Each name, word pattern and data item is looked for once, whatever the number of
    // permissions that share it.
    let lowered = lowered_blocks(doc);
    let raw_names: Vec<String> = (manifest.spec.permissions.iter())
        .map(|permission| permission.name.to_lowercase())
        .collect();
    let named = occurring(
        &raw_names.iter().map(String::as_str).collect::<Vec<_>>(),
        &lowered.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    let mut worded: HashMap<&str, bool> = HashMap::new();
    let data_disclosed = std::cell::OnceCell::new();
    for (i, permission) in manifest.spec.permissions.iter().enumerate() {
        let known = taxonomy.permission(&permission.name);
        let by_name = named[i];
        // "联系人" alone may be a contact person; with "权限" or "读取" it is the permission.
        let by_word = known.and_then(|p| p.words(doc.lang)).is_some_and(|re| {
            *worded.entry(re.as_str()).or_insert_with(|| {
                doc.blocks.iter().any(|b| {
                    b.sentences.iter().any(|s| {
                        let sentence = &b.text[s.clone()];
                        re.is_match(sentence) && access.is_match(sentence)
                    })
                })
            })
        });
        let by_data = permission.data.iter().any(|reference| {
            let by_id: &HashMap<&str, bool> = data_disclosed.get_or_init(|| {
                let data = &manifest.spec.data;
                let names: Vec<Names> = (data.iter())
                    .map(|item| Names::of_item(item, taxonomy, doc.lang))
                    .collect();
                let found = disclosed(&names, doc);
                // The first item of an id counts, as a search for it would find.
                let mut by_id = HashMap::new();
                for (item, found) in data.iter().zip(found) {
                    by_id.entry(item.id.as_str()).or_insert(found);
                }
                by_id
            });
            by_id.get(reference.as_str()).copied().unwrap_or(false)
        });
        if by_name || by_word || by_data {
            continue;
        }
        let dangerous = known.is_none_or(|p| p.dangerous);
        let shown = known.map_or_else(
            || permission.name.clone(),
            |p| format!("{} ({})", permission.name, p.label.get(doc.lang)),
        );
        let span = manifest.span(&[
            PathSeg::Key("permissions"),
            PathSeg::Index(i),
            PathSeg::Key("name"),
        ]);
        let message = if out.zh() {
            "隐私政策中说明权限之处".to_string()
        } else {
            "where the policy explains permissions".to_string()
        };
        if let Some(mut finding) = out.finding(
            UNDISCLOSED_PERMISSION,
            out.run.file,
            span,
            vec![shown],
            (!dangerous).then_some(Severity::Warning),
        ) {
            finding
                .related
                .push(policy_anchor(policy, heading, message));
            findings.push(finding);
        }
    }
}

/// The manifest sends data abroad but the policy has no provision for it (PIPL Art. 39:
/// recipient, purpose, the way to exercise rights abroad). A policy that says nothing at
/// all about storage is left to the text rule, which `escalate` raises.
fn abroad(out: &Out<'_>, policy: &Policy<'_>, findings: &mut Vec<Finding>) {
    let Some(declared) = foreign_declaration(out.manifest) else {
        return;
    };
    let doc = policy.doc;
    // Data going abroad, not any mention of 境外 ("users abroad", "境外用户的信息回传境内"),
    // nor the template heading "您的个人信息如何在全球范围转移" over a text that keeps data home.
    static PROVISION: OnceLock<Regex> = OnceLock::new();
    static DENIAL: OnceLock<Regex> = OnceLock::new();
    static STORAGE: OnceLock<Regex> = OnceLock::new();
    let provision = regex(
        &PROVISION,
        concat!(
            r"(?i)(?:传输|提供|转移|传送|存储|存放|保存|储存|处理|访问)[^。;]{0,12}(?:境外|海外|国外)",
            r"|(?:向|至|到|往)(?:境外|海外|国外)|跨境|出境|境外接收方",
            r"|(?:境外|海外|国外)的?(?:服务器|数据中心|机构|实体|合作方|接收方|第三方|关联公司|服务商)",
            r"|(?:所在|使用)[^。;]{0,20}(?:国家|地区)[^。;]{0,15}(?:之外|以外)|以外的国家",
            r"|其他国家(?:或地区|和地区)?[^。;]{0,10}(?:处理|存储|访问|传输)",
            r"|international (?:data )?transfers?|cross-border|transferr?\w*[^.]{0,60}(?:abroad|overseas|outside|other countries|third countries|United States)",
            r"|(?:stored|processed|hosted|located)[^.]{0,30}(?:abroad|overseas|outside|in (?:the )?United States)",
            r"|standard contractual clauses|adequacy decision|binding corporate rules|data privacy framework",
        ),
    );
    let denial = regex(
        &DENIAL,
        r"(?i)不(?:会|得)?[^。;]{0,8}(?:传输|提供|转移|传送)[^。;]{0,6}(?:至|到|给)?(?:境外|海外|国外)|不(?:会|得)?[^。;]{0,6}(?:向|至|到|往)(?:境外|海外|国外)[^。;]{0,8}(?:传输|提供|转移|传送)|(?:will not|won't|never|do not|don't) (?:be )?transfer",
    );
    let provides = doc.blocks.iter().filter(|b| !b.is_heading()).any(|b| {
        b.sentences.iter().any(|s| {
            let sentence = &b.text[s.clone()];
            provision.is_match(sentence) && !denial.is_match(sentence)
        })
    });
    if provides {
        return;
    }
    let storage = regex(
        &STORAGE,
        r"(?i)全球范围|出境|跨境|存储|存放|保存|储存|境内|stor(?:e|ed|age)|located|hosted|transfer",
    );
    let Some(mut finding) = out.finding(
        MISSING_CROSS_BORDER,
        policy.file,
        policy_anchor(policy, storage, String::new()).span,
        Vec::new(),
        Some(Severity::Error),
    ) else {
        return;
    };
    finding.primary.message = Some(if out.zh() {
        "隐私政策说明存储地点之处".to_string()
    } else {
        "where the policy says where data is stored".to_string()
    });
    finding.message = if out.zh() {
        "清单声明个人信息会向境外提供或存储于境外，但隐私政策没有相应的出境说明".to_string()
    } else {
        "The manifest sends personal information abroad, but the policy does not provide for the transfer".to_string()
    };
    finding.related.push(Label {
        file: out.run.file,
        span: declared,
        message: Some(if out.zh() {
            "清单声明的境外地区".to_string()
        } else {
            "the region outside mainland China the manifest declares".to_string()
        }),
    });
    findings.push(finding);
}

/// Whether a region code is outside mainland China (for PIPL, Hong Kong and Macao are too).
fn foreign(region: &str) -> bool {
    let region = region.trim().to_ascii_uppercase();
    !matches!(
        region.as_str(),
        "CN" | "CHN" | "中国" | "中国大陆" | "CHINA" | ""
    )
}

/// Where the manifest declares data leaving China, if it does.
fn foreign_declaration(manifest: &Manifest) -> Option<Span> {
    let spec = &manifest.spec;
    let region_at = |list: &'static str, i: usize, key: &'static str| {
        manifest.span(&[PathSeg::Key(list), PathSeg::Index(i), PathSeg::Key(key)])
    };
    if let Some(i) = spec.app.regions.iter().position(|r| foreign(r)) {
        return Some(manifest.span(&[
            PathSeg::Key("app"),
            PathSeg::Key("regions"),
            PathSeg::Index(i),
        ]));
    }
    spec.data
        .iter()
        .position(|d| d.storage_region.as_deref().is_some_and(foreign))
        .map(|i| region_at("data", i, "storage_region"))
        .or_else(|| {
            spec.sdks
                .iter()
                .position(|s| s.region.as_deref().is_some_and(foreign))
                .map(|i| region_at("sdks", i, "region"))
        })
        .or_else(|| {
            spec.recipients
                .iter()
                .position(|r| r.region.as_deref().is_some_and(foreign))
                .map(|i| region_at("recipients", i, "region"))
        })
}

/// Make the policy's missing minors and cross-border findings errors when the manifest
/// declares children or foreign regions, pointing at the declaration; merge a cross-check
/// `missing-sdk-list` into the text one when both exist.
pub(super) fn escalate(
    manifest: &Manifest,
    manifest_file: usize,
    policy_file: usize,
    lang: Lang,
    findings: &mut Vec<Finding>,
) {
    let zh = lang == Lang::Zh;
    let children = manifest
        .spec
        .app
        .audiences
        .iter()
        .position(|a| *a == Audience::ChildrenUnder14)
        .map(|i| {
            manifest.span(&[
                PathSeg::Key("app"),
                PathSeg::Key("audiences"),
                PathSeg::Index(i),
            ])
        });
    let abroad = foreign_declaration(manifest);
    // The text rule and the cross-check found the same gap: keep the text finding, with
    // the cross-check's label into the manifest and the higher severity.
    for rule in [MISSING_SDK_LIST, MISSING_CROSS_BORDER] {
        let from_manifest = |f: &Finding| f.related.iter().any(|l| l.file == manifest_file);
        let text = findings
            .iter()
            .position(|f| f.rule == rule && f.primary.file == policy_file && !from_manifest(f));
        let cross = findings
            .iter()
            .position(|f| f.rule == rule && from_manifest(f));
        if let (Some(text), Some(cross)) = (text, cross) {
            let merged = findings.remove(cross);
            let text = if cross < text { text - 1 } else { text };
            findings[text].related.extend(merged.related);
            findings[text].severity = findings[text].severity.max(merged.severity);
        }
    }
    for finding in findings.iter_mut().filter(|f| {
        f.primary.file == policy_file && !f.related.iter().any(|l| l.file == manifest_file)
    }) {
        let declared = match finding.rule.as_str() {
            MISSING_MINOR_PROTECTION => children.map(|span| {
                let text = if zh {
                    "清单声明面向不满十四周岁的儿童"
                } else {
                    "the manifest declares children under 14 as users"
                };
                (span, text)
            }),
            MISSING_CROSS_BORDER => abroad.map(|span| {
                let text = if zh {
                    "清单声明了境外的地区"
                } else {
                    "the manifest declares a region outside mainland China"
                };
                (span, text)
            }),
            _ => None,
        };
        if let Some((span, text)) = declared {
            finding.severity = Severity::Error;
            finding.related.push(Label {
                file: manifest_file,
                span,
                message: Some(text.to_string()),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions() {
        assert!(!foreign("CN"));
        assert!(!foreign("cn"));
        assert!(foreign("HK"));
        assert!(foreign("US"));
    }

    #[test]
    fn sdks_are_named_as_when_each_is_compared_with_every_text() {
        let set = crate::rules::load(&[]).expect("built-in rules load");
        let declared = |name: &str, vendor: Option<&str>| -> SdkDeclaration {
            let vendor = vendor.map_or(String::new(), |v| format!("\nvendor: {v}"));
            serde_yaml::from_str(&format!("name: {name}{vendor}")).expect("a declaration")
        };
        let sdks: Vec<SdkNames> = [
            declared("友盟+ SDK", None),
            declared("极光推送", Some("深圳市和讯华谷信息技术有限公司")),
            declared("Umeng Analytics", None),
            declared("某地图SDK", None),
            declared("友盟统计", None),
        ]
        .iter()
        .map(|sdk| SdkNames::of(sdk, &set.taxonomy))
        .collect();
        let texts = [
            "第三方SDK清单",
            "友盟 统计 北京锐讯灵通科技有限公司",
            "JPush 深圳市和讯华谷信息技术有限公司",
            "umeng",
        ];
        let one_by_one: Vec<Option<usize>> = (sdks.iter())
            .map(|sdk| {
                texts.iter().position(|text| {
                    let simplified = simplify(text);
                    sdk.names
                        .iter()
                        .any(|name| simplified.contains(name.as_str()))
                        || sdk.vendor.is_some_and(|re| re.is_match(text))
                })
            })
            .collect();
        assert_eq!(first_naming(&sdks, &texts), one_by_one);
        assert_eq!(one_by_one[1], Some(2));
        assert_eq!(one_by_one[3], None);
    }

    #[test]
    fn needles_occur_as_when_each_is_searched() {
        let texts = ["读取通讯录权限", "android.permission.camera"];
        let needles = ["android.permission.camera", "通讯录", "", "定位", "通讯录"];
        let each: Vec<bool> = (needles.iter())
            .map(|needle| texts.iter().any(|text| text.contains(needle)))
            .collect();
        assert_eq!(occurring(&needles, &texts), each);
        assert_eq!(each, [true, true, true, false, true]);
    }

    #[test]
    fn items_are_found_as_when_searched_one_by_one() {
        let set = crate::rules::load(&[]).expect("built-in rules load");
        let text =
            "# 隐私政策\n\n我们收集您的手机号码和设备标识。\n\nİSTANBUL 办公室收集访客姓名。\n";
        let doc = crate::document::parse(
            &crate::source::SourceFile::from_text("p.md", text),
            crate::document::Format::Markdown,
            Some(Lang::Zh),
        );
        let names: Vec<Names> = [
            &["手机号码"][..],
            &["设备标识信息"],
            &["istanbul"],
            &["访客姓名"],
            &["银行卡号", "支付账号"],
            &["精确位置"],
        ]
        .iter()
        .map(|names| Names::of(names, &set.taxonomy, Lang::Zh))
        .collect();
        let lowered = lowered_blocks(&doc);
        let one_by_one: Vec<bool> = (names.iter())
            .map(|names| {
                (doc.blocks.iter().zip(&lowered))
                    .any(|(block, lower)| names.find_lowered(&block.text, lower).is_some())
            })
            .collect();
        assert_eq!(disclosed(&names, &doc), one_by_one);
        assert_eq!(one_by_one, [true, true, false, true, false, false]);
    }
}
