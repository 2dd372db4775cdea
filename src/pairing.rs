//! Which manifest belongs to which policy. A manifest names its policy (`app.policy`,
//! relative to the manifest); otherwise it pairs with the single policy in its folder, or
//! with the single policy on the command line when it was given with `--manifest`. The
//! result is a list of units, each checked on its own: a policy with its manifests, or a
//! manifest alone.

use std::path::{Path, PathBuf};

use crate::config::FileFilter;
use crate::manifest::Manifest;
use crate::source::SourceFile;
use crate::walk::{self, Target};

/// A manifest read and parsed before pairing (its `app.policy` decides the pairing).
#[derive(Debug)]
pub struct LoadedManifest {
    pub target: Target,
    /// The file, or why it could not be read.
    pub source: Result<SourceFile, String>,
    /// The parsed manifest, or where and why parsing failed.
    pub manifest: Option<Result<Manifest, crate::manifest::LoadError>>,
    /// Why the manifest has no policy, when it has none.
    pub unpaired: Option<Unpaired>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unpaired {
    /// `app.policy` names a file that does not exist.
    Missing(String),
    /// No policy named, and not exactly one policy beside it.
    Ambiguous(usize),
}

/// What is checked together.
#[derive(Debug)]
pub enum Unit {
    Policy {
        target: Target,
        manifests: Vec<LoadedManifest>,
    },
    Manifest(Box<LoadedManifest>),
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// Policies in `dir` on disk (not walked into subfolders), for a manifest named alone.
fn policies_beside(dir: &Path, filter: &FileFilter) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && filter.wants(p) && !filter.is_manifest(p, false))
        .collect();
    found.sort();
    found
}

/// The policy a manifest belongs to: a target index, or a file to add; or why there is none.
enum Pair {
    Target(usize),
    Extra(PathBuf),
    None(Unpaired),
}

fn pair(
    manifest: &LoadedManifest,
    policies: &[(usize, &Target)],
    explicit: bool,
    filter: &FileFilter,
) -> Pair {
    let dir = manifest
        .target
        .path
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let named = manifest
        .manifest
        .as_ref()
        .and_then(|m| m.as_ref().ok())
        .and_then(|m| m.spec.app.policy.clone());
    if let Some(named) = named {
        let path = dir.join(&named);
        if let Some((index, _)) = policies.iter().find(|(_, t)| same_file(&t.path, &path)) {
            return Pair::Target(*index);
        }
        return if path.is_file() {
            Pair::Extra(path)
        } else {
            Pair::None(Unpaired::Missing(named))
        };
    }
    if explicit && policies.len() == 1 {
        return Pair::Target(policies[0].0);
    }
    let beside: Vec<&(usize, &Target)> = policies
        .iter()
        .filter(|(_, t)| t.path.parent().is_some_and(|p| same_file(p, &dir)))
        .collect();
    match beside.as_slice() {
        [(index, _)] => Pair::Target(*index),
        [] => match policies_beside(&dir, filter).as_slice() {
            [only] => Pair::Extra(only.clone()),
            found => Pair::None(Unpaired::Ambiguous(found.len())),
        },
        found => Pair::None(Unpaired::Ambiguous(found.len())),
    }
}

/// Group targets into units, keeping the walk's order.
pub fn units(
    targets: Vec<Target>,
    explicit: Option<&Path>,
    filter: &FileFilter,
    load: impl Fn(&Target) -> LoadedManifest,
) -> Vec<Unit> {
    let is_manifest = |t: &Target| {
        t.problem.is_none() && filter.is_manifest(&t.path, t.named)
            || explicit.is_some_and(|m| same_file(m, &t.path))
    };
    let mut manifest_targets: Vec<(usize, Target)> = Vec::new();
    let mut policy_targets: Vec<(usize, Target)> = Vec::new();
    for (index, target) in targets.into_iter().enumerate() {
        if is_manifest(&target) {
            manifest_targets.push((index, target));
        } else {
            policy_targets.push((index, target));
        }
    }
    let policies: Vec<(usize, &Target)> = policy_targets.iter().map(|(i, t)| (*i, t)).collect();
    // Per walk position: the policy unit (with manifests attached later) or a manifest unit.
    let mut slots: Vec<(usize, Unit)> = policy_targets
        .iter()
        .map(|(i, t)| {
            (
                *i,
                Unit::Policy {
                    target: t.clone(),
                    manifests: Vec::new(),
                },
            )
        })
        .collect();
    for (position, target) in &manifest_targets {
        let mut loaded = load(target);
        let explicit = explicit.is_some_and(|m| same_file(m, &target.path));
        match pair(&loaded, &policies, explicit, filter) {
            Pair::Target(index) => attach(&mut slots, |i, _| i == index, loaded),
            Pair::Extra(path) => {
                // Two manifests beside one policy that was not walked: check it once.
                let known = slots.iter().any(|(_, unit)| {
                    matches!(unit, Unit::Policy { target, .. } if same_file(&target.path, &path))
                });
                if known {
                    attach(&mut slots, |_, t| same_file(&t.path, &path), loaded);
                } else {
                    let target = Target {
                        display: walk::display(&path),
                        path,
                        problem: None,
                        named: true,
                    };
                    slots.push((
                        *position,
                        Unit::Policy {
                            target,
                            manifests: vec![loaded],
                        },
                    ));
                }
            }
            Pair::None(reason) => {
                loaded.unpaired = Some(reason);
                slots.push((*position, Unit::Manifest(Box::new(loaded))));
            }
        }
    }
    slots.sort_by_key(|(i, _)| *i);
    slots.into_iter().map(|(_, unit)| unit).collect()
}

/// Add a manifest to the first policy unit `which` accepts (by walk position and target).
fn attach(
    slots: &mut [(usize, Unit)],
    which: impl Fn(usize, &Target) -> bool,
    manifest: LoadedManifest,
) {
    let unit = slots.iter_mut().find_map(|(i, unit)| match unit {
        Unit::Policy { target, manifests } if which(*i, target) => Some(manifests),
        _ => None,
    });
    if let Some(manifests) = unit {
        manifests.push(manifest);
    }
}
