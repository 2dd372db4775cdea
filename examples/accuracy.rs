//! Sentence-level accuracy of the `require` rules on the VioDroid-Finder labelled sentences.
//!
//! Each sentence of `labelled_dataset.csv` (`sentence,privacy-category,compliance-requirements`,
//! the last column being requirement ids joined by `#`) is checked as a document of its own. A
//! requirement is predicted present when one of its rules passed with evidence. The result is
//! a Markdown table of true/false positives, false negatives, precision, recall and F1.
//!
//! ```sh
//! cargo run --release --example accuracy [-- CSV_PATH] [--misses CR10]
//! ```
//!
//! Without a path the file is looked for under `$PRIVLINT_CORPUS` (default `../shared/corpus`
//! next to the repository) as `viodroid/labelled_dataset.csv`. `--misses ID` prints the false
//! positives and false negatives of one requirement (`CR10`, `CR23-26`...).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use privlint::diagnostic::Severity;
use privlint::document::{self, Format, Lang};
use privlint::engine;
use privlint::rules::{self, Rule, RuleSet};
use privlint::source::SourceFile;

/// A compliance requirement of the dataset and the rules whose evidence shows it.
struct Requirement {
    id: &'static str,
    what: &'static str,
    /// Dataset labels that count as this requirement (any of them).
    labels: &'static [&'static str],
    /// Rules whose evidence predicts it (any of them).
    rules: &'static [&'static str],
}

const CROSS_BORDER: &[&str] = &["missing-cross-border-statement"];

const REQUIREMENTS: &[Requirement] = &[
    Requirement {
        id: "CR1",
        what: "effective or update date",
        labels: &["CR1"],
        rules: &["missing-effective-date"],
    },
    Requirement {
        id: "CR3",
        what: "controller identity",
        labels: &["CR3"],
        rules: &["missing-controller-identity"],
    },
    Requirement {
        id: "CR4",
        what: "contact",
        labels: &["CR4"],
        rules: &["missing-contact"],
    },
    Requirement {
        id: "CR5",
        what: "minors, guardian consent",
        labels: &["CR5"],
        rules: &["missing-minor-protection"],
    },
    Requirement {
        id: "CR8",
        what: "how to withdraw consent",
        labels: &["CR8"],
        rules: &["missing-withdrawal-path"],
    },
    Requirement {
        id: "CR10",
        what: "rights: access, correction, deletion, account cancellation",
        labels: &["CR10"],
        rules: &[
            "missing-access-right",
            "missing-correction-right",
            "missing-deletion-right",
            "missing-account-deletion",
        ],
    },
    Requirement {
        id: "CR14",
        what: "retention period",
        labels: &["CR14"],
        rules: &["missing-retention-period"],
    },
    Requirement {
        id: "CR17",
        what: "security-incident notification",
        labels: &["CR17"],
        rules: &["missing-breach-notification"],
    },
    Requirement {
        id: "CR23",
        what: "cross-border transfer",
        labels: &["CR23"],
        rules: CROSS_BORDER,
    },
    Requirement {
        id: "CR24",
        what: "consent to cross-border transfer",
        labels: &["CR24"],
        rules: CROSS_BORDER,
    },
    Requirement {
        id: "CR25",
        what: "purpose of cross-border transfer",
        labels: &["CR25"],
        rules: CROSS_BORDER,
    },
    Requirement {
        id: "CR26",
        what: "safeguards of cross-border transfer",
        labels: &["CR26"],
        rules: CROSS_BORDER,
    },
    Requirement {
        id: "CR23-26",
        what: "cross-border, any of CR23-CR26",
        labels: &["CR23", "CR24", "CR25", "CR26"],
        rules: CROSS_BORDER,
    },
];

/// Confusion counts of one requirement over the sentences.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Counts {
    true_positives: usize,
    false_positives: usize,
    false_negatives: usize,
}

impl Counts {
    fn add(&mut self, labelled: bool, predicted: bool) {
        match (labelled, predicted) {
            (true, true) => self.true_positives += 1,
            (false, true) => self.false_positives += 1,
            (true, false) => self.false_negatives += 1,
            (false, false) => {}
        }
    }

    /// None when nothing was predicted.
    fn precision(self) -> Option<f64> {
        ratio(
            self.true_positives,
            self.true_positives + self.false_positives,
        )
    }

    /// None when nothing is labelled.
    fn recall(self) -> Option<f64> {
        ratio(
            self.true_positives,
            self.true_positives + self.false_negatives,
        )
    }

    /// Harmonic mean of precision and recall: 2TP / (2TP + FP + FN); None when the
    /// requirement is neither labelled nor predicted.
    fn f1(self) -> Option<f64> {
        ratio(
            2 * self.true_positives,
            2 * self.true_positives + self.false_positives + self.false_negatives,
        )
    }
}

fn ratio(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

fn three_places(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_string(), |v| format!("{:.3}", v))
}

/// One labelled sentence.
struct Sentence {
    text: String,
    labels: BTreeSet<String>,
}

/// Rows of the CSV; a header row, if present, is skipped.
fn read_sentences(path: &Path) -> Result<Vec<Sentence>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut sentences = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let record = record.map_err(|e| format!("{}: {e}", path.display()))?;
        let text = record.get(0).unwrap_or_default().to_string();
        if index == 0 && text == "sentence" {
            continue;
        }
        let labels = record
            .get(2)
            .unwrap_or_default()
            .split('#')
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect();
        sentences.push(Sentence { text, labels });
    }
    Ok(sentences)
}

/// A neutral title above each sentence: alone in a file, a sentence would be read as the
/// document's title instead of body text.
const TITLE: &str = "隐私政策";

/// The sentence as it stood in its policy: the dataset split policies into sentences at
/// "。" and dropped it. Without it a short sentence ("您可以通过客户端注销账号") or a numbered
/// one ("1、在……中管理授权") reads as a heading.
fn as_in_policy(sentence: &str) -> String {
    let sentence = sentence.trim();
    let ends = sentence.ends_with(['。', '！', '？', '；', '.', '!', '?', ';', '：', ':']);
    if ends || sentence.is_empty() {
        sentence.to_string()
    } else {
        format!("{sentence}。")
    }
}

/// The rules that passed on `text` checked as the body of a Chinese plain-text document.
fn passed_rules(
    text: &str,
    set: &RuleSet,
    selected: &[(&Rule, Option<Severity>)],
) -> BTreeSet<String> {
    let body = as_in_policy(text);
    let source = SourceFile::from_text("sentence.txt", &format!("{TITLE}\n\n{body}\n"));
    let doc = document::parse(&source, Format::Text, Some(Lang::Zh));
    let (_, evidence) = engine::lint(&doc, set, selected);
    evidence.into_iter().map(|e| e.rule).collect()
}

struct Options {
    csv: PathBuf,
    misses: Option<String>,
}

fn options() -> Result<Options, String> {
    let mut csv = None;
    let mut misses = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--misses" => {
                let id = args
                    .next()
                    .ok_or("--misses needs a requirement id, e.g. CR10")?;
                if !REQUIREMENTS.iter().any(|r| r.id == id) {
                    let known: Vec<&str> = REQUIREMENTS.iter().map(|r| r.id).collect();
                    return Err(format!(
                        "unknown requirement {id}; one of {}",
                        known.join(", ")
                    ));
                }
                misses = Some(id);
            }
            "-h" | "--help" => {
                return Err("usage: accuracy [CSV_PATH] [--misses CR]".to_string());
            }
            _ if csv.is_none() => csv = Some(PathBuf::from(arg)),
            _ => return Err(format!("unexpected argument {arg}")),
        }
    }
    let csv = csv.unwrap_or_else(|| {
        let corpus = std::env::var_os("PRIVLINT_CORPUS").map_or_else(
            || Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"),
            PathBuf::from,
        );
        corpus.join("viodroid/labelled_dataset.csv")
    });
    Ok(Options { csv, misses })
}

fn main() -> ExitCode {
    let options = match options() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    if !options.csv.is_file() {
        println!(
            "corpus not found, skipping: {} (pass a path or set PRIVLINT_CORPUS)",
            options.csv.display()
        );
        return ExitCode::SUCCESS;
    }
    let set = match rules::load(&[]) {
        Ok(set) => set,
        Err(errors) => {
            for error in errors.0 {
                eprintln!("{}: {}", error.path, error.message);
            }
            return ExitCode::from(2);
        }
    };
    let sentences = match read_sentences(&options.csv) {
        Ok(sentences) => sentences,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let wanted: BTreeSet<&str> = REQUIREMENTS.iter().flat_map(|r| r.rules).copied().collect();
    let missing: Vec<&str> = wanted
        .iter()
        .copied()
        .filter(|id| set.get(id).is_none())
        .collect();
    let selected: Vec<_> = wanted
        .iter()
        .filter_map(|id| set.get(id))
        .map(|rule| (rule, None))
        .collect();

    let predictions: Vec<BTreeSet<String>> = sentences
        .iter()
        .map(|s| passed_rules(&s.text, &set, &selected))
        .collect();

    if let Some(id) = &options.misses {
        let requirement = REQUIREMENTS.iter().find(|r| r.id == id).expect("checked");
        print_misses(requirement, &sentences, &predictions);
        return ExitCode::SUCCESS;
    }

    println!(
        "Sentences: {} from `{}`; predicted present = a listed rule passed with evidence.\n",
        sentences.len(),
        options
            .csv
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
    );
    println!("| requirement | what | rules | labelled | TP | FP | FN | precision | recall | F1 |");
    println!("|---|---|---|---:|---:|---:|---:|---:|---:|---:|");
    for requirement in REQUIREMENTS {
        let counts = count(requirement, &sentences, &predictions);
        let rules: Vec<String> = requirement
            .rules
            .iter()
            .map(|id| {
                if missing.contains(id) {
                    format!("`{id}` (absent)")
                } else {
                    format!("`{id}`")
                }
            })
            .collect();
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            requirement.id,
            requirement.what,
            rules.join(", "),
            counts.true_positives + counts.false_negatives,
            counts.true_positives,
            counts.false_positives,
            counts.false_negatives,
            three_places(counts.precision()),
            three_places(counts.recall()),
            three_places(counts.f1()),
        );
    }
    ExitCode::SUCCESS
}

fn labelled(requirement: &Requirement, sentence: &Sentence) -> bool {
    requirement
        .labels
        .iter()
        .any(|l| sentence.labels.contains(*l))
}

fn predicted(requirement: &Requirement, passed: &BTreeSet<String>) -> bool {
    requirement.rules.iter().any(|r| passed.contains(*r))
}

fn count(
    requirement: &Requirement,
    sentences: &[Sentence],
    predictions: &[BTreeSet<String>],
) -> Counts {
    let mut counts = Counts::default();
    for (sentence, passed) in sentences.iter().zip(predictions) {
        counts.add(
            labelled(requirement, sentence),
            predicted(requirement, passed),
        );
    }
    counts
}

fn print_misses(
    requirement: &Requirement,
    sentences: &[Sentence],
    predictions: &[BTreeSet<String>],
) {
    for (title, want_label) in [("False positives", false), ("False negatives", true)] {
        println!("## {title} of {}\n", requirement.id);
        for (line, (sentence, passed)) in sentences.iter().zip(predictions).enumerate() {
            let is_labelled = labelled(requirement, sentence);
            if is_labelled == want_label && predicted(requirement, passed) != is_labelled {
                let labels: Vec<&str> = sentence.labels.iter().map(String::as_str).collect();
                let rules: Vec<&str> = passed.iter().map(String::as_str).collect();
                println!(
                    "{}\t[{}]\t[{}]\t{}",
                    line + 1,
                    labels.join(" "),
                    rules.join(" "),
                    sentence.text
                );
            }
        }
        println!();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(true_positives: usize, false_positives: usize, false_negatives: usize) -> Counts {
        Counts {
            true_positives,
            false_positives,
            false_negatives,
        }
    }

    #[test]
    fn metrics_from_counts() {
        let c = counts(8, 2, 4);
        assert_eq!(c.precision(), Some(0.8));
        assert_eq!(c.recall(), Some(8.0 / 12.0));
        // 2 * 0.8 * 0.667 / (0.8 + 0.667) = 16 / 22
        assert!((c.f1().unwrap() - 16.0 / 22.0).abs() < 1e-12);
    }

    #[test]
    fn undefined_and_zero_metrics() {
        let nothing = counts(0, 0, 0);
        assert_eq!(nothing.precision(), None);
        assert_eq!(nothing.recall(), None);
        assert_eq!(nothing.f1(), None);
        let all_missed = counts(0, 0, 5);
        assert_eq!(all_missed.precision(), None);
        assert_eq!(all_missed.recall(), Some(0.0));
        assert_eq!(all_missed.f1(), Some(0.0));
        let all_wrong = counts(0, 3, 0);
        assert_eq!(all_wrong.precision(), Some(0.0));
        assert_eq!(all_wrong.f1(), Some(0.0));
    }

    #[test]
    fn counting_sorts_each_outcome() {
        let mut c = Counts::default();
        c.add(true, true);
        c.add(true, true);
        c.add(false, true);
        c.add(true, false);
        c.add(false, false);
        assert_eq!(c, counts(2, 1, 1));
        assert_eq!(three_places(c.f1()), "0.667");
        assert_eq!(three_places(None), "-");
    }

    #[test]
    fn the_full_stop_comes_back_once() {
        assert_eq!(as_in_policy("1、在设置中管理授权"), "1、在设置中管理授权。");
        assert_eq!(
            as_in_policy(" 更新日期：2023年1月1日 "),
            "更新日期：2023年1月1日。"
        );
        assert_eq!(as_in_policy("如何联系我们："), "如何联系我们：");
        assert_eq!(as_in_policy("我们会通知您。"), "我们会通知您。");
    }

    #[test]
    fn labels_and_predictions_match_any_listed_id() {
        let union = REQUIREMENTS.iter().find(|r| r.id == "CR23-26").unwrap();
        let sentence = Sentence {
            text: String::new(),
            labels: ["CR25".to_string()].into_iter().collect(),
        };
        assert!(labelled(union, &sentence));
        let cr23 = REQUIREMENTS.iter().find(|r| r.id == "CR23").unwrap();
        assert!(!labelled(cr23, &sentence));
        let rights = REQUIREMENTS.iter().find(|r| r.id == "CR10").unwrap();
        let passed: BTreeSet<String> = ["missing-deletion-right".to_string()].into_iter().collect();
        assert!(predicted(rights, &passed));
        assert!(!predicted(union, &passed));
    }
}
