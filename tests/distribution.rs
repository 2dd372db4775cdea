//! What users copy into their CI: the composite GitHub Action (`action.yml`), the pre-commit
//! hook (`.pre-commit-hooks.yaml`) and the snippets of the README's "Continuous integration"
//! section. No GitHub runner is available to the tests, so the YAML is parsed and checked for
//! consistency, and the shell steps run here with the built binary.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde_yaml::Value;

const REPOSITORY: &str = "https://github.com/privlint/privlint";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn yaml(path: &str) -> Value {
    let text = std::fs::read_to_string(root().join(path)).unwrap();
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn str_of<'a>(value: &'a Value, key: &str) -> &'a str {
    value[key]
        .as_str()
        .unwrap_or_else(|| panic!("`{key}` is not a string in {value:?}"))
}

/// Every `${{ ... }}` expression in `text`, trimmed.
fn expressions(text: &str) -> Vec<String> {
    text.split("${{")
        .skip(1)
        .map(|rest| {
            rest.split_once("}}")
                .expect("closed expression")
                .0
                .trim()
                .to_string()
        })
        .collect()
}

/// Replace each `${{ expr }}` with its value; an expression not in `values` is a test failure.
fn evaluate(text: &str, values: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("${{") {
        out.push_str(&rest[..at]);
        let (expr, after) = rest[at + 3..].split_once("}}").unwrap();
        let value = values
            .get(expr.trim())
            .unwrap_or_else(|| panic!("no value for `{}`", expr.trim()));
        out.push_str(value);
        rest = after;
    }
    out.push_str(rest);
    out
}

fn steps(action: &Value) -> &Vec<Value> {
    action["runs"]["steps"].as_sequence().expect("runs.steps")
}

fn step<'a>(action: &'a Value, id: &str) -> &'a Value {
    steps(action)
        .iter()
        .find(|s| s["id"].as_str() == Some(id))
        .unwrap_or_else(|| panic!("no step with id {id}"))
}

fn step_named<'a>(action: &'a Value, name: &str) -> &'a Value {
    steps(action)
        .iter()
        .find(|s| s["name"].as_str() == Some(name))
        .unwrap_or_else(|| panic!("no step named {name}"))
}

fn input_names(action: &Value) -> Vec<String> {
    action["inputs"]
        .as_mapping()
        .expect("inputs")
        .keys()
        .map(|k| k.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn action_is_a_complete_composite_action() {
    let action = yaml("action.yml");
    for key in ["name", "description", "author"] {
        assert!(!str_of(&action, key).is_empty(), "{key}");
    }
    assert_eq!(str_of(&action["runs"], "using"), "composite");
    let text = std::fs::read_to_string(root().join("action.yml")).unwrap();
    let inputs = input_names(&action);
    for expected in ["paths", "args", "version", "upload-sarif"] {
        assert!(inputs.iter().any(|i| i == expected), "input {expected}");
    }
    // Every input is used, and every input used is declared. Step conditions (`if:`) are
    // expressions without `${{ }}`.
    let mut all_expressions = expressions(&text);
    all_expressions.extend(
        steps(&action)
            .iter()
            .filter_map(|s| s["if"].as_str().map(str::to_string)),
    );
    let used: Vec<String> = all_expressions
        .iter()
        .flat_map(|e| e.split_whitespace().map(str::to_string).collect::<Vec<_>>())
        .filter_map(|word| word.strip_prefix("inputs.").map(str::to_string))
        .collect();
    for input in &inputs {
        assert!(used.contains(input), "input `{input}` is never used");
        assert!(
            !str_of(&action["inputs"][input.as_str()], "description").is_empty(),
            "input `{input}` has a description"
        );
    }
    for input in &used {
        assert!(inputs.contains(input), "`inputs.{input}` is not declared");
    }
    // Steps that reference other steps' outputs reference steps that exist, earlier.
    let ids: Vec<&str> = steps(&action)
        .iter()
        .filter_map(|s| s["id"].as_str())
        .collect();
    for word in all_expressions.iter().flat_map(|e| e.split_whitespace()) {
        if let Some(rest) = word.strip_prefix("steps.") {
            let id = rest.split('.').next().unwrap();
            assert!(ids.contains(&id), "`{word}`: no step `{id}`");
        }
    }
    for step in steps(&action) {
        if step.get("run").is_some() {
            assert_eq!(
                str_of(step, "shell"),
                "bash",
                "composite run steps need a shell"
            );
            // Inputs reach scripts through env, never spliced into the script text.
            assert!(
                !expressions(str_of(step, "run"))
                    .iter()
                    .any(|e| e.contains("inputs.")),
                "{}",
                str_of(step, "name")
            );
        }
    }

    let install = step_named(&action, "Install privlint");
    assert!(
        str_of(install, "run")
            .contains(r#"cargo install --locked --path "${{ github.action_path }}""#)
    );
    let cache = step(&action, "cache");
    assert!(str_of(cache, "uses").starts_with("actions/cache@"));
    assert!(str_of(&cache["with"], "path").contains("~/.cargo/bin/privlint"));
    assert_eq!(
        str_of(install, "if"),
        "steps.cache.outputs.cache-hit != 'true'"
    );

    let run = str_of(step(&action, "check"), "run");
    assert!(run.contains("--format sarif --output-file"), "{run}");
    assert!(run.contains("--format github"), "{run}");

    // Upload before failing: the failing step is last and comes after the upload.
    let names: Vec<&str> = steps(&action)
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    let upload = step_named(&action, "Upload SARIF to code scanning");
    assert!(str_of(upload, "uses").starts_with("github/codeql-action/upload-sarif@"));
    assert_eq!(str_of(upload, "if"), "inputs.upload-sarif == 'true'");
    assert_eq!(
        str_of(&upload["with"], "sarif_file"),
        "${{ inputs.sarif-file }}"
    );
    assert_eq!(names.last(), Some(&"Fail on findings"));
    assert!(
        names
            .iter()
            .position(|n| *n == "Upload SARIF to code scanning")
            < Some(names.len() - 1)
    );
    assert_eq!(
        str_of(step_named(&action, "Fail on findings"), "if"),
        "steps.check.outputs.exit-code != '0'"
    );
}

/// A copy of `fixtures/repo` to run in.
fn fixture_workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let from = root().join("fixtures/repo");
    for entry in walkdir::WalkDir::new(&from) {
        let entry = entry.unwrap();
        let to = dir.path().join(entry.path().strip_prefix(&from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&to).unwrap();
        } else {
            std::fs::copy(entry.path(), &to).unwrap();
        }
    }
    dir
}

/// PATH with the built privlint first.
fn path_with_privlint() -> String {
    let bin = Path::new(env!("CARGO_BIN_EXE_privlint")).parent().unwrap();
    format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

struct StepRun {
    code: i32,
    stdout: String,
    outputs: BTreeMap<String, String>,
}

/// Run a composite `run:` step as the runner does (`bash -e {0}` with its env).
fn run_step(step: &Value, workspace: &Path, values: &BTreeMap<String, String>) -> StepRun {
    let scratch = tempfile::tempdir().unwrap();
    let script = scratch.path().join("step.sh");
    std::fs::write(&script, evaluate(str_of(step, "run"), values)).unwrap();
    let output_file = scratch.path().join("output");
    let summary = workspace.join("summary.md");
    let mut command = Command::new("bash");
    command
        .args(["--noprofile", "--norc", "-eo", "pipefail"])
        .arg(&script)
        .current_dir(workspace)
        .env("PATH", path_with_privlint())
        .env("NO_COLOR", "1")
        .env("GITHUB_OUTPUT", &output_file)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_ACTION_PATH", root());
    if let Some(env) = step["env"].as_mapping() {
        for (key, value) in env {
            command.env(
                key.as_str().unwrap(),
                evaluate(value.as_str().unwrap(), values),
            );
        }
    }
    let output = command.output().expect("bash runs");
    let outputs = std::fs::read_to_string(&output_file)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    StepRun {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr),
        outputs,
    }
}

fn default_inputs(action: &Value) -> BTreeMap<String, String> {
    input_names(action)
        .into_iter()
        .map(|name| {
            let default = action["inputs"][name.as_str()]["default"]
                .as_str()
                .unwrap_or("")
                .to_string();
            (name, default)
        })
        .collect()
}

/// The values of the expressions the action's steps use: its inputs and `extra`.
fn values(inputs: &BTreeMap<String, String>, extra: &[(&str, &str)]) -> BTreeMap<String, String> {
    let mut values: BTreeMap<String, String> = inputs
        .iter()
        .map(|(name, value)| (format!("inputs.{name}"), value.clone()))
        .collect();
    values.insert("github.action_path".into(), root().display().to_string());
    for (key, value) in extra {
        values.insert((*key).to_string(), (*value).to_string());
    }
    values
}

#[test]
fn action_steps_run_with_the_built_binary() {
    let action = yaml("action.yml");
    let workspace = fixture_workspace();

    // The cache key of the action's own source.
    let inputs = default_inputs(&action);
    let source = run_step(
        step(&action, "source"),
        workspace.path(),
        &values(&inputs, &[]),
    );
    assert_eq!(source.code, 0, "{}", source.stdout);
    let key = &source.outputs["key"];
    assert!(
        key.starts_with("src-")
            && key.len() == 20
            && key[4..].chars().all(|c| c.is_ascii_hexdigit()),
        "{key}"
    );
    let mut pinned = inputs.clone();
    pinned.insert("version".into(), "v0.1.0".into());
    let source = run_step(
        step(&action, "source"),
        workspace.path(),
        &values(&pinned, &[]),
    );
    assert_eq!(source.outputs["key"], "ref-v0.1.0");

    // The install step is only syntax-checked: building privlint takes minutes.
    let install = evaluate(
        str_of(step_named(&action, "Install privlint"), "run"),
        &values(&inputs, &[]),
    );
    let syntax = Command::new("bash")
        .args(["-n", "-c", &install])
        .output()
        .unwrap();
    assert!(
        syntax.status.success(),
        "{}",
        String::from_utf8_lossy(&syntax.stderr)
    );

    // Findings: exit code 1 recorded, SARIF written, annotations printed, summary written.
    let mut inputs = default_inputs(&action);
    inputs.insert("paths".into(), "docs/zh\ndocs/en".into());
    let check = run_step(
        step(&action, "check"),
        workspace.path(),
        &values(&inputs, &[]),
    );
    assert_eq!(check.code, 0, "the step itself succeeds: {}", check.stdout);
    assert_eq!(check.outputs["exit-code"], "1");
    let sarif: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(workspace.path().join("privlint.sarif")).unwrap(),
    )
    .unwrap();
    assert!(!sarif["runs"][0]["results"].as_array().unwrap().is_empty());
    assert!(
        check
            .stdout
            .contains("\n::error file=docs/zh/privacy.md,line=14,"),
        "{}",
        check.stdout
    );
    let summary = std::fs::read_to_string(workspace.path().join("summary.md")).unwrap();
    assert!(summary.starts_with("### privlint\n\n```\n"), "{summary}");
    assert!(
        summary.contains("sensitive-pi-without-purpose"),
        "{summary}"
    );
    let fail = run_step(
        step_named(&action, "Fail on findings"),
        workspace.path(),
        &values(&inputs, &[("steps.check.outputs.exit-code", "1")]),
    );
    assert_eq!(fail.code, 1, "{}", fail.stdout);
    assert!(
        fail.stdout.contains("::error title=privlint::findings"),
        "{}",
        fail.stdout
    );

    // Extra arguments reach privlint: nothing at or above `never` fails.
    inputs.insert("args".into(), "--fail-on never".into());
    let check = run_step(
        step(&action, "check"),
        workspace.path(),
        &values(&inputs, &[]),
    );
    assert_eq!(check.outputs["exit-code"], "0", "{}", check.stdout);

    // A broken setup fails the step itself, before anything is uploaded.
    inputs.insert("args".into(), "--select no-such-rule".into());
    let check = run_step(
        step(&action, "check"),
        workspace.path(),
        &values(&inputs, &[]),
    );
    assert_eq!(check.code, 2, "{}", check.stdout);
    assert_eq!(check.outputs["exit-code"], "2");
    assert!(check.stdout.contains("no-such-rule"), "{}", check.stdout);
}

#[test]
fn pre_commit_hook() {
    let hooks = yaml(".pre-commit-hooks.yaml");
    let hook = &hooks[0];
    assert_eq!(str_of(hook, "id"), "privlint");
    assert!(["rust", "system"].contains(&str_of(hook, "language")));
    assert_eq!(hook["pass_filenames"].as_bool(), Some(true));
    let files = regex::Regex::new(str_of(hook, "files")).expect("files is a regex");
    for path in [
        "privacy.md",
        "docs/Privacy-Policy.HTML",
        "public/policy.htm",
        "docs/zh/隐私政策.txt",
        "notes.markdown",
        "privacy-manifest.yaml",
        "app/privacy-manifest.yml",
        "sdk/analytics.privacy.yaml",
    ] {
        assert!(files.is_match(path), "{path} is checked");
    }
    for path in [
        "src/main.rs",
        "config.yaml",
        "my-privacy-manifest.yaml",
        "privacy.md.bak",
    ] {
        assert!(!files.is_match(path), "{path} is not checked");
    }

    // The entry, as pre-commit runs it: on the staged files, from the repository root.
    let entry: Vec<&str> = str_of(hook, "entry").split_whitespace().collect();
    assert_eq!(entry[..2], ["privlint", "check"]);
    let workspace = fixture_workspace();
    let staged = [
        "README.md",
        "docs/drafts/old-policy.md",
        "docs/zh/privacy.md",
    ];
    let output = Command::new(env!("CARGO_BIN_EXE_privlint"))
        .args(&entry[1..])
        .args(staged)
        .current_dir(workspace.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    // privlint.yaml's files globs leave out README.md and the drafts.
    assert!(stdout.contains(" in 1 file "), "{stdout}");
    assert!(
        !stdout.contains("README.md") && !stdout.contains("drafts"),
        "{stdout}"
    );

    // Nothing left to check is a clean run.
    let output = Command::new(env!("CARGO_BIN_EXE_privlint"))
        .args(&entry[1..])
        .arg("README.md")
        .current_dir(workspace.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
}

/// The YAML code blocks of the README's "Continuous integration" section.
fn readme_ci_snippets() -> Vec<Value> {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let section = readme
        .split("\n## Continuous integration\n")
        .nth(1)
        .expect("a Continuous integration section")
        .split("\n## ")
        .next()
        .unwrap();
    section
        .split("```yaml\n")
        .skip(1)
        .map(|block| {
            let block = block.split("```").next().unwrap();
            serde_yaml::from_str(block).unwrap_or_else(|e| panic!("{e}:\n{block}"))
        })
        .collect()
}

#[test]
fn readme_github_workflow() {
    let action = yaml("action.yml");
    let snippets = readme_ci_snippets();
    let workflow = snippets
        .iter()
        .find(|s| s.get("jobs").is_some())
        .expect("a GitHub workflow");
    assert_eq!(str_of(&workflow["permissions"], "security-events"), "write");
    assert_eq!(str_of(&workflow["permissions"], "contents"), "read");
    assert!(workflow.get("on").is_some());
    let jobs = workflow["jobs"].as_mapping().unwrap();
    let job = jobs.values().next().unwrap();
    assert!(job.get("runs-on").is_some());
    let steps = job["steps"].as_sequence().unwrap();
    assert!(str_of(&steps[0], "uses").starts_with("actions/checkout@"));
    let privlint = steps
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("privlint/"))
        })
        .expect("a privlint step");
    assert_eq!(str_of(privlint, "uses"), "privlint/privlint@v0");
    assert_eq!(
        format!(
            "https://github.com/{}",
            str_of(privlint, "uses").split('@').next().unwrap()
        ),
        REPOSITORY
    );
    let inputs = input_names(&action);
    for key in privlint["with"].as_mapping().unwrap().keys() {
        let key = key.as_str().unwrap();
        assert!(
            inputs.iter().any(|i| i == key),
            "`with: {key}` is not an input of action.yml"
        );
    }
}

#[test]
fn readme_gitlab_job_runs() {
    let snippets = readme_ci_snippets();
    let pipeline = snippets
        .iter()
        .find(|s| s["privlint"].get("script").is_some())
        .expect("a GitLab job");
    let job = &pipeline["privlint"];
    let script: Vec<&str> = job["script"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    assert!(
        script
            .iter()
            .any(|l| l.starts_with("cargo install --locked"))
    );
    let junit_line = script
        .iter()
        .find(|l| l.contains("--format junit"))
        .expect("a JUnit run");
    let report = junit_line
        .split("--output-file ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .expect("--output-file");
    assert_eq!(str_of(&job["artifacts"]["reports"], "junit"), report);
    assert_eq!(str_of(&job["artifacts"], "when"), "always");
    assert_eq!(
        *script.last().unwrap(),
        *junit_line,
        "the JUnit run's exit code gates the job"
    );

    // The privlint lines as the runner would run them (`set -e`), in a repository with
    // findings: the job fails with exit code 1 and leaves the JUnit report.
    let workspace = fixture_workspace();
    let lines: Vec<&str> = script
        .iter()
        .copied()
        .filter(|l| l.starts_with("privlint "))
        .collect();
    assert_eq!(lines.len(), 2);
    let output = Command::new("bash")
        .args(["-e", "-c", &lines.join("\n")])
        .current_dir(workspace.path())
        .env("PATH", path_with_privlint())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("error[sensitive-pi-without-purpose]"),
        "{stdout}"
    );
    let junit = std::fs::read_to_string(workspace.path().join(report)).unwrap();
    assert!(
        junit.starts_with("<?xml") && junit.contains("<failure "),
        "{junit}"
    );
}

#[test]
fn readme_pre_commit_snippet() {
    let hooks = yaml(".pre-commit-hooks.yaml");
    let snippets = readme_ci_snippets();
    let config = snippets
        .iter()
        .find(|s| s.get("repos").is_some())
        .expect("a pre-commit configuration");
    let repo = &config["repos"][0];
    assert_eq!(str_of(repo, "repo"), REPOSITORY);
    assert!(!str_of(repo, "rev").is_empty());
    let ids: Vec<&str> = hooks
        .as_sequence()
        .unwrap()
        .iter()
        .map(|h| str_of(h, "id"))
        .collect();
    for hook in repo["hooks"].as_sequence().unwrap() {
        assert!(ids.contains(&str_of(hook, "id")));
    }
}

#[test]
fn readme_shows_every_ci_snippet() {
    let kinds: Vec<&str> = readme_ci_snippets()
        .iter()
        .map(|s| {
            if s.get("jobs").is_some() {
                "github"
            } else if s.get("repos").is_some() {
                "pre-commit"
            } else {
                "gitlab"
            }
        })
        .collect();
    assert_eq!(kinds, ["github", "gitlab", "pre-commit"]);
}
