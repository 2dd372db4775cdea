//! The privlint binary: parse arguments, call the library, print, exit 0 (clean), 1 (findings
//! at or above --fail-on, failing rule examples) or 2 (usage, rule or internal error).

mod cli;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, ColorArg, Command, DebugCommand, FailOnArg, FormatArg, LangArg, SchemaArg, Setup};
use privlint::config::{self, FailOnSetting, LangSetting, LoadedConfig, Overrides};
use privlint::diagnostic::{Report, SetupError};
use privlint::document::{self, Lang};
use privlint::engine;
use privlint::render::{self, HumanOptions, OutputFormat};
use privlint::rules::{self, RuleSet, testing};
use privlint::{baseline, walk};

const EXIT_FINDINGS: u8 = 1;
const EXIT_SETUP: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(args) => check(args),
        Command::Rule(args) => rule(args),
        Command::TestRules(args) => test_rules(args),
        Command::Debug(DebugCommand::Parse { file, lang }) => debug_parse(&file, lang),
        Command::Debug(DebugCommand::Config { path, setup }) => debug_config(&path, &setup),
        Command::Schema { of } => print(match of {
            SchemaArg::Manifest => privlint::manifest::JSON_SCHEMA,
            SchemaArg::Config => config::JSON_SCHEMA,
        })
        .map(|()| 0),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(message) => {
            eprint!("{message}");
            ExitCode::from(EXIT_SETUP)
        }
    }
}

fn print(text: &str) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    stdout_result(out.write_all(text.as_bytes()).and_then(|()| out.flush()))
}

/// A write to standard output that failed is a setup error (a full disk must not pass for
/// an empty report), except a closed pipe (`privlint ... | head`), which is the reader's
/// choice.
fn stdout_result(result: std::io::Result<()>) -> Result<(), String> {
    match result {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(format!("error: cannot write to standard output: {e}\n"))
        }
        _ => Ok(()),
    }
}

fn human_options(color: ColorArg, stream_is_terminal: bool) -> HumanOptions {
    let color = match color {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => stream_is_terminal && std::env::var_os("NO_COLOR").is_none(),
    };
    // `COLUMNS=0` (some CI runners) means unknown, not a column per character.
    let width = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .filter(|&width: &usize| width > 0)
        .unwrap_or(100);
    HumanOptions {
        color,
        width,
        show_evidence: false,
    }
}

fn setup_errors(errors: &[SetupError]) -> String {
    let options = human_options(ColorArg::Auto, std::io::stderr().is_terminal());
    render::render_setup_errors(errors, &options)
}

/// The configuration file (unless --isolated) and the rules it and the command line name.
fn prepare(
    setup: &Setup,
    start: &std::path::Path,
) -> Result<(Option<LoadedConfig>, RuleSet), String> {
    let path = if setup.isolated {
        None
    } else {
        setup.config.clone().or_else(|| config::discover(start))
    };
    let loaded = match path {
        Some(path) => Some(config::load(&path).map_err(|e| setup_errors(&e))?),
        None => None,
    };
    let mut dirs = setup.rules.dirs.clone();
    dirs.extend(config::rule_dirs(loaded.as_ref()));
    let rules = rules::load(&dirs).map_err(|e| setup_errors(&e.0))?;
    Ok((loaded, rules))
}

fn lang_setting(arg: LangArg) -> LangSetting {
    match arg {
        LangArg::Auto => LangSetting::Auto,
        LangArg::Zh => LangSetting::Zh,
        LangArg::En => LangSetting::En,
    }
}

fn lang(arg: LangArg) -> Option<Lang> {
    match arg {
        LangArg::Auto => None,
        LangArg::Zh => Some(Lang::Zh),
        LangArg::En => Some(Lang::En),
    }
}

fn check(args: cli::CheckArgs) -> Result<u8, String> {
    if args.statistics && !matches!(args.format, FormatArg::Human | FormatArg::Concise) {
        return Err(
            "error: `--statistics` prints a table of counts: it cannot be written in the \
             format asked for (use `--format human` or `concise`, or leave `--statistics` out)\n"
                .to_string(),
        );
    }
    let start = args.paths.first().cloned().unwrap_or_else(|| ".".into());
    let (loaded, rules) = prepare(&args.setup, &start)?;
    let overrides = Overrides {
        lang: args.lang.map(lang_setting),
        fail_on: args.fail_on.map(|f| match f {
            FailOnArg::Error => FailOnSetting::Error,
            FailOnArg::Warning => FailOnSetting::Warning,
            FailOnArg::Info => FailOnSetting::Info,
            FailOnArg::Never => FailOnSetting::Never,
        }),
        select: args.select.clone(),
        ignore: args.ignore.clone(),
        no_inline_suppressions: args.no_inline_suppressions,
        max_file_size_mib: args.max_file_size_mib,
        baseline: args.baseline.clone(),
        profiles: args.profile.clone(),
        manifest: args.manifest.clone(),
    };
    let settings =
        config::resolve(loaded.as_ref(), &overrides, &rules).map_err(|e| setup_errors(&e))?;
    // Writing a baseline accepts today's findings: the old one is not read (it may not exist yet).
    let accepted = match (&args.write_baseline, &settings.baseline) {
        (None, Some(path)) => Some(baseline::load(path).map_err(|e| setup_errors(&[e]))?),
        _ => None,
    };
    let paths: Vec<PathBuf> = if args.force_exclude {
        let wanted = |p: &PathBuf| p.is_dir() || settings.filter.wants(p);
        args.paths.iter().filter(|p| wanted(p)).cloned().collect()
    } else {
        args.paths.clone()
    };
    let mut report = engine::check_paths(&paths, &settings, &rules);
    if report.files.is_empty() {
        // Passing because nothing was read would look like compliance.
        eprintln!(
            "warning: no files to check under {}: directories are searched for Markdown, HTML \
             and text policies and for manifests (the configuration's `files` globs change this)",
            paths_list(&paths)
        );
    }
    // Checked files are read before anything is written, but a report or baseline written
    // over one of them, or over the run's own setup, would destroy it.
    let outputs = [
        ("--output-file", &args.output_file),
        ("--write-baseline", &args.write_baseline),
    ];
    for (option, path) in outputs {
        if let Some(path) = path
            && let Some(what) = read_by_the_run(&report, &settings, &rules, path, option)
        {
            return Err(format!(
                "error: {option} {} names {what}: it would be overwritten\n",
                path.display()
            ));
        }
    }
    if let (Some(report_file), Some(baseline_file)) = (&args.output_file, &args.write_baseline)
        && same_file(report_file, baseline_file)
    {
        return Err(format!(
            "error: --output-file and --write-baseline name the same file {}: one would overwrite the other\n",
            report_file.display()
        ));
    }
    let accepted = match &args.write_baseline {
        Some(path) => {
            std::fs::write(path, baseline::render(&report)).map_err(|e| {
                format!("error: cannot write the baseline {}: {e}\n", path.display())
            })?;
            Some(baseline::fingerprints(&report))
        }
        None => accepted,
    };
    if let Some(accepted) = &accepted {
        baseline::apply(&mut report, accepted);
    }
    let format = match args.format {
        FormatArg::Human => OutputFormat::Human,
        FormatArg::Concise => OutputFormat::Concise,
        FormatArg::Json => OutputFormat::Json,
        FormatArg::Sarif => OutputFormat::Sarif,
        FormatArg::Github => OutputFormat::Github,
        FormatArg::Junit => OutputFormat::Junit,
    };
    let to_terminal = args.output_file.is_none() && std::io::stdout().is_terminal();
    let options = HumanOptions {
        show_evidence: args.show_evidence,
        ..human_options(args.color, to_terminal)
    };
    let write = |out: &mut dyn Write| -> std::io::Result<()> {
        let mut out = std::io::BufWriter::new(out);
        if args.statistics {
            out.write_all(render::statistics(&report).as_bytes())?;
        } else {
            render::write(&report, &rules, format, &options, &mut out)?;
        }
        out.flush()
    };
    match &args.output_file {
        Some(path) => std::fs::File::create(path)
            .and_then(|mut file| write(&mut file))
            .map_err(|e| format!("error: cannot write {}: {e}\n", path.display()))?,
        None => stdout_result(write(&mut std::io::stdout().lock()))?,
    }
    let code = if report.fails(settings.fail_on) {
        EXIT_FINDINGS
    } else {
        0
    };
    // The process ends here: freeing a large report and the compiled rules piece by piece
    // takes longer than the system needs to reclaim them.
    std::mem::forget(report);
    std::mem::forget(rules);
    Ok(code)
}

/// What the run reads that `path` (given to `option`) names, if anything: a checked file, the
/// configuration, the baseline or a rule file. (A baseline may be rewritten in place.)
fn read_by_the_run(
    report: &Report,
    settings: &config::Settings,
    rules: &RuleSet,
    path: &Path,
    option: &str,
) -> Option<&'static str> {
    if (report.files.iter()).any(|file| same_file(&file.source.path, path)) {
        return Some("a file this run checks");
    }
    if settings.config.as_ref().is_some_and(|c| same_file(c, path)) {
        return Some("the configuration");
    }
    if option != "--write-baseline"
        && settings
            .baseline
            .as_ref()
            .is_some_and(|b| same_file(b, path))
    {
        return Some("the baseline this run reads");
    }
    if (rules.rules.iter()).any(|rule| same_file(Path::new(&rule.origin.path), path)) {
        return Some("a rule file");
    }
    None
}

/// Whether two paths name one file: the same device and inode (a hard link, a symlink, any
/// spelling), or the same place when neither exists yet. Only metadata is read: opening a
/// pipe named on the command line would block.
fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(meta_a), Ok(meta_b)) => same_existing_file(a, b, &meta_a, &meta_b),
        (Err(_), Err(_)) => std::path::absolute(a).ok() == std::path::absolute(b).ok(),
        _ => false,
    }
}

#[cfg(unix)]
fn same_existing_file(_: &Path, _: &Path, a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    (a.dev(), a.ino()) == (b.dev(), b.ino())
}

/// Without inode numbers at hand, files are told apart by their resolved paths.
#[cfg(not(unix))]
fn same_existing_file(a: &Path, b: &Path, _: &std::fs::Metadata, _: &std::fs::Metadata) -> bool {
    std::fs::canonicalize(a).ok() == std::fs::canonicalize(b).ok()
}

fn paths_list(paths: &[PathBuf]) -> String {
    let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    shown.join(", ")
}

fn debug_config(path: &std::path::Path, setup: &Setup) -> Result<u8, String> {
    let (loaded, rules) = prepare(setup, path)?;
    let settings = config::resolve(loaded.as_ref(), &Overrides::default(), &rules)
        .map_err(|e| setup_errors(&e))?;
    print(&config::describe(&settings, &rules))?;
    Ok(0)
}

fn rule(args: cli::RuleArgs) -> Result<u8, String> {
    let (_, rules) = prepare(&args.setup, std::path::Path::new("."))?;
    if args.all {
        let texts: Vec<String> = rules.rules.iter().map(privlint::explain::explain).collect();
        print(&texts.join("\n---\n\n"))?;
        return Ok(0);
    }
    let id = args.id.unwrap_or_default();
    match rules.find(&id) {
        Some(rule) => {
            print(&privlint::explain::explain(rule))?;
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
    let (_, rules) = prepare(&args.setup, std::path::Path::new("."))?;
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
    print(&out)?;
    Ok(if failed == 0 { 0 } else { EXIT_FINDINGS })
}

fn debug_parse(file: &std::path::Path, lang_arg: LangArg) -> Result<u8, String> {
    let display = walk::display(file);
    // As `check` does: a pipe or a device is not read, nor a file over the size limit.
    match std::fs::metadata(file) {
        Ok(meta) if !meta.is_file() => {
            return Err(format!("error: {display}: not a regular file\n"));
        }
        Ok(meta) if meta.len() > config::DEFAULT_MAX_FILE_SIZE => {
            return Err(format!(
                "error: {display}: larger than the {} MiB limit\n",
                config::DEFAULT_MAX_FILE_SIZE >> 20
            ));
        }
        _ => {}
    }
    let (source, format, _) =
        engine::read_source(file, &display).map_err(|e| format!("error: {display}: {e}\n"))?;
    let doc = document::parse(&source, format, lang(lang_arg));
    let rules = rules::load(&[]).map_err(|e| setup_errors(&e.0))?;
    let sdks = privlint::sdk::extract(&doc, &rules.taxonomy);
    print(&privlint::debug::render_parse(&source, &doc, &sdks))?;
    Ok(0)
}
