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
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files or directories to check (directories: *.md, *.markdown, *.html, *.htm, *.txt).
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Human)]
    pub format: FormatArg,
    /// The lowest severity that makes the run fail (exit code 1).
    #[arg(long, value_enum, default_value_t = FailOnArg::Error)]
    pub fail_on: FailOnArg,
    /// Document language; `auto` detects it from the share of Chinese characters.
    #[arg(long, value_enum, default_value_t = LangArg::Auto)]
    pub lang: LangArg,
    #[command(flatten)]
    pub rules: RuleSource,
    /// Colour in human output.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
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
    pub rules: RuleSource,
}

#[derive(Debug, Args)]
pub struct TestRulesArgs {
    /// Only rules whose id contains this text.
    #[arg(long)]
    pub filter: Option<String>,
    #[command(flatten)]
    pub rules: RuleSource,
}

#[derive(Debug, Subcommand)]
pub enum DebugCommand {
    /// Print the sections, blocks, tables and sentences of a document with their spans.
    Parse {
        file: PathBuf,
        #[arg(long, value_enum, default_value_t = LangArg::Auto)]
        lang: LangArg,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    Human,
    Concise,
    Json,
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
