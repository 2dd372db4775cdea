//! The manifest format (version 1, see the README and `schemas/privacy-manifest.schema.json`)
//! and its loading: the bounded, span-aware YAML tree first (so hostile input is refused and
//! every entry has a place in the file), then the typed model.

use serde::{Deserialize, Deserializer};

use crate::source::Span;
use crate::yaml::{self, Node, PathSeg};

/// Who the app is for (PIPL Art. 31 applies to children under 14).
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    Adults,
    #[serde(rename = "minors_14_to_18")]
    Minors14To18,
    #[serde(rename = "children_under_14")]
    ChildrenUnder14,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum LegalBasis {
    Consent,
    Contract,
    LegalObligation,
    PublicFunction,
    VitalInterest,
    PublicInterest,
    PubliclyAvailable,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SdkMethod {
    SdkCollects,
    AppProvides,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ResponseUnit {
    WorkingDays,
    CalendarDays,
}

/// A scalar read as text: `contact: 12333` is a phone number, not an error.
fn text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Scalar {
        Text(String),
        Integer(i64),
        Float(f64),
    }
    Ok(
        Option::<Scalar>::deserialize(deserializer)?.map(|s| match s {
            Scalar::Text(t) => t,
            Scalar::Integer(i) => i.to_string(),
            Scalar::Float(f) => f.to_string(),
        }),
    )
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub phone: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub form: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Officer {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub contact: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct App {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub controller: Option<String>,
    #[serde(default)]
    pub contact: Option<Contact>,
    #[serde(default)]
    pub pi_officer: Option<Officer>,
    /// The policy this manifest belongs to, relative to the manifest.
    #[serde(default)]
    pub policy: Option<String>,
    #[serde(default)]
    pub audiences: Vec<Audience>,
    /// ISO 3166 codes of where users are.
    #[serde(default)]
    pub regions: Vec<String>,
}

/// A personal-information item the app collects.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataItem {
    pub id: String,
    /// As the policy calls it.
    pub name: String,
    /// Other names the policy may use.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// A key of the taxonomy's categories.
    #[serde(default)]
    pub category: Option<String>,
    /// Overrides the category's sensitivity.
    #[serde(default)]
    pub sensitive: Option<bool>,
    #[serde(default)]
    pub purposes: Vec<String>,
    #[serde(default)]
    pub required: Option<bool>,
    #[serde(default)]
    pub legal_basis: Option<LegalBasis>,
    #[serde(default)]
    pub separate_consent: Option<bool>,
    #[serde(default, deserialize_with = "text")]
    pub retention: Option<String>,
    #[serde(default)]
    pub storage_region: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PermissionEntry {
    /// `android.permission.CAMERA`, `NSCameraUsageDescription`.
    pub name: String,
    #[serde(default)]
    pub purpose: Option<String>,
    /// Ids of `data` items (or taxonomy keys) the permission gives access to.
    #[serde(default)]
    pub data: Vec<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SdkDeclaration {
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub vendor: Option<String>,
    #[serde(default)]
    pub purposes: Vec<String>,
    /// The data scope: ids of `data` items, or taxonomy keys.
    #[serde(default)]
    pub data: Vec<String>,
    #[serde(default)]
    pub method: Option<SdkMethod>,
    #[serde(default)]
    pub policy_url: Option<String>,
    #[serde(default)]
    pub region: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recipient {
    pub name: String,
    #[serde(default, deserialize_with = "text")]
    pub contact: Option<String>,
    #[serde(default)]
    pub purposes: Vec<String>,
    #[serde(default)]
    pub data: Vec<String>,
    #[serde(default)]
    pub region: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rights {
    #[serde(default)]
    pub withdrawal: Option<String>,
    #[serde(default)]
    pub account_deletion: Option<String>,
    #[serde(default)]
    pub response_days: Option<u32>,
    #[serde(default)]
    pub response_unit: Option<ResponseUnit>,
    #[serde(default, deserialize_with = "text")]
    pub complaint: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestSpec {
    /// The format version.
    pub privlint: u32,
    #[serde(default)]
    pub app: App,
    #[serde(default)]
    pub data: Vec<DataItem>,
    #[serde(default)]
    pub permissions: Vec<PermissionEntry>,
    #[serde(default)]
    pub sdks: Vec<SdkDeclaration>,
    #[serde(default)]
    pub recipients: Vec<Recipient>,
    #[serde(default)]
    pub rights: Option<Rights>,
}

/// A loaded manifest: the typed content and the tree that knows where each part is.
#[derive(Debug)]
pub struct Manifest {
    pub spec: ManifestSpec,
    root: Node,
}

/// Why a manifest could not be loaded, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadError {
    pub message: String,
    pub span: Span,
}

pub const FORMAT_VERSION: u32 = 1;

impl Manifest {
    pub fn parse(text: &str) -> Result<Manifest, LoadError> {
        let root = yaml::parse(text).map_err(|e| LoadError {
            message: e.message,
            span: e.span,
        })?;
        if !matches!(root, Node::Map { .. }) {
            return Err(LoadError {
                message: "a manifest is a mapping with the keys privlint, app, data, permissions, sdks, recipients and rights".into(),
                span: root.span(),
            });
        }
        let spec: ManifestSpec = serde_yaml::from_str(text).map_err(|e| {
            let at = e.location().map_or(0, |l| l.index()).min(text.len());
            LoadError {
                message: e.to_string(),
                span: Span::new(at, at),
            }
        })?;
        if spec.privlint != FORMAT_VERSION {
            return Err(LoadError {
                message: format!(
                    "manifest format version {} is not supported; this privlint reads version {FORMAT_VERSION}",
                    spec.privlint
                ),
                span: root.locate(&[PathSeg::Key("privlint")]).span(),
            });
        }
        // An empty name would be quoted as 「」 in every finding about the item.
        if let Some(i) = (spec.data.iter()).position(|item| item.name.trim().is_empty()) {
            return Err(LoadError {
                message: format!("data[{i}].name is empty: name the item as the policy does"),
                span: root
                    .locate(&[
                        PathSeg::Key("data"),
                        PathSeg::Index(i),
                        PathSeg::Key("name"),
                    ])
                    .span(),
            });
        }
        Ok(Manifest { spec, root })
    }

    /// Where a part of the manifest is (the nearest existing node).
    /// Where the manifest's scalars are, by start.
    pub fn scalar_spans(&self) -> Vec<Span> {
        self.root.scalar_spans()
    }

    pub fn span(&self, path: &[PathSeg<'_>]) -> Span {
        self.root.locate(path).span()
    }

    /// Where the key of a mapping entry is: `data[2].purposes` points at `purposes`, or at
    /// the entry when the key is absent.
    pub fn key_span(&self, path: &[PathSeg<'_>]) -> Span {
        let Some((PathSeg::Key(key), parent)) = path.split_last() else {
            return self.span(path);
        };
        match self.root.locate(parent).entry(key) {
            Some((key, _)) => key.span(),
            None => self.span(parent),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_the_documented_example() {
        let text = "privlint: 1\napp:\n  name: 示例\n  audiences: [adults, children_under_14]\ndata:\n  - id: id_card\n    name: 身份证号码\n    category: specific_identity\n    purposes: [实名认证]\nrecipients:\n  - name: 某局\n    contact: 12333\n";
        let manifest = Manifest::parse(text).expect("loads");
        assert_eq!(manifest.spec.data[0].name, "身份证号码");
        assert_eq!(
            manifest.spec.recipients[0].contact.as_deref(),
            Some("12333")
        );
        let span = manifest.span(&[
            PathSeg::Key("data"),
            PathSeg::Index(0),
            PathSeg::Key("name"),
        ]);
        assert_eq!(&text[span.start..span.end], "身份证号码");
        let key = manifest.key_span(&[
            PathSeg::Key("data"),
            PathSeg::Index(0),
            PathSeg::Key("purposes"),
        ]);
        assert_eq!(&text[key.start..key.end], "purposes");
    }

    #[test]
    fn errors_point_into_the_file() {
        let unknown = "privlint: 1\napp:\n  nmae: x\n";
        let error = Manifest::parse(unknown).unwrap_err();
        assert!(
            error.message.contains("unknown field `nmae`"),
            "{}",
            error.message
        );
        assert_eq!(&unknown[error.span.start..error.span.start + 4], "nmae");
        let version = Manifest::parse("privlint: 2\n").unwrap_err();
        assert!(version.message.contains("version 2"));
        assert!(Manifest::parse("- a\n- b\n").is_err());
        let broken = Manifest::parse("privlint: 1\ndata: [\n").unwrap_err();
        assert!(broken.span.start > 0);
        let empty = "privlint: 1\ndata:\n  - id: a\n    name: \"  \"\n    category: email\n";
        let error = Manifest::parse(empty).unwrap_err();
        assert!(
            error.message.contains("data[0].name is empty"),
            "{}",
            error.message
        );
        assert_eq!(&empty[error.span.start..error.span.end], "\"  \"");
    }
}
