//! A whole repository as CI sees it: `fixtures/repo/` has a privlint.yaml (select, ignore,
//! severity, per-file ignores, file globs, a baseline), Chinese and English policies in
//! Markdown, HTML and plain text, and in-document suppressions of every kind (one unused, one
//! invalid). The binary runs inside it, so every path in the output is relative and stable.

use std::path::{Path, PathBuf};

mod common;
use common::{Run, json, privlint_in};

const REPO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/repo");

fn in_repo(args: &[&str]) -> Run {
    privlint_in(Path::new(REPO), args)
}

/// Shared material outside the repository (`../shared`, or `PRIVLINT_SHARED`); `None` when
/// it is absent, so the tests that use it skip on a plain checkout.
fn shared(relative: &str) -> Option<PathBuf> {
    let root = std::env::var_os("PRIVLINT_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    let path = root.join(relative);
    if path.exists() {
        Some(path)
    } else {
        eprintln!("skipped: {} is absent", path.display());
        None
    }
}

#[test]
fn report_in_every_format() {
    for format in ["human", "concise", "json", "sarif", "github", "junit"] {
        let run = in_repo(&["check", "--format", format, "--color", "never"]);
        assert_eq!(run.code, 1, "{format}: {}", run.stderr);
        assert!(run.stderr.is_empty(), "{format}: {}", run.stderr);
        insta::assert_snapshot!(format!("repo_{format}"), run.stdout);
    }
}

#[test]
fn statistics() {
    let run = in_repo(&["check", "--statistics"]);
    assert_eq!(run.code, 1);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn the_configuration_shapes_the_run() {
    let report = json(&in_repo(&["check", "--format", "json"]));
    let paths: Vec<&str> = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    // files.include keeps README.md out, files.exclude the drafts.
    assert_eq!(
        paths,
        [
            "docs/en/privacy.html",
            "docs/zh/privacy.md",
            "docs/zh/sdk-notice.txt"
        ]
    );
    let found = |rule: &str| {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == rule)
            .map(|f| {
                format!(
                    "{} {}",
                    f["location"]["path"].as_str().unwrap(),
                    f["severity"].as_str().unwrap()
                )
            })
            .collect::<Vec<_>>()
    };
    // severity: overrides, and `off`.
    assert_eq!(
        found("missing-effective-date"),
        ["docs/zh/sdk-notice.txt error"]
    );
    assert_eq!(
        found("vague-retention-period"),
        ["docs/en/privacy.html info", "docs/zh/privacy.md info"]
    );
    // Not selected (the transfer tag), ignored, off: none of them is reported anywhere.
    for rule in [
        "missing-cross-border-statement",
        "missing-response-deadline",
        "missing-minor-protection",
    ] {
        assert!(found(rule).is_empty(), "{rule}: {:?}", found(rule));
    }
    // The same repository without its configuration.
    let isolated = json(&in_repo(&["check", "--format", "json", "--isolated"]));
    let isolated_rules: Vec<String> = isolated["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| format!("{} {}", f["location"]["path"], f["rule"]))
        .collect();
    for expected in [
        r#""README.md" "consent-by-continued-use""#,
        r#""docs/drafts/old-policy.md" "consent-by-continued-use""#,
        // per_file_ignores drops this one for docs/en/*.html only.
        r#""docs/en/privacy.html" "missing-complaint-channel""#,
        r#""docs/en/privacy.html" "missing-cross-border-statement""#,
        r#""docs/zh/sdk-notice.txt" "missing-minor-protection""#,
    ] {
        assert!(
            isolated_rules.iter().any(|r| r == expected),
            "{expected} not in {isolated_rules:#?}"
        );
    }
}

#[test]
fn command_line_overrides_the_configuration() {
    let run = in_repo(&[
        "check",
        "--format",
        "concise",
        "--select",
        "sensitive-pi-without-purpose",
    ]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout
            .lines()
            .all(|l| !l.contains('[') || l.contains("[sensitive-pi-without-purpose]")),
        "{}",
        run.stdout
    );
    // Only infos are left without these tags: the file's `fail_on: warning` passes them, the
    // command line's `--fail-on info` does not.
    let infos_only = [
        "check",
        "--ignore",
        "suppression,sensitive,notice,claims,rights",
    ];
    let run = in_repo(&infos_only);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stdout.contains("0 errors, 0 warnings, 2 infos"),
        "{}",
        run.stdout
    );
    assert_eq!(
        in_repo(&[&infos_only[..], &["--fail-on", "info"]].concat()).code,
        1
    );
    assert_eq!(in_repo(&["check", "--fail-on", "never"]).code, 0);
}

#[test]
fn configuration_is_found_from_a_subdirectory() {
    let run = privlint_in(
        &Path::new(REPO).join("docs/zh"),
        &["check", "--format", "concise", "."],
    );
    // The baseline and per-file settings of ../../privlint.yaml apply.
    assert!(run.stdout.contains("in the baseline"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("privacy.md:14:8: error[sensitive-pi-without-purpose]"),
        "{}",
        run.stdout
    );
}

#[test]
fn every_kind_of_suppression_works_and_can_be_switched_off() {
    let with = json(&in_repo(&["check", "--format", "json"]));
    assert_eq!(with["summary"]["suppressed"], 5);
    let without = json(&in_repo(&[
        "check",
        "--format",
        "json",
        "--no-inline-suppressions",
    ]));
    assert_eq!(without["summary"]["suppressed"], 0);
    let rules_at = |report: &serde_json::Value| -> Vec<String> {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                format!(
                    "{}:{} {}",
                    f["location"]["path"].as_str().unwrap(),
                    f["location"]["start"]["line"],
                    f["rule"].as_str().unwrap()
                )
            })
            .collect()
    };
    let (with, without) = (rules_at(&with), rules_at(&without));
    let switched_off = [
        // disable-next-block, with a reason
        "docs/zh/privacy.md:8 consent-by-continued-use",
        "docs/en/privacy.html:11 forced-bundled-consent",
        // disable ... enable
        "docs/zh/privacy.md:17 sensitive-pi-without-purpose",
        // disable-file, two rules
        "docs/zh/sdk-notice.txt:1 missing-withdrawal-path",
        "docs/zh/sdk-notice.txt:1 missing-account-deletion",
    ];
    for finding in switched_off {
        assert!(!with.iter().any(|f| f == finding), "{finding} suppressed");
        assert!(
            without.iter().any(|f| f == finding),
            "{finding} without suppressions"
        );
    }
    // The directive after `enable` no longer covers the next finding of the rule.
    assert!(
        with.iter()
            .any(|f| f == "docs/zh/privacy.md:14 sensitive-pi-without-purpose")
    );
    for problem in [
        "docs/zh/privacy.md:30 unused-suppression",
        "docs/zh/sdk-notice.txt:4 invalid-suppression",
    ] {
        assert!(with.iter().any(|f| f == problem), "{problem} in {with:#?}");
        assert!(
            !without.iter().any(|f| f == problem),
            "directives are not read"
        );
    }
}

#[test]
fn output_file_holds_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("privlint.sarif");
    let run = in_repo(&[
        "check",
        "--format",
        "sarif",
        "--output-file",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 1, "the exit code still gates");
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    let written = std::fs::read_to_string(&out).unwrap();
    assert_eq!(written, in_repo(&["check", "--format", "sarif"]).stdout);
}

/// Check a SARIF log against the official schema (when present) and what code scanning needs.
fn check_sarif(name: &str, text: &str, schema: Option<&jsonschema::Validator>, files: &Path) {
    let log: serde_json::Value = serde_json::from_str(text).expect("SARIF is JSON");
    if let Some(validator) = schema {
        let errors: Vec<String> = validator
            .iter_errors(&log)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:#?}");
        // The validator is not vacuous: a level SARIF does not know is refused.
        let mut broken = log.clone();
        broken["runs"][0]["results"][0]["level"] = "fatal".into();
        assert!(
            !validator.is_valid(&broken),
            "{name}: the schema checks levels"
        );
    }
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    assert_eq!(run["columnKind"], "unicodeCodePoints", "{name}");
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    assert!(rules.len() >= 20, "{name}: every loaded rule is described");
    for rule in rules {
        let id = rule["id"].as_str().unwrap();
        for key in ["shortDescription", "fullDescription"] {
            assert!(
                !rule[key]["text"].as_str().unwrap_or("").trim().is_empty(),
                "{name}: {id} {key}"
            );
        }
        assert!(
            !rule["help"]["text"].as_str().unwrap_or("").is_empty(),
            "{id} help"
        );
        assert!(
            !rule["help"]["markdown"].as_str().unwrap_or("").is_empty(),
            "{id} help"
        );
        let uri = rule["helpUri"].as_str().unwrap_or("");
        assert!(
            uri.starts_with("https://github.com/privlint/privlint/blob/main/rules/")
                && uri.ends_with(&format!("/{id}.yaml")),
            "{name}: {id} helpUri {uri}"
        );
    }
    let results = run["results"].as_array().expect("results");
    assert!(!results.is_empty(), "{name}: has findings");
    for result in results {
        let rule = result["ruleId"].as_str().unwrap();
        let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"], rule, "{name}: ruleIndex");
        let fingerprint = result["partialFingerprints"]["privlint/v1"]
            .as_str()
            .unwrap_or("");
        assert_eq!(fingerprint.len(), 16, "{name}: {rule} partialFingerprints");
        let location = &result["locations"][0]["physicalLocation"];
        let region = &location["region"];
        let uri = location["artifactLocation"]["uri"].as_str().unwrap();
        // Columns count characters: the snippet is exactly the characters between them.
        let (line, start, end) = (
            region["startLine"].as_u64().unwrap() as usize,
            region["startColumn"].as_u64().unwrap() as usize,
            region["endColumn"].as_u64().unwrap() as usize,
        );
        if region["endLine"].as_u64() == Some(line as u64) {
            let path = files.join(uri);
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let source_line = text.lines().nth(line - 1).unwrap_or("");
            let between: String = source_line
                .chars()
                .skip(start - 1)
                .take(end - start)
                .collect();
            assert_eq!(
                between,
                region["snippet"]["text"].as_str().unwrap(),
                "{name}: {rule} at {uri}:{line}:{start}"
            );
        }
    }
}

fn sarif_validator() -> Option<jsonschema::Validator> {
    let path = shared("schemas/sarif-schema-2.1.0.json")?;
    // The schema's pattern for `language` has a stray `]` that strict regular-expression
    // engines refuse, so the schema itself would not compile. privlint never writes
    // `language`; the pattern is replaced by what it means.
    let text = std::fs::read_to_string(path).unwrap().replace(
        "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$",
        "^[a-zA-Z]{2}(-[a-zA-Z]{2})?$",
    );
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    Some(jsonschema::validator_for(&schema).expect("the SARIF schema compiles"))
}

/// A skipped file and a file that is not a policy leave a trace in every CI format: a SARIF
/// tool notification, a JUnit `system-out` or `skipped`, a GitHub notice or warning.
#[test]
fn notes_and_skipped_files_reach_every_ci_format() {
    let dir = tempfile::tempdir().unwrap();
    let policy = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/docs/zh-gaps.txt"),
    )
    .unwrap();
    std::fs::write(dir.path().join("policy.txt"), &policy).unwrap();
    std::fs::write(
        dir.path().join("large.txt"),
        policy.repeat(1 + (2 << 20) / policy.len()),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("readme.md"),
        "# Build notes\n\nRun make to build the app.\n",
    )
    .unwrap();
    let run = |format: &str| {
        privlint_in(
            dir.path(),
            &[
                "check",
                "--isolated",
                "--max-file-size",
                "1",
                "--format",
                format,
                ".",
            ],
        )
    };
    let validator = sarif_validator();
    let sarif = run("sarif").stdout;
    check_sarif("notes", &sarif, validator.as_ref(), dir.path());
    let log: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    let notifications = &log["runs"][0]["invocations"][0]["toolExecutionNotifications"];
    let by_file: Vec<(&str, &str)> = (notifications.as_array().unwrap().iter())
        .map(|n| {
            let uri = &n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
            (uri.as_str().unwrap(), n["level"].as_str().unwrap())
        })
        .collect();
    assert_eq!(
        by_file,
        [("large.txt", "warning"), ("readme.md", "note")],
        "{notifications}"
    );
    let junit = run("junit").stdout;
    assert!(
        junit.contains("<skipped message=\"larger than the 1 MiB limit"),
        "{junit}"
    );
    assert!(
        junit.contains("<system-out>not recognised as a privacy policy"),
        "{junit}"
    );
    let github = run("github").stdout;
    assert!(
        github.contains("::warning file=large.txt,title=privlint skipped this file"),
        "{github}"
    );
    assert!(
        github.contains("::notice file=readme.md,title=privlint note::"),
        "{github}"
    );
}

#[test]
fn sarif_is_valid_and_complete() {
    let validator = sarif_validator();
    let run = in_repo(&["check", "--format", "sarif"]);
    check_sarif(
        "fixtures/repo",
        &run.stdout,
        validator.as_ref(),
        Path::new(REPO),
    );
    // The real policies privlint must report correctly.
    let Some(seeds) = shared("seeds") else {
        return;
    };
    let mut seed_files: Vec<PathBuf> = std::fs::read_dir(&seeds)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    seed_files.sort();
    assert!(
        !seed_files.is_empty(),
        "{} holds seed policies",
        seeds.display()
    );
    for seed in seed_files {
        let name = seed.file_name().unwrap().to_string_lossy().to_string();
        let run = privlint_in(&seeds, &["check", "--isolated", "--format", "sarif", &name]);
        assert_eq!(run.code, 1, "{name}: {}", run.stderr);
        check_sarif(&name, &run.stdout, validator.as_ref(), &seeds);
    }
}

/// Undo the workflow-command escaping of a property value or of the message.
fn unescape(text: &str) -> String {
    text.replace("%2C", ",")
        .replace("%3A", ":")
        .replace("%0A", "\n")
        .replace("%0D", "\r")
        .replace("%25", "%")
}

/// Parse `::level file=..,line=..,col=..,endLine=..,endColumn=..,title=..::message`, checking
/// that no property or message carries a character the runner would misread.
fn annotation(line: &str) -> (String, Vec<(String, String)>, String) {
    let rest = line.strip_prefix("::").expect("starts with ::");
    let (command, rest) = rest.split_once(' ').expect("command and properties");
    assert!(["error", "warning", "notice"].contains(&command), "{line}");
    let (properties, message) = rest.split_once("::").expect(":: before the message");
    assert!(!message.contains(['\n', '\r']), "{line}");
    let properties: Vec<(String, String)> = properties
        .split(',')
        .map(|p| {
            let (key, value) = p.split_once('=').expect("key=value");
            assert!(!value.contains(':'), "{line}");
            (key.to_string(), unescape(value))
        })
        .collect();
    let keys: Vec<&str> = properties.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        ["file", "line", "col", "endLine", "endColumn", "title"],
        "{line}"
    );
    for (key, value) in &properties[1..5] {
        assert!(value.parse::<u32>().is_ok_and(|n| n > 0), "{key}={value}");
    }
    for escaped in message.match_indices('%') {
        let code = &message[escaped.0..(escaped.0 + 3).min(message.len())];
        assert!(["%25", "%0A", "%0D"].contains(&code), "{line}");
    }
    (command.to_string(), properties, unescape(message))
}

#[test]
fn github_annotations_are_well_formed() {
    // A file name and a finding that need escaping: `,` `:` `%` in the path, `%` in the text.
    let dir = tempfile::tempdir().unwrap();
    let name = "50%,v2:final.md";
    std::fs::write(
        dir.path().join(name),
        "# Privacy Policy\n\nBy using 100% of the app, you agree to this policy.\n",
    )
    .unwrap();
    let cases = [
        (Path::new(REPO).to_path_buf(), vec!["check"]),
        (dir.path().to_path_buf(), vec!["check", "--isolated", name]),
    ];
    let mut messages = 0;
    for (dir, args) in cases {
        let github = privlint_in(&dir, &[&args[..], &["--format", "github"]].concat());
        let report = json(&privlint_in(
            &dir,
            &[&args[..], &["--format", "json"]].concat(),
        ));
        let findings = report["findings"].as_array().unwrap();
        let lines: Vec<&str> = github.stdout.lines().collect();
        assert_eq!(lines.len(), findings.len(), "{}", github.stdout);
        for (line, finding) in lines.iter().zip(findings) {
            let (command, properties, message) = annotation(line);
            let level = match finding["severity"].as_str().unwrap() {
                "info" => "notice",
                other => other,
            };
            assert_eq!(command, level);
            let location = &finding["location"];
            let expected = [
                location["path"].as_str().unwrap().to_string(),
                location["start"]["line"].to_string(),
                location["start"]["column"].to_string(),
                location["end"]["line"].to_string(),
                location["end"]["column"].to_string(),
                format!("privlint {}", finding["rule"].as_str().unwrap()),
            ];
            let values: Vec<&str> = properties.iter().map(|(_, v)| v.as_str()).collect();
            assert_eq!(values, expected);
            assert!(
                message.starts_with(finding["message"].as_str().unwrap()),
                "{message}"
            );
            messages += 1;
        }
    }
    assert!(messages > 1);
    // The escaped forms themselves, as the runner reads them.
    let special = privlint_in(
        dir.path(),
        &["check", "--isolated", "--format", "github", name],
    );
    assert!(
        special
            .stdout
            .contains("file=50%25%2Cv2%3Afinal.md,line=3,"),
        "{}",
        special.stdout
    );
    assert!(
        special.stdout.contains("By using 100%25 of the app"),
        "{}",
        special.stdout
    );
}

#[test]
fn junit_is_well_formed_xml() {
    use quick_xml::XmlVersion;
    use quick_xml::events::Event;

    // The fixture repository (its messages and help texts hold `<`, `&` and quotes), and a run
    // with a missing file.
    let runs: [&[&str]; 2] = [
        &["check"],
        &["check", "--isolated", "missing.md", "docs/en/privacy.html"],
    ];
    for args in runs {
        let junit = in_repo(&[args, &["--format", "junit"]].concat()).stdout;
        let report = json(&in_repo(&[args, &["--format", "json"]].concat()));
        let mut reader = quick_xml::Reader::from_str(&junit);
        reader.config_mut().check_end_names = true;
        let (mut cases, mut declared, mut depth) = (0, None, 0i32);
        let (mut messages, mut bodies) = (Vec::new(), Vec::new());
        loop {
            let event = reader
                .read_event()
                .unwrap_or_else(|e| panic!("{e}: {junit}"));
            if let Event::Start(e) | Event::Empty(e) = &event {
                let attribute = |name: &str| {
                    e.try_get_attribute(name).unwrap().map(|a| {
                        a.normalized_value(XmlVersion::Implicit1_0)
                            .unwrap()
                            .into_owned()
                    })
                };
                match e.name().as_ref() {
                    b"testsuites" => {
                        let count = |name| attribute(name).unwrap().parse::<usize>().unwrap();
                        declared = Some((count("tests"), count("failures")));
                    }
                    b"testcase" => cases += 1,
                    b"failure" => messages.push(attribute("message").unwrap()),
                    _ => {}
                }
            }
            match event {
                Event::Start(e) => {
                    depth += 1;
                    if e.name().as_ref() == b"failure" {
                        bodies.push(String::new());
                    }
                }
                Event::End(_) => depth -= 1,
                Event::Text(text) if depth == 4 => {
                    bodies
                        .last_mut()
                        .unwrap()
                        .push_str(&text.xml10_content().unwrap());
                }
                Event::GeneralRef(reference) if depth == 4 => {
                    let resolved = match reference.resolve_char_ref().unwrap() {
                        Some(c) => c.to_string(),
                        None => quick_xml::escape::resolve_predefined_entity(
                            &reference.decode().unwrap(),
                        )
                        .expect("a predefined entity")
                        .to_string(),
                    };
                    bodies.last_mut().unwrap().push_str(&resolved);
                }
                Event::Eof => break,
                _ => {}
            }
        }
        assert_eq!(depth, 0);
        assert_eq!(declared, Some((cases, messages.len())), "{junit}");
        let findings = report["findings"].as_array().unwrap();
        let expected: Vec<&str> = findings
            .iter()
            .map(|f| f["message"].as_str().unwrap())
            .collect();
        assert_eq!(messages, expected);
        for (body, finding) in bodies.iter().zip(findings) {
            let location = &finding["location"];
            let head = format!(
                "{}:{}:{}: {}[{}] {}\n{}",
                location["path"].as_str().unwrap(),
                location["start"]["line"],
                location["start"]["column"],
                finding["severity"].as_str().unwrap(),
                finding["rule"].as_str().unwrap(),
                finding["message"].as_str().unwrap(),
                finding["help"].as_str().unwrap()
            );
            assert!(body.starts_with(&head), "{body}\n---\n{head}");
        }
        assert_eq!(bodies.len(), findings.len());
    }
}

#[test]
fn baseline_survives_inserted_text_and_reports_new_findings() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("privacy.txt");
    let original = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/docs/zh-gaps.txt"),
    )
    .unwrap();
    std::fs::write(&policy, &original).unwrap();
    let check = |extra: &[&str]| {
        json(&privlint_in(
            dir.path(),
            &[
                &["check", "--isolated", "--format", "json", "privacy.txt"],
                extra,
            ]
            .concat(),
        ))
    };
    let before = check(&[]);
    let old = before["findings"].as_array().unwrap().len();
    assert!(old >= 5, "the policy has findings to accept");

    // Writing a baseline accepts every current finding.
    let written = check(&["--write-baseline", "baseline.json"]);
    assert_eq!(written["summary"]["baselined"], old);
    assert!(written["findings"].as_array().unwrap().is_empty());

    // Text inserted at the top moves every finding down; a new violation is added below.
    let edited = format!(
        "本政策适用于示例商城网站、App及小程序。\n\n{}\n如您继续使用本服务，即视为您同意本政策的全部内容。\n",
        original.trim_end()
    );
    std::fs::write(&policy, &edited).unwrap();
    let after = check(&["--baseline", "baseline.json"]);
    assert_eq!(after["summary"]["baselined"], old, "{after:#}");
    let new: Vec<String> = after["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f["rule"].as_str().unwrap(),
                f["location"]["start"]["line"]
            )
        })
        .collect();
    let last_line = edited.lines().count();
    assert_eq!(new, [format!("consent-by-continued-use {last_line}")]);
    // The lines really moved: the same findings without the baseline sit two lines lower.
    let moved = check(&[]);
    let first_line = |report: &serde_json::Value| {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == "consent-by-continued-use")
            .map(|f| f["location"]["start"]["line"].as_u64().unwrap())
            .min()
            .unwrap()
    };
    assert_eq!(first_line(&moved), first_line(&before) + 2);
}

#[test]
fn writing_a_baseline_does_not_need_the_old_one() {
    // The configuration names a baseline that does not exist yet.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("privlint.yaml"),
        "baseline: baseline.json\n",
    )
    .unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/docs/en-gaps.html"),
        dir.path().join("privacy.html"),
    )
    .unwrap();
    let missing = privlint_in(dir.path(), &["check"]);
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.contains("cannot read the baseline"),
        "{}",
        missing.stderr
    );
    assert!(
        missing.stderr.contains("--write-baseline"),
        "{}",
        missing.stderr
    );
    let write = privlint_in(dir.path(), &["check", "--write-baseline", "baseline.json"]);
    assert_eq!(write.code, 0, "{}{}", write.stdout, write.stderr);
    let again = privlint_in(dir.path(), &["check"]);
    assert_eq!(again.code, 0, "{}", again.stdout);
    assert!(again.stdout.contains("in the baseline"), "{}", again.stdout);
}

/// Output with the checkout's absolute path replaced, so snapshots are machine-independent.
fn portable(text: &str) -> String {
    text.replace(env!("CARGO_MANIFEST_DIR"), "[CHECKOUT]")
}

#[test]
fn debug_config_shows_the_resolved_settings() {
    let run = in_repo(&["debug", "config"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!(portable(&run.stdout));
}

#[test]
fn unknown_configuration_keys_point_into_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("privlint.yaml");
    std::fs::write(
        &config,
        "fail_on: warning\nfiles:\n  include: [\"docs/**\"]\n  exlude: [\"docs/drafts/**\"]\n",
    )
    .unwrap();
    let run = privlint_in(dir.path(), &["check", "--config", "privlint.yaml"]);
    assert_eq!(run.code, 2);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    insta::assert_snapshot!(run.stderr);
}
