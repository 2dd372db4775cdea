//! Layer 3: the binary - exit codes, formats, bad input, rule errors.

mod common;
use common::Run;

fn privlint(args: &[&str]) -> Run {
    common::privlint_in(std::path::Path::new(env!("CARGO_MANIFEST_DIR")), args)
}

#[test]
fn clean_policy_exits_zero() {
    let run = privlint(&["check", "fixtures/docs/zh-complete.md"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("0 errors, 0 warnings, 0 infos in 1 file")
    );
}

#[test]
fn nothing_to_check_is_said_on_stderr() {
    let empty = tempfile::tempdir().unwrap();
    std::fs::write(empty.path().join("notes.csv"), "a,b\n").unwrap();
    let dir = empty.path().to_str().unwrap();
    let run = privlint(&["check", "--format", "json", dir]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("warning: no files to check under"),
        "{}",
        run.stderr
    );
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["summary"]["files"], 0);
    // A run that reads a file says nothing of the kind.
    let run = privlint(&["check", "fixtures/docs/zh-complete.md"]);
    assert!(!run.stderr.contains("no files to check"), "{}", run.stderr);
}

#[test]
fn findings_exit_one_unless_below_fail_on() {
    assert_eq!(privlint(&["check", "fixtures/docs/zh-gaps.txt"]).code, 1);
    assert_eq!(
        privlint(&["check", "fixtures/docs/zh-gaps.txt", "--fail-on", "never"]).code,
        0
    );
    // zh-sdk-list.html has errors and warnings; a warnings-only document fails only on warning.
    let warnings_only = tempfile::tempdir().unwrap();
    let path = warnings_only.path().join("policy.md");
    std::fs::write(
        &path,
        std::fs::read_to_string("fixtures/docs/zh-complete.md")
            .unwrap()
            .replace("更新日期：2024年3月1日", "")
            .replace("生效日期：2024年3月8日", ""),
    )
    .unwrap();
    let path = path.to_str().unwrap();
    assert_eq!(privlint(&["check", path]).code, 0);
    assert_eq!(privlint(&["check", path, "--fail-on", "warning"]).code, 1);
}

#[test]
fn concise_format() {
    let run = privlint(&["check", "--format", "concise", "fixtures/docs/en-gaps.html"]);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn json_format_follows_schema_version_1() {
    let run = privlint(&[
        "check",
        "--format",
        "json",
        "fixtures/docs/zh-sdk-list.html",
    ]);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("valid JSON");
    assert_eq!(json["version"], 1);
    assert_eq!(json["tool"]["name"], "privlint");
    for key in [
        "files",
        "errors",
        "warnings",
        "infos",
        "suppressed",
        "skipped",
    ] {
        assert!(json["summary"][key].is_u64(), "summary.{key}");
    }
    let file = &json["files"][0];
    assert_eq!(file["format"], "html");
    assert_eq!(file["lang"], "zh");
    assert_eq!(file["encoding"], "utf-8");
    let finding = &json["findings"][0];
    for key in [
        "rule",
        "severity",
        "message",
        "help",
        "references",
        "location",
        "related",
        "fingerprint",
    ] {
        assert!(!finding[key].is_null(), "finding.{key}");
    }
    for key in ["line", "column", "offset"] {
        assert!(finding["location"]["start"][key].is_u64());
    }
    assert!(json["evidence"].as_array().is_some_and(|e| !e.is_empty()));
}

/// A user agreement that sends the reader to a separate privacy policy is not checked for
/// what a policy must say, and says so; what it does say is still checked.
#[test]
fn user_agreement_with_a_separate_policy_gets_only_content_rules() {
    let path = "fixtures/docs/zh-user-agreement.md";
    let run = privlint(&["check", "--format", "json", "--fail-on", "never", path]);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("valid JSON");
    let note = json["files"][0]["note"].as_str().expect("a note");
    assert!(
        note.contains("refers to a separate privacy policy (\"《星河阅读隐私政策》\", line 14)"),
        "{note}"
    );
    let rules: Vec<&str> = (json["findings"].as_array().unwrap().iter())
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["pi-liability-waiver"]);
    assert_eq!(json["evidence"].as_array().map(Vec::len), Some(0));

    // The same text titled as a privacy policy is checked as one.
    let text = std::fs::read_to_string(path).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.md");
    std::fs::write(&policy, text.replace("用户服务协议", "隐私政策")).unwrap();
    let run = privlint(&[
        "check",
        "--format",
        "json",
        "--fail-on",
        "never",
        policy.to_str().unwrap(),
    ]);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("valid JSON");
    assert!(json["files"][0]["note"].is_null());
    assert!(
        (json["findings"].as_array().unwrap().iter()).any(|f| f["rule"] == "missing-contact"),
        "{}",
        run.stdout
    );
}

#[test]
fn language_can_be_forced() {
    let run = privlint(&[
        "check",
        "--format",
        "concise",
        "--lang",
        "en",
        "fixtures/docs/zh-gaps.txt",
    ]);
    assert!(run.stdout.contains("The policy"), "{}", run.stdout);
}

#[test]
fn missing_and_broken_files_are_findings_and_others_still_checked() {
    let run = privlint(&[
        "check",
        "--format",
        "concise",
        "fixtures/does-not-exist.md",
        "fixtures/bad/binary.md",
        "fixtures/docs/zh-gaps.txt",
    ]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout
            .contains("fixtures/does-not-exist.md:1:1: error[parse-error] cannot read")
    );
    assert!(
        run.stdout
            .contains("fixtures/bad/binary.md:1:1: error[parse-error] the file looks binary")
    );
    assert!(
        run.stdout
            .contains("fixtures/docs/zh-gaps.txt:9:1: error[consent-by-continued-use]")
    );
    assert!(run.stderr.is_empty(), "{}", run.stderr);
}

#[test]
fn broken_rule_file_points_into_the_yaml_and_exits_two() {
    let run = privlint(&[
        "check",
        "--rules",
        "fixtures/rules-broken",
        "fixtures/docs/zh-gaps.txt",
    ]);
    assert_eq!(run.code, 2);
    assert!(run.stdout.is_empty());
    insta::assert_snapshot!(run.stderr);
}

#[test]
fn usage_errors_exit_two() {
    assert_eq!(privlint(&["check", "--format", "xml"]).code, 2);
    assert_eq!(privlint(&["frobnicate"]).code, 2);
    let run = privlint(&["rule", "missing-contacts"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("did you mean: missing-contact"),
        "{}",
        run.stderr
    );
}

#[test]
fn rule_explains_itself() {
    let run = privlint(&["rule", "missing-withdrawal-path"]);
    assert_eq!(run.code, 0);
    for part in [
        "## What it checks",
        "## Why it matters",
        "PIPL Art. 15",
        "Not reported:",
        "underlines:",
    ] {
        assert!(run.stdout.contains(part), "missing {part}");
    }
    let all = privlint(&["rule", "--all"]);
    assert_eq!(all.code, 0);
    let rules = privlint::rules::load(&[]).expect("built-in rules load");
    assert_eq!(
        all.stdout.matches("\n## What it checks").count(),
        rules.rules.len()
    );
}

#[test]
fn test_rules_passes() {
    let run = privlint(&["test-rules"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.stdout.contains("all passed"));
}

#[test]
fn debug_parse_shows_structure() {
    let run = privlint(&["debug", "parse", "fixtures/docs/zh-gaps.txt"]);
    assert_eq!(run.code, 0);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn version_flag() {
    let run = privlint(&["--version"]);
    assert_eq!(run.code, 0);
    assert_eq!(
        run.stdout,
        format!("privlint {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn show_evidence_lists_the_requirements_met() {
    let path = "fixtures/example/privacy-policy.md";
    let plain = privlint(&["check", path]);
    assert!(!plain.stdout.contains("evidence in"), "{}", plain.stdout);
    let run = privlint(&["check", path, "--show-evidence"]);
    assert_eq!(
        run.code, plain.code,
        "the evidence does not change the verdict"
    );
    let (_, matrix) = run
        .stdout
        .split_once("evidence in fixtures/example/privacy-policy.md:\n")
        .unwrap_or_else(|| panic!("no evidence section: {}", run.stdout));
    // Each line names the rule, its position and the words that met it, in JSON's order.
    let json: serde_json::Value =
        serde_json::from_str(&privlint(&["check", path, "--format", "json"]).stdout).unwrap();
    let expected: Vec<String> = json["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{} {}:{}",
                e["rule"].as_str().unwrap(),
                e["location"]["start"]["line"],
                e["location"]["start"]["column"]
            )
        })
        .collect();
    assert!(!expected.is_empty());
    let shown: Vec<String> = matrix
        .lines()
        .take_while(|l| l.starts_with("  ✓ "))
        .map(|l| {
            l.split_whitespace()
                .skip(1)
                .take(2)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    assert_eq!(shown, expected);
    assert!(matrix.contains("privacy@example.cn"), "{matrix}");
}

/// `--max-file-size` (and `max_file_size_mib` in the configuration) lowers the limit: a larger
/// file is reported as skipped with the reason, and the others are still checked.
#[test]
fn max_file_size_skips_larger_files() {
    let dir = tempfile::tempdir().unwrap();
    let policy = std::fs::read_to_string("fixtures/docs/zh-gaps.txt").unwrap();
    std::fs::write(dir.path().join("small.txt"), &policy).unwrap();
    std::fs::write(
        dir.path().join("large.txt"),
        policy.repeat(1 + (2 << 20) / policy.len()),
    )
    .unwrap();
    let statuses = |run: &Run| -> Vec<(String, String)> {
        common::json(run)["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["path"].as_str().unwrap().to_string(),
                    f["status"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let check = |extra: &[&str]| {
        let mut args = vec!["check", "--format", "json", "--isolated", "."];
        args.extend_from_slice(extra);
        common::privlint_in(dir.path(), &args)
    };
    let by_flag = check(&["--max-file-size", "1"]);
    assert_eq!(
        by_flag.code, 1,
        "the small file's findings still fail the run"
    );
    assert_eq!(
        statuses(&by_flag),
        [
            ("large.txt".to_string(), "skipped".to_string()),
            ("small.txt".to_string(), "checked".to_string())
        ]
    );
    assert!(
        by_flag.stdout.contains("larger than the 1 MiB limit"),
        "{}",
        by_flag.stdout
    );
    assert_eq!(statuses(&check(&[]))[0].1, "checked");

    std::fs::write(dir.path().join("privlint.yaml"), "max_file_size_mib: 1\n").unwrap();
    let by_config = common::privlint_in(dir.path(), &["check", "--format", "json", "."]);
    assert_eq!(statuses(&by_config)[0].1, "skipped");
    // Out of range in the config file (0) and on the command line (2048, which wins).
    std::fs::write(dir.path().join("privlint.yaml"), "max_file_size_mib: 0\n").unwrap();
    for args in [
        &["check", "."][..],
        &["check", "--max-file-size", "2048", "."],
    ] {
        let out = common::privlint_in(dir.path(), args);
        assert_eq!(out.code, 2, "{args:?}");
        assert!(
            out.stderr
                .contains("max_file_size_mib must be between 1 and"),
            "{args:?}: {}",
            out.stderr
        );
    }
}

/// A report that cannot be written is a setup error, not an empty success: CI must not pass
/// on a full disk. (A closed pipe, the reader's choice, is not an error.)
#[cfg(target_os = "linux")]
#[test]
fn a_report_that_cannot_be_written_exits_two() {
    for args in [
        &[
            "check",
            "--format",
            "sarif",
            "--fail-on",
            "never",
            "fixtures/docs/zh-gaps.txt",
        ][..],
        &["rule", "--all"],
    ] {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_privlint"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(args)
            .stdout(std::fs::File::create("/dev/full").expect("/dev/full"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("cannot write"), "{args:?}: {stderr}");
    }
}

/// `debug parse` refuses what `check` refuses: a device would fill the memory.
#[cfg(unix)]
#[test]
fn debug_parse_reads_only_regular_files() {
    let run = privlint(&["debug", "parse", "/dev/zero"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("not a regular file"), "{}", run.stderr);
}

/// An escape sequence in a policy (or its file name) never reaches the terminal: it could
/// clear the screen or hide findings.
#[test]
fn control_characters_in_a_policy_are_not_printed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("esc\u{1b}[2J.md");
    std::fs::write(
        &path,
        "# 隐私政策\n\n我们收集您的\u{1b}[2J位置信息\u{7}，继续使用即视为同意。\n",
    )
    .unwrap();
    let path = path.to_string_lossy().to_string();
    for format in ["human", "concise", "github"] {
        let run = privlint(&["check", "--color", "always", "--format", format, &path]);
        assert_eq!(run.code, 1, "{format}: {}", run.stderr);
        assert!(run.stdout.contains("位置信息"), "{format}: {}", run.stdout);
        assert!(
            !run.stdout.contains("\u{1b}[2J") && !run.stdout.contains('\u{7}'),
            "{format}: {:?}",
            run.stdout
        );
    }
}

/// `profiles: []` or `select: []` would switch every rule off, and `parse-error` is always
/// reported: each is a setup error pointing into the file, like an unknown profile.
#[test]
fn settings_that_would_check_nothing_are_setup_errors() {
    for (config, message) in [
        ("profiles: []\n", "`profiles` is empty"),
        ("select: []\n", "`select` is empty"),
        ("ignore: [parse-error]\n", "always reported"),
        ("severity:\n  parse-error: off\n", "always reported"),
        (
            "select: [consent]\nignore: [all]\n",
            "leaves none of the selected rules",
        ),
        ("rules: [\"\"]\n", "empty path"),
        ("baseline: \"\"\n", "empty path"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("privlint.yaml"), config).unwrap();
        std::fs::write(
            dir.path().join("p.md"),
            "# 隐私政策\n\n继续使用即视为同意。\n",
        )
        .unwrap();
        let run = common::privlint_in(dir.path(), &["check", "p.md"]);
        assert_eq!(run.code, 2, "{config}: {}", run.stdout);
        assert!(run.stderr.contains(message), "{config}: {}", run.stderr);
        assert!(
            run.stderr.contains("privlint.yaml:"),
            "{config}: {}",
            run.stderr
        );
    }
    // The same on the command line.
    let run = privlint(&[
        "check",
        "--select",
        "all",
        "--ignore",
        "all",
        "fixtures/docs/zh-gaps.txt",
    ]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stderr.contains("leaves none of the selected rules"),
        "{}",
        run.stderr
    );
    // A configuration found by its name is read even when it is no regular file: a dangling
    // link would otherwise leave the run on the defaults without a word.
    #[cfg(unix)]
    {
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink("../shared/privlint.yaml", dir.path().join("privlint.yaml"))
            .unwrap();
        std::fs::write(
            dir.path().join("p.md"),
            "# 隐私政策\n\n继续使用即视为同意。\n",
        )
        .unwrap();
        let run = common::privlint_in(dir.path(), &["check", "p.md"]);
        assert_eq!(run.code, 2, "{}", run.stdout);
        assert!(
            run.stderr.contains("cannot read the configuration"),
            "{}",
            run.stderr
        );
    }
    // An empty `ignore` ignores nothing.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("privlint.yaml"), "ignore: []\n").unwrap();
    std::fs::write(
        dir.path().join("p.md"),
        "# 隐私政策\n\n继续使用即视为同意。\n",
    )
    .unwrap();
    let run = common::privlint_in(dir.path(), &["check", "p.md"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
}

/// A report or baseline written over a file the run checks would destroy the policy: the run
/// stops with a setup error and the file is left as it was.
#[test]
fn a_report_is_never_written_over_a_checked_file() {
    let dir = tempfile::tempdir().unwrap();
    let policy = "# 隐私政策\n\n如您继续使用我们的服务，即视为您同意本政策。\n";
    std::fs::write(dir.path().join("p.md"), policy).unwrap();
    std::fs::hard_link(dir.path().join("p.md"), dir.path().join("p.bak")).unwrap();
    let setup = [
        ("c.yaml", "fail_on: never\n"),
        ("b.json", "{\"version\": 1, \"findings\": []}"),
    ];
    for (name, text) in setup {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    for args in [
        &["check", "--output-file", "p.md", "p.md"][..],
        &["check", "--write-baseline", "./p.md", "."][..],
        // A hard link is the same file under another name.
        &["check", "--output-file", "p.bak", "p.md"][..],
        &["check", "--write-baseline", "p.bak", "p.md"][..],
        // The run's own setup.
        &[
            "check",
            "--config",
            "c.yaml",
            "--output-file",
            "c.yaml",
            "p.md",
        ][..],
        &[
            "check",
            "--baseline",
            "b.json",
            "--output-file",
            "b.json",
            "p.md",
        ][..],
        &[
            "check",
            "--write-baseline",
            "new.json",
            "--output-file",
            "./new.json",
            "p.md",
        ][..],
    ] {
        let run = common::privlint_in(dir.path(), args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stdout);
        assert!(
            run.stderr.contains("would be overwritten")
                || run.stderr.contains("one would overwrite the other"),
            "{}",
            run.stderr
        );
        let kept = std::fs::read_to_string(dir.path().join("p.md")).unwrap();
        assert_eq!(kept, policy, "{args:?}");
        for (name, text) in setup {
            let kept = std::fs::read_to_string(dir.path().join(name)).unwrap();
            assert_eq!(kept, text, "{args:?}");
        }
        assert!(!dir.path().join("new.json").exists(), "{args:?}");
    }
    // A baseline is rewritten in place.
    let run = common::privlint_in(
        dir.path(),
        &[
            "check",
            "--baseline",
            "b.json",
            "--write-baseline",
            "b.json",
            "p.md",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = common::privlint_in(dir.path(), &["check", "--output-file", "out.txt", "p.md"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = std::fs::read_to_string(dir.path().join("out.txt")).unwrap();
    assert!(report.contains("consent-by-continued-use"), "{report}");
}

/// `--statistics` prints a table: asked for in another format, it says so instead of
/// printing the table where JSON or SARIF is expected.
#[test]
fn statistics_only_as_a_table() {
    let dir = tempfile::tempdir().unwrap();
    let policy = "# 隐私政策\n\n如您继续使用我们的服务，即视为您同意本政策。\n";
    std::fs::write(dir.path().join("p.md"), policy).unwrap();
    for format in ["json", "sarif", "github", "junit"] {
        let run = common::privlint_in(
            dir.path(),
            &["check", "--statistics", "--format", format, "p.md"],
        );
        assert_eq!(run.code, 2, "{format}: {}", run.stdout);
        assert!(run.stdout.is_empty(), "{format}: {}", run.stdout);
        assert!(run.stderr.contains("--statistics"), "{}", run.stderr);
    }
    let run = common::privlint_in(
        dir.path(),
        &["check", "--statistics", "--format", "concise", "p.md"],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stdout.contains("consent-by-continued-use"),
        "{}",
        run.stdout
    );
}

/// `-` is not standard input: it is reported as naming no file, with the reason.
#[test]
fn a_dash_names_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let run = common::privlint_in(dir.path(), &["check", "--format", "concise", "-"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.contains("parse-error"), "{}", run.stdout);
    assert!(
        run.stdout.contains("not from standard input"),
        "{}",
        run.stdout
    );
}

/// A line break or a bidirectional override in a manifest's text (or a file name) cannot
/// forge a finding: messages, names and notes stay on one line in the concise and human
/// formats, where each finding is one line or one block.
#[test]
fn manifest_text_cannot_start_a_line_of_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let forged = "README.md:1:1: error[fake-rule] forged";
    std::fs::write(
        dir.path().join("privacy-manifest.yaml"),
        format!(
            "privlint: 1\napp:\n  name: Demo\n  policy: \"x\\n{forged}\\r\"\ndata:\n  - id: card\n    \
             name: \"银行卡号\\n{forged}\\r\\u202ey\"\n    category: basic_profile\n    purposes: [注册登录]\n"
        ),
    )
    .unwrap();
    for format in ["concise", "human"] {
        let run = common::privlint_in(dir.path(), &["check", "--format", format, "."]);
        assert_eq!(run.code, 1, "{format}: {}", run.stderr);
        assert!(run.stdout.contains("forged"), "{format}: {}", run.stdout);
        for line in run.stdout.lines() {
            assert!(!line.starts_with("README.md"), "{format}: {}", run.stdout);
        }
        assert!(
            !run.stdout.contains(['\r', '\u{202e}']),
            "{format}: {:?}",
            run.stdout
        );
    }
}

/// A baseline never accepts a file that cannot be read: recorded while the file was broken,
/// or matched after it broke, a `parse-error` still fails the run.
#[test]
fn a_baseline_never_accepts_an_unreadable_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("p.md"), [0xff, 0xfe, 0x00, 0xd8, 0x00]).unwrap();
    let run = common::privlint_in(dir.path(), &["check", "--write-baseline", "b.json", "p.md"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let baseline = std::fs::read_to_string(dir.path().join("b.json")).unwrap();
    assert!(!baseline.contains("parse-error"), "{baseline}");
    let run = common::privlint_in(dir.path(), &["check", "--baseline", "b.json", "p.md"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(run.stdout.contains("parse-error"), "{}", run.stdout);
    // A baseline naming the parse error's fingerprint (written by hand, or by an earlier
    // version) does not accept it either.
    let run = common::privlint_in(dir.path(), &["check", "--format", "json", "p.md"]);
    let report = common::json(&run);
    let fingerprint = report["findings"][0]["fingerprint"].as_str().unwrap();
    let entry = serde_json::json!({
        "version": 1,
        "findings": [{"rule": "parse-error", "path": "p.md", "fingerprint": fingerprint}]
    });
    std::fs::write(dir.path().join("old.json"), entry.to_string()).unwrap();
    let run = common::privlint_in(dir.path(), &["check", "--baseline", "old.json", "p.md"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(run.stdout.contains("parse-error"), "{}", run.stdout);
}

/// A user rule file saved by a Windows editor (byte-order mark, `.YAML`) loads, and a
/// directory named twice under two spellings is read once instead of clashing with itself.
#[test]
fn user_rules_load_once_whatever_their_spelling() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("house")).unwrap();
    let rule = "\u{feff}id: house-word
title: {en: The house word, zh: 内部用语}
severity: warning
langs: [en]
references: [\"none\"]
message: {en: The house word is used., zh: 使用了内部用语。}
help: {en: Say it plainly., zh: 请直白表述。}
description: \"## What it checks\\nThe word.\\n## Why it matters\\nIt is ours.\"
check:
  kind: forbid
  patterns:
    en: ['flibbertigibbet']
examples:
  valid: [{lang: en, text: \"plain words\"}]
  invalid: [{lang: en, text: \"a flibbertigibbet here\", expect: [\"flibbertigibbet\"]}]
";
    std::fs::write(dir.path().join("house/house-word.YAML"), rule).unwrap();
    std::fs::write(
        dir.path().join("p.txt"),
        "Privacy Policy\n\nWe are a flibbertigibbet.\n",
    )
    .unwrap();
    let run = common::privlint_in(
        dir.path(),
        &[
            "check",
            "--isolated",
            "--select",
            "house-word",
            "--rules",
            "house",
            "--rules",
            "./house/",
            "p.txt",
        ],
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(
        run.stdout.matches("house-word").count(),
        1,
        "{}",
        run.stdout
    );
    // A report is never written over a rule file.
    let run = common::privlint_in(
        dir.path(),
        &[
            "check",
            "--rules",
            "house",
            "--output-file",
            "house/house-word.YAML",
            "p.txt",
        ],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("names a rule file"), "{}", run.stderr);
    // A file where a directory is expected is named as such.
    let run = common::privlint_in(dir.path(), &["check", "--rules", "p.txt", "p.txt"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("is not a directory"), "{}", run.stderr);
}

/// A baseline saved with a byte-order mark is read, and a syntax error in it still points
/// at the right byte.
#[test]
fn a_baseline_with_a_byte_order_mark_is_read() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/docs/zh-gaps.txt"),
        dir.path().join("p.txt"),
    )
    .unwrap();
    let run = common::privlint_in(
        dir.path(),
        &["check", "--write-baseline", "b.json", "p.txt"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let written = std::fs::read_to_string(dir.path().join("b.json")).unwrap();
    std::fs::write(dir.path().join("b.json"), format!("\u{feff}{written}")).unwrap();
    let run = common::privlint_in(dir.path(), &["check", "--baseline", "b.json", "p.txt"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    std::fs::write(
        dir.path().join("bad.json"),
        "\u{feff}{\"version\": 1,\n  oops}",
    )
    .unwrap();
    let run = common::privlint_in(dir.path(), &["check", "--baseline", "bad.json", "p.txt"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("bad.json:2:3"), "{}", run.stderr);
}

/// The aliases of the manifest rules work wherever a rule id does: directives, the
/// configuration's `severity`, `privlint rule`.
#[test]
fn rule_aliases_work_wherever_ids_do() {
    let run = privlint(&["rule", "manifest-sdk-not-disclosed"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("undisclosed-sdk"), "{}", run.stdout);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("privlint.yaml"),
        "severity:\n  manifest-field-not-disclosed: warning\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("privacy-policy.md"),
        "# 隐私政策\n\n我们收集您的手机号码，用于账号登录。\n",
    )
    .unwrap();
    let manifest = "privlint: 1
app:
  name: 示例
data:
  - id: location
    # privlint-disable-next-line manifest-field-not-disclosed -- reviewed
    name: 精确位置
    category: whereabouts
    purposes: [导航]
  - id: contacts
    name: 通讯录
    category: contacts
    purposes: [好友推荐]
";
    std::fs::write(dir.path().join("privacy-manifest.yaml"), manifest).unwrap();
    let run = common::privlint_in(
        dir.path(),
        &["check", "--format", "json", "--fail-on", "never", "."],
    );
    let report = common::json(&run);
    let undisclosed: Vec<(&str, &str)> = (report["findings"].as_array().unwrap().iter())
        .filter(|f| f["rule"] == "undisclosed-data")
        .map(|f| {
            (
                f["location"]["text"].as_str().unwrap(),
                f["severity"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(undisclosed.len(), 1, "{report}");
    assert_eq!(undisclosed[0].1, "warning", "{report}");
    assert!(
        !report.to_string().contains("invalid-suppression"),
        "{report}"
    );
    assert_eq!(report["summary"]["suppressed"], 1, "{report}");
}
