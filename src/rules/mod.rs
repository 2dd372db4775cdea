//! Rules: YAML specs (`spec`), loading and linting (`load`), compiled patterns and the
//! one-pass matcher (`patterns`), evaluation of each check kind (`eval`), and each rule's own
//! examples (`testing`).

pub(crate) mod backtrack;
pub mod builtin;
pub mod eval;
mod load;
mod numbers;
pub mod patterns;
pub mod spec;
pub mod taxonomy;
pub mod testing;

pub use load::{LoadErrors, builtin_files, load};
pub use spec::{
    CheckKind, DeadlineLimit, Documents, Examples, LangLimits, Localized, Scope, Within,
};

use regex::Regex;

use crate::classify::DocumentKind;
use crate::diagnostic::Severity;
use crate::document::Lang;
use patterns::{PatternId, PatternTable};

/// The patterns of one clause of a check, per language (indexed by [`Lang::index`]), and
/// where in the document their matches count.
#[derive(Clone, Debug, Default)]
pub struct Group([Vec<PatternId>; 2], Within);

impl Group {
    pub fn get(&self, lang: Lang) -> &[PatternId] {
        &self.0[lang.index()]
    }

    pub fn within(&self) -> Within {
        self.1
    }

    /// The same patterns, counted only `within` these blocks.
    pub fn placed(mut self, within: Within) -> Self {
        self.1 = within;
        self
    }

    pub fn is_empty(&self) -> bool {
        self.0.iter().all(Vec::is_empty)
    }
}

/// A compiled check. Which parts are set depends on `kind` (the loader enforces it).
#[derive(Clone, Debug)]
pub struct Check {
    pub kind: CheckKind,
    pub scope: Scope,
    /// What `require`, `forbid` and `deadline` look for; the `if` of `conditional`.
    pub patterns: Group,
    /// Co-occurring groups, each looked for in its own unit.
    pub also: Vec<(Scope, Group)>,
    /// Vetoes, each looked for in its own unit.
    pub unless: Vec<Veto>,
    pub except: Option<Group>,
    pub negation: bool,
    pub anchor: Option<Group>,
    pub then: Option<Group>,
    pub void: Option<Group>,
    pub linked: bool,
    pub in_headings: bool,
    pub limit: Option<LangLimits>,
}

/// An `unless` entry: matches of `group` in a unit drop the main matches in it, or only
/// those inside a match of `applies_to` when it is given.
#[derive(Clone, Debug)]
pub struct Veto {
    pub scope: Scope,
    pub group: Group,
    pub applies_to: Option<Group>,
}

/// Where a rule came from: its file and text, for messages and `privlint rule`.
#[derive(Clone, Debug)]
pub struct Origin {
    pub path: String,
    pub text: String,
    /// The same content as JSON, for built-in files (transcoded when privlint was built).
    pub json: Option<&'static str>,
}

/// The profile of the Chinese rules (PIPL, GB/T 35273, the MIIT/CAC app rules).
pub const DEFAULT_PROFILE: &str = "cn";

/// The profiles applied to a document when none are configured. English policies get the
/// `cn` rules too (Chinese apps publish English policies) until GDPR and CCPA packs exist.
pub fn default_profiles(lang: Lang) -> &'static [String] {
    static CN: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    let cn = CN.get_or_init(|| vec![DEFAULT_PROFILE.to_string()]);
    match lang {
        Lang::Zh | Lang::En => cn,
    }
}

#[derive(Clone, Debug)]
pub struct Rule {
    pub id: String,
    pub title: Localized,
    pub severity: Severity,
    pub langs: Vec<Lang>,
    pub tags: Vec<String>,
    pub aliases: Vec<String>,
    pub profiles: Vec<String>,
    /// Shared with every finding of the rule.
    pub references: std::sync::Arc<[String]>,
    pub message: Localized,
    pub help: Localized,
    /// The help in each language ([`Lang::index`]), trimmed and shared with every finding
    /// of the rule whose help needs no filling in.
    pub help_text: [std::sync::Arc<str>; 2],
    pub description: String,
    pub url: Option<String>,
    pub documents: Documents,
    pub check: Check,
    pub examples: Examples,
    pub origin: Origin,
}

impl Rule {
    /// The help for a finding in `lang`: shared, or filled in with what `hit` found.
    pub fn help_for(&self, lang: Lang, hit: &eval::Hit) -> std::sync::Arc<str> {
        let template = self.help.get(lang);
        if template.contains('{') {
            crate::engine::fill(template, hit, lang).into()
        } else {
            std::sync::Arc::clone(&self.help_text[lang.index()])
        }
    }

    pub fn applies_to(&self, lang: Lang) -> bool {
        self.langs.contains(&lang)
    }

    /// Whether the rule runs on a document of this kind.
    pub fn runs_on(&self, kind: &DocumentKind) -> bool {
        self.documents == Documents::Any || *kind == DocumentKind::Policy
    }

    /// Whether the rule belongs to one of `profiles` (rules of no profile belong to all).
    pub fn in_profiles(&self, profiles: &[String]) -> bool {
        self.profiles.is_empty() || self.profiles.iter().any(|p| profiles.contains(p))
    }
}

/// Shared vocabulary from the built-in `rules/lexicon.yaml`, per language.
#[derive(Debug, Default)]
pub struct Lexicon {
    pub negation_cues: [Option<LazyRegex>; 2],
    pub negation_ignore: [Option<LazyRegex>; 2],
    pub negation_window: [usize; 2],
    pub continuation: [Option<LazyRegex>; 2],
    pub backref: [Option<LazyRegex>; 2],
    /// A paragraph that opens with a label ("设备信息:…") spelling out the previous one.
    pub label: [Option<LazyRegex>; 2],
}

/// A built-in regular expression, compiled on first use: a run reading documents of one
/// language compiles only that language's. The test suite compiles them all. (The regex
/// crate, not the backtracker: these run on every match of every rule, and the crate's
/// literal prefilters pay for its longer compilation.)
#[derive(Debug)]
pub struct LazyRegex {
    source: String,
    regex: std::sync::OnceLock<Regex>,
}

impl LazyRegex {
    fn new(source: String) -> Self {
        LazyRegex {
            source,
            regex: std::sync::OnceLock::new(),
        }
    }

    pub fn get(&self) -> &Regex {
        (self.regex).get_or_init(|| Regex::new(&self.source).expect("built-in pattern compiles"))
    }
}

/// The loaded rules with every pattern compiled once.
#[derive(Debug)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
    pub patterns: PatternTable,
    pub lexicon: Lexicon,
    pub taxonomy: taxonomy::Taxonomy,
}

impl RuleSet {
    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// The rule with this id or alias.
    pub fn find(&self, name: &str) -> Option<&Rule> {
        self.get(name).or_else(|| {
            self.rules
                .iter()
                .find(|r| r.aliases.iter().any(|a| a == name))
        })
    }

    /// Every profile some rule belongs to.
    pub fn profiles(&self) -> std::collections::BTreeSet<String> {
        self.rules
            .iter()
            .flat_map(|r| r.profiles.iter().cloned())
            .collect()
    }
}
