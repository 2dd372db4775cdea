//! What a manifest must say on its own: a specific purpose for every item and permission,
//! separate consent for sensitive items, a data scope, vendor, purpose and policy link for
//! every SDK, and references that resolve.

use std::collections::HashSet;
use std::sync::OnceLock;

use regex::Regex;

use super::model::{DataItem, LegalBasis, Manifest};
use super::{
    DATA_WITHOUT_PURPOSE, Out, PERMISSION_WITHOUT_PURPOSE, SENSITIVE_WITHOUT_CONSENT,
    SENSITIVE_WITHOUT_PURPOSE, UNRESOLVED_REFERENCE,
};
use crate::diagnostic::{Finding, Severity};
use crate::rules::builtin::{SDK_ENTRY_INCOMPLETE, SDK_MISSING_SCOPE};
use crate::rules::taxonomy::Taxonomy;
use crate::yaml::PathSeg;

pub(super) fn run(out: &Out<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    purposes(out, &mut findings);
    separate_consent(out, &mut findings);
    permissions(out, &mut findings);
    sdks(out, &mut findings);
    references(out, &mut findings);
    findings
}

/// Whether an item is sensitive personal information: as declared, else by its category,
/// else by the taxonomy terms its name matches.
pub(super) fn is_sensitive(item: &DataItem, taxonomy: &Taxonomy) -> bool {
    item.sensitive.unwrap_or_else(|| match &item.category {
        Some(key) => taxonomy.category(key).is_some_and(|c| c.sensitive),
        None => taxonomy
            .terms_naming(&item.name)
            .iter()
            .any(|(category, _, _)| category.sensitive),
    })
}

/// "提供服务", "improve our services": a purpose that could justify anything.
fn is_generic(purpose: &str) -> bool {
    static GENERIC: OnceLock<Regex> = OnceLock::new();
    let generic = GENERIC.get_or_init(|| {
        Regex::new(
            r"(?i)^(?:为了?|用于|以便)?(?:向您|为您)?(?:提供|改进|改善|优化|提升|完善|保障)(?:更好|更优质|优质)?的?(?:产品|服务|体验|功能)(?:和|及|与|、)?(?:服务|体验|质量|功能)?$|^(?:基本|基础)(?:服务|功能)(?:和基础功能)?$|^(?:业务|运营|经营)(?:需要|需求)$|^(?:其他|其它|必要)(?:用途|目的)?$|^(?:to )?(?:provide|improve|enhance|operate|deliver)(?: and (?:improve|provide|operate))? (?:our |the )?(?:services?|products?|experience|app)$|^(?:business|other|internal|general) purposes?$",
        )
        .expect("generic purpose pattern")
    });
    let purpose = purpose.trim();
    purpose.is_empty() || generic.is_match(purpose)
}

fn data_path(index: usize, key: &'static str) -> [PathSeg<'static>; 3] {
    [
        PathSeg::Key("data"),
        PathSeg::Index(index),
        PathSeg::Key(key),
    ]
}

/// Every item needs a specific purpose; a sensitive one is an error of its own rule.
fn purposes(out: &Out<'_>, findings: &mut Vec<Finding>) {
    let manifest = out.manifest;
    let taxonomy = &out.run.rules.taxonomy;
    for (i, item) in manifest.spec.data.iter().enumerate() {
        let rule = if is_sensitive(item, taxonomy) {
            SENSITIVE_WITHOUT_PURPOSE
        } else {
            DATA_WITHOUT_PURPOSE
        };
        if !item.purposes.iter().all(|p| is_generic(p)) {
            continue;
        }
        let detail = match (item.purposes.is_empty(), out.zh()) {
            (true, true) => "未列出用途".to_string(),
            (true, false) => "no purpose is given".to_string(),
            (false, true) => format!("仅有泛化用途（{}）", item.purposes.join("、")),
            (false, false) => format!("only generic purposes ({})", item.purposes.join(", ")),
        };
        let span = if item.purposes.is_empty() {
            manifest.span(&data_path(i, "name"))
        } else {
            manifest.key_span(&data_path(i, "purposes"))
        };
        findings.extend(out.finding(
            rule,
            out.run.file,
            span,
            vec![item.name.clone(), detail],
            None,
        ));
    }
}

/// Sensitive items processed on consent need separate consent (PIPL Art. 29).
fn separate_consent(out: &Out<'_>, findings: &mut Vec<Finding>) {
    let manifest = out.manifest;
    for (i, item) in manifest.spec.data.iter().enumerate() {
        let on_consent = matches!(item.legal_basis, None | Some(LegalBasis::Consent));
        if !is_sensitive(item, &out.run.rules.taxonomy)
            || !on_consent
            || item.separate_consent == Some(true)
        {
            continue;
        }
        let span = match item.separate_consent {
            Some(false) => manifest.span(&data_path(i, "separate_consent")),
            _ => manifest.span(&data_path(i, "name")),
        };
        findings.extend(out.finding(
            SENSITIVE_WITHOUT_CONSENT,
            out.run.file,
            span,
            vec![item.name.clone()],
            None,
        ));
    }
}

fn permissions(out: &Out<'_>, findings: &mut Vec<Finding>) {
    let manifest = out.manifest;
    for (i, permission) in manifest.spec.permissions.iter().enumerate() {
        if permission
            .purpose
            .as_deref()
            .is_some_and(|p| !is_generic(p))
        {
            continue;
        }
        let path = [
            PathSeg::Key("permissions"),
            PathSeg::Index(i),
            PathSeg::Key("name"),
        ];
        findings.extend(out.finding(
            PERMISSION_WITHOUT_PURPOSE,
            out.run.file,
            manifest.span(&path),
            vec![permission.name.clone()],
            None,
        ));
    }
}

/// The label an SDK finding uses: "SDK「名称」" / "the SDK "name"".
pub(super) fn sdk_label(out: &Out<'_>, name: &str) -> String {
    if out.zh() {
        format!("SDK「{name}」")
    } else {
        format!("the SDK \"{name}\"")
    }
}

/// Every SDK needs a data scope (an error) and a vendor, purposes and a policy link.
fn sdks(out: &Out<'_>, findings: &mut Vec<Finding>) {
    let manifest = out.manifest;
    for (i, sdk) in manifest.spec.sdks.iter().enumerate() {
        let at = |key: &'static str| {
            manifest.span(&[PathSeg::Key("sdks"), PathSeg::Index(i), PathSeg::Key(key)])
        };
        let label = sdk_label(out, &sdk.name);
        if sdk.data.is_empty() {
            findings.extend(out.finding(
                SDK_MISSING_SCOPE,
                out.run.file,
                at("name"),
                vec![label.clone()],
                None,
            ));
        }
        let mut missing: Vec<&str> = Vec::new();
        let lacks = |value: &Option<String>| value.as_deref().is_none_or(|v| v.trim().is_empty());
        if lacks(&sdk.vendor) {
            missing.push(if out.zh() {
                "开发者（vendor）"
            } else {
                "the vendor (vendor)"
            });
        }
        let no_purpose = sdk.purposes.iter().all(|p| is_generic(p));
        if no_purpose {
            missing.push(if out.zh() {
                "使用目的（purposes）"
            } else {
                "the purposes (purposes)"
            });
        }
        if lacks(&sdk.policy_url) {
            missing.push(if out.zh() {
                "隐私政策链接（policy_url）"
            } else {
                "a privacy-policy link (policy_url)"
            });
        }
        if !missing.is_empty() {
            let separator = if out.zh() { "、" } else { ", " };
            findings.extend(out.finding(
                SDK_ENTRY_INCOMPLETE,
                out.run.file,
                at("name"),
                vec![label, missing.join(separator)],
                no_purpose.then_some(Severity::Error),
            ));
        }
    }
}

/// Category keys that exist, data references that name an item or a category, ids that are
/// unique.
fn references(out: &Out<'_>, findings: &mut Vec<Finding>) {
    let manifest: &Manifest = out.manifest;
    let taxonomy = &out.run.rules.taxonomy;
    let mut ids: HashSet<&str> = HashSet::new();
    let mut report = |span, terms: Vec<String>| {
        findings.extend(out.finding(UNRESOLVED_REFERENCE, out.run.file, span, terms, None));
    };
    for (i, item) in manifest.spec.data.iter().enumerate() {
        if !ids.insert(item.id.as_str()) {
            let detail = if out.zh() {
                "重复的数据项 id"
            } else {
                "a duplicate data id"
            };
            report(
                manifest.span(&data_path(i, "id")),
                vec![item.id.clone(), detail.to_string()],
            );
        }
        if let Some(key) = &item.category
            && taxonomy.category(key).is_none()
        {
            let detail = if out.zh() {
                "不是分类目录中的类别"
            } else {
                "not a category of the taxonomy"
            };
            report(
                manifest.span(&data_path(i, "category")),
                vec![key.clone(), detail.to_string()],
            );
        }
    }
    let spec = &manifest.spec;
    let lists: [(&'static str, Vec<&Vec<String>>); 3] = [
        (
            "permissions",
            spec.permissions.iter().map(|p| &p.data).collect(),
        ),
        ("sdks", spec.sdks.iter().map(|s| &s.data).collect()),
        (
            "recipients",
            spec.recipients.iter().map(|r| &r.data).collect(),
        ),
    ];
    for (list, entries) in lists {
        for (i, data) in entries.into_iter().enumerate() {
            for (j, reference) in data.iter().enumerate() {
                if ids.contains(reference.as_str()) || taxonomy.category(reference).is_some() {
                    continue;
                }
                let detail = if out.zh() {
                    "既不是 data 中的 id，也不是分类目录中的类别"
                } else {
                    "neither a data id nor a taxonomy category"
                };
                let path = [
                    PathSeg::Key(list),
                    PathSeg::Index(i),
                    PathSeg::Key("data"),
                    PathSeg::Index(j),
                ];
                report(
                    manifest.span(&path),
                    vec![reference.clone(), detail.to_string()],
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generic_purposes() {
        for generic in [
            "提供服务",
            "为了向您提供更好的服务",
            "基本服务和基础功能",
            "to provide our services",
            "other purposes",
            "",
        ] {
            assert!(is_generic(generic), "{generic}");
        }
        for specific in [
            "实名认证",
            "人脸识别登录",
            "send order confirmations",
            "提供导航服务",
        ] {
            assert!(!is_generic(specific), "{specific}");
        }
    }
}
