//! The privlint binary: parse arguments, call the library, print, exit 0 (clean), 1 (findings
//! at or above --fail-on, failing rule examples) or 2 (usage, rule or internal error).

mod cli;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, ColorArg, Command, DebugCommand, FailOnArg, FormatArg, LangArg};
use privlint::diagnostic::FailOn;
use privlint::document::{self, Lang};
use privlint::engine::{self, Settings};
use privlint::render::{self, HumanOptions, OutputFormat};
use privlint::rules::{self, RuleSet, testing};

const EXIT_FINDINGS: u8 = 1;
const EXIT_SETUP: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(args) => check(args),
        Command::Rule(args) => rule(args),
        Command::TestRules(args) => test_rules(args),
        Command::Debug(DebugCommand::Parse { file, lang }) => debug_parse(&file, lang),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(message) => {
            eprint!("{message}");
            ExitCode::from(EXIT_SETUP)
        }
    }
}

fn print(text: &str) {
    // A closed pipe (privlint ... | head) is not an error worth a panic.
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

fn human_options(color: ColorArg, stream_is_terminal: bool) -> HumanOptions {
    let color = match color {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => stream_is_terminal && std::env::var_os("NO_COLOR").is_none(),
    };
    let width = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(100);
    HumanOptions { color, width }
}

fn load_rules(dirs: &[std::path::PathBuf]) -> Result<RuleSet, String> {
    rules::load(dirs).map_err(|errors| {
        let options = human_options(ColorArg::Auto, std::io::stderr().is_terminal());
        render::render_rule_errors(&errors, &options)
    })
}

fn lang(arg: LangArg) -> Option<Lang> {
    match arg {
        LangArg::Auto => None,
        LangArg::Zh => Some(Lang::Zh),
        LangArg::En => Some(Lang::En),
    }
}

fn check(args: cli::CheckArgs) -> Result<u8, String> {
    let rules = load_rules(&args.rules.dirs)?;
    let settings = Settings {
        lang: lang(args.lang),
        ..Settings::default()
    };
    let report = engine::check_paths(&args.paths, &settings, &rules);
    let format = match args.format {
        FormatArg::Human => OutputFormat::Human,
        FormatArg::Concise => OutputFormat::Concise,
        FormatArg::Json => OutputFormat::Json,
    };
    let options = human_options(args.color, std::io::stdout().is_terminal());
    print(&render::render(&report, &rules, format, &options));
    let fail_on = match args.fail_on {
        FailOnArg::Error => FailOn::Error,
        FailOnArg::Warning => FailOn::Warning,
        FailOnArg::Info => FailOn::Info,
        FailOnArg::Never => FailOn::Never,
    };
    Ok(if report.fails(fail_on) {
        EXIT_FINDINGS
    } else {
        0
    })
}

fn rule(args: cli::RuleArgs) -> Result<u8, String> {
    let rules = load_rules(&args.rules.dirs)?;
    if args.all {
        let texts: Vec<String> = rules.rules.iter().map(privlint::explain::explain).collect();
        print(&texts.join("\n---\n\n"));
        return Ok(0);
    }
    let id = args.id.unwrap_or_default();
    match rules.get(&id) {
        Some(rule) => {
            print(&privlint::explain::explain(rule));
            Ok(0)
        }
        None => {
            let mut known: Vec<(usize, &str)> = rules
                .rules
                .iter()
                .map(|r| (edit_distance(&id, &r.id), r.id.as_str()))
                .filter(|(d, _)| *d <= 6)
                .collect();
            known.sort();
            let names: Vec<&str> = known.iter().take(3).map(|(_, name)| *name).collect();
            let hint = if names.is_empty() {
                "run `privlint rule --all` to list every rule".to_string()
            } else {
                format!("did you mean: {}?", names.join(", "))
            };
            Err(format!("error: unknown rule `{id}`; {hint}\n"))
        }
    }
}

/// Levenshtein distance, for suggesting rule ids.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

fn test_rules(args: cli::TestRulesArgs) -> Result<u8, String> {
    let rules = load_rules(&args.rules.dirs)?;
    let mut failed = 0;
    let mut examples = 0;
    let mut tested = 0;
    let mut out = String::new();
    for rule in &rules.rules {
        if args
            .filter
            .as_ref()
            .is_some_and(|f| !rule.id.contains(f.as_str()))
        {
            continue;
        }
        let result = testing::run(rule, &rules);
        if result.cases.is_empty() {
            continue;
        }
        tested += 1;
        examples += result.cases.len();
        if result.passed() {
            out.push_str(&format!("PASS {} {}\n", rule.id, result.marks()));
        } else {
            failed += 1;
            out.push_str(&format!(
                "FAIL {} {}\n{}",
                rule.id,
                result.marks(),
                result.failures()
            ));
        }
    }
    out.push_str(&format!(
        "\n{tested} rules, {examples} examples: {}\n",
        if failed == 0 {
            "all passed".to_string()
        } else {
            format!("{failed} rule(s) failed")
        }
    ));
    print(&out);
    Ok(if failed == 0 { 0 } else { EXIT_FINDINGS })
}

fn debug_parse(file: &std::path::Path, lang_arg: LangArg) -> Result<u8, String> {
    let display = privlint::walk::display(file);
    let (source, format, _) =
        engine::read_source(file, &display).map_err(|e| format!("error: {display}: {e}\n"))?;
    let doc = document::parse(&source, format, lang(lang_arg));
    print(&privlint::debug::render_parse(&source, &doc));
    Ok(0)
}
