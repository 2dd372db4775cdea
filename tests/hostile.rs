//! Hostile input: files and paths that must not crash privlint, hang it, or cost the other
//! files their findings. Every input is generated in a temporary folder at test time. Each
//! case is checked next to a policy with known findings, which must come out unchanged, and
//! alone, for its exit code: 0 when nothing at or above `--fail-on` was found (a skipped
//! file included), 1 when a file could not be checked (a `parse-error` finding) or has
//! findings, 2 for a setup error (a bad rule or configuration file).
//!
//! The full-size cases (a 50 MB policy, a 3 MB line) are `#[ignore]`d because the test
//! binary is unoptimised; the suite runs the same shapes at a size that proves the point
//! (linear time, no panic). Run them with `cargo test --release --test hostile -- --ignored`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;

const COMPANION: &str = "fixtures/docs/zh-gaps.txt";

struct Run {
    code: i32,
    report: Value,
    stderr: String,
}

fn privlint(args: &[&std::ffi::OsStr]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_privlint"))
        .arg("check")
        .arg("--format")
        .arg("json")
        .arg("--isolated")
        .args(args)
        .output()
        .expect("privlint runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    Run {
        code: output.status.code().unwrap_or(-1),
        report: serde_json::from_str(&stdout).unwrap_or(Value::Null),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// The findings reported for the file shown as `path`: rule and byte range.
fn findings_of(report: &Value, path: &str) -> Vec<(String, u64, u64)> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["location"]["path"] == path)
        .map(|f| {
            let location = &f["location"];
            (
                f["rule"].as_str().unwrap().to_string(),
                location["start"]["offset"].as_u64().unwrap(),
                location["end"]["offset"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn companion_text() -> &'static [u8] {
    static TEXT: OnceLock<Vec<u8>> = OnceLock::new();
    TEXT.get_or_init(|| {
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(COMPANION)).unwrap()
    })
}

/// The companion's findings when it is checked alone.
fn companion_findings() -> &'static [(String, u64, u64)] {
    static FINDINGS: OnceLock<Vec<(String, u64, u64)>> = OnceLock::new();
    FINDINGS.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("companion.txt");
        std::fs::write(&path, companion_text()).unwrap();
        let run = privlint(&[path.as_os_str()]);
        let findings = findings_of(&run.report, &shown(&path));
        assert!(!findings.is_empty());
        findings
    })
}

fn shown(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// The report entry of the file shown as `path`.
fn file_entry<'a>(report: &'a Value, path: &str) -> &'a Value {
    report["files"]
        .as_array()
        .expect("files")
        .iter()
        .find(|f| f["path"] == path)
        .unwrap_or_else(|| panic!("{path} is reported: {report}"))
}

/// The messages of the findings about the file shown as `path`.
fn messages(report: &Value, path: &str) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["location"]["path"] == path)
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect()
}

/// What must hold for a hostile file.
enum Expect {
    /// Checked like any policy (decoded, parsed); the exit code depends on its findings.
    Checked,
    /// Not checked: a `parse-error` finding whose message contains this; exit code 1.
    Failed(&'static str),
    /// Skipped with a reason containing this; exit code 0.
    Skipped(&'static str),
}

/// Check `hostile` (a path inside `dir`, or outside it when it is named) next to the
/// companion policy and alone.
fn check_hostile(dir: &Path, hostile: &Path, expect: Expect) -> Run {
    let companion = dir.join("companion.txt");
    std::fs::write(&companion, companion_text()).unwrap();
    let together = privlint(&[hostile.as_os_str(), companion.as_os_str()]);
    assert!(
        together.code == 1,
        "exit {} (the companion has findings): {}",
        together.code,
        together.stderr
    );
    assert_eq!(
        findings_of(&together.report, &shown(&companion)),
        companion_findings(),
        "the companion's findings are intact"
    );
    let alone = privlint(&[hostile.as_os_str()]);
    let shown_hostile = shown(hostile);
    let entry = file_entry(&alone.report, &shown_hostile);
    let messages = messages(&alone.report, &shown_hostile);
    assert!(
        !messages.iter().any(|m| m.contains("internal error")),
        "{messages:?}"
    );
    match expect {
        Expect::Checked => {
            assert_eq!(entry["status"], "checked", "{entry}");
            let has_errors = alone.report["summary"]["errors"].as_u64().unwrap() > 0;
            assert_eq!(alone.code, i32::from(has_errors), "{}", alone.stderr);
        }
        Expect::Failed(why) => {
            assert_eq!(entry["status"], "failed", "{entry}");
            assert!(messages.iter().any(|m| m.contains(why)), "{messages:?}");
            assert_eq!(alone.code, 1);
        }
        Expect::Skipped(why) => {
            assert_eq!(entry["status"], "skipped", "{entry}");
            assert!(entry["reason"].as_str().unwrap().contains(why), "{entry}");
            assert_eq!(alone.code, 0);
        }
    }
    alone
}

/// A policy-like text of at least `size` bytes, with sentences that rules look at.
fn big_policy(size: usize, line_break: bool) -> Vec<u8> {
    let paragraph =
        "我们会收集您的手机号码、设备信息和位置信息，用于提供服务。如您不同意，可以拒绝。";
    let mut text = String::from("# 隐私政策\n\n");
    while text.len() < size {
        text.push_str(paragraph);
        text.push_str(if line_break { "\n\n" } else { " " });
    }
    text.into_bytes()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn binary_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let bytes: Vec<u8> = (0..4096u32).map(|i| (i * 7919 % 251) as u8).collect();
    let path = write(dir.path(), "binary.md", &bytes);
    check_hostile(dir.path(), &path, Expect::Failed("binary"));
}

#[test]
fn empty_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "empty.md", b"");
    check_hostile(dir.path(), &path, Expect::Failed("no text"));
}

#[test]
fn invalid_utf8() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = companion_text().to_vec();
    bytes.splice(10..10, [0xFF, 0xC3, 0x28, 0xE2, 0x82]);
    let path = write(dir.path(), "invalid.txt", &bytes);
    check_hostile(dir.path(), &path, Expect::Checked);
}

fn utf16(text: &[u8], big_endian: bool, bom: bool) -> Vec<u8> {
    let text = std::str::from_utf8(text).unwrap();
    let mut bytes = Vec::new();
    if bom {
        bytes.extend(if big_endian {
            [0xFE, 0xFF]
        } else {
            [0xFF, 0xFE]
        });
    }
    for unit in text.encode_utf16() {
        bytes.extend(if big_endian {
            unit.to_be_bytes()
        } else {
            unit.to_le_bytes()
        });
    }
    bytes
}

/// A re-encoded copy of the companion gives the same rules' findings (offsets differ).
fn same_rules_as_companion(run: &Run, path: &Path) {
    let rules = |findings: &[(String, u64, u64)]| -> Vec<String> {
        findings.iter().map(|f| f.0.clone()).collect()
    };
    assert_eq!(
        rules(&findings_of(&run.report, &shown(path))),
        rules(companion_findings())
    );
}

#[test]
fn utf16_with_and_without_bom() {
    let dir = tempfile::tempdir().unwrap();
    for (name, big_endian, bom, encoding) in [
        ("le-bom.txt", false, true, "utf-16le"),
        ("be-bom.txt", true, true, "utf-16be"),
        ("le.txt", false, false, "utf-16le"),
        ("be.txt", true, false, "utf-16be"),
    ] {
        let path = write(dir.path(), name, &utf16(companion_text(), big_endian, bom));
        let run = check_hostile(dir.path(), &path, Expect::Checked);
        assert_eq!(file_entry(&run.report, &shown(&path))["encoding"], encoding);
        same_rules_as_companion(&run, &path);
    }
}

#[test]
fn gb18030() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::str::from_utf8(companion_text()).unwrap();
    let (bytes, _, _) = encoding_rs::GB18030.encode(text);
    let path = write(dir.path(), "gb.txt", &bytes);
    let run = check_hostile(dir.path(), &path, Expect::Checked);
    assert_eq!(
        file_entry(&run.report, &shown(&path))["encoding"],
        "gb18030"
    );
    same_rules_as_companion(&run, &path);
}

#[test]
fn nul_bytes_in_text() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = companion_text().to_vec();
    bytes.splice(20..20, [0, 0, 0]);
    let path = write(dir.path(), "nul.txt", &bytes);
    check_hostile(dir.path(), &path, Expect::Failed("NUL byte"));
}

fn large_policy(size: usize) {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "large.md", &big_policy(size, true));
    check_hostile(dir.path(), &path, Expect::Checked);
}

fn single_line(size: usize) {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "line.txt", &big_policy(size, false));
    check_hostile(dir.path(), &path, Expect::Checked);
}

#[test]
fn large_policy_scaled_down() {
    large_policy(1 << 20);
}

#[test]
#[ignore = "50 MB: run in release with --ignored"]
fn large_policy_50_mb() {
    large_policy(50 << 20);
}

#[test]
fn single_long_line_scaled_down() {
    single_line(512 << 10);
}

#[test]
#[ignore = "3 MB on one line: run in release with --ignored"]
fn single_line_3_mb() {
    single_line(3 << 20);
}

#[test]
fn over_the_size_limit_is_skipped_not_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.txt");
    // Sparse: the size is what counts, and it is refused before reading.
    std::fs::File::create(&path)
        .unwrap()
        .set_len(65 << 20)
        .unwrap();
    check_hostile(dir.path(), &path, Expect::Skipped("MiB limit"));
}

#[test]
fn deeply_nested_markdown() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::new();
    text.push_str(&"> ".repeat(5000));
    text.push_str("我们收集您的个人信息。\n\n");
    text.push_str(&"- ".repeat(5000));
    text.push_str("item\n\n");
    text.push_str(&"*".repeat(5000));
    text.push_str("emphasis");
    text.push_str(&"*".repeat(5000));
    text.push_str("\n\n");
    text.push_str(&"[".repeat(5000));
    text.push_str("\n\n");
    let path = write(dir.path(), "nested.md", text.as_bytes());
    check_hostile(dir.path(), &path, Expect::Checked);
}

#[test]
fn unclosed_html_tags() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("<html><body><p>隐私政策</p>");
    for i in 0..30_000 {
        text.push_str(["<div>", "<span>", "<table><tr><td>", "<ul><li>", "<b>"][i % 5]);
    }
    text.push_str("我们收集您的个人信息。");
    let path = write(dir.path(), "tags.html", text.as_bytes());
    check_hostile(dir.path(), &path, Expect::Checked);
}

/// Thousands of findings in one file, in every output format. Each finding once cost work
/// proportional to the file (a copy of its text, a count of its lines from the start, a
/// column counted from the start of a one-line file) or to the other findings.
fn many_findings(name: &str, text: &str, expected: usize) {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), name, text.as_bytes());
    let run = check_hostile(dir.path(), &path, Expect::Checked);
    let found = findings_of(&run.report, &shown(&path)).len();
    assert!(
        found >= expected,
        "{found} findings, expected {expected} or more"
    );
    for format in ["human", "concise", "github", "sarif", "junit"] {
        let output = Command::new(env!("CARGO_BIN_EXE_privlint"))
            .args(["check", "--isolated", "--format", format])
            .arg(&path)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1), "{format}");
        assert!(
            output.stdout.len() > expected * 20,
            "{format}: output cut short"
        );
    }
}

#[test]
fn thousands_of_findings_on_separate_lines() {
    let text = "我们收集您的身份证号码和人脸信息，继续使用即视为同意。\n".repeat(5_000);
    many_findings("repeated.txt", &text, 5_000);
}

#[test]
fn thousands_of_findings_on_one_line() {
    let text = "<p>我们收集您的位置信息。</p>".repeat(5_000);
    many_findings("minified.html", &text, 5_000);
}

/// The messages of the SDK findings of `text` checked as `name`.
fn sdk_list_messages(name: &str, text: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), name, text.as_bytes());
    let run = check_hostile(dir.path(), &path, Expect::Checked);
    (run.report["findings"].as_array().unwrap().iter())
        .filter(|f| f["rule"].as_str().unwrap().starts_with("sdk-"))
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect()
}

/// SDK lists of thousands of entries in the layouts the SDK reader knows. Each entry once
/// read the whole document, its list's section or its whole line again (minutes for 10,000
/// records); the findings must still speak of the whole list.
#[test]
fn sdk_lists_of_thousands_of_entries() {
    const N: usize = 5_000;
    let records: String = (0..N)
        .map(|i| format!("SDK名称:友盟{i}\n\n使用目的:统计\n\n"))
        .collect();
    let line: String = (0..N)
        .map(|i| format!("SDK名称:友盟{i} 使用目的:统计 "))
        .collect();
    let rows: String = (0..N).map(|i| format!("| 友盟SDK{i} | 统计 |\n")).collect();
    let table = format!("| SDK名称 | 使用目的 |\n|---|---|\n{rows}");
    let whole_list = format!("SDK清单的全部{N}个条目未列明收集的个人信息");
    for (name, text) in [
        (
            "records.md",
            format!("# 隐私政策\n\n## 第三方SDK列表\n\n{records}"),
        ),
        ("line.txt", format!("隐私政策\n第三方SDK列表\n{line}\n")),
        (
            "table.md",
            format!("# 隐私政策\n\n## 第三方SDK列表\n\n{table}"),
        ),
    ] {
        let messages = sdk_list_messages(name, &text);
        assert!(messages.contains(&whole_list), "{name}: {messages:?}");
    }
    // Prose elsewhere that names every SDK and what it collects gives each its scope.
    let prose: String = (0..N)
        .map(|i| format!("友盟SDK{i}会收集您的设备信息。\n\n"))
        .collect();
    let text = format!("# 隐私政策\n\n## 第三方SDK列表\n\n{table}\n## 其他\n\n{prose}");
    let messages = sdk_list_messages("prose.md", &text);
    assert!(
        !messages.iter().any(|m| m.contains("未列明收集的个人信息")),
        "{messages:?}"
    );
}

/// A million empty lines (`\n`, `\r`): each line was kept with its text and offset map
/// (2 MB of them took 435 MB); a run of blank lines is now kept as one. What follows is
/// still found, on its own line.
#[test]
fn millions_of_blank_lines() {
    let dir = tempfile::tempdir().unwrap();
    for (name, newline) in [("lf.txt", "\n"), ("cr.txt", "\r"), ("crlf.txt", "\r\n")] {
        let text = format!(
            "隐私政策{}如您继续使用我们的服务，即视为您同意本政策。{newline}",
            newline.repeat(1_000_000)
        );
        let path = write(dir.path(), name, text.as_bytes());
        let run = check_hostile(dir.path(), &path, Expect::Checked);
        let lines: Vec<u64> = run.report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == "consent-by-continued-use")
            .map(|f| f["location"]["start"]["line"].as_u64().unwrap())
            .collect();
        assert_eq!(lines, [1_000_001], "{name}");
    }
}

/// Tables whose cells hold thousands of matches: each match once marked every cell of its
/// table again for the next search, and each match in a row read the whole row again
/// (seconds for a few thousand rows, a minute for one row of 100,000 cells).
#[test]
fn tables_with_thousands_of_matching_cells() {
    const N: usize = 3_000;
    let collects = "我们会收集您的身份证号码。";
    // Every thousandth row leaves the purpose column empty: only those rows lack a purpose.
    let rows: String = (0..N)
        .map(|i| {
            let purpose = if i % 1_000 == 999 {
                "无"
            } else {
                "用于实名认证"
            };
            format!("| {collects} | {purpose} |\n")
        })
        .collect();
    let tall = format!("# 隐私政策\n\n| 收集的信息 | 用途 |\n|---|---|\n{rows}");
    let wide = format!(
        "# 隐私政策\n\n|{}|\n|{}\n|{}|\n",
        (0..N)
            .map(|c| format!("列{c}"))
            .collect::<Vec<_>>()
            .join("|"),
        "---|".repeat(N),
        vec![collects; N].join("|")
    );
    let dir = tempfile::tempdir().unwrap();
    for (name, text, expected) in [("tall.md", tall, N / 1_000), ("wide.md", wide, 1)] {
        let path = write(dir.path(), name, text.as_bytes());
        let run = check_hostile(dir.path(), &path, Expect::Checked);
        let without_purpose = messages(&run.report, &shown(&path))
            .iter()
            .filter(|m| m.starts_with("收集敏感个人信息未说明特定目的"))
            .count();
        assert_eq!(without_purpose, expected, "{name}");
    }
}

/// One sentence with tens of thousands of matches: the negation guard once read the
/// sentence from its start for each match, and the vendor check the block for each
/// mention of an app.
#[test]
fn one_sentence_with_thousands_of_matches() {
    let items = ["姓名", "电话号码", "位置信息", "设备信息", "身份证号码"];
    let listed: Vec<&str> = (0..20_000).map(|i| items[i % items.len()]).collect();
    let text = format!("隐私政策\n我们收集您的{}等信息。\n", listed.join("、"));
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "enumeration.txt", text.as_bytes());
    check_hostile(dir.path(), &path, Expect::Checked);
    let apps = "you may open the WeChat app or visit the Alipay app ".repeat(20_000);
    let path = write(
        dir.path(),
        "apps.txt",
        format!("Privacy Policy\n{apps}\n").as_bytes(),
    );
    check_hostile(dir.path(), &path, Expect::Checked);
}

/// A manifest in a folder of its own (unpaired), checked next to the companion.
fn hostile_manifest(yaml: &str, why: &'static str) {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("app");
    std::fs::create_dir(&folder).unwrap();
    let path = write(&folder, "privacy-manifest.yaml", yaml.as_bytes());
    let run = check_hostile(dir.path(), &path, Expect::Failed(why));
    assert_eq!(file_entry(&run.report, &shown(&path))["kind"], "manifest");
}

fn alias_bomb() -> String {
    let mut yaml = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..30 {
        let prev = format!("*a{}", i - 1);
        yaml.push_str(&format!("a{i}: &a{i} [{}]\n", vec![prev; 10].join(", ")));
    }
    yaml
}

/// 20,000 levels of flow nesting under `key`.
fn deep_yaml(key: &str) -> String {
    format!("{key}: {}x{}\n", "[".repeat(20_000), "]".repeat(20_000))
}

/// Block nesting: its size grows with the square of the depth, so 2,000 levels (2 MB).
fn deep_block_yaml() -> String {
    let mut yaml = String::new();
    for depth in 0..2_000 {
        yaml.push_str(&" ".repeat(depth));
        yaml.push_str("k:\n");
    }
    yaml
}

#[test]
fn yaml_alias_bomb_manifest() {
    hostile_manifest(&alias_bomb(), "aliases");
}

#[test]
fn yaml_deep_nesting_manifest() {
    hostile_manifest(&deep_yaml("app"), "nest");
    hostile_manifest(&deep_block_yaml(), "nest");
}

#[test]
fn duplicate_keys_in_a_manifest() {
    hostile_manifest(
        "privlint: 1\napp: {name: A}\napp: {name: B}\n",
        "duplicate key `app`",
    );
}

#[test]
fn broken_yaml_manifest() {
    hostile_manifest("app:\n  name: [unclosed\n  policy: \"x\n", "");
}

/// A hostile rule file is a setup error: exit 2 with a message naming the problem.
fn hostile_rule_file(yaml: &str, why: &str) {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "rule.yaml", yaml.as_bytes());
    let policy = write(dir.path(), "companion.txt", companion_text());
    let output = Command::new(env!("CARGO_BIN_EXE_privlint"))
        .args(["check", "--isolated", "--rules"])
        .arg(dir.path())
        .arg(&policy)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(why), "{stderr}");
}

#[test]
fn yaml_bombs_in_rule_files() {
    hostile_rule_file(&alias_bomb(), "aliases");
    // Refused by the depth guard, as in manifests and the configuration.
    hostile_rule_file(&deep_yaml("id"), "nesting deeper than 64 levels");
    hostile_rule_file("id: [broken\n", "rule.yaml");
    // A repeated key would silently replace the earlier entry.
    hostile_rule_file("id: first\nid: second\n", "duplicate key `id`");
}

#[test]
fn enormous_user_regex_is_refused() {
    hostile_rule_file(
        &rule_with_pattern("en", r"\w{1000}\w{1000}\w{1000}"),
        "size limit",
    );
}

/// A pattern repeating a large vocabulary macro is refused as it expands, not after
/// gigabytes of expansion.
#[test]
fn user_pattern_repeating_a_macro_is_refused() {
    let pattern = "{{taxonomy:sensitive}}".repeat(16_000);
    hostile_rule_file(
        &rule_with_pattern("zh", &pattern),
        "once its macros are expanded",
    );
}

/// A user rule whose pattern for `lang` is `pattern`.
fn rule_with_pattern(lang: &str, pattern: &str) -> String {
    format!(
        r###"id: rule
title: {{en: A user rule, zh: 用户规则}}
severity: warning
langs: [{lang}]
references: ["none"]
message: {{en: m, zh: 消息}}
help: {{en: h, zh: 帮助}}
description: "## What it checks\nA word.\n## Why it matters\nIt tests pattern checks."
check:
  kind: forbid
  patterns:
    {lang}: ['{pattern}']
examples:
  valid: [{{lang: {lang}, text: "ok"}}]
  invalid: [{{lang: {lang}, text: "Privacy", expect: ["Privacy"]}}]
"###
    )
}

/// Patterns that could never match what privlint searches, or that match empty text
/// everywhere, are refused when loaded rather than silently finding nothing.
#[test]
fn user_patterns_that_cannot_work_are_refused() {
    // The normaliser turns full-width letters half-width and drops zero-width spaces.
    hostile_rule_file(
        &rule_with_pattern("en", "Ｐrivacy"),
        "`Ｐ`, which the text normaliser",
    );
    hostile_rule_file(&rule_with_pattern("en", "Pri\u{200b}vacy"), "\\u{200b}");
    hostile_rule_file(
        &rule_with_pattern("en", "(?:Privacy)?"),
        "can match empty text",
    );
    hostile_rule_file(
        &rule_with_pattern("en", "x*|Privacy"),
        "can match empty text",
    );
    // The same rule with a working pattern loads and passes its own examples.
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "rule.yaml",
        rule_with_pattern("en", "Privacy").as_bytes(),
    );
    let output = Command::new(env!("CARGO_BIN_EXE_privlint"))
        .args(["test-rules", "--rules"])
        .arg(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
}

#[test]
fn an_empty_rule_directory_is_a_setup_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("rules")).unwrap();
    write(dir.path(), "rules/notes.txt", b"not a rule");
    let policy = write(dir.path(), "companion.txt", companion_text());
    let output = Command::new(env!("CARGO_BIN_EXE_privlint"))
        .args(["check", "--isolated", "--rules"])
        .arg(dir.path().join("rules"))
        .arg(&policy)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("holds no rule files"), "{stderr}");
}

#[cfg(unix)]
#[test]
fn symlink_loops() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::os::unix::fs::symlink(root.join("loop-b.md"), root.join("loop-a.md")).unwrap();
    std::os::unix::fs::symlink(root.join("loop-a.md"), root.join("loop-b.md")).unwrap();
    std::fs::create_dir(root.join("sub")).unwrap();
    std::os::unix::fs::symlink(root, root.join("sub/up")).unwrap();
    // Named: reported as unreadable. Walked: links are not followed.
    check_hostile(
        root,
        &root.join("loop-a.md"),
        Expect::Failed("symbolic links"),
    );
    let companion = root.join("companion.txt");
    let walked = privlint(&[root.as_os_str()]);
    assert_eq!(walked.code, 1);
    assert_eq!(
        findings_of(&walked.report, &shown(&companion)),
        companion_findings()
    );
    assert_eq!(walked.report["files"].as_array().unwrap().len(), 1);
}

#[cfg(unix)]
#[test]
fn unreadable_file() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "secret.md", companion_text());
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&path).is_ok() {
        // Running as root: permissions do not stop reading, so the file is checked.
        check_hostile(dir.path(), &path, Expect::Checked);
    } else {
        check_hostile(dir.path(), &path, Expect::Failed("cannot read"));
    }
}

#[cfg(unix)]
#[test]
fn fifo_is_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pipe.md");
    let made = Command::new("mkfifo").arg(&path).status();
    if !made.is_ok_and(|s| s.success()) {
        return;
    }
    check_hostile(dir.path(), &path, Expect::Failed("not a regular file"));
    // Telling the report's file from the checked ones reads their metadata only: opening
    // the pipe would wait for a writer forever.
    let mut child = Command::new(env!("CARGO_BIN_EXE_privlint"))
        .args(["check", "--isolated", "--output-file"])
        .arg(dir.path().join("report.txt"))
        .arg(&path)
        .spawn()
        .unwrap();
    let waited = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if waited.elapsed() > std::time::Duration::from_secs(60) {
            child.kill().unwrap();
            panic!("privlint blocked on the pipe");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(1));
}

/// A configuration or baseline that is a pipe or a device is refused before it is read: a
/// pipe would block the run, `/dev/zero` fill the memory.
#[cfg(unix)]
#[test]
fn setup_files_that_are_not_regular_files() {
    let dir = tempfile::tempdir().unwrap();
    let policy = write(dir.path(), "policy.txt", companion_text());
    let pipe = dir.path().join("baseline.json");
    let made = Command::new("mkfifo").arg(&pipe).status();
    let mut cases = vec![("--config", PathBuf::from("/dev/zero"))];
    if made.is_ok_and(|s| s.success()) {
        cases.push(("--baseline", pipe));
    }
    for (option, path) in cases {
        let output = Command::new(env!("CARGO_BIN_EXE_privlint"))
            .arg("check")
            .arg(option)
            .arg(&path)
            .arg(&policy)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{option}: {stderr}");
        assert!(stderr.contains("not a regular file"), "{option}: {stderr}");
    }
}

#[test]
fn nonexistent_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("missing.md");
    check_hostile(dir.path(), &path, Expect::Failed("No such file"));
}

#[cfg(unix)]
#[test]
fn file_name_not_utf8() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let name = std::ffi::OsStr::from_bytes(b"policy-\xff\xfe.md");
    let path = dir.path().join(name);
    std::fs::write(&path, companion_text()).unwrap();
    let run = check_hostile(dir.path(), &path, Expect::Checked);
    assert!(shown(&path).contains('\u{FFFD}'));
    assert_eq!(
        findings_of(&run.report, &shown(&path)),
        companion_findings(),
        "checked like the same text under a plain name"
    );
    // SARIF names the file by a URI, which keeps the name's exact bytes.
    let output = Command::new(env!("CARGO_BIN_EXE_privlint"))
        .args([
            "check",
            "--isolated",
            "--format",
            "sarif",
            "--fail-on",
            "never",
        ])
        .arg(name)
        .current_dir(dir.path())
        .output()
        .unwrap();
    let sarif: Value = serde_json::from_slice(&output.stdout).unwrap();
    let location = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "policy-%FF%FE.md");
}

/// Thousands of include globs over hundreds of files: the glob automaton kept a capture slot
/// per glob, and once its fast engine gave up the fallback's table took 17 GB.
#[test]
fn thousands_of_globs_over_hundreds_of_files() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = String::from("files:\n  include:\n");
    for i in 0..5_000 {
        config.push_str(&format!("    - \"**/*{i}*.md\"\n"));
    }
    write(dir.path(), "privlint.yaml", config.as_bytes());
    std::fs::create_dir(dir.path().join("docs")).unwrap();
    for i in 1000..1300 {
        write(
            dir.path(),
            &format!("docs/q{i}.md"),
            "我们收集您的手机号码。".as_bytes(),
        );
    }
    // Not matched by any glob: skipped by the walk.
    write(
        dir.path(),
        "docs/other.md",
        "我们收集您的手机号码。".as_bytes(),
    );
    let output = Command::new(env!("CARGO_BIN_EXE_privlint"))
        .args(["check", "--format", "json", "."])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(report["files"].as_array().unwrap().len(), 300);
}

#[test]
fn ten_thousand_small_files() {
    let dir = tempfile::tempdir().unwrap();
    let many = dir.path().join("many");
    std::fs::create_dir(&many).unwrap();
    for i in 0..10_000 {
        std::fs::write(
            many.join(format!("p{i:05}.txt")),
            format!("第{i}条:我们收集您的手机号码。"),
        )
        .unwrap();
    }
    let companion = write(dir.path(), "companion.txt", companion_text());
    let run = privlint(&[many.as_os_str(), companion.as_os_str()]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let files = run.report["files"].as_array().unwrap();
    assert_eq!(files.len(), 10_001);
    assert!(files.iter().all(|f| f["status"] == "checked"));
    assert_eq!(
        findings_of(&run.report, &shown(&companion)),
        companion_findings()
    );
}
