//! The taxonomy in `rules/taxonomy/`: personal-information categories with their sensitivity
//! and the words policies use for them (`categories.yaml`), system permissions with the data
//! they give access to (`permissions.yaml`), and third-party vendors with the names they go by
//! (`vendors.yaml`). Rule patterns use the categories through `{{taxonomy:...}}` macros; the
//! manifest checks and SDK checks use this compiled form. Regexes are compiled on first use,
//! so a run that never needs them pays nothing.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use regex::Regex;
use serde::Deserialize;

use super::patterns::necessary_literals;
use super::spec::Localized;
use crate::automaton::Automaton;
use crate::document::Lang;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CategoriesFile {
    pub categories: BTreeMap<String, CategorySpec>,
    /// Other keys for a category (the GB/T 35273 Annex A names, `identity` for
    /// `specific_identity`), so manifests may use either.
    #[serde(default)]
    pub aliases: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CategorySpec {
    pub label: Localized,
    pub sensitive: bool,
    /// For people reading the file.
    #[serde(default, rename = "references")]
    _references: Vec<String>,
    #[serde(default)]
    pub en: Vec<String>,
    #[serde(default)]
    pub zh: Vec<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PermissionsFile {
    pub permissions: BTreeMap<String, PermissionSpec>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PermissionSpec {
    pub label: Localized,
    pub names: Vec<String>,
    pub dangerous: bool,
    pub data: Vec<String>,
    #[serde(default)]
    pub en: Vec<String>,
    #[serde(default)]
    pub zh: Vec<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct VendorsFile {
    pub vendors: BTreeMap<String, VendorSpec>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct VendorSpec {
    pub label: String,
    pub entity: String,
    pub region: String,
    pub names: Vec<String>,
}

/// The languages of the category terms to look for in text of `lang`: English device terms
/// (IMEI, Android ID) appear in Chinese text too.
pub fn term_langs(lang: Lang) -> &'static [Lang] {
    match lang {
        Lang::Zh => &[Lang::Zh, Lang::En],
        Lang::En => &[Lang::En],
    }
}

/// A personal-information category.
#[derive(Debug)]
pub struct Category {
    pub key: String,
    pub label: Localized,
    pub sensitive: bool,
    /// Every alternative of every pattern line, per language: one term each ("身份证号码").
    terms: [Vec<LazyPattern>; 2],
}

impl Category {
    /// One regex per term, in the given language.
    pub fn terms(&self, lang: Lang) -> impl Iterator<Item = &Regex> {
        self.terms[lang.index()].iter().filter_map(LazyPattern::get)
    }
}

/// A pattern compiled on first use (a run compiles only the few a document can match).
#[derive(Debug)]
struct LazyPattern {
    source: String,
    regex: OnceLock<Option<Regex>>,
}

impl LazyPattern {
    fn new(source: String) -> Self {
        LazyPattern {
            source,
            regex: OnceLock::new(),
        }
    }

    /// `None` for a pattern that does not compile (the loader reports those).
    fn get(&self) -> Option<&Regex> {
        self.regex
            .get_or_init(|| Regex::new(&self.source).ok())
            .as_ref()
    }
}

/// A system permission (Android or iOS).
#[derive(Debug)]
pub struct Permission {
    pub key: String,
    pub label: Localized,
    pub names: Vec<String>,
    pub dangerous: bool,
    /// Category keys of the data the permission gives access to.
    pub data: Vec<String>,
    word_sources: [Vec<String>; 2],
    /// `word_sources` per language as one pattern; none without words.
    words: [Option<LazyPattern>; 2],
}

impl Permission {
    /// The words a policy uses for this permission ("相机", "camera").
    pub fn words(&self, lang: Lang) -> Option<&Regex> {
        self.words[lang.index()].as_ref()?.get()
    }
}

/// A third-party vendor of SDKs or services.
#[derive(Debug)]
pub struct Vendor {
    pub key: String,
    pub label: String,
    pub entity: String,
    pub region: String,
    names_source: Vec<String>,
    /// All of `names_source` as one pattern.
    names: LazyPattern,
}

impl Vendor {
    /// The names the vendor and its SDKs go by, in any language.
    pub fn names(&self) -> Option<&Regex> {
        self.names.get()
    }

    /// The source of [`Vendor::names`].
    pub(crate) fn names_pattern(&self) -> &str {
        &self.names.source
    }
}

#[derive(Debug, Default)]
pub struct Taxonomy {
    pub categories: BTreeMap<String, Category>,
    /// Alias key → category key.
    pub aliases: BTreeMap<String, String>,
    pub permissions: Vec<Permission>,
    pub vendors: Vec<Vendor>,
    vendor_filter: OnceLock<LiteralFilter>,
    /// Over every category term, in the order of [`Taxonomy::all_terms`].
    term_filter: OnceLock<LiteralFilter>,
    /// Over every permission's words, in the order of [`Taxonomy::all_words`].
    word_filter: OnceLock<LiteralFilter>,
}

/// The literals of a list of patterns, in one automaton: a pattern none of whose necessary
/// literals occurs in a text cannot match there, and is neither compiled nor run.
#[derive(Debug, Default)]
struct LiteralFilter {
    len: usize,
    automaton: Option<Automaton>,
    /// For each literal, the patterns that need it.
    owners: Vec<Vec<usize>>,
    /// Patterns without usable literals: always possible.
    unfiltered: Vec<usize>,
}

impl LiteralFilter {
    fn new<'p>(patterns: impl IntoIterator<Item = &'p str>) -> Self {
        let mut literals: BTreeMap<Vec<u8>, Vec<usize>> = BTreeMap::new();
        let mut unfiltered = Vec::new();
        let mut len = 0;
        for (i, pattern) in patterns.into_iter().enumerate() {
            len += 1;
            match necessary_literals(pattern) {
                Some(set) => {
                    for literal in set {
                        literals.entry(literal).or_default().push(i);
                    }
                }
                None => unfiltered.push(i),
            }
        }
        LiteralFilter {
            len,
            automaton: Automaton::new(literals.keys()),
            owners: literals.into_values().collect(),
            unfiltered,
        }
    }

    /// For each pattern, whether it may match in one of `texts` (false: it does not).
    fn possible<'t>(&self, texts: impl IntoIterator<Item = &'t str>) -> Vec<bool> {
        let mut possible = vec![false; self.len];
        for &i in &self.unfiltered {
            possible[i] = true;
        }
        if let Some(automaton) = &self.automaton {
            for text in texts {
                for hit in automaton.find_overlapping(text.as_bytes()) {
                    for &i in &self.owners[hit.literal as usize] {
                        possible[i] = true;
                    }
                }
            }
        }
        possible
    }
}

impl Taxonomy {
    pub(super) fn add_categories(&mut self, file: &CategoriesFile) {
        for (key, spec) in &file.categories {
            let alternatives = |lines: &[String]| -> Vec<String> {
                lines.iter().flat_map(|l| split_alternatives(l)).collect()
            };
            self.categories.insert(
                key.clone(),
                Category {
                    key: key.clone(),
                    label: spec.label.clone(),
                    sensitive: spec.sensitive,
                    terms: [&spec.en, &spec.zh].map(|lines| {
                        alternatives(lines)
                            .into_iter()
                            .map(LazyPattern::new)
                            .collect()
                    }),
                },
            );
        }
        self.aliases.extend(file.aliases.clone());
    }

    pub(super) fn add_permissions(&mut self, file: &PermissionsFile) {
        for (key, spec) in &file.permissions {
            self.permissions.push(Permission {
                key: key.clone(),
                label: spec.label.clone(),
                names: spec.names.clone(),
                dangerous: spec.dangerous,
                data: spec.data.clone(),
                word_sources: [spec.en.clone(), spec.zh.clone()],
                words: [&spec.en, &spec.zh]
                    .map(|words| (!words.is_empty()).then(|| LazyPattern::new(words.join("|")))),
            });
        }
    }

    pub(super) fn add_vendors(&mut self, file: &VendorsFile) {
        for (key, spec) in &file.vendors {
            self.vendors.push(Vendor {
                key: key.clone(),
                label: spec.label.clone(),
                entity: spec.entity.clone(),
                region: spec.region.clone(),
                names_source: spec.names.clone(),
                names: LazyPattern::new(spec.names.join("|")),
            });
        }
    }

    /// The category of a key or alias.
    pub fn category(&self, key: &str) -> Option<&Category> {
        let key = self.aliases.get(key).map_or(key, String::as_str);
        self.categories.get(key)
    }

    /// The permission a manifest names (`android.permission.CAMERA`, `NSCameraUsageDescription`).
    pub fn permission(&self, name: &str) -> Option<&Permission> {
        let name = name.trim();
        self.permissions
            .iter()
            .find(|p| p.names.iter().any(|n| n.eq_ignore_ascii_case(name)))
    }

    /// The vendor whose names occur in `text`.
    pub fn vendor_in(&self, text: &str) -> Option<&Vendor> {
        let possible = self.vendors_possibly_in([text]);
        self.vendors
            .iter()
            .zip(possible)
            .filter(|(_, possible)| *possible)
            .map(|(vendor, _)| vendor)
            .find(|v| v.names().is_some_and(|re| re.is_match(text)))
    }

    /// For each vendor, whether its names may occur in one of `texts` (false: they do not).
    pub fn vendors_possibly_in<'t>(&self, texts: impl IntoIterator<Item = &'t str>) -> Vec<bool> {
        let filter = self
            .vendor_filter
            .get_or_init(|| LiteralFilter::new(self.vendors.iter().map(|v| v.names_pattern())));
        filter.possible(texts)
    }

    /// Every category term with its category and language: by category, then language.
    fn all_terms(&self) -> impl Iterator<Item = (&Category, Lang, &LazyPattern)> {
        self.categories.values().flat_map(|category| {
            Lang::ALL.into_iter().flat_map(move |lang| {
                category.terms[lang.index()]
                    .iter()
                    .map(move |term| (category, lang, term))
            })
        })
    }

    /// The category terms of `langs` that may match in `text`, compiled, in the order of
    /// [`Taxonomy::all_terms`]. The others cannot match there.
    pub fn terms_possibly_in<'a>(
        &'a self,
        text: &str,
        langs: &'a [Lang],
    ) -> impl Iterator<Item = (&'a Category, Lang, &'a Regex)> {
        let filter = self.term_filter.get_or_init(|| {
            LiteralFilter::new(self.all_terms().map(|(_, _, term)| term.source.as_str()))
        });
        (self.all_terms().zip(filter.possible([text])))
            .filter(move |((_, lang, _), possible)| *possible && langs.contains(lang))
            .filter_map(|((category, lang, term), _)| Some((category, lang, term.get()?)))
    }

    /// Category terms matching a data item's name, in either language, with their category:
    /// "身份证号码" gives the ID-card term of `specific_identity`.
    pub fn terms_naming(&self, name: &str) -> Vec<(&Category, Lang, &Regex)> {
        self.terms_possibly_in(name, &Lang::ALL)
            .filter(|(_, _, term)| term.find(name).is_some_and(|m| !m.is_empty()))
            .collect()
    }

    /// Every permission with words in `lang`, with their pattern.
    fn all_words(&self, lang: Lang) -> impl Iterator<Item = (&Permission, &LazyPattern)> {
        (self.permissions.iter()).filter_map(move |p| Some((p, p.words[lang.index()].as_ref()?)))
    }

    /// The permissions whose words (in `lang`) may occur in `text`, with those words
    /// compiled, in taxonomy order. The others' words do not occur there.
    pub fn words_possibly_in<'a>(
        &'a self,
        text: &str,
        lang: Lang,
    ) -> impl Iterator<Item = (&'a Permission, &'a Regex)> {
        let filter = self.word_filter.get_or_init(|| {
            let both = Lang::ALL.into_iter().flat_map(|lang| self.all_words(lang));
            LiteralFilter::new(both.map(|(_, words)| words.source.as_str()))
        });
        // The filter lists English words first.
        let skip = match lang {
            Lang::En => 0,
            Lang::Zh => self.all_words(Lang::En).count(),
        };
        let possible = filter.possible([text]).into_iter().skip(skip);
        (self.all_words(lang).zip(possible))
            .filter(|(_, possible)| *possible)
            .filter_map(|((permission, words), _)| Some((permission, words.get()?)))
    }

    /// The patterns its literal filters are built over, for the stored index.
    #[cfg(test)]
    pub(super) fn filtered_patterns(&self) -> Vec<&str> {
        let vendors = self.vendors.iter().map(Vendor::names_pattern);
        let terms = self.all_terms().map(|(_, _, term)| term.source.as_str());
        let words = (Lang::ALL.into_iter())
            .flat_map(|lang| self.all_words(lang))
            .map(|(_, words)| words.source.as_str());
        vendors.chain(terms).chain(words).collect()
    }

    /// Every pattern in the taxonomy with where it is, for the loader's syntax check.
    pub(super) fn pattern_sources(&self) -> Vec<(String, &str)> {
        let mut out = Vec::new();
        for (category, _, term) in self.all_terms() {
            out.push((format!("category {}", category.key), term.source.as_str()));
        }
        for permission in &self.permissions {
            for word in permission.word_sources.iter().flatten() {
                out.push((format!("permission {}", permission.key), word.as_str()));
            }
        }
        for v in &self.vendors {
            out.extend(
                v.names_source
                    .iter()
                    .map(|s| (format!("vendor {}", v.key), s.as_str())),
            );
        }
        out
    }
}

/// Aliases that name no category, or shadow one (a typo in categories.yaml).
pub(super) fn bad_category_aliases(taxonomy: &Taxonomy) -> Vec<String> {
    taxonomy
        .aliases
        .iter()
        .filter_map(|(alias, key)| {
            if taxonomy.categories.contains_key(alias) {
                Some(format!("category alias {alias} is also a category"))
            } else if !taxonomy.categories.contains_key(key) {
                Some(format!(
                    "category alias {alias} refers to unknown category {key}"
                ))
            } else {
                None
            }
        })
        .collect()
}

/// Permission data keys that name no category (a typo in permissions.yaml).
pub(super) fn unknown_permission_data(taxonomy: &Taxonomy) -> Vec<String> {
    taxonomy
        .permissions
        .iter()
        .flat_map(|p| {
            p.data
                .iter()
                .filter(|key| taxonomy.category(key).is_none())
                .map(move |key| format!("permission {} refers to unknown category {key}", p.key))
        })
        .collect()
}

/// The top-level alternatives of a pattern, each keeping a leading flag group such as
/// `(?i)`: `(?i)\bname\b|\bage\b` gives `(?i)\bname\b` and `(?i)\bage\b`.
fn split_alternatives(pattern: &str) -> Vec<String> {
    let flags = pattern
        .strip_prefix("(?")
        .and_then(|rest| rest.find(')').map(|end| &pattern[..end + 3]))
        .filter(|group| !group.contains(':'))
        .unwrap_or("");
    let body = &pattern[flags.len()..];
    let mut parts = Vec::new();
    let (mut depth, mut in_class, mut escaped, mut start) = (0usize, false, false, 0usize);
    for (i, c) in body.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '[' if !in_class => in_class = true,
            ']' if in_class => in_class = false,
            '(' if !in_class => depth += 1,
            ')' if !in_class => depth = depth.saturating_sub(1),
            '|' if !in_class && depth == 0 => {
                parts.push(format!("{flags}{}", &body[start..i]));
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(format!("{flags}{}", &body[start..]));
    parts.retain(|p| p.len() > flags.len());
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every text file under `fixtures/`, and a few case variants of vendor names.
    fn sample_texts() -> Vec<String> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let mut texts: Vec<String> = walkdir::WalkDir::new(root)
            .into_iter()
            .flatten()
            .filter(|entry| entry.file_type().is_file())
            .filter_map(|entry| std::fs::read_to_string(entry.path()).ok())
            .collect();
        texts.extend(
            [
                "使用 UMENG 统计",
                "JPush 推送",
                "使用 BUGLY",
                "HMS Core",
                "Mi Push",
                "OPPO推送",
                "高德地图",
                "微信登录",
            ]
            .map(String::from),
        );
        texts
    }

    #[test]
    fn vendor_filter_never_rules_out_a_vendor_that_matches() {
        let set = crate::rules::load(&[]).expect("built-in rules load");
        let taxonomy = &set.taxonomy;
        let mut matched = 0;
        let mut ruled_out = 0;
        for text in sample_texts() {
            let possible = taxonomy.vendors_possibly_in([text.as_str()]);
            for (vendor, possible) in taxonomy.vendors.iter().zip(possible) {
                let names = vendor.names().expect("built-in vendor names compile");
                if names.is_match(&text) {
                    assert!(possible, "{} ruled out in {text:.80}", vendor.key);
                    matched += 1;
                } else if !possible {
                    ruled_out += 1;
                }
            }
        }
        assert!(matched >= 6, "only {matched} vendor matches seen");
        assert!(ruled_out > matched, "the filter rules out too little");
        assert_eq!(
            taxonomy
                .vendor_in("本应用集成了 JPUSH 推送服务")
                .map(|v| v.key.as_str()),
            Some("jiguang")
        );
        assert!(taxonomy.vendor_in("本应用不接入任何第三方服务").is_none());
    }

    #[test]
    fn term_and_word_filters_never_rule_out_a_pattern_that_matches() {
        let set = crate::rules::load(&[]).expect("built-in rules load");
        let taxonomy = &set.taxonomy;
        let (mut matched, mut ruled_out) = (0, 0);
        for text in sample_texts() {
            for text in text.lines() {
                let possible: Vec<*const Regex> = (taxonomy.terms_possibly_in(text, &Lang::ALL))
                    .map(|(_, _, term)| term as *const Regex)
                    .collect();
                for (category, _, term) in taxonomy.all_terms() {
                    let term = term.get().expect("built-in terms compile");
                    if term.is_match(text) {
                        let kept = possible.contains(&(term as *const Regex));
                        assert!(kept, "{} ({term}) ruled out in {text:.80}", category.key);
                        matched += 1;
                    } else if !possible.contains(&(term as *const Regex)) {
                        ruled_out += 1;
                    }
                }
                for lang in Lang::ALL {
                    let possible: Vec<&str> = (taxonomy.words_possibly_in(text, lang))
                        .map(|(permission, _)| permission.key.as_str())
                        .collect();
                    for permission in &taxonomy.permissions {
                        if permission.words(lang).is_some_and(|re| re.is_match(text)) {
                            assert!(
                                possible.contains(&permission.key.as_str()),
                                "{} ruled out in {text:.80}",
                                permission.key
                            );
                            matched += 1;
                        }
                    }
                }
            }
        }
        assert!(matched >= 100, "only {matched} term and word matches seen");
        assert!(ruled_out > 10 * matched, "the filter rules out too little");
    }

    #[test]
    fn alternatives_keep_flags_and_groups() {
        assert_eq!(
            split_alternatives(r"(?i)\bname\b|\bage(?:s|d)\b|[|]x"),
            vec![r"(?i)\bname\b", r"(?i)\bage(?:s|d)\b", r"(?i)[|]x"]
        );
        assert_eq!(
            split_alternatives("(?:居民)?身份证|护照"),
            vec!["(?:居民)?身份证", "护照"]
        );
        assert_eq!(split_alternatives(r"a\|b"), vec![r"a\|b"]);
    }
}
