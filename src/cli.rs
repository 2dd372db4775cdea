//! The command line (clap derive).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "privlint",
    version,
    about = "A privacy-compliance linter for privacy policies (PIPL, GB/T 35273, GDPR, CCPA)",
    long_about = None
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check policy documents (Markdown, HTML, plain text) and report findings.
    Check(CheckArgs),
    /// Explain a rule: what it checks, why, its citations and examples.
    Rule(RuleArgs),
    /// Run every rule's own valid and invalid examples.
    TestRules(TestRulesArgs),
    /// Show what privlint sees.
    #[command(subcommand)]
    Debug(DebugCommand),
    /// Print the JSON Schema of a file privlint reads (for editors and yaml-language-server).
    Schema {
        #[arg(value_enum)]
        of: SchemaArg,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum SchemaArg {
    /// The data-collection manifest (privacy-manifest.yaml).
    Manifest,
    /// The configuration file (privlint.yaml).
    Config,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files or directories to check (directories: *.md, *.markdown, *.html, *.htm, *.txt, and
    /// the manifests privacy-manifest.yaml and *.privacy.yaml).
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// A data-collection manifest to check against the policy named on the command line.
    #[arg(long, value_name = "FILE")]
    pub manifest: Option<PathBuf>,
    /// Rule profiles to apply (comma-separated) [default: by document language: cn].
    #[arg(long, value_delimiter = ',', value_name = "PROFILES")]
    pub profile: Option<Vec<String>>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Human)]
    pub format: FormatArg,
    /// Write the report to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output_file: Option<PathBuf>,
    /// The lowest severity that makes the run fail (exit code 1) [default: error].
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOnArg>,
    /// Report files larger than this many MiB as skipped instead of checking them
    /// [default: 64; at most 2047].
    #[arg(long = "max-file-size", value_name = "MIB")]
    pub max_file_size_mib: Option<u64>,
    /// Document language; `auto` detects it from the share of Chinese characters.
    #[arg(long, value_enum)]
    pub lang: Option<LangArg>,
    #[command(flatten)]
    pub setup: Setup,
    /// Only run these rules (ids or tags, comma-separated); replaces the config's `select`.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub select: Option<Vec<String>>,
    /// Do not run these rules (ids or tags, comma-separated); replaces the config's `ignore`.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub ignore: Option<Vec<String>>,
    /// Ignore `privlint-disable` comments in documents.
    #[arg(long)]
    pub no_inline_suppressions: bool,
    /// Skip files named on the command line that the configuration's `files` globs would not
    /// check in a directory (for pre-commit and editors, which pass every changed file).
    #[arg(long)]
    pub force_exclude: bool,
    /// Accept the findings recorded in this baseline file; only new ones are reported.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Record the current findings in this baseline file (they are accepted in this run too).
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Print the number of findings per rule instead of the findings.
    #[arg(long)]
    pub statistics: bool,
    /// In human output, also list where each passed requirement was met.
    #[arg(long)]
    pub show_evidence: bool,
    /// Colour in human output.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
}

/// Where rules and settings come from.
#[derive(Debug, Args)]
pub struct Setup {
    #[command(flatten)]
    pub rules: RuleSource,
    /// Use this configuration file instead of searching for privlint.yaml.
    #[arg(long, value_name = "FILE", conflicts_with = "isolated")]
    pub config: Option<PathBuf>,
    /// Ignore configuration files.
    #[arg(long)]
    pub isolated: bool,
}

#[derive(Debug, Args)]
pub struct RuleSource {
    /// Extra directory of rule files (repeatable), loaded with the built-in rules.
    #[arg(long = "rules", value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RuleArgs {
    /// The rule id, e.g. missing-withdrawal-path.
    #[arg(required_unless_present = "all")]
    pub id: Option<String>,
    /// Explain every rule.
    #[arg(long, conflicts_with = "id")]
    pub all: bool,
    #[command(flatten)]
    pub setup: Setup,
}

#[derive(Debug, Args)]
pub struct TestRulesArgs {
    /// Only rules whose id contains this text.
    #[arg(long)]
    pub filter: Option<String>,
    #[command(flatten)]
    pub setup: Setup,
}

#[derive(Debug, Subcommand)]
pub enum DebugCommand {
    /// Print the sections, blocks, tables and sentences of a document with their spans.
    Parse {
        file: PathBuf,
        #[arg(long, value_enum, default_value_t = LangArg::Auto)]
        lang: LangArg,
    },
    /// Print the resolved settings: the configuration file used and each rule's state.
    Config {
        /// Where to start looking for privlint.yaml.
        #[arg(default_value = ".")]
        path: PathBuf,
        #[command(flatten)]
        setup: Setup,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    Human,
    Concise,
    Json,
    Sarif,
    Github,
    Junit,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOnArg {
    Error,
    Warning,
    Info,
    Never,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LangArg {
    Auto,
    Zh,
    En,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
}
