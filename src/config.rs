//! `privlint.yaml` / `.privlint.yaml`: found by walking up from the first path, parsed with
//! errors that point into the file, and merged with the command line (command line > file >
//! defaults) into the settings of a run.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;
use std::path::{Component, Path, PathBuf};

use globset::{GlobBuilder, GlobMatcher};
use regex_automata::meta;
use regex_automata::nfa::thompson::WhichCaptures;
use serde::Deserialize;

use crate::diagnostic::{FailOn, SetupError, Severity};
use crate::document::Lang;
use crate::engine::PARSE_ERROR;
use crate::rules::RuleSet;
use crate::source::Span;
use crate::yaml::{self, PathSeg};

pub const CONFIG_NAMES: [&str; 2] = ["privlint.yaml", ".privlint.yaml"];

/// The JSON Schema of the configuration file (`privlint schema config`).
pub const JSON_SCHEMA: &str = include_str!("../schemas/privlint-config.schema.json");

/// Policy documents checked when walking a directory.
pub const DEFAULT_INCLUDE: &[&str] = &[
    "**/*.md",
    "**/*.markdown",
    "**/*.html",
    "**/*.htm",
    "**/*.txt",
];

/// Files larger than this are listed as skipped rather than read (no real policy comes close).
pub const DEFAULT_MAX_FILE_SIZE: u64 = 64 << 20;
/// The largest `max_file_size_mib`: a file under 2 GiB, whose text stays under 4 GiB once
/// decoded (UTF-16 and GB18030 grow by up to half in UTF-8).
const MAX_FILE_SIZE_MIB: u64 = 2047;

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LangSetting {
    Auto,
    Zh,
    En,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum FailOnSetting {
    Error,
    Warning,
    Info,
    Never,
}

impl From<FailOnSetting> for FailOn {
    fn from(value: FailOnSetting) -> Self {
        match value {
            FailOnSetting::Error => FailOn::Error,
            FailOnSetting::Warning => FailOn::Warning,
            FailOnSetting::Info => FailOn::Info,
            FailOnSetting::Never => FailOn::Never,
        }
    }
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SeveritySetting {
    Error,
    Warning,
    Info,
    Off,
}

/// The configuration file as written (see README "Configuration").
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    #[serde(default)]
    pub lang: Option<LangSetting>,
    #[serde(default)]
    pub fail_on: Option<FailOnSetting>,
    /// Files larger than this many MiB are reported as skipped (default 64).
    #[serde(default)]
    pub max_file_size_mib: Option<u64>,
    /// Rule ids or tags to run (default: all).
    #[serde(default)]
    pub select: Option<Vec<String>>,
    /// Rule ids or tags not to run.
    #[serde(default)]
    pub ignore: Vec<String>,
    /// Per-rule severity, or `off`.
    #[serde(default)]
    pub severity: BTreeMap<String, SeveritySetting>,
    /// Extra rule directories, relative to this file.
    #[serde(default)]
    pub rules: Vec<PathBuf>,
    #[serde(default)]
    pub files: FilesConfig,
    /// Glob (relative to this file) -> rule ids or tags not run on matching files.
    #[serde(default)]
    pub per_file_ignores: BTreeMap<String, Vec<String>>,
    /// A baseline file of accepted findings, relative to this file.
    #[serde(default)]
    pub baseline: Option<PathBuf>,
    /// Rule profiles to apply (default: by document language).
    #[serde(default)]
    pub profiles: Option<Vec<String>>,
    /// Globs of data-collection manifests (default: privacy-manifest.yaml, *.privacy.yaml).
    #[serde(default)]
    pub manifests: Option<Vec<String>>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilesConfig {
    #[serde(default)]
    pub include: Option<Vec<String>>,
    #[serde(default)]
    pub exclude: Vec<String>,
}

/// A configuration file read from disk.
#[derive(Clone, Debug)]
pub struct LoadedConfig {
    pub path: PathBuf,
    pub text: String,
    pub file: ConfigFile,
}

impl LoadedConfig {
    /// The directory globs and relative paths are resolved against.
    pub fn dir(&self) -> PathBuf {
        self.path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."))
    }

    fn error(&self, path: &[PathSeg<'_>], message: String) -> SetupError {
        let mut span = yaml::parse(&self.text)
            .map(|root| root.locate(path).span())
            .unwrap_or_default();
        // A long node (a list of thousands of globs) is shown by its first line.
        let node = self.text.get(span.start..span.end).unwrap_or_default();
        if node.matches('\n').count() > SHOWN_NODE_LINES {
            span.end = span.start + node.find('\n').unwrap_or(node.len());
        }
        SetupError {
            path: self.path.display().to_string(),
            text: self.text.clone(),
            span,
            message,
            help: None,
        }
    }
}

/// A configuration node longer than this many lines is shown by its first line in errors.
const SHOWN_NODE_LINES: usize = 10;

/// `path` made absolute, with `.` and `..` resolved lexically (`docs/../x.md` is `x.md`), so
/// that a path given with `..` matches globs and walks up like the plain one.
pub fn absolute(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = PathBuf::new();
    for component in absolute.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// The nearest configuration file in `start` or a parent directory.
pub fn discover(start: &Path) -> Option<PathBuf> {
    let start = absolute(start);
    let mut dir = if start.is_dir() {
        start
    } else {
        start.parent()?.to_path_buf()
    };
    loop {
        for name in CONFIG_NAMES {
            // Anything by that name, also a dangling link or a directory: loading it then
            // says what is wrong, where skipping it would run with other settings unseen.
            let candidate = dir.join(name);
            if candidate.symlink_metadata().is_ok() {
                return Some(candidate);
            }
        }
        dir = dir.parent()?.to_path_buf();
    }
}

pub fn load(path: &Path) -> Result<LoadedConfig, Vec<SetupError>> {
    let display = path.display().to_string();
    let text = crate::source::read_setup_file(path).map_err(|e| {
        vec![SetupError {
            path: display.clone(),
            text: String::new(),
            span: Span::default(),
            message: format!("cannot read the configuration: {e}"),
            help: None,
        }]
    })?;
    // Refuse hostile YAML (deep nesting, alias bombs) before serde sees it.
    if let Err(e) = yaml::parse(&text) {
        return Err(vec![SetupError {
            path: display,
            text,
            span: e.span,
            message: e.message,
            help: None,
        }]);
    }
    let file: ConfigFile = if text.trim().is_empty() {
        ConfigFile::default()
    } else {
        serde_yaml::from_str(&text).map_err(|e| {
            let at = e.location().map_or(0, |l| l.index());
            vec![SetupError {
                path: display.clone(),
                text: text.clone(),
                span: Span::new(at, at),
                message: e.to_string(),
                help: Some("see the README section \"Configuration\" for the keys".into()),
            }]
        })?
    };
    Ok(LoadedConfig {
        path: path.to_path_buf(),
        text,
        file,
    })
}

/// What the command line says; `None` means "not given, use the file or the default".
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    pub lang: Option<LangSetting>,
    pub fail_on: Option<FailOnSetting>,
    pub max_file_size_mib: Option<u64>,
    pub select: Option<Vec<String>>,
    pub ignore: Option<Vec<String>>,
    pub no_inline_suppressions: bool,
    pub baseline: Option<PathBuf>,
    pub profiles: Option<Vec<String>>,
    /// A manifest to check with the policies named on the command line.
    pub manifest: Option<PathBuf>,
}

/// Which files of a walked directory are checked, and which of them are manifests.
#[derive(Clone, Debug)]
pub struct FileFilter {
    pub root: PathBuf,
    include: Globs,
    exclude: Globs,
    manifests: Globs,
    pub include_patterns: Vec<String>,
    pub exclude_patterns: Vec<String>,
    pub manifest_patterns: Vec<String>,
}

impl FileFilter {
    pub fn new(root: PathBuf, include: &[String], exclude: &[String]) -> Result<Self, String> {
        let manifests: Vec<String> = crate::manifest::DEFAULT_GLOBS
            .iter()
            .map(|s| (*s).to_string())
            .collect();
        FileFilter::with_manifests(root, include, exclude, &manifests)
    }

    pub fn with_manifests(
        root: PathBuf,
        include: &[String],
        exclude: &[String],
        manifests: &[String],
    ) -> Result<Self, String> {
        Ok(FileFilter {
            root,
            include: glob_set(include)?,
            exclude: glob_set(exclude)?,
            manifests: glob_set(manifests)?,
            include_patterns: include.to_vec(),
            exclude_patterns: exclude.to_vec(),
            manifest_patterns: manifests.to_vec(),
        })
    }

    /// Whether a file is a manifest: it matches the manifest globs, or (named on the
    /// command line) it is a YAML file.
    pub fn is_manifest(&self, path: &Path, named: bool) -> bool {
        let yaml = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"));
        self.manifests.is_match(self.relative(path)) || (named && yaml)
    }

    /// The path relative to the root, for matching and for fingerprints.
    pub fn relative(&self, path: &Path) -> PathBuf {
        let absolute = absolute(path);
        absolute
            .strip_prefix(&self.root)
            .map(Path::to_path_buf)
            .unwrap_or(absolute)
    }

    pub fn wants(&self, path: &Path) -> bool {
        let relative = self.relative(path);
        (self.include.is_match(&relative) || self.manifests.is_match(&relative))
            && !self.exclude.is_match(&relative)
    }

    pub fn excluded(&self, path: &Path) -> bool {
        self.exclude.is_match(self.relative(path))
    }
}

impl Default for FileFilter {
    fn default() -> Self {
        let include: Vec<String> = DEFAULT_INCLUDE.iter().map(|s| (*s).to_string()).collect();
        FileFilter::new(absolute(Path::new(".")), &include, &[]).expect("default globs compile")
    }
}

fn glob(pattern: &str) -> Result<GlobMatcher, String> {
    GlobBuilder::new(pattern)
        .case_insensitive(true)
        .literal_separator(false)
        .build()
        .map(|g| g.compile_matcher())
        .map_err(|e| e.to_string())
}

/// A list of globs matched as one automaton. Not a `GlobSet`: its regex keeps a capture slot
/// per glob, and with thousands of globs its fallback engine's table (states times slots)
/// took gigabytes; only "does any match" is asked, so no slot is kept.
#[derive(Clone, Debug)]
struct Globs(meta::Regex);

impl Globs {
    fn is_match(&self, path: impl AsRef<Path>) -> bool {
        let bytes = path.as_ref().as_os_str().as_encoded_bytes();
        if cfg!(windows) {
            let slashed: Vec<u8> = (bytes.iter())
                .map(|&b| if b == b'\\' { b'/' } else { b })
                .collect();
            return self.0.is_match(&slashed[..]);
        }
        self.0.is_match(bytes)
    }
}

fn glob_set(patterns: &[String]) -> Result<Globs, String> {
    let mut regexes = Vec::with_capacity(patterns.len());
    for pattern in patterns {
        let glob = GlobBuilder::new(pattern)
            .case_insensitive(true)
            .literal_separator(false)
            .build()
            .map_err(|e| format!("bad glob `{pattern}`: {e}"))?;
        regexes.push(glob.regex().to_string());
    }
    // Every glob compiled alone: what fails now is the list as a whole (an automaton over
    // thousands of them outgrows its size limit).
    // Configured as globset configures its own regexes: over bytes, `.` matching newlines.
    let syntax = regex_automata::util::syntax::Config::new()
        .utf8(false)
        .dot_matches_new_line(true);
    let config = meta::Config::new()
        .which_captures(WhichCaptures::None)
        .utf8_empty(false)
        .nfa_size_limit(Some(10 << 20))
        .hybrid_cache_capacity(10 << 20);
    meta::Regex::builder()
        .syntax(syntax)
        .configure(config)
        .build_many(&regexes)
        .map(Globs)
        .map_err(|e| {
            format!(
                "the {} file patterns together are too many or too complex to match ({e}); merge them, e.g. `dir/**`",
                patterns.len()
            )
        })
}

/// Everything a run needs to know besides the rules themselves.
#[derive(Clone, Debug)]
pub struct Settings {
    pub lang: Option<Lang>,
    pub fail_on: FailOn,
    pub max_file_size: u64,
    /// Enabled rule ids and their severity override, if any.
    pub rules: BTreeMap<String, Option<Severity>>,
    pub filter: FileFilter,
    pub per_file_ignores: Vec<(GlobMatcher, BTreeSet<String>)>,
    pub inline_suppressions: bool,
    pub baseline: Option<PathBuf>,
    pub config: Option<PathBuf>,
    /// Rule profiles to apply; `None` picks them by document language.
    pub profiles: Option<Vec<String>>,
    /// A manifest to check with the policies named on the command line.
    pub manifest: Option<PathBuf>,
}

impl Settings {
    /// Every loaded rule enabled with its own severity, no configuration file.
    pub fn defaults(rules: &RuleSet) -> Self {
        Settings {
            lang: None,
            fail_on: FailOn::Error,
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            rules: rules.rules.iter().map(|r| (r.id.clone(), None)).collect(),
            filter: FileFilter::default(),
            per_file_ignores: Vec::new(),
            inline_suppressions: true,
            baseline: None,
            config: None,
            profiles: None,
            manifest: None,
        }
    }

    /// Whether `rule` applies to a document in `lang` under the selected profiles.
    pub fn in_profile(&self, rule: &crate::rules::Rule, lang: Lang) -> bool {
        match &self.profiles {
            Some(profiles) => rule.in_profiles(profiles),
            None => rule.in_profiles(crate::rules::default_profiles(lang)),
        }
    }

    pub fn enabled(&self, rule: &str) -> bool {
        self.rules.contains_key(rule)
    }

    /// Rules not to run on `path` (per-file ignores).
    pub fn ignored_for(&self, path: &Path) -> BTreeSet<String> {
        let relative = self.filter.relative(path);
        self.per_file_ignores
            .iter()
            .filter(|(glob, _)| glob.is_match(&relative))
            .flat_map(|(_, ids)| ids.iter().cloned())
            .collect()
    }
}

/// Expand rule ids and tags into ids; unknown names are returned as errors.
fn expand(names: &[String], rules: &RuleSet) -> Result<BTreeSet<String>, String> {
    let mut ids = BTreeSet::new();
    for name in names {
        if name == "all" {
            ids.extend(rules.rules.iter().map(|r| r.id.clone()));
            continue;
        }
        let matching: Vec<&str> = rules
            .rules
            .iter()
            .filter(|r| {
                r.id == *name || r.aliases.contains(name) || r.tags.iter().any(|t| t == name)
            })
            .map(|r| r.id.as_str())
            .collect();
        if matching.is_empty() {
            return Err(format!("`{name}` is neither a rule id nor a tag"));
        }
        ids.extend(matching.into_iter().map(str::to_string));
    }
    Ok(ids)
}

/// A setup error in the command line's options; `about_rules` adds where the rule ids and
/// tags are listed.
fn command_line_error(message: String, about_rules: bool) -> SetupError {
    SetupError {
        path: "command line".to_string(),
        text: String::new(),
        span: Span::default(),
        message,
        help: about_rules.then(|| "run `privlint rule --all` for the rule ids and tags".into()),
    }
}

/// Merge the configuration file (if any) and the command line into settings.
pub fn resolve(
    config: Option<&LoadedConfig>,
    cli: &Overrides,
    rules: &RuleSet,
) -> Result<Settings, Vec<SetupError>> {
    let mut errors = Vec::new();
    let file = config.map(|c| &c.file);
    let dir = config.map(LoadedConfig::dir);
    let mut settings = Settings::defaults(rules);
    settings.config = config.map(|c| c.path.clone());

    let lang = cli.lang.or(file.and_then(|f| f.lang));
    settings.lang = match lang {
        Some(LangSetting::Zh) => Some(Lang::Zh),
        Some(LangSetting::En) => Some(Lang::En),
        Some(LangSetting::Auto) | None => None,
    };
    if let Some(mib) = cli
        .max_file_size_mib
        .or(file.and_then(|f| f.max_file_size_mib))
    {
        // Offsets inside a document are kept in 32 bits where millions of them are handled.
        if !(1..=MAX_FILE_SIZE_MIB).contains(&mib) {
            let message = format!("max_file_size_mib must be between 1 and {MAX_FILE_SIZE_MIB}");
            errors.push(match (config, cli.max_file_size_mib.is_some()) {
                (Some(config), false) => {
                    config.error(&[PathSeg::Key("max_file_size_mib")], message)
                }
                _ => command_line_error(message, false),
            });
        }
        settings.max_file_size = mib.saturating_mul(1 << 20);
    }
    if let Some(fail_on) = cli.fail_on.or(file.and_then(|f| f.fail_on)) {
        settings.fail_on = fail_on.into();
    }

    // Selection: the command line replaces the file's lists.
    let select_from_cli = cli.select.is_some();
    let select = cli
        .select
        .clone()
        .or_else(|| file.and_then(|f| f.select.clone()))
        .unwrap_or_else(|| vec!["all".to_string()]);
    let ignore = cli
        .ignore
        .clone()
        .unwrap_or_else(|| file.map(|f| f.ignore.clone()).unwrap_or_default());
    let mut located = |key: &str, result: Result<BTreeSet<String>, String>, from_cli: bool| {
        result.unwrap_or_else(|message| {
            errors.push(match (config, from_cli) {
                (Some(config), false) => config.error(&[PathSeg::Key(key)], message),
                _ => command_line_error(message, true),
            });
            BTreeSet::new()
        })
    };
    // An empty selection would switch every rule off without a word.
    let select = if select.is_empty() {
        Err(
            "`select` is empty: name at least one rule or tag, or leave it out to run every \
             rule"
                .to_string(),
        )
    } else {
        expand(&select, rules)
    };
    let selected = located("select", select, select_from_cli);
    // `parse-error` is always reported: ignoring it would have no effect.
    let ignore = if ignore.iter().any(|name| name == PARSE_ERROR) {
        Err(format!(
            "`{PARSE_ERROR}` is always reported: it cannot be ignored"
        ))
    } else {
        expand(&ignore, rules)
    };
    let ignored = located("ignore", ignore, cli.ignore.is_some());
    settings.rules = selected
        .difference(&ignored)
        .map(|id| (id.clone(), None))
        .collect();
    // Ignoring everything selected would switch every rule off without a word, as an empty
    // selection would.
    if !selected.is_empty()
        && !ignored.is_empty()
        && settings.rules.keys().all(|id| id == PARSE_ERROR)
    {
        let message = "`ignore` leaves none of the selected rules to run: select more, or \
                       ignore fewer"
            .to_string();
        errors.push(match (config, cli.ignore.is_some() || select_from_cli) {
            (Some(config), false) => config.error(&[PathSeg::Key("ignore")], message),
            _ => command_line_error(message, true),
        });
    }

    if let (Some(config), Some(file)) = (config, file) {
        for (name, severity) in &file.severity {
            // An alias sets its rule's severity, as in `select`.
            let Some(id) = rules.find(name).map(|rule| &rule.id) else {
                errors.push(config.error(
                    &[PathSeg::Key("severity"), PathSeg::Key(name)],
                    format!("unknown rule `{name}`"),
                ));
                continue;
            };
            let severity = match severity {
                SeveritySetting::Off if id == PARSE_ERROR => {
                    errors.push(config.error(
                        &[PathSeg::Key("severity"), PathSeg::Key(name)],
                        format!("`{PARSE_ERROR}` is always reported: it cannot be switched off"),
                    ));
                    continue;
                }
                SeveritySetting::Off => {
                    settings.rules.remove(id);
                    continue;
                }
                SeveritySetting::Error => Severity::Error,
                SeveritySetting::Warning => Severity::Warning,
                SeveritySetting::Info => Severity::Info,
            };
            if let Some(slot) = settings.rules.get_mut(id) {
                *slot = Some(severity);
            }
        }
        for (pattern, names) in &file.per_file_ignores {
            let at = [PathSeg::Key("per_file_ignores"), PathSeg::Key(pattern)];
            match (glob(pattern), expand(names, rules)) {
                (Ok(glob), Ok(ids)) => settings.per_file_ignores.push((glob, ids)),
                (Err(message), _) | (_, Err(message)) => errors.push(config.error(&at, message)),
            }
        }
        let include = file
            .files
            .include
            .clone()
            .unwrap_or_else(|| DEFAULT_INCLUDE.iter().map(|s| (*s).to_string()).collect());
        let manifests = file.manifests.clone().unwrap_or_else(|| {
            crate::manifest::DEFAULT_GLOBS
                .iter()
                .map(|s| (*s).to_string())
                .collect()
        });
        match FileFilter::with_manifests(
            absolute(&config.dir()),
            &include,
            &file.files.exclude,
            &manifests,
        ) {
            Ok(filter) => settings.filter = filter,
            Err(message) => {
                let key = if file.manifests.is_some() && glob_set(&manifests).is_err() {
                    "manifests"
                } else {
                    "files"
                };
                errors.push(config.error(&[PathSeg::Key(key)], message));
            }
        }
        if file
            .baseline
            .as_ref()
            .is_some_and(|b| b.as_os_str().is_empty())
        {
            errors.push(config.error(&[PathSeg::Key("baseline")], "empty path".to_string()));
        }
        if file.rules.iter().any(|r| r.as_os_str().is_empty()) {
            errors.push(config.error(&[PathSeg::Key("rules")], "empty path".to_string()));
        }
        settings.baseline = file
            .baseline
            .as_ref()
            .map(|b| dir.clone().unwrap_or_default().join(b));
    }
    if cli.baseline.is_some() {
        settings.baseline = cli.baseline.clone();
    }
    let profiles = cli
        .profiles
        .clone()
        .or_else(|| file.and_then(|f| f.profiles.clone()));
    if let Some(profiles) = profiles {
        let known = rules.profiles();
        // An empty list would switch every rule off without a word.
        if profiles.is_empty() {
            let message = "`profiles` is empty: name at least one, or leave it out to choose by \
                           each document's language"
                .to_string();
            errors.push(match (config, cli.profiles.is_some()) {
                (Some(config), false) => config.error(&[PathSeg::Key("profiles")], message),
                _ => command_line_error(message, false),
            });
        }
        for profile in &profiles {
            if !known.contains(profile) {
                let message = format!(
                    "unknown profile `{profile}`; the loaded rules have profiles: {}",
                    known.iter().cloned().collect::<Vec<_>>().join(", ")
                );
                errors.push(match (config, cli.profiles.is_some()) {
                    (Some(config), false) => config.error(&[PathSeg::Key("profiles")], message),
                    _ => command_line_error(message, false),
                });
            }
        }
        settings.profiles = Some(profiles);
    }
    settings.manifest = cli.manifest.clone();
    settings.inline_suppressions = !cli.no_inline_suppressions;
    if errors.is_empty() {
        Ok(settings)
    } else {
        Err(errors)
    }
}

/// Extra rule directories from the configuration file, resolved against its directory.
pub fn rule_dirs(config: Option<&LoadedConfig>) -> Vec<PathBuf> {
    config
        .map(|c| {
            (c.file.rules.iter())
                // An empty entry is reported when the configuration is resolved; joined, it
                // would name the configuration's own directory.
                .filter(|r| !r.as_os_str().is_empty())
                .map(|r| c.dir().join(r))
                .collect()
        })
        .unwrap_or_default()
}

/// `privlint debug config`: the resolved settings, one per line.
pub fn describe(settings: &Settings, rules: &RuleSet) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "config file: {}",
        settings
            .config
            .as_ref()
            .map_or("none (defaults)".to_string(), |p| p.display().to_string())
    );
    let _ = writeln!(out, "lang: {}", settings.lang.map_or("auto", |l| l.code()));
    let _ = writeln!(out, "fail_on: {}", settings.fail_on.name());
    let _ = writeln!(out, "max_file_size_mib: {}", settings.max_file_size >> 20);
    let _ = writeln!(out, "root: {}", settings.filter.root.display());
    let _ = writeln!(out, "include: {:?}", settings.filter.include_patterns);
    let _ = writeln!(out, "exclude: {:?}", settings.filter.exclude_patterns);
    let _ = writeln!(out, "manifests: {:?}", settings.filter.manifest_patterns);
    let _ = writeln!(
        out,
        "profiles: {}",
        settings.profiles.as_ref().map_or_else(
            || "by document language (zh: cn; en: cn)".to_string(),
            |p| p.join(", ")
        )
    );
    let _ = writeln!(out, "inline suppressions: {}", settings.inline_suppressions);
    let _ = writeln!(
        out,
        "baseline: {}",
        settings
            .baseline
            .as_ref()
            .map_or("none".to_string(), |p| p.display().to_string())
    );
    let _ = writeln!(
        out,
        "rules ({} of {}):",
        settings.rules.len(),
        rules.rules.len()
    );
    for rule in &rules.rules {
        let state = match settings.rules.get(&rule.id) {
            None => "off".to_string(),
            Some(Some(severity)) => format!("{} (configured)", severity.name()),
            Some(None) => rule.severity.name().to_string(),
        };
        let _ = writeln!(out, "  {:<36} {state}", rule.id);
    }
    for (glob, ids) in &settings.per_file_ignores {
        let _ = writeln!(out, "per-file ignore {}: {:?}", glob.glob(), ids);
    }
    out
}
