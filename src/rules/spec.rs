//! The YAML schema of a rule file, as written by rule authors (see README "Writing rules").

use serde::Deserialize;

use crate::diagnostic::Severity;
use crate::document::{Format, Lang};

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    pub id: String,
    pub title: Localized,
    pub severity: Severity,
    pub langs: Vec<Lang>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Other ids the rule answers to (ids of the rule catalogue it implements).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// The regulatory profiles the rule belongs to (default: `cn`); `[]` for rules about
    /// privlint's own input, which apply under every profile.
    #[serde(default = "default_profiles")]
    pub profiles: Vec<String>,
    #[serde(default)]
    pub references: Vec<String>,
    pub message: Localized,
    pub help: Localized,
    /// Markdown with the headings `## What it checks` and `## Why it matters`.
    pub description: String,
    #[serde(default)]
    pub url: Option<String>,
    /// The documents the rule runs on (default: `policies` for `require` rules, `any` for
    /// the others).
    #[serde(default)]
    pub documents: Option<Documents>,
    pub check: CheckSpec,
    pub examples: Examples,
}

/// Which documents a rule runs on.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Documents {
    /// Privacy policies only: not a user agreement that refers to a separate privacy
    /// policy, nor a text that never mentions privacy.
    Policies,
    /// Every document.
    Any,
}

/// Text in the document's language: `{en: ..., zh: ...}`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Localized {
    pub en: String,
    #[serde(default)]
    pub zh: Option<String>,
}

impl Localized {
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => self.zh.as_deref().unwrap_or(&self.en),
            Lang::En => &self.en,
        }
    }
}

/// Regular expressions per language; any of them matching counts.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LangPatterns {
    #[serde(default)]
    pub en: Vec<String>,
    #[serde(default)]
    pub zh: Vec<String>,
}

impl LangPatterns {
    pub fn get(&self, lang: Lang) -> &[String] {
        match lang {
            Lang::En => &self.en,
            Lang::Zh => &self.zh,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckKind {
    Require,
    Forbid,
    Conditional,
    Deadline,
    Builtin,
}

/// Where co-occurring patterns must be found. Table cells always widen to their row.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    #[default]
    Sentence,
    Paragraph,
    Section,
    Document,
}

/// The `check:` block. Which fields apply depends on `kind`; the loader says which are
/// missing or misplaced.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckSpec {
    pub kind: CheckKind,
    #[serde(default)]
    pub scope: Scope,
    /// require / forbid / deadline: what to look for.
    #[serde(default)]
    pub patterns: Option<LangPatterns>,
    /// Each group must also match in the same unit (the check's scope, or the group's own).
    /// A group with no patterns for the document's language does not apply to it.
    #[serde(default)]
    pub also: Vec<ScopedPatterns>,
    /// A match is dropped when any of these matches in the same unit (each entry may widen
    /// the unit with its own `scope`).
    #[serde(default)]
    pub unless: Vec<ScopedPatterns>,
    /// A match lying inside a match of these is dropped (what surrounds it shows it is not
    /// what the rule looks for: "人脸识别功能" names a function, not face data).
    #[serde(default)]
    pub except: Option<LangPatterns>,
    /// Drop matches preceded by a negation cue in the same clause (default: on).
    #[serde(default = "default_true")]
    pub negation: bool,
    /// require: report at the first heading matching these, else at the title.
    #[serde(default)]
    pub anchor: Option<LangPatterns>,
    /// conditional: where this is said ...
    #[serde(default, rename = "if")]
    pub antecedent: Option<LangPatterns>,
    /// ... this must be said too.
    #[serde(default)]
    pub then: Option<LangPatterns>,
    /// conditional: `then` matches inside a match of these do not count (generic phrases).
    #[serde(default)]
    pub void: Option<LangPatterns>,
    /// conditional: also look for `then` in linked sentences (a list's lead-in ending with a
    /// colon, a sentence continued by "例如/including", a next sentence referring back).
    #[serde(default)]
    pub linked: bool,
    /// Whether matches in headings count (default: yes). A heading such as "撤回授权" names
    /// a topic; the rule may want the text under it.
    #[serde(default = "default_true")]
    pub in_headings: bool,
    /// Where matches of `patterns` / `if` count: anywhere (default), only in the title
    /// block, or only in headings.
    #[serde(default)]
    pub within: Within,
    /// deadline: the longest acceptable period, per language.
    #[serde(default)]
    pub limit: Option<LangLimits>,
}

/// Which blocks a group's matches count in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Within {
    #[default]
    Anywhere,
    /// The document title and the headings right next to it (a subtitle, a site name).
    Title,
    /// Headings, the title block included.
    Headings,
}

/// Patterns and, optionally, the unit they are looked for in (default: the check's scope).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScopedPatterns {
    #[serde(default)]
    pub scope: Option<Scope>,
    /// Where these patterns' matches count (default: anywhere).
    #[serde(default)]
    pub within: Within,
    #[serde(default)]
    pub en: Vec<String>,
    #[serde(default)]
    pub zh: Vec<String>,
    /// `unless` only: the veto applies to main matches lying inside a match of these (one
    /// phrase of the rule that a wider unit can excuse, while the others stay reported).
    #[serde(default)]
    pub applies_to: Option<LangPatterns>,
}

impl ScopedPatterns {
    pub fn patterns(&self) -> LangPatterns {
        LangPatterns {
            en: self.en.clone(),
            zh: self.zh.clone(),
        }
    }
}

fn default_true() -> bool {
    true
}

fn default_profiles() -> Vec<String> {
    vec![super::DEFAULT_PROFILE.to_string()]
}

#[derive(Clone, Copy, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LangLimits {
    #[serde(default)]
    pub en: Option<DeadlineLimit>,
    #[serde(default)]
    pub zh: Option<DeadlineLimit>,
}

impl LangLimits {
    pub fn get(&self, lang: Lang) -> Option<DeadlineLimit> {
        match lang {
            Lang::En => self.en,
            Lang::Zh => self.zh,
        }
    }
}

/// A limit in working days or in calendar days (exactly one of the two).
#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeadlineLimit {
    #[serde(default)]
    pub working_days: Option<u32>,
    #[serde(default)]
    pub days: Option<u32>,
    /// Severity for calendar-day periods over a working-day limit that may still fit it
    /// (16 to 21 days against 15 working days).
    #[serde(default)]
    pub borderline: Option<Severity>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Examples {
    #[serde(default)]
    pub valid: Vec<Example>,
    #[serde(default)]
    pub invalid: Vec<Example>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Example {
    pub lang: Lang,
    #[serde(default = "default_format")]
    pub format: Format,
    /// The policy text (for manifest rules: the policy the manifest is checked against, if
    /// any).
    #[serde(default)]
    pub text: String,
    /// For manifest rules: the manifest.
    #[serde(default)]
    pub manifest: Option<String>,
    /// invalid examples: the exact text each finding underlines, in order.
    #[serde(default)]
    pub expect: Vec<String>,
    /// Why this example is here (a near miss, a negation...).
    #[serde(default)]
    pub note: Option<String>,
}

fn default_format() -> Format {
    Format::Markdown
}
