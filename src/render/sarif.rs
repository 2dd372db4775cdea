//! SARIF 2.1.0 for code-scanning tools: the loaded rules as `tool.driver.rules`, results with
//! character-column regions, related locations and partial fingerprints.

use std::path::Path;

use serde::Serialize;

use crate::diagnostic::{FileStatus, Label, Report, Severity};
use crate::rules::RuleSet;

/// Where the project lives; rule help links point at the rule files there.
pub const REPOSITORY: &str = "https://github.com/privlint/privlint";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    invocations: Vec<Invocation>,
    column_kind: &'static str,
    results: Vec<SarifResult<'a>>,
}

/// The run's notes on files: skipped ones, and how others were checked (not a policy, a
/// manifest without its policy). Omitted when there are none.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Text,
    locations: Vec<FileLocation>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FileLocation {
    physical_location: WholeFile,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WholeFile {
    artifact_location: ArtifactLocation,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'static str,
    information_uri: &'static str,
    rules: Vec<RuleDescriptor<'a>>,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RuleDescriptor<'a> {
    id: &'a str,
    name: String,
    short_description: Text,
    full_description: Text,
    help: Help,
    #[serde(skip_serializing_if = "Option::is_none")]
    help_uri: Option<String>,
    default_configuration: Configuration,
    properties: Properties<'a>,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct Properties<'a> {
    tags: &'a [String],
    references: &'a [String],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    message: Text,
    locations: Vec<Location>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location>,
    partial_fingerprints: Fingerprints<'a>,
}

#[derive(Serialize)]
struct Fingerprints<'a> {
    #[serde(rename = "privlint/v1")]
    privlint: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
    snippet: Text,
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A relative URI reference: `/`-separated, with anything but unreserved characters escaped.
/// Built from the path's bytes, so a file name that is not UTF-8 keeps its exact bytes.
pub fn uri(path: &Path) -> String {
    let bytes = path.as_os_str().as_encoded_bytes();
    let bytes = bytes.strip_prefix(b"./").unwrap_or(bytes);
    let mut out = String::new();
    for &byte in bytes {
        if byte == b'\\' && cfg!(windows) {
            out.push('/');
        } else if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn location(report: &Report, label: &Label, id: Option<usize>) -> Location {
    let source = report.source(label);
    let start = source.position(label.span.start);
    let end = source.position(label.span.end);
    Location {
        id,
        physical_location: PhysicalLocation {
            artifact_location: ArtifactLocation {
                uri: uri(&source.path),
            },
            region: Region {
                start_line: start.line,
                start_column: start.column,
                end_line: end.line,
                end_column: end.column,
                snippet: Text {
                    text: source.slice(label.span).to_string(),
                },
            },
        },
        message: label.message.clone().map(|text| Text { text }),
    }
}

fn title_case(id: &str) -> String {
    id.split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect::<String>())
                .unwrap_or_default()
        })
        .collect()
}

/// Write the report as a pretty SARIF log, streaming.
pub fn write(
    report: &Report,
    rules: &RuleSet,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let descriptors: Vec<RuleDescriptor<'_>> = rules
        .rules
        .iter()
        .map(|rule| {
            let references = rule.references.join("; ");
            let mut help = rule.help.en.clone();
            if let Some(zh) = &rule.help.zh {
                help.push_str(&format!("\n\n{zh}"));
            }
            let markdown = if references.is_empty() {
                format!("{help}\n\n{}", rule.description.trim())
            } else {
                format!(
                    "{help}\n\nReferences: {references}\n\n{}",
                    rule.description.trim()
                )
            };
            let help_uri = rule.url.clone().or_else(|| {
                rule.origin
                    .path
                    .starts_with("rules/")
                    .then(|| format!("{REPOSITORY}/blob/main/{}", rule.origin.path))
            });
            RuleDescriptor {
                id: &rule.id,
                name: title_case(&rule.id),
                short_description: Text {
                    text: rule.title.en.clone(),
                },
                full_description: Text {
                    text: rule.description.trim().to_string(),
                },
                help: Help {
                    text: help,
                    markdown,
                },
                help_uri,
                default_configuration: Configuration {
                    level: level(rule.severity),
                },
                properties: Properties {
                    tags: &rule.tags,
                    references: &rule.references,
                },
            }
        })
        .collect();
    let results = report
        .findings
        .iter()
        .map(|finding| SarifResult {
            rule_id: &finding.rule,
            rule_index: rules.rules.iter().position(|r| r.id == finding.rule),
            level: level(finding.severity),
            message: Text {
                text: finding.message.clone(),
            },
            locations: vec![location(report, &finding.primary, None)],
            related_locations: finding
                .related
                .iter()
                .enumerate()
                .map(|(i, label)| location(report, label, Some(i + 1)))
                .collect(),
            partial_fingerprints: Fingerprints {
                privlint: &finding.fingerprint,
            },
        })
        .collect();
    let notifications: Vec<Notification> = (report.files.iter())
        .filter_map(|file| {
            let (level, text) = match (&file.status, &file.note) {
                (FileStatus::Skipped(reason), _) => ("warning", format!("not checked: {reason}")),
                (_, Some(note)) => ("note", note.clone()),
                _ => return None,
            };
            Some(Notification {
                level,
                message: Text { text },
                locations: vec![FileLocation {
                    physical_location: WholeFile {
                        artifact_location: ArtifactLocation {
                            uri: uri(&file.source.path),
                        },
                    },
                }],
            })
        })
        .collect();
    let invocations = if notifications.is_empty() {
        Vec::new()
    } else {
        vec![Invocation {
            execution_successful: true,
            tool_execution_notifications: notifications,
        }]
    };
    let log = Log {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "privlint",
                    version: env!("CARGO_PKG_VERSION"),
                    information_uri: REPOSITORY,
                    rules: descriptors,
                },
            },
            invocations,
            column_kind: "unicodeCodePoints",
            results,
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &log)?;
    out.write_all(b"\n")
}
