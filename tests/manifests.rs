//! Manifests next to their policies: the projects in `fixtures/projects/` (consistent and
//! inconsistent, Chinese and English, broken YAML, a manifest without a policy, a manifest
//! that names its policy), explicit pairing with `--manifest`, refused YAML, and the JSON
//! Schema that editors validate manifests with.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

mod common;
use common::{Run, json, privlint_in};

const PROJECTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/projects");

fn privlint(args: &[&str]) -> Run {
    privlint_in(Path::new(PROJECTS), args)
}

/// Each finding as `rule path:line`, with ` -> path:line` for each related location.
fn findings(report: &Value) -> BTreeSet<String> {
    let at = |location: &Value| {
        format!(
            "{}:{}",
            location["path"].as_str().unwrap(),
            location["start"]["line"]
        )
    };
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let mut line = format!("{} {}", f["rule"].as_str().unwrap(), at(&f["location"]));
            for related in f["related"].as_array().into_iter().flatten() {
                line.push_str(&format!(" -> {}", at(related)));
            }
            line
        })
        .collect()
}

const PROJECT_NAMES: &[&str] = &[
    "zh-consistent",
    "zh-inconsistent",
    "en-consistent",
    "broken-yaml",
    "unpaired",
    "named-policy",
];

#[test]
fn project_reports() {
    for project in PROJECT_NAMES {
        for format in ["human", "json"] {
            let run = privlint(&["check", project, "--format", format]);
            assert!(
                run.code == 0 || run.code == 1,
                "{project}: exit {}: {}",
                run.code,
                run.stderr
            );
            insta::assert_snapshot!(format!("{project}_{format}"), run.stdout);
        }
    }
}

#[test]
fn consistent_projects_are_clean() {
    for project in ["zh-consistent", "en-consistent"] {
        let run = privlint(&["check", project, "--format", "json"]);
        let report = json(&run);
        assert_eq!(run.code, 0, "{project}: {:#?}", findings(&report));
        let files = report["files"].as_array().unwrap();
        let kinds: BTreeSet<&str> = files.iter().map(|f| f["kind"].as_str().unwrap()).collect();
        assert_eq!(kinds, BTreeSet::from(["manifest", "policy"]), "{project}");
        assert!(
            files.iter().all(|f| f["note"].is_null()),
            "{project}: paired"
        );
    }
}

#[test]
fn every_planted_inconsistency_is_found_and_nothing_else() {
    let run = privlint(&["check", "zh-inconsistent", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = json(&run);
    let policy = "zh-inconsistent/privacy-policy.md";
    let manifest = "zh-inconsistent/privacy-manifest.yaml";
    let expected: BTreeSet<String> = [
        // The policy lists a push SDK the manifest does not declare.
        format!("policy-sdk-not-declared {policy}:47 -> {manifest}:41"),
        format!("manifest-sensitive-without-separate-consent {manifest}:18"),
        // Bank card numbers and the address book are declared, never disclosed.
        format!("undisclosed-data {manifest}:23 -> {policy}:9"),
        format!("undisclosed-data {manifest}:28 -> {policy}:9"),
        format!("manifest-sensitive-without-purpose {manifest}:30"),
        format!("manifest-permission-without-purpose {manifest}:36"),
        format!("undisclosed-permission {manifest}:36 -> {policy}:50"),
        // The face SDK receives bank card numbers; its entry in the policy does not say so.
        format!("sdk-scope-mismatch {manifest}:45 -> {policy}:48"),
        format!("sdk-entry-incomplete {manifest}:47"),
        format!("undisclosed-sdk {manifest}:47 -> {policy}:47"),
        format!("sdk-entry-incomplete {manifest}:52"),
        format!("undisclosed-sdk {manifest}:52 -> {policy}:47"),
        format!("manifest-unresolved-reference {manifest}:54"),
        // The statistics SDK sends data to the US; the policy says data stays in China.
        format!("missing-cross-border-statement {policy}:23 -> {manifest}:51"),
    ]
    .into_iter()
    .collect();
    assert_eq!(findings(&report), expected);
    // RECORD_AUDIO is undisclosed too, but suppressed in the manifest.
    assert_eq!(report["summary"]["suppressed"], 1);
    let cross_border = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "missing-cross-border-statement")
        .unwrap();
    assert_eq!(cross_border["severity"], "error", "raised by the manifest");
}

/// A temporary project with `privacy-policy.md` and `privacy-manifest.yaml`.
fn project(policy: &str, manifest: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("privacy-policy.md"), policy).unwrap();
    std::fs::write(dir.path().join("privacy-manifest.yaml"), manifest).unwrap();
    dir
}

/// The JSON report of `privlint check .` in `dir` with only the `select`ed rules.
fn check_selected(dir: &Path, select: &str) -> Value {
    json(&privlint_in(
        dir,
        &["check", ".", "--format", "json", "--select", select],
    ))
}

#[test]
fn declared_children_and_foreign_storage_raise_the_text_findings() {
    let dir = project(
        "# 隐私政策\n\n示例科技有限公司运营本应用。联系邮箱：privacy@example.cn。\n",
        "privlint: 1\napp:\n  audiences: [children_under_14]\n  regions: [SG]\n",
    );
    let report = check_selected(dir.path(), "transfer,minors");
    let found = findings(&report);
    assert!(
        found.contains("missing-minor-protection privacy-policy.md:1 -> privacy-manifest.yaml:3"),
        "{found:#?}"
    );
    assert!(
        found.contains(
            "missing-cross-border-statement privacy-policy.md:1 -> privacy-manifest.yaml:4"
        ),
        "{found:#?}"
    );
    assert_eq!(
        found.len(),
        2,
        "one finding each, not a text and a cross duplicate"
    );
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["severity"] == "error")
    );
}

#[test]
fn a_policy_that_keeps_data_at_home_contradicts_a_foreign_region() {
    let policy = "# Privacy Policy\n\nAll personal information is stored on servers in China.\n";
    let manifest = "privlint: 1\ndata:\n  - id: email\n    name: email\n    category: basic_profile\n    purposes: [sign-in]\n    storage_region: US\n";
    let dir = project(policy, manifest);
    let found = findings(&check_selected(dir.path(), "transfer"));
    assert_eq!(
        found,
        BTreeSet::from([
            "missing-cross-border-statement privacy-policy.md:1 -> privacy-manifest.yaml:7"
                .to_string()
        ])
    );
    // Near miss: the policy provides for the transfer.
    let provides = format!(
        "{policy}\nWe transfer your email address to our US processor under standard contractual clauses.\n"
    );
    std::fs::write(dir.path().join("privacy-policy.md"), provides).unwrap();
    let found = findings(&check_selected(dir.path(), "transfer"));
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn without_an_sdk_list_each_sdk_the_text_never_names_is_undisclosed() {
    let dir = project(
        "# 隐私政策\n\n为实现消息推送，我们接入了第三方SDK（极光推送），它会收集设备标识信息。\n",
        "privlint: 1\nsdks:\n  - name: 极光推送SDK\n    data: [device]\n  - name: 示例统计SDK\n    data: [device]\n",
    );
    let report = check_selected(dir.path(), "sdk,cross-check");
    let found: BTreeSet<String> = findings(&report)
        .into_iter()
        .filter(|f| !f.starts_with("sdk-entry-incomplete"))
        .collect();
    assert_eq!(
        found,
        BTreeSet::from([
            "missing-sdk-list privacy-policy.md:1 -> privacy-manifest.yaml:2".to_string(),
            // 极光推送 is named in the text; the statistics SDK is not.
            "undisclosed-sdk privacy-manifest.yaml:5 -> privacy-policy.md:1".to_string(),
        ])
    );
}

#[test]
fn broken_yaml_is_a_parse_error_in_the_file_and_the_policy_is_still_checked() {
    let run = privlint(&["check", "broken-yaml", "--format", "json"]);
    assert_eq!(run.code, 1);
    let report = json(&run);
    assert_eq!(
        findings(&report),
        BTreeSet::from(["parse-error broken-yaml/privacy-manifest.yaml:8".to_string()])
    );
    let files = report["files"].as_array().unwrap();
    assert!(
        files
            .iter()
            .any(|f| f["path"] == "broken-yaml/privacy-policy.md" && f["status"] == "checked")
    );
    let human = privlint(&["check", "broken-yaml/privacy-manifest.yaml"]);
    assert!(
        human.stdout.contains("privacy-manifest.yaml:8:7"),
        "{}",
        human.stdout
    );
}

/// A manifest that does not parse ran no check: its directives are not called unused, with
/// or without a policy beside it.
#[test]
fn directives_of_a_manifest_that_does_not_parse_are_not_judged() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = "privlint: 1
data:
  # privlint-disable-next-line manifest-data-without-purpose -- legacy item
  - id: phone
    name: 手机号码
    category: basic_profile
    purpose: [typo-key]
";
    std::fs::write(dir.path().join("privacy-manifest.yaml"), manifest).unwrap();
    for with_policy in [false, true] {
        if with_policy {
            std::fs::write(
                dir.path().join("privacy-policy.md"),
                "# 隐私政策\n\n我们收集您的手机号码，用于账号登录。\n",
            )
            .unwrap();
        }
        let report = json(&privlint_in(
            dir.path(),
            &["check", ".", "--format", "json"],
        ));
        let rules: Vec<&str> = (report["findings"].as_array().unwrap().iter())
            .filter(|f| f["location"]["path"] == "privacy-manifest.yaml")
            .map(|f| f["rule"].as_str().unwrap())
            .collect();
        assert_eq!(rules, ["parse-error"], "with a policy: {with_policy}");
    }
}

#[test]
fn alias_bombs_and_deep_nesting_are_refused_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let mut bomb = String::from("privlint: 1\na: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for level in 1..40 {
        let previous = if level == 1 {
            "a".to_string()
        } else {
            format!("l{}", level - 1)
        };
        bomb.push_str(&format!(
            "l{level}: &l{level} [{}]\n",
            vec![format!("*{previous}"); 10].join(", ")
        ));
    }
    let deep = format!(
        "privlint: 1\ndata: {}x{}\n",
        "[".repeat(20_000),
        "]".repeat(20_000)
    );
    for (name, text, reason) in [
        ("bomb.privacy.yaml", bomb, "aliases"),
        ("deep.privacy.yaml", deep, "nesting"),
    ] {
        std::fs::write(dir.path().join(name), text).unwrap();
        let run = privlint_in(dir.path(), &["check", name, "--format", "json"]);
        assert_eq!(run.code, 1, "{name}: {}", run.stderr);
        let finding = &json(&run)["findings"][0];
        assert_eq!(finding["rule"], "parse-error", "{name}");
        assert!(
            finding["message"].as_str().unwrap().contains(reason),
            "{name}: {finding}"
        );
    }
}

#[test]
fn a_manifest_without_a_policy_gets_its_own_checks_and_a_note() {
    let run = privlint(&["check", "unpaired"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains("cross-checks were not run"),
        "{}",
        run.stdout
    );
    let report = json(&privlint(&["check", "unpaired", "--format", "json"]));
    let rules: BTreeSet<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        BTreeSet::from([
            "manifest-sensitive-without-purpose",
            "manifest-sensitive-without-separate-consent"
        ])
    );
}

#[test]
fn app_policy_names_the_policy_in_another_folder() {
    let report = json(&privlint(&["check", "named-policy", "--format", "json"]));
    assert_eq!(
        findings(&report),
        BTreeSet::from([
            "undisclosed-data named-policy/app/app.privacy.yaml:11 -> named-policy/docs/privacy.md:7"
                .to_string()
        ])
    );
}

/// `app.policy` naming the manifest itself or a device is no policy: the manifest is checked
/// alone, with the reason, and the YAML is never read as a policy text.
#[test]
fn app_policy_that_cannot_be_the_policy_is_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    for (named, why) in [
        ("privacy-manifest.yaml", "is this manifest itself"),
        ("/dev/null", "is not a regular file"),
        ("gone.md", "does not exist"),
        ("\"\"", "is empty"),
    ] {
        let manifest = format!("privlint: 1\napp:\n  name: Demo\n  policy: {named}\n");
        std::fs::write(dir.path().join("privacy-manifest.yaml"), manifest).unwrap();
        let report = json(&privlint_in(
            dir.path(),
            &["check", ".", "--format", "json"],
        ));
        let files = report["files"].as_array().unwrap();
        assert_eq!(files.len(), 1, "{named}: {files:?}");
        assert_eq!(files[0]["kind"], "manifest", "{named}");
        let note = files[0]["note"].as_str().unwrap();
        assert!(note.contains(why), "{named}: {note}");
        let finding = &report["findings"][0];
        assert_eq!(finding["rule"], "manifest-unresolved-reference", "{named}");
        let message = finding["message"].as_str().unwrap();
        let reason = why.split(' ').next_back().unwrap();
        assert!(message.contains(reason), "{named}: {message}");
    }
}

/// Without a policy the cross-checks never run, so a directive naming one is not "unused";
/// a directive naming a check that did run and found nothing is.
#[test]
fn an_unpaired_manifest_judges_only_the_directives_of_rules_that_ran() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = "privlint: 1
app:
  name: Demo
data:
  # privlint-disable-next-line undisclosed-data
  - id: email
    name: Email address
    category: email
    purposes: [account login]
  # privlint-disable-next-line manifest-data-without-purpose
  - id: phone
    name: Phone number
    category: phone
    purposes: [account login]
";
    std::fs::write(dir.path().join("privacy-manifest.yaml"), manifest).unwrap();
    let report = json(&privlint_in(
        dir.path(),
        &["check", ".", "--format", "json"],
    ));
    let unused: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "unused-suppression")
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(unused.len(), 1, "{report}");
    assert!(
        unused[0].contains("manifest-data-without-purpose"),
        "{}",
        unused[0]
    );
}

#[test]
fn manifest_flag_pairs_explicitly() {
    // The consistent policy against the inconsistent project's manifest.
    let run = privlint(&[
        "check",
        "zh-consistent/privacy-policy.md",
        "--manifest",
        "zh-inconsistent/privacy-manifest.yaml",
        "--format",
        "json",
    ]);
    let report = json(&run);
    let found = findings(&report);
    assert!(
        found
            .iter()
            .any(|f| f.starts_with("undisclosed-data zh-inconsistent/privacy-manifest.yaml:23")),
        "{found:#?}"
    );
    assert!(
        found
            .iter()
            .all(|f| !f.contains("zh-inconsistent/privacy-policy.md")),
        "the manifest's own neighbour is not used: {found:#?}"
    );
}

/// `--manifest M` with M also named or walked checks M once, as `check DIR` does.
#[test]
fn manifest_flag_and_the_walk_check_the_manifest_once() {
    let walked = json(&privlint(&["check", "zh-inconsistent", "--format", "json"]));
    for args in [
        &[
            "--manifest",
            "zh-inconsistent/privacy-manifest.yaml",
            "zh-inconsistent",
        ][..],
        &[
            "--manifest",
            "./zh-inconsistent/privacy-manifest.yaml",
            "zh-inconsistent/privacy-policy.md",
            "zh-inconsistent/privacy-manifest.yaml",
        ][..],
    ] {
        let report = json(&privlint(
            &[&["check", "--format", "json"][..], args].concat(),
        ));
        assert_eq!(report["files"], walked["files"], "{args:?}");
        assert_eq!(report["findings"], walked["findings"], "{args:?}");
    }
}

fn schema() -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/privacy-manifest.schema.json"),
        )
        .unwrap(),
    )
    .expect("the schema is JSON")
}

#[test]
fn schema_command_prints_the_schema_in_the_repository() {
    let run = privlint(&["schema", "manifest"]);
    assert_eq!(run.code, 0);
    let printed: Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(printed, schema());
}

/// Whether privlint reads `yaml` as a manifest (a parse-error finding means it does not).
fn parser_accepts(yaml: &str) -> bool {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("privacy-manifest.yaml"), yaml).unwrap();
    let report = json(&privlint_in(
        dir.path(),
        &["check", "privacy-manifest.yaml", "--format", "json"],
    ));
    !report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["rule"] == "parse-error")
}

#[test]
fn schema_and_parser_agree() {
    let validator = jsonschema::validator_for(&schema()).expect("a valid JSON Schema");
    let schema_accepts = |yaml: &str| {
        let instance: Value = serde_yaml::from_str(yaml).expect("YAML");
        validator.is_valid(&instance)
    };
    let mut manifests: Vec<(String, String)> = Vec::new();
    for project in [
        "zh-consistent",
        "zh-inconsistent",
        "en-consistent",
        "unpaired",
    ] {
        for entry in walk(&Path::new(PROJECTS).join(project)) {
            if entry.extension().is_some_and(|e| e == "yaml") {
                let text = std::fs::read_to_string(&entry).unwrap();
                manifests.push((entry.display().to_string(), text));
            }
        }
    }
    assert!(manifests.len() >= 4);
    for (name, text) in &manifests {
        assert!(schema_accepts(text), "schema refuses {name}");
        assert!(parser_accepts(text), "parser refuses {name}");
    }
    let refused_by_both = [
        "privlint: 1\nunknown_key: 1\n",
        "privlint: 1\ndata:\n  - id: x\n    name: x\n    colour: red\n",
        "privlint: 1\napp:\n  audiences: [pensioners]\n",
        "privlint: 1\ndata: {}\n",
        "privlint: 1\nsdks:\n  - vendor: v\n",
        "privlint: 1\nrights:\n  response_days: soon\n",
        "privlint: 1\ndata:\n  - id: x\n    name: \" \"\n",
    ];
    for yaml in refused_by_both {
        assert!(!schema_accepts(yaml), "schema accepts:\n{yaml}");
        assert!(!parser_accepts(yaml), "parser accepts:\n{yaml}");
    }
}

#[test]
fn schema_categories_are_the_taxonomy() {
    let rules = privlint::rules::load(&[]).expect("built-in rules");
    let taxonomy = &rules.taxonomy;
    let schema = schema();
    let listed: BTreeSet<&str> =
        schema["properties"]["data"]["items"]["properties"]["category"]["enum"]
            .as_array()
            .expect("a category enum")
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
    let known: BTreeSet<&str> = taxonomy
        .categories
        .keys()
        .chain(taxonomy.aliases.keys())
        .map(String::as_str)
        .collect();
    assert_eq!(listed, known);
    assert!(listed.iter().all(|key| taxonomy.category(key).is_some()));
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// A `# privlint-...` line inside a block scalar is the scalar's text: it suppresses nothing.
#[test]
fn directives_inside_a_block_scalar_are_text() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = "privlint: 1
app:
  name: |
    Example Notes
    # privlint-disable-file manifest-sensitive-without-purpose
data:
  - id: location
    name: precise location
    category: whereabouts
    purposes: [to provide our services]
";
    std::fs::write(dir.path().join("privacy-manifest.yaml"), manifest).unwrap();
    let report = json(&privlint_in(
        dir.path(),
        &["check", ".", "--format", "json"],
    ));
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(
        rules.contains(&"manifest-sensitive-without-purpose"),
        "{report}"
    );
    assert_eq!(report["summary"]["suppressed"], 0, "{report}");
    // The same line as a comment suppresses the finding.
    let commented = manifest.replace(
        "  name: |\n    Example Notes\n    #",
        "  name: Example Notes\n#",
    );
    std::fs::write(dir.path().join("privacy-manifest.yaml"), commented).unwrap();
    let report = json(&privlint_in(
        dir.path(),
        &["check", ".", "--format", "json"],
    ));
    assert_eq!(report["summary"]["suppressed"], 1, "{report}");
}
