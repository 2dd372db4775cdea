//! Data-collection manifests (`privacy-manifest.yaml`, `*.privacy.yaml`).

/// The built-in checks that read manifests.
pub const CHECKS: &[&str] = &[];
