//! Loading rules: the built-in files embedded at build time plus any `--rules` directories,
//! the shared lexicon and taxonomy, macro expansion, and the lints every rule must pass.
//! Every problem is reported with a span into the offending YAML file.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use regex::Regex;
use serde::Deserialize;

use super::builtin::{Builtin, builtin};
use super::patterns::Compile;
use super::spec::{CheckKind, CheckSpec, Documents, LangPatterns, RuleSpec};
use super::taxonomy::{
    CategoriesFile, PermissionsFile, Taxonomy, VendorsFile, bad_category_aliases,
    unknown_permission_data,
};
use super::{Check, Group, LazyRegex, Lexicon, Origin, Rule, RuleSet, Veto};
use crate::diagnostic::SetupError;
use crate::document::Lang;
use crate::source::Span;
use crate::yaml::{self, PathSeg};

include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));

/// The built-in rule files (path relative to `rules/`, content), sorted by path.
pub fn builtin_files() -> &'static [(&'static str, &'static str)] {
    BUILTIN_RULE_FILES
}

const LEXICON_FILE: &str = "lexicon.yaml";
const TAXONOMY_DIR: &str = "taxonomy/";

/// Every problem found while loading rules (loading continues past the first).
#[derive(Clone, Debug)]
pub struct LoadErrors(pub Vec<SetupError>);

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LexiconSpec {
    negation: NegationSpec,
    links: LinkSpec,
    #[serde(default)]
    macros: BTreeMap<String, MacroSpec>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NegationSpec {
    window: WindowSpec,
    cues: LangPatterns,
    #[serde(default)]
    ignore: LangPatterns,
}

#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WindowSpec {
    en: usize,
    zh: usize,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LinkSpec {
    continuation: LangPatterns,
    backref: LangPatterns,
    label: LangPatterns,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct MacroSpec {
    #[serde(default)]
    en: Vec<String>,
    #[serde(default)]
    zh: Vec<String>,
}

/// The longest a pattern may grow when its macros are expanded (bytes); the built-in ones
/// stay under a hundredth of it.
const MAX_EXPANDED_PATTERN: usize = 1 << 20;

/// Named alternations usable in patterns as `{{name}}`, per language.
#[derive(Debug, Default)]
struct Macros {
    by_name: BTreeMap<String, [Option<String>; 2]>,
}

impl Macros {
    fn insert(&mut self, name: String, en: &[String], zh: &[String]) {
        let alternation =
            |parts: &[String]| (!parts.is_empty()).then(|| format!("(?:{})", parts.join("|")));
        self.by_name
            .insert(name, [alternation(en), alternation(zh)]);
    }

    /// Replace every `{{name}}` in `pattern`; nested macros are expanded up to four levels.
    fn expand(&self, pattern: &str, lang: Lang) -> Result<String, String> {
        static MACRO: OnceLock<Regex> = OnceLock::new();
        let re =
            MACRO.get_or_init(|| Regex::new(r"\{\{([a-z0-9_:\-]+)\}\}").expect("macro pattern"));
        let mut current = pattern.to_string();
        for _ in 0..4 {
            if !re.is_match(&current) {
                return Ok(current);
            }
            let mut error = None;
            // Checked while expanding: a pattern repeating a large macro thousands of times
            // would take gigabytes before the regex size limit refused it.
            let mut len = current.len();
            let next = re
                .replace_all(&current, |caps: &regex::Captures<'_>| {
                    let name = &caps[1];
                    match self.by_name.get(name).and_then(|v| v[lang.index()].clone()) {
                        Some(_) if error.is_some() => String::new(),
                        Some(expansion) if len + expansion.len() > MAX_EXPANDED_PATTERN => {
                            error = Some(format!(
                                "longer than {} KiB once its macros are expanded",
                                MAX_EXPANDED_PATTERN >> 10
                            ));
                            String::new()
                        }
                        Some(expansion) => {
                            len += expansion.len();
                            expansion
                        }
                        None => {
                            error.get_or_insert_with(|| {
                                format!(
                                    "unknown macro `{{{{{name}}}}}` for language {}",
                                    lang.code()
                                )
                            });
                            String::new()
                        }
                    }
                })
                .into_owned();
            if let Some(error) = error {
                return Err(error);
            }
            current = next;
        }
        if re.is_match(&current) {
            return Err("macros nest more than four levels deep".to_string());
        }
        Ok(current)
    }
}

/// Load the built-in rules and the rules in `extra_dirs`.
pub fn load(extra_dirs: &[PathBuf]) -> Result<RuleSet, LoadErrors> {
    let mut sources: Vec<Origin> = builtin_files()
        .iter()
        .zip(BUILTIN_RULE_JSON)
        .map(|((path, text), json)| Origin {
            path: format!("rules/{path}"),
            text: (*text).to_string(),
            json: *json,
        })
        .collect();
    let mut errors = Vec::new();
    // A directory named twice (by the configuration and `--rules`, or under two spellings)
    // is read once: its rules would otherwise clash with themselves.
    let mut seen = std::collections::HashSet::new();
    for dir in extra_dirs {
        if !seen.insert(std::fs::canonicalize(dir).unwrap_or_else(|_| dir.clone())) {
            continue;
        }
        match read_dir_rules(dir) {
            Ok(mut found) => sources.append(&mut found),
            Err(error) => errors.push(error),
        }
    }
    let result = load_sources(&sources);
    match result {
        Ok(set) if errors.is_empty() => Ok(set),
        Ok(_) => Err(LoadErrors(errors)),
        Err(LoadErrors(mut more)) => {
            errors.append(&mut more);
            Err(LoadErrors(errors))
        }
    }
}

fn read_dir_rules(dir: &Path) -> Result<Vec<Origin>, SetupError> {
    let error = |message: String| SetupError {
        path: dir.display().to_string(),
        text: String::new(),
        span: Span::default(),
        message,
        help: None,
    };
    if !dir.is_dir() {
        let why = if dir.exists() {
            "is not a directory"
        } else {
            "does not exist"
        };
        return Err(error(format!("rule directory {} {why}", dir.display())));
    }
    let mut found = Vec::new();
    for entry in walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .follow_links(false)
    {
        let entry = entry.map_err(|e| error(e.to_string()))?;
        let path = entry.path();
        if entry.file_type().is_file()
            && path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"))
        {
            let mut text = crate::source::read_setup_file(path)
                .map_err(|e| error(format!("cannot read {}: {e}", path.display())))?;
            // Editors on Windows start files with a byte-order mark.
            if let Some(rest) = text.strip_prefix('\u{feff}') {
                text = rest.to_string();
            }
            found.push(Origin {
                path: path.display().to_string().replace('\\', "/"),
                text,
                json: None,
            });
        }
    }
    if found.is_empty() {
        // Most likely the wrong directory: a run without the rules meant for it would pass.
        return Err(error(format!(
            "rule directory {} holds no rule files (*.yaml, *.yml)",
            dir.display()
        )));
    }
    Ok(found)
}

fn is_lexicon(path: &str) -> bool {
    path == format!("rules/{LEXICON_FILE}")
}

fn is_builtin(path: &str) -> bool {
    builtin_files()
        .iter()
        .any(|(builtin, _)| path.strip_prefix("rules/") == Some(builtin))
}

fn is_taxonomy(path: &str) -> bool {
    path.starts_with(&format!("rules/{TAXONOMY_DIR}"))
}

/// Load rules from in-memory sources (`rules/lexicon.yaml` and `rules/taxonomy/*` among them).
fn load_sources(sources: &[Origin]) -> Result<RuleSet, LoadErrors> {
    let mut errors = Vec::new();
    let mut macros = Macros::default();
    let mut lexicon = Lexicon::default();

    let lexicon_source = sources.iter().find(|s| is_lexicon(&s.path));
    let lexicon_spec: Option<LexiconSpec> = lexicon_source.and_then(|source| {
        parse_yaml::<LexiconSpec>(source)
            .map_err(|e| errors.push(e))
            .ok()
    });
    let mut taxonomy = Taxonomy::default();
    for source in sources.iter().filter(|s| is_taxonomy(&s.path)) {
        let name = &source.path[format!("rules/{TAXONOMY_DIR}").len()..];
        match name {
            "categories.yaml" => {
                let Ok(file) = parse_yaml::<CategoriesFile>(source).map_err(|e| errors.push(e))
                else {
                    continue;
                };
                let (mut sensitive_en, mut sensitive_zh) = (Vec::new(), Vec::new());
                let (mut all_en, mut all_zh) = (Vec::new(), Vec::new());
                for (key, category) in &file.categories {
                    macros.insert(format!("taxonomy:{key}"), &category.en, &category.zh);
                    all_en.extend(category.en.iter().cloned());
                    all_zh.extend(category.zh.iter().cloned());
                    if category.sensitive {
                        sensitive_en.extend(category.en.iter().cloned());
                        sensitive_zh.extend(category.zh.iter().cloned());
                    }
                }
                macros.insert("taxonomy:sensitive".into(), &sensitive_en, &sensitive_zh);
                macros.insert("taxonomy:any".into(), &all_en, &all_zh);
                taxonomy.add_categories(&file);
            }
            "permissions.yaml" => {
                if let Ok(file) = parse_yaml::<PermissionsFile>(source).map_err(|e| errors.push(e))
                {
                    taxonomy.add_permissions(&file);
                }
            }
            "vendors.yaml" => {
                if let Ok(file) = parse_yaml::<VendorsFile>(source).map_err(|e| errors.push(e)) {
                    taxonomy.add_vendors(&file);
                }
            }
            _ => errors.push(error_at(
                source,
                &[],
                format!("unknown taxonomy file {name}"),
                Some("the taxonomy has categories.yaml, permissions.yaml and vendors.yaml".into()),
            )),
        }
    }
    errors.extend(taxonomy_problems(&taxonomy, sources));
    if let (Some(spec), Some(source)) = (&lexicon_spec, lexicon_source) {
        for (name, spec) in &spec.macros {
            macros.insert(name.clone(), &spec.en, &spec.zh);
        }
        // Built in, like the rules' own patterns: compiled on first use (the test suite
        // compiles them all).
        let mut compile = |patterns: &LangPatterns, key: &str| -> [Option<LazyRegex>; 2] {
            Lang::ALL.map(|lang| {
                let parts = patterns.get(lang);
                if parts.is_empty() {
                    return None;
                }
                let joined = parts.join("|");
                match macros.expand(&joined, lang) {
                    Ok(pattern) => Some(LazyRegex::new(pattern)),
                    Err(message) => {
                        errors.push(error_at(source, &[PathSeg::Key(key)], message, None));
                        None
                    }
                }
            })
        };
        lexicon.negation_cues = compile(&spec.negation.cues, "negation");
        lexicon.negation_ignore = compile(&spec.negation.ignore, "negation");
        lexicon.continuation = compile(&spec.links.continuation, "links");
        lexicon.backref = compile(&spec.links.backref, "links");
        lexicon.label = compile(&spec.links.label, "links");
        lexicon.negation_window = [spec.negation.window.en, spec.negation.window.zh];
    } else if lexicon_source.is_none() {
        errors.push(SetupError {
            path: format!("rules/{LEXICON_FILE}"),
            text: String::new(),
            span: Span::default(),
            message: "the rule lexicon is missing".into(),
            help: None,
        });
    }

    let mut set = RuleSet {
        rules: Vec::new(),
        patterns: Default::default(),
        lexicon,
        taxonomy,
    };
    let mut seen: HashSet<String> = HashSet::new();
    for source in sources
        .iter()
        .filter(|s| !is_lexicon(&s.path) && !is_taxonomy(&s.path))
    {
        let spec = match parse_yaml::<RuleSpec>(source) {
            Ok(spec) => spec,
            Err(error) => {
                errors.push(error);
                continue;
            }
        };
        let mut compiler = Compiler {
            source,
            builtin: is_builtin(&source.path),
            macros: &macros,
            set: &mut set,
            errors: &mut errors,
            langs: spec.langs.clone(),
        };
        if let Some(rule) = compiler.rule(spec, &mut seen) {
            set.rules.push(rule);
        }
    }
    if errors.is_empty() {
        Ok(set)
    } else {
        Err(LoadErrors(errors))
    }
}

/// Taxonomy patterns that do not parse and permissions that refer to unknown categories.
fn taxonomy_problems(taxonomy: &Taxonomy, sources: &[Origin]) -> Vec<SetupError> {
    let Some(source) = sources.iter().find(|s| is_taxonomy(&s.path)) else {
        return Vec::new();
    };
    // The built-in taxonomy's patterns are checked by the test suite, not at every start.
    let builtin = (sources.iter())
        .filter(|s| is_taxonomy(&s.path))
        .all(|s| s.json.is_some());
    let mut problems = if builtin {
        Vec::new()
    } else {
        invalid_taxonomy_patterns(taxonomy)
    };
    problems.extend(bad_category_aliases(taxonomy));
    problems.extend(unknown_permission_data(taxonomy));
    problems
        .into_iter()
        .map(|message| SetupError {
            path: source.path.clone(),
            text: String::new(),
            span: Span::default(),
            message,
            help: None,
        })
        .collect()
}

fn invalid_taxonomy_patterns(taxonomy: &Taxonomy) -> Vec<String> {
    (taxonomy.pattern_sources().into_iter())
        .filter_map(|(owner, pattern)| {
            regex_syntax::Parser::new()
                .parse(pattern)
                .err()
                .map(|e| format!("{owner}: invalid pattern {pattern:?}: {e}"))
        })
        .collect()
}

/// The file's content as `T`: from its JSON form when it has one, else (or when that fails,
/// to report the error at its place in the YAML) from the YAML.
fn parse_yaml<T: for<'de> Deserialize<'de>>(source: &Origin) -> Result<T, SetupError> {
    if let Some(Ok(value)) = source.json.map(serde_json::from_str::<T>) {
        return Ok(value);
    }
    // Hostile YAML (deep nesting, alias bombs) and repeated keys are refused first.
    if let Err(e) = yaml::parse(&source.text) {
        return Err(SetupError {
            path: source.path.clone(),
            text: source.text.clone(),
            span: e.span,
            message: e.message,
            help: None,
        });
    }
    serde_yaml::from_str::<T>(&source.text).map_err(|e| {
        let at = e.location().map_or(0, |l| l.index());
        SetupError {
            path: source.path.clone(),
            text: source.text.clone(),
            span: Span::new(at, at),
            message: e.to_string(),
            help: None,
        }
    })
}

fn error_at(
    source: &Origin,
    path: &[PathSeg<'_>],
    message: String,
    help: Option<String>,
) -> SetupError {
    let span = yaml::parse(&source.text)
        .map(|root| root.locate(path).span())
        .unwrap_or_default();
    SetupError {
        path: source.path.clone(),
        text: source.text.clone(),
        span,
        message,
        help,
    }
}

struct Compiler<'a> {
    source: &'a Origin,
    /// Whether the source is a built-in file, whose patterns compile on first use.
    builtin: bool,
    macros: &'a Macros,
    set: &'a mut RuleSet,
    errors: &'a mut Vec<SetupError>,
    langs: Vec<Lang>,
}

impl Compiler<'_> {
    fn fail(&mut self, path: &[PathSeg<'_>], message: impl Into<String>, help: Option<&str>) {
        self.errors.push(error_at(
            self.source,
            path,
            message.into(),
            help.map(str::to_string),
        ));
    }

    fn rule(&mut self, spec: RuleSpec, seen: &mut HashSet<String>) -> Option<Rule> {
        let errors_before = self.errors.len();
        self.lint_metadata(&spec, seen);
        let check = self.check(&spec.check);
        self.lint_examples(&spec);
        if self.errors.len() > errors_before {
            return None;
        }
        Some(Rule {
            id: spec.id,
            title: spec.title,
            severity: spec.severity,
            langs: spec.langs,
            tags: spec.tags,
            aliases: spec.aliases,
            profiles: spec.profiles,
            references: spec.references.into(),
            message: spec.message,
            help_text: Lang::ALL.map(|lang| spec.help.get(lang).trim().into()),
            help: spec.help,
            description: spec.description,
            url: spec.url,
            documents: spec.documents.unwrap_or(match spec.check.kind {
                CheckKind::Require => Documents::Policies,
                _ => Documents::Any,
            }),
            check: check?,
            examples: spec.examples,
            origin: self.source.clone(),
        })
    }

    fn lint_metadata(&mut self, spec: &RuleSpec, seen: &mut HashSet<String>) {
        static KEBAB: OnceLock<Regex> = OnceLock::new();
        let kebab = KEBAB.get_or_init(|| Regex::new(r"^[a-z0-9]+(?:-[a-z0-9]+)*$").expect("kebab"));
        let stem = Path::new(&self.source.path)
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        if !kebab.is_match(&spec.id) {
            self.fail(&[PathSeg::Key("id")], "rule ids are kebab-case", None);
        }
        if spec.id != stem {
            self.fail(
                &[PathSeg::Key("id")],
                format!("rule id `{}` differs from its file name `{stem}`", spec.id),
                Some("name the file after the rule id"),
            );
        }
        // Ids and aliases share one namespace: `--select` and suppressions name either.
        if !seen.insert(spec.id.clone()) {
            self.fail(
                &[PathSeg::Key("id")],
                format!(
                    "duplicate rule id `{}` (already a rule's id or alias)",
                    spec.id
                ),
                None,
            );
        }
        for alias in &spec.aliases {
            if !seen.insert(alias.clone()) {
                self.fail(
                    &[PathSeg::Key("aliases")],
                    format!("alias `{alias}` is already a rule's id or alias"),
                    None,
                );
            }
        }
        if spec.langs.is_empty() {
            self.fail(
                &[PathSeg::Key("langs")],
                "a rule declares at least one language",
                None,
            );
        }
        for (key, text) in [
            ("title", &spec.title),
            ("message", &spec.message),
            ("help", &spec.help),
        ] {
            if text.en.trim().is_empty() {
                self.fail(&[PathSeg::Key(key)], format!("`{key}.en` is empty"), None);
            }
            if spec.langs.contains(&Lang::Zh)
                && text.zh.as_deref().is_none_or(|z| z.trim().is_empty())
            {
                self.fail(
                    &[PathSeg::Key(key)],
                    format!("`{key}.zh` is required because the rule declares zh"),
                    None,
                );
            }
        }
        for heading in ["## What it checks", "## Why it matters"] {
            if !spec.description.contains(heading) {
                self.fail(
                    &[PathSeg::Key("description")],
                    format!("the description needs a `{heading}` heading"),
                    None,
                );
            }
        }
        if spec.references.is_empty() && spec.check.kind != CheckKind::Builtin {
            self.fail(
                &[PathSeg::Key("references")],
                "a rule cites the law or standard that asks for it",
                None,
            );
        }
    }

    fn lint_examples(&mut self, spec: &RuleSpec) {
        if spec.check.kind == CheckKind::Builtin {
            match builtin(&spec.id) {
                None => {
                    self.fail(
                        &[PathSeg::Key("check"), PathSeg::Key("kind")],
                        format!("privlint has no built-in check named `{}`", spec.id),
                        Some("`kind: builtin` is for checks implemented in privlint itself"),
                    );
                    return;
                }
                // Reported about the input itself: nothing to give an example of.
                Some(Builtin::Meta) => return,
                Some(_) => {}
            }
        }
        for lang in &spec.langs {
            for (key, list) in [
                ("valid", &spec.examples.valid),
                ("invalid", &spec.examples.invalid),
            ] {
                if !list.iter().any(|e| e.lang == *lang) {
                    self.fail(
                        &[PathSeg::Key("examples"), PathSeg::Key(key)],
                        format!("no {key} example in {}", lang.code()),
                        Some("every declared language needs valid and invalid examples"),
                    );
                }
            }
        }
        let reads_manifests = builtin(&spec.id) == Some(Builtin::Manifest);
        let may_read_manifests = crate::manifest::reports(&spec.id);
        for (key, list) in [
            ("valid", &spec.examples.valid),
            ("invalid", &spec.examples.invalid),
        ] {
            for (i, example) in list.iter().enumerate() {
                let at = [
                    PathSeg::Key("examples"),
                    PathSeg::Key(key),
                    PathSeg::Index(i),
                ];
                match &example.manifest {
                    Some(_) if !may_read_manifests => self.fail(
                        &at,
                        "only rules that manifests report have `manifest:` examples",
                        None,
                    ),
                    // Built-in examples are checked by the test suite, not at every start.
                    Some(text) if !self.builtin => {
                        if let Err(error) = crate::manifest::Manifest::parse(text) {
                            self.fail(
                                &at,
                                format!("the example manifest does not load: {}", error.message),
                                None,
                            );
                        }
                    }
                    None if reads_manifests => {
                        self.fail(&at, "a manifest rule's examples have a `manifest:`", None)
                    }
                    None if example.text.trim().is_empty() => {
                        self.fail(&at, "the example has no `text:`", None)
                    }
                    Some(_) | None => {}
                }
            }
        }
        for (i, example) in spec.examples.invalid.iter().enumerate() {
            if example.expect.is_empty() {
                self.fail(
                    &[
                        PathSeg::Key("examples"),
                        PathSeg::Key("invalid"),
                        PathSeg::Index(i),
                    ],
                    "invalid examples name the text they expect underlined (`expect:`)",
                    None,
                );
            }
        }
    }

    fn check(&mut self, spec: &CheckSpec) -> Option<Check> {
        let kind = spec.kind;
        let needs = |field: &str| -> bool {
            matches!(
                (kind, field),
                (
                    CheckKind::Require | CheckKind::Forbid | CheckKind::Deadline,
                    "patterns"
                ) | (CheckKind::Conditional, "if" | "then")
                    | (CheckKind::Deadline, "limit")
            )
        };
        let allowed = |field: &str| -> bool {
            needs(field)
                || matches!(
                    (kind, field),
                    (CheckKind::Require, "anchor")
                        | (
                            CheckKind::Require
                                | CheckKind::Forbid
                                | CheckKind::Deadline
                                | CheckKind::Conditional,
                            "except"
                        )
                        | (CheckKind::Conditional, "void" | "linked")
                        | (
                            CheckKind::Require
                                | CheckKind::Forbid
                                | CheckKind::Deadline
                                | CheckKind::Conditional,
                            "also" | "unless"
                        )
                )
        };
        let present = [
            ("patterns", spec.patterns.is_some()),
            ("if", spec.antecedent.is_some()),
            ("then", spec.then.is_some()),
            ("limit", spec.limit.is_some()),
            ("anchor", spec.anchor.is_some()),
            ("void", spec.void.is_some()),
            ("linked", spec.linked),
            ("also", !spec.also.is_empty()),
            ("unless", !spec.unless.is_empty()),
            ("except", spec.except.is_some()),
        ];
        let kind_name = format!("{kind:?}").to_lowercase();
        for (field, is_present) in present {
            if needs(field) && !is_present {
                self.fail(
                    &[PathSeg::Key("check")],
                    format!("`check.{field}` is required for kind `{kind_name}`"),
                    None,
                );
            }
            if is_present && !allowed(field) {
                self.fail(
                    &[PathSeg::Key("check"), PathSeg::Key(field)],
                    format!("`check.{field}` does not apply to kind `{kind_name}`"),
                    None,
                );
            }
        }
        let patterns_key = if kind == CheckKind::Conditional {
            "if"
        } else {
            "patterns"
        };
        let main = spec
            .patterns
            .as_ref()
            .or(spec.antecedent.as_ref())
            .map(|p| self.group(p, &[patterns_key], true))
            .unwrap_or_default()
            .placed(spec.within);
        let also = spec
            .also
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let path = vec![
                    PathSeg::Key("check"),
                    PathSeg::Key("also"),
                    PathSeg::Index(i),
                ];
                let group = self
                    .group_at(&a.patterns(), path.clone(), false)
                    .placed(a.within);
                if group.is_empty() {
                    self.fail(&path, "an `also` group needs patterns", None);
                }
                if a.applies_to.is_some() {
                    self.fail(
                        &path,
                        "`applies_to` narrows an `unless` entry; an `also` group applies to every match",
                        None,
                    );
                }
                (a.scope.unwrap_or(spec.scope), group)
            })
            .collect();
        let unless = spec
            .unless
            .iter()
            .enumerate()
            .map(|(i, u)| {
                let path = vec![
                    PathSeg::Key("check"),
                    PathSeg::Key("unless"),
                    PathSeg::Index(i),
                ];
                let applies_to = u.applies_to.as_ref().map(|p| {
                    let mut at = path.clone();
                    at.push(PathSeg::Key("applies_to"));
                    self.group_at(p, at, false)
                });
                Veto {
                    scope: u.scope.unwrap_or(spec.scope),
                    group: self.group_at(&u.patterns(), path, false).placed(u.within),
                    applies_to,
                }
            })
            .collect();
        let except = spec
            .except
            .as_ref()
            .map(|p| self.group(p, &["except"], false));
        let anchor = spec
            .anchor
            .as_ref()
            .map(|p| self.group(p, &["anchor"], false));
        let then = spec.then.as_ref().map(|p| self.group(p, &["then"], true));
        let void = spec.void.as_ref().map(|p| self.group(p, &["void"], false));
        if let Some(limits) = &spec.limit {
            for lang in self.langs.clone() {
                match limits.get(lang) {
                    None => self.fail(
                        &[PathSeg::Key("check"), PathSeg::Key("limit")],
                        format!(
                            "no {} limit, but the rule declares {}",
                            lang.code(),
                            lang.code()
                        ),
                        None,
                    ),
                    Some(limit) if limit.working_days.is_some() == limit.days.is_some() => self
                        .fail(
                            &[
                                PathSeg::Key("check"),
                                PathSeg::Key("limit"),
                                PathSeg::Key(lang.code()),
                            ],
                            "give exactly one of `working_days` and `days`",
                            None,
                        ),
                    Some(_) => {}
                }
            }
        }
        if kind == CheckKind::Deadline
            && let Some(patterns) = &spec.patterns
        {
            for lang in &self.langs.clone() {
                for (i, p) in patterns.get(*lang).iter().enumerate() {
                    if !(p.contains("(?P<n>") && p.contains("(?P<unit>")) {
                        self.fail(
                            &[
                                PathSeg::Key("check"),
                                PathSeg::Key("patterns"),
                                PathSeg::Key(lang.code()),
                                PathSeg::Index(i),
                            ],
                            "deadline patterns capture `(?P<n>...)` and `(?P<unit>...)`",
                            None,
                        );
                    }
                }
            }
        }
        Some(Check {
            kind,
            scope: spec.scope,
            patterns: main,
            also,
            unless,
            except,
            negation: spec.negation,
            anchor,
            then,
            void,
            linked: spec.linked,
            in_headings: spec.in_headings,
            limit: spec.limit,
        })
    }

    fn group(&mut self, patterns: &LangPatterns, key: &[&str], required: bool) -> Group {
        let path = std::iter::once(PathSeg::Key("check"))
            .chain(key.iter().map(|k| PathSeg::Key(k)))
            .collect();
        self.group_at(patterns, path, required)
    }

    fn group_at(
        &mut self,
        patterns: &LangPatterns,
        path: Vec<PathSeg<'_>>,
        required: bool,
    ) -> Group {
        let mut group = Group::default();
        for lang in self.langs.clone() {
            let list = patterns.get(lang);
            let mut lang_path = path.clone();
            lang_path.push(PathSeg::Key(lang.code()));
            if required && list.is_empty() {
                self.fail(
                    &lang_path,
                    format!(
                        "no {} patterns, but the rule declares {}",
                        lang.code(),
                        lang.code()
                    ),
                    None,
                );
            }
            for (i, pattern) in list.iter().enumerate() {
                let mut at = lang_path.clone();
                at.push(PathSeg::Index(i));
                if let Some(id) = self.pattern(pattern, lang, &at) {
                    group.0[lang.index()].push(id);
                }
            }
        }
        group
    }

    fn pattern(&mut self, pattern: &str, lang: Lang, path: &[PathSeg<'_>]) -> Option<usize> {
        if lang == Lang::Zh && pattern.contains(r"\b") {
            self.fail(
                path,
                r"`\b` in a Chinese pattern: there is no word boundary between Han characters",
                Some("drop the \\b; bound the match with the surrounding characters instead"),
            );
            return None;
        }
        if let Some(c) = pattern
            .chars()
            .find(|&c| crate::document::is_normalised_away(c))
        {
            self.fail(
                path,
                format!(
                    "pattern contains `{}`, which the text normaliser replaces, so it never matches",
                    c.escape_debug()
                ),
                Some("write full-width letters, digits and punctuation half-width, curly or corner quotes as \", whitespace as a space or \\s, and 你 as 您"),
            );
            return None;
        }
        let expanded = match self.macros.expand(pattern, lang) {
            Ok(expanded) => expanded,
            Err(message) => {
                self.fail(path, message, None);
                return None;
            }
        };
        if !self.builtin && super::patterns::can_match_empty(&expanded) {
            self.fail(
                path,
                "pattern can match empty text, so it would match anywhere or say nothing",
                Some("make every branch match at least one character"),
            );
            return None;
        }
        // Built-in patterns are compiled on first use (the test suite compiles them all).
        let when = if self.builtin {
            Compile::OnFirstUse
        } else {
            Compile::Now
        };
        match self.set.patterns.add(lang, &expanded, when) {
            Ok(id) => Some(id),
            Err(message) => {
                self.fail(path, format!("invalid regular expression: {message}"), None);
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin(path: &str, text: &str) -> Origin {
        Origin {
            path: path.to_string(),
            text: text.to_string(),
            json: None,
        }
    }

    /// `text` read as `T` from YAML and from JSON, printed for comparison.
    fn both_ways<T: for<'de> Deserialize<'de> + std::fmt::Debug>(
        yaml: &str,
        json: &str,
    ) -> (String, String) {
        let from_yaml: T = serde_yaml::from_str(yaml).expect("built-in YAML parses");
        let from_json: T = serde_json::from_str(json).expect("transcoded JSON parses");
        (format!("{from_yaml:#?}"), format!("{from_json:#?}"))
    }

    #[test]
    fn builtin_lexicon_patterns_compile() {
        let set = load(&[]).expect("built-in rules load");
        let lexicon = &set.lexicon;
        let all = [
            &lexicon.negation_cues,
            &lexicon.negation_ignore,
            &lexicon.continuation,
            &lexicon.backref,
            &lexicon.label,
        ];
        let lazy = all.iter().flat_map(|regexes| regexes.iter().flatten());
        let compiled = lazy.map(|lazy| Regex::new(&lazy.source).expect("compiles"));
        assert_eq!(compiled.count(), 10);
    }

    #[test]
    fn builtin_files_read_the_same_from_their_json() {
        assert_eq!(builtin_files().len(), BUILTIN_RULE_JSON.len());
        for ((path, yaml), json) in builtin_files().iter().zip(BUILTIN_RULE_JSON) {
            let json = json.unwrap_or_else(|| panic!("{path} has no JSON form"));
            let (from_yaml, from_json) = match *path {
                LEXICON_FILE => both_ways::<LexiconSpec>(yaml, json),
                "taxonomy/categories.yaml" => both_ways::<CategoriesFile>(yaml, json),
                "taxonomy/permissions.yaml" => both_ways::<PermissionsFile>(yaml, json),
                "taxonomy/vendors.yaml" => both_ways::<VendorsFile>(yaml, json),
                _ => both_ways::<RuleSpec>(yaml, json),
            };
            assert_eq!(from_yaml, from_json, "{path}");
        }
    }

    #[test]
    fn builtin_taxonomy_patterns_parse() {
        let set = load(&[]).expect("built-in rules load");
        assert!(set.taxonomy.pattern_sources().len() > 100);
        assert_eq!(
            invalid_taxonomy_patterns(&set.taxonomy),
            Vec::<String>::new()
        );
    }

    #[test]
    fn a_bad_json_form_falls_back_to_the_yaml() {
        let source = Origin {
            path: "rules/x.yaml".into(),
            text: "negation: {}".into(),
            json: Some("{\"broken\": "),
        };
        let error = parse_yaml::<LexiconSpec>(&source).expect_err("the YAML is incomplete");
        assert!(error.message.contains("missing field"), "{}", error.message);
    }

    #[test]
    fn builtin_rules_pass_the_checks_of_user_rules() {
        // Built-in rule files skip checks at load that the test suite makes instead (their
        // patterns compile on first use, their example manifests are not read): read as a
        // user's, they must pass them.
        let sources: Vec<Origin> = (builtin_files().iter().zip(BUILTIN_RULE_JSON))
            .map(|((path, text), json)| {
                let shared = *path == LEXICON_FILE || path.starts_with(TAXONOMY_DIR);
                let root = if shared { "rules" } else { "user" };
                Origin {
                    path: format!("{root}/{path}"),
                    text: (*text).to_string(),
                    json: *json,
                }
            })
            .collect();
        let set = load_sources(&sources).expect("built-in rules load as a user's");
        assert_eq!(
            set.rules.len(),
            load(&[]).expect("built-in rules load").rules.len()
        );
    }

    fn with_lexicon(rule: Origin) -> Vec<Origin> {
        let lexicon = builtin_files()
            .iter()
            .find(|(p, _)| *p == LEXICON_FILE)
            .expect("lexicon is built in");
        vec![origin("rules/lexicon.yaml", lexicon.1), rule]
    }

    const RULE: &str = r###"id: demo-rule
title: {en: Demo, zh: 演示}
severity: warning
langs: [zh]
references: ["PIPL Art. 15"]
message: {en: m, zh: 消息}
help: {en: h, zh: 帮助}
description: "## What it checks\nx\n## Why it matters\ny"
check:
  kind: forbid
  patterns:
    zh: ['PATTERN']
examples:
  valid: [{lang: zh, text: "好"}]
  invalid: [{lang: zh, text: "坏", expect: ["坏"]}]
"###;

    fn load_rule(path: &str, pattern: &str) -> Result<RuleSet, LoadErrors> {
        load_sources(&with_lexicon(origin(
            path,
            &RULE.replace("PATTERN", pattern),
        )))
    }

    #[test]
    fn loads_a_valid_rule() {
        let set = load_rule("rules/x/demo-rule.yaml", "坏").unwrap();
        assert_eq!(set.rules.len(), 1);
    }

    #[test]
    fn bad_regex_points_at_the_pattern() {
        let errors = load_rule("rules/x/demo-rule.yaml", "坏(").unwrap_err().0;
        assert_eq!(errors.len(), 1);
        let error = &errors[0];
        assert!(error.message.contains("invalid regular expression"));
        assert_eq!(&error.text[error.span.start..error.span.end], "'坏('");
    }

    #[test]
    fn word_boundaries_and_full_width_punctuation_are_refused_in_zh() {
        let errors = load_rule("rules/x/demo-rule.yaml", r"\b坏").unwrap_err().0;
        assert!(errors[0].message.contains(r"`\b`"));
        let errors = load_rule("rules/x/demo-rule.yaml", "坏：").unwrap_err().0;
        assert!(errors[0].message.contains("normaliser"));
    }

    #[test]
    fn an_alias_may_not_be_another_rules_id() {
        let mut sources = with_lexicon(origin(
            "rules/a/demo-rule.yaml",
            &RULE.replace("PATTERN", "坏").replace(
                "severity: warning",
                "aliases: [other-rule]\nseverity: warning",
            ),
        ));
        sources.push(origin(
            "rules/b/other-rule.yaml",
            &RULE
                .replace("PATTERN", "坏")
                .replace("demo-rule", "other-rule"),
        ));
        let errors = load_sources(&sources).unwrap_err().0;
        assert!(
            (errors.iter()).any(|e| e.message.contains("is already a rule's id or alias")
                || e.message.contains("duplicate rule id `other-rule`")),
            "{:?}",
            errors.iter().map(|e| &e.message).collect::<Vec<_>>()
        );
    }

    #[test]
    fn id_must_match_file_name_and_be_unique() {
        let errors = load_rule("rules/x/other.yaml", "坏").unwrap_err().0;
        assert!(errors[0].message.contains("differs from its file name"));
        let mut sources = with_lexicon(origin(
            "rules/a/demo-rule.yaml",
            &RULE.replace("PATTERN", "坏"),
        ));
        sources.push(origin(
            "rules/b/demo-rule.yaml",
            &RULE.replace("PATTERN", "坏"),
        ));
        let errors = load_sources(&sources).unwrap_err().0;
        assert!(
            errors
                .iter()
                .any(|e| e.message.contains("duplicate rule id"))
        );
    }

    #[test]
    fn unknown_keys_and_missing_examples_are_errors() {
        let text = RULE
            .replace("PATTERN", "坏")
            .replace("severity: warning", "severity: warning\ncolour: red");
        let errors = load_sources(&with_lexicon(origin("rules/x/demo-rule.yaml", &text)))
            .unwrap_err()
            .0;
        assert!(errors[0].message.contains("unknown field"));
        let text = RULE
            .replace("PATTERN", "坏")
            .replace("  valid: [{lang: zh, text: \"好\"}]\n", "");
        let errors = load_sources(&with_lexicon(origin("rules/x/demo-rule.yaml", &text)))
            .unwrap_err()
            .0;
        assert!(errors[0].message.contains("no valid example in zh"));
        let text = RULE.replace("PATTERN", "坏").replace(
            "  kind: forbid\n",
            "  kind: forbid\n  also:\n    - zh: ['坏']\n      applies_to: {zh: ['坏']}\n",
        );
        let errors = load_sources(&with_lexicon(origin("rules/x/demo-rule.yaml", &text)))
            .unwrap_err()
            .0;
        assert!(
            errors[0]
                .message
                .contains("`applies_to` narrows an `unless` entry")
        );
    }

    #[test]
    fn within_restricts_matches_to_the_title_or_headings() {
        use crate::document::{Format, parse};
        use crate::source::SourceFile;
        let text =
            "# 用户协议\n\n## 隐私条款\n\n正文提到用户协议和隐私条款。\n\n## 其他\n\n用户协议。\n";
        let file = SourceFile::from_text("t.md", text);
        let doc = parse(&file, Format::Markdown, Some(Lang::Zh));
        let found = |check: &str| -> Vec<String> {
            let rule = RULE.replace(
                "check:\n  kind: forbid\n  patterns:\n    zh: ['PATTERN']\n",
                check,
            );
            let set = load_sources(&with_lexicon(origin("rules/x/demo-rule.yaml", &rule)))
                .unwrap_or_else(|e| panic!("{:?}", e.0[0].message));
            let matches = set.patterns.scan(&doc);
            super::super::eval::evaluate(&set.rules[0], &set, &doc, &matches)
                .hits
                .iter()
                .map(|h| doc.blocks[h.block.unwrap()].text[h.range.clone()].to_string())
                .collect()
        };
        let anywhere = "check:\n  kind: forbid\n  patterns:\n    zh: ['用户协议|隐私条款']\n";
        // one finding per sentence: the title, a heading, two body sentences
        assert_eq!(found(anywhere).len(), 4);
        // The title and the heading right under it form the title block.
        let title = "check:\n  kind: forbid\n  scope: document\n  within: title\n  patterns:\n    zh: ['用户协议|隐私条款']\n";
        assert_eq!(found(title), vec!["用户协议"]);
        let headings = "check:\n  kind: forbid\n  within: headings\n  patterns:\n    zh: ['用户协议|隐私条款|其他']\n";
        assert_eq!(found(headings), vec!["用户协议", "隐私条款", "其他"]);
        // An `also` group restricted to headings: the body mention does not count.
        let also = "check:\n  kind: forbid\n  within: title\n  patterns:\n    zh: ['用户协议']\n  also:\n    - scope: document\n      within: headings\n      zh: ['提到']\n";
        assert!(found(also).is_empty());
        // An `unless` entry with `applies_to` spares the matches outside it.
        let narrowed = "check:\n  kind: forbid\n  patterns:\n    zh: ['用户协议|隐私条款']\n  unless:\n    - scope: document\n      applies_to: {zh: ['隐私条款']}\n      zh: ['正文']\n";
        assert_eq!(found(narrowed), vec!["用户协议", "用户协议", "用户协议"]);
    }

    #[test]
    fn builtin_rules_load() {
        let set = load(&[]).unwrap_or_else(|e| {
            panic!(
                "{:#?}",
                e.0.iter()
                    .map(|e| (&e.path, &e.message))
                    .collect::<Vec<_>>()
            )
        });
        assert!(!set.rules.is_empty());
    }
}
