//! Data-collection manifests (`privacy-manifest.yaml`, `*.privacy.yaml`): loading with a span
//! for every entry (`model`), the checks a manifest gets on its own (`checks`), and the
//! checks of a manifest against the policy it belongs to (`cross`). Findings point at the
//! offending entry; cross-check findings also point at the place in the other file.

mod checks;
mod cross;
mod model;

pub use model::{Audience, LoadError, Manifest, ManifestSpec};

use crate::diagnostic::{Finding, Label, Severity};
use crate::document::{Document, Lang, detect_lang};
use crate::rules::eval::Hit;
use crate::rules::{Rule, RuleSet};
use crate::sdk::SdkEntry;
use crate::source::Span;

pub const DATA_WITHOUT_PURPOSE: &str = "manifest-data-without-purpose";
pub const SENSITIVE_WITHOUT_PURPOSE: &str = "manifest-sensitive-without-purpose";
pub const SENSITIVE_WITHOUT_CONSENT: &str = "manifest-sensitive-without-separate-consent";
pub const PERMISSION_WITHOUT_PURPOSE: &str = "manifest-permission-without-purpose";
pub const UNRESOLVED_REFERENCE: &str = "manifest-unresolved-reference";
pub const UNDISCLOSED_DATA: &str = "undisclosed-data";
pub const UNDISCLOSED_SDK: &str = "undisclosed-sdk";
pub const UNDISCLOSED_PERMISSION: &str = "undisclosed-permission";
pub const SDK_SCOPE_MISMATCH: &str = "sdk-scope-mismatch";
pub const POLICY_SDK_NOT_DECLARED: &str = "policy-sdk-not-declared";

/// Rules implemented here and nowhere else.
pub const CHECKS: &[&str] = &[
    DATA_WITHOUT_PURPOSE,
    SENSITIVE_WITHOUT_PURPOSE,
    SENSITIVE_WITHOUT_CONSENT,
    PERMISSION_WITHOUT_PURPOSE,
    UNRESOLVED_REFERENCE,
    UNDISCLOSED_DATA,
    UNDISCLOSED_SDK,
    UNDISCLOSED_PERMISSION,
    SDK_SCOPE_MISMATCH,
    POLICY_SDK_NOT_DECLARED,
];

/// The rules a manifest's checks report without a policy: the others compare it with one.
pub const WITHOUT_POLICY: &[&str] = &[
    DATA_WITHOUT_PURPOSE,
    SENSITIVE_WITHOUT_PURPOSE,
    SENSITIVE_WITHOUT_CONSENT,
    PERMISSION_WITHOUT_PURPOSE,
    UNRESOLVED_REFERENCE,
    crate::rules::builtin::SDK_MISSING_SCOPE,
    crate::rules::builtin::SDK_ENTRY_INCOMPLETE,
];

/// The JSON Schema of the manifest format (`privlint schema manifest`).
pub const JSON_SCHEMA: &str = include_str!("../../schemas/privacy-manifest.schema.json");

/// Whether a manifest's checks may report rule `id`: their own rules, and the text rules
/// they report on manifest entries or raise.
pub fn reports(id: &str) -> bool {
    const ALSO: &[&str] = &[
        crate::rules::builtin::SDK_MISSING_SCOPE,
        crate::rules::builtin::SDK_ENTRY_INCOMPLETE,
        "missing-sdk-list",
        "missing-minor-protection",
        "missing-cross-border-statement",
    ];
    CHECKS.contains(&id) || ALSO.contains(&id)
}

/// File names that are manifests when a directory is walked.
pub const DEFAULT_GLOBS: &[&str] = &[
    "**/privacy-manifest.yaml",
    "**/privacy-manifest.yml",
    "**/*.privacy.yaml",
    "**/*.privacy.yml",
];

/// The policy a manifest is checked against: its document, SDK entries and file index.
pub struct Policy<'a> {
    pub doc: &'a Document,
    pub sdks: &'a [SdkEntry],
    pub file: usize,
}

/// Where the findings of one manifest go: the manifest's file index, and the rules selected
/// for it with their configured severities.
pub struct Run<'a> {
    pub rules: &'a RuleSet,
    pub selected: &'a [(&'a Rule, Option<Severity>)],
    pub file: usize,
}

/// All findings of a manifest: its own checks, and the cross-checks when it has a policy.
pub fn check(manifest: &Manifest, run: &Run<'_>, policy: Option<&Policy<'_>>) -> Vec<Finding> {
    let lang = policy.map_or_else(|| language(manifest), |p| p.doc.lang);
    let out = Out {
        run,
        lang,
        manifest,
    };
    let mut findings = checks::run(&out);
    // Unpaired manifests judge their directives by this list: it must name every rule the
    // checks without a policy report.
    debug_assert!(
        (findings.iter()).all(|f| WITHOUT_POLICY.contains(&f.rule.as_str())),
        "a check without a policy reported a rule missing from WITHOUT_POLICY"
    );
    if let Some(policy) = policy {
        findings.extend(cross::run(&out, policy));
    }
    findings
}

/// Text findings that the manifest makes more serious: no minors provisions while the
/// manifest declares children under 14, no cross-border statement while it declares data
/// leaving China. They become errors and point at the declaration too. `findings` holds
/// the policy's findings and the manifest's.
pub fn escalate(
    manifest: &Manifest,
    manifest_file: usize,
    policy: &Policy<'_>,
    findings: &mut Vec<Finding>,
) {
    cross::escalate(
        manifest,
        manifest_file,
        policy.file,
        policy.doc.lang,
        findings,
    );
}

/// A finding that the file the manifest names as its policy cannot be the policy (`why`).
pub fn unresolved(
    manifest: &Manifest,
    run: &Run<'_>,
    lang: Lang,
    span: Span,
    named: String,
    why: &str,
) -> Option<Finding> {
    let out = Out {
        run,
        lang,
        manifest,
    };
    out.finding(
        UNRESOLVED_REFERENCE,
        run.file,
        span,
        vec![named, why.to_string()],
        None,
    )
}

/// The language of a manifest without a policy, from its names and purposes.
pub fn language(manifest: &Manifest) -> Lang {
    let spec = &manifest.spec;
    let texts = spec
        .data
        .iter()
        .flat_map(|d| std::iter::once(d.name.as_str()).chain(d.purposes.iter().map(String::as_str)))
        .chain(
            spec.sdks
                .iter()
                .flat_map(|s| s.purposes.iter().map(String::as_str)),
        )
        .chain(spec.app.name.as_deref());
    detect_lang(texts)
}

/// Builds findings with the rules' messages in the document's language.
struct Out<'a> {
    run: &'a Run<'a>,
    lang: Lang,
    manifest: &'a Manifest,
}

impl Out<'_> {
    /// The rule and its configured severity, when it is selected.
    fn selected(&self, id: &str) -> Option<(&Rule, Option<Severity>)> {
        self.run
            .selected
            .iter()
            .find(|(rule, _)| rule.id == id)
            .map(|(rule, severity)| (*rule, *severity))
    }

    fn wants(&self, id: &str) -> bool {
        self.selected(id).is_some()
    }

    /// A finding of rule `id` at `span` of file `file`; `severity` is the check's own
    /// judgement (a configured severity wins over it).
    fn finding(
        &self,
        id: &str,
        file: usize,
        span: Span,
        terms: Vec<String>,
        severity: Option<Severity>,
    ) -> Option<Finding> {
        let (rule, configured) = self.selected(id)?;
        let hit = Hit {
            severity: severity.unwrap_or(rule.severity),
            block: None,
            range: 0..0,
            terms,
            limit: None,
        };
        Some(Finding {
            rule: rule.id.clone(),
            severity: configured.unwrap_or(hit.severity),
            message: crate::engine::fill(rule.message.get(self.lang), &hit, self.lang),
            help: Some(rule.help_for(self.lang, &hit)),
            references: rule.references.clone(),
            primary: Label {
                file,
                span,
                message: None,
            },
            related: Vec::new(),
            section: None,
            fingerprint: String::new(),
        })
    }

    fn zh(&self) -> bool {
        self.lang == Lang::Zh
    }
}
