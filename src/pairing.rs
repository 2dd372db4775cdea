//! Which manifest belongs to which policy. A manifest names its policy (`app.policy`,
//! relative to the manifest); otherwise it pairs with the single policy in its folder, or
//! with the single policy on the command line when it was given with `--manifest`. The
//! result is a list of units, each checked on its own: a policy with its manifests, or a
//! manifest alone.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::config::FileFilter;
use crate::document::Lang;
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
    /// `app.policy` names a file that cannot be the policy (the name and the reason).
    Unusable(String, Unusable),
    /// No policy named, and not exactly one policy beside it.
    Ambiguous(usize),
}

/// Why the file `app.policy` names cannot be the policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unusable {
    Empty,
    Itself,
    NotAFile,
    Missing,
}

impl Unusable {
    /// The reason after "its policy NAME (app.policy)", in the run's notes.
    pub fn note(self) -> &'static str {
        match self {
            Unusable::Empty => "is empty",
            Unusable::Itself => "is this manifest itself",
            Unusable::NotAFile => "is not a regular file",
            Unusable::Missing => "does not exist",
        }
    }

    /// The reason as a finding's detail, in the document's language.
    pub fn detail(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Unusable::Empty, Lang::Zh) => "app.policy 为空",
            (Unusable::Empty, Lang::En) => "app.policy is empty",
            (Unusable::Itself, Lang::Zh) => "app.policy 指向清单文件本身",
            (Unusable::Itself, Lang::En) => "app.policy names this manifest itself",
            (Unusable::NotAFile, Lang::Zh) => "app.policy 指向的不是普通文件",
            (Unusable::NotAFile, Lang::En) => {
                "app.policy names something that is not a regular file"
            }
            (Unusable::Missing, Lang::Zh) => "app.policy 指向的文件不存在",
            (Unusable::Missing, Lang::En) => "the file named by app.policy does not exist",
        }
    }
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

/// A path as the file system resolves it, or as given when it cannot: two paths name the
/// same file when their keys are equal.
fn file_key(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// The walked policies by file and by folder, each path resolved once: a run over
/// thousands of app folders must not resolve every policy's path for every manifest.
struct Policies<'t> {
    /// By walk position.
    targets: Vec<(usize, &'t Target)>,
    by_file: HashMap<PathBuf, usize>,
    by_folder: HashMap<PathBuf, Vec<usize>>,
}

impl<'t> Policies<'t> {
    fn new(targets: Vec<(usize, &'t Target)>) -> Self {
        let mut by_file = HashMap::new();
        let mut by_folder: HashMap<PathBuf, Vec<usize>> = HashMap::new();
        for &(index, target) in &targets {
            by_file.entry(file_key(&target.path)).or_insert(index);
            if let Some(folder) = target.path.parent() {
                by_folder.entry(file_key(folder)).or_default().push(index);
            }
        }
        Policies {
            targets,
            by_file,
            by_folder,
        }
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
    policies: &Policies,
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
        if named.trim().is_empty() {
            return Pair::None(Unpaired::Unusable(named, Unusable::Empty));
        }
        let path = dir.join(&named);
        let key = file_key(&path);
        if key == file_key(&manifest.target.path) {
            return Pair::None(Unpaired::Unusable(named, Unusable::Itself));
        }
        if let Some(&index) = policies.by_file.get(&key) {
            return Pair::Target(index);
        }
        return match std::fs::metadata(&path) {
            Ok(meta) if meta.is_file() => Pair::Extra(path),
            Ok(_) => Pair::None(Unpaired::Unusable(named, Unusable::NotAFile)),
            Err(_) => Pair::None(Unpaired::Unusable(named, Unusable::Missing)),
        };
    }
    if explicit && policies.targets.len() == 1 {
        return Pair::Target(policies.targets[0].0);
    }
    let beside = (policies.by_folder.get(&file_key(&dir))).map_or(&[][..], Vec::as_slice);
    match beside {
        [index] => Pair::Target(*index),
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
    let explicit = explicit.map(file_key);
    let is_explicit = |t: &Target| explicit.as_ref().is_some_and(|m| *m == file_key(&t.path));
    let is_manifest =
        |t: &Target| t.problem.is_none() && filter.is_manifest(&t.path, t.named) || is_explicit(t);
    let mut manifest_targets: Vec<(usize, Target)> = Vec::new();
    let mut policy_targets: Vec<(usize, Target)> = Vec::new();
    for (index, target) in targets.into_iter().enumerate() {
        if is_manifest(&target) {
            manifest_targets.push((index, target));
        } else {
            policy_targets.push((index, target));
        }
    }
    let policies = Policies::new(policy_targets.iter().map(|(i, t)| (*i, t)).collect());
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
    // Where each policy unit stands in `slots`, by walk position, and the policies added for
    // manifests that name one the walk did not reach, by file.
    let mut slot_of: HashMap<usize, usize> = (slots.iter().enumerate())
        .map(|(slot, (position, _))| (*position, slot))
        .collect();
    let mut added: HashMap<PathBuf, usize> = HashMap::new();
    for (position, target) in &manifest_targets {
        let mut loaded = load(target);
        match pair(&loaded, &policies, is_explicit(target), filter) {
            Pair::Target(index) => attach(&mut slots, slot_of[&index], loaded),
            Pair::Extra(path) => {
                // Two manifests beside one policy that was not walked: check it once.
                let key = file_key(&path);
                if let Some(&slot) = added.get(&key) {
                    attach(&mut slots, slot, loaded);
                } else {
                    let target = Target {
                        display: walk::display(&path),
                        path,
                        problem: None,
                        named: true,
                    };
                    added.insert(key, slots.len());
                    slot_of.insert(*position, slots.len());
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

/// Add a manifest to the policy unit in `slots[slot]`.
fn attach(slots: &mut [(usize, Unit)], slot: usize, manifest: LoadedManifest) {
    if let (_, Unit::Policy { manifests, .. }) = &mut slots[slot] {
        manifests.push(manifest);
    }
}
