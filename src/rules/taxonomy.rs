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

/// A personal-information category.
#[derive(Debug)]
pub struct Category {
    pub key: String,
    pub label: Localized,
    pub sensitive: bool,
    /// Every alternative of every pattern line, per language: one term each ("身份证号码").
    term_sources: [Vec<String>; 2],
    terms: OnceLock<[Vec<Regex>; 2]>,
}

impl Category {
    /// One regex per term, in the given language.
    pub fn terms(&self, lang: Lang) -> &[Regex] {
        &self.terms.get_or_init(|| compile_each(&self.term_sources))[lang.index()]
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
    words: OnceLock<[Option<Regex>; 2]>,
}

impl Permission {
    /// The words a policy uses for this permission ("相机", "camera").
    pub fn words(&self, lang: Lang) -> Option<&Regex> {
        self.words
            .get_or_init(|| compile_joined(&self.word_sources))[lang.index()]
        .as_ref()
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
    names: OnceLock<Option<Regex>>,
}

impl Vendor {
    /// The names the vendor and its SDKs go by, in any language.
    pub fn names(&self) -> Option<&Regex> {
        self.names
            .get_or_init(|| Regex::new(&self.names_pattern()).ok())
            .as_ref()
    }

    /// The source of [`Vendor::names`].
    pub(crate) fn names_pattern(&self) -> String {
        self.names_source.join("|")
    }
}

#[derive(Debug, Default)]
pub struct Taxonomy {
    pub categories: BTreeMap<String, Category>,
    /// Alias key → category key.
    pub aliases: BTreeMap<String, String>,
    pub permissions: Vec<Permission>,
    pub vendors: Vec<Vendor>,
    vendor_filter: OnceLock<VendorFilter>,
}

/// The literals of the vendors' names, in one automaton: a vendor none of whose literals
/// occur in a text cannot be named there, and its pattern is neither compiled nor run.
#[derive(Debug, Default)]
struct VendorFilter {
    automaton: Option<Automaton>,
    /// For each literal, the vendors whose names contain it.
    vendors_of: Vec<Vec<usize>>,
    /// Vendors whose names have no usable literals: always possible.
    unfiltered: Vec<usize>,
}

impl VendorFilter {
    fn new(vendors: &[Vendor]) -> Self {
        let mut literals: BTreeMap<Vec<u8>, Vec<usize>> = BTreeMap::new();
        let mut unfiltered = Vec::new();
        for (v, vendor) in vendors.iter().enumerate() {
            match necessary_literals(&vendor.names_pattern()) {
                Some(set) => {
                    for literal in set {
                        literals.entry(literal).or_default().push(v);
                    }
                }
                None => unfiltered.push(v),
            }
        }
        let automaton = Automaton::new(literals.keys());
        VendorFilter {
            automaton,
            vendors_of: literals.into_values().collect(),
            unfiltered,
        }
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
                    term_sources: [alternatives(&spec.en), alternatives(&spec.zh)],
                    terms: OnceLock::new(),
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
                words: OnceLock::new(),
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
                names: OnceLock::new(),
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
            .get_or_init(|| VendorFilter::new(&self.vendors));
        let mut possible = vec![false; self.vendors.len()];
        for &v in &filter.unfiltered {
            possible[v] = true;
        }
        if let Some(automaton) = &filter.automaton {
            for text in texts {
                for hit in automaton.find_overlapping(text.as_bytes()) {
                    for &v in &filter.vendors_of[hit.literal as usize] {
                        possible[v] = true;
                    }
                }
            }
        }
        possible
    }

    /// Category terms matching a data item's name, in either language, with their category:
    /// "身份证号码" gives the ID-card term of `specific_identity`.
    pub fn terms_naming(&self, name: &str) -> Vec<(&Category, Lang, &Regex)> {
        let mut found = Vec::new();
        for category in self.categories.values() {
            for lang in Lang::ALL {
                for term in category.terms(lang) {
                    if term.find(name).is_some_and(|m| !m.as_str().is_empty()) {
                        found.push((category, lang, term));
                    }
                }
            }
        }
        found
    }

    /// Every pattern in the taxonomy with where it is, for the loader's syntax check.
    pub(super) fn pattern_sources(&self) -> Vec<(String, &str)> {
        let mut out = Vec::new();
        for c in self.categories.values() {
            for lang in &c.term_sources {
                out.extend(
                    lang.iter()
                        .map(|p| (format!("category {}", c.key), p.as_str())),
                );
            }
        }
        for p in &self.permissions {
            for lang in &p.word_sources {
                out.extend(
                    lang.iter()
                        .map(|s| (format!("permission {}", p.key), s.as_str())),
                );
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

fn compile_each(sources: &[Vec<String>; 2]) -> [Vec<Regex>; 2] {
    [0, 1].map(|i| {
        sources[i]
            .iter()
            .filter_map(|p| Regex::new(p).ok())
            .collect()
    })
}

fn compile_joined(sources: &[Vec<String>; 2]) -> [Option<Regex>; 2] {
    [0, 1].map(|i| {
        (!sources[i].is_empty())
            .then(|| Regex::new(&sources[i].join("|")).ok())
            .flatten()
    })
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
