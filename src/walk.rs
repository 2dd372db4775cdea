//! Which files to check: explicit files as given, directories walked in sorted order for
//! policy documents. Symbolic links to directories are not followed, so loops cannot occur.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::config::FileFilter;

/// Directories never walked into.
const SKIPPED_DIRS: &[&str] = &[".git", ".hg", ".svn", "node_modules", "target"];

/// A file to check, or a path that could not be used (with the reason).
#[derive(Clone, Debug)]
pub struct Target {
    pub path: PathBuf,
    /// The path as shown in reports: as given or joined under the given directory, `/`-separated.
    pub display: String,
    pub problem: Option<String>,
    /// Named on the command line (not found by walking a directory).
    pub named: bool,
}

pub fn display(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    text.strip_prefix("./").unwrap_or(&text).to_string()
}

/// Expand `paths` into targets, in argument order, each directory sorted by name. Files named
/// explicitly are always checked; walked files must pass `filter`.
pub fn collect(paths: &[PathBuf], filter: &FileFilter) -> Vec<Target> {
    // A file is checked once however it is spelt ("pair pair/p.md", "./p.md p.md"): twice, its
    // findings would be reported twice and its manifest find two policies beside it.
    let mut seen: HashSet<PathBuf> = HashSet::new();
    let mut targets = Vec::new();
    let mut push = |target: Target, targets: &mut Vec<Target>| {
        let key = std::fs::canonicalize(&target.path).unwrap_or_else(|_| target.path.clone());
        if seen.insert(key) {
            targets.push(target);
        }
    };
    for path in paths {
        match std::fs::metadata(path) {
            Err(e) => push(
                Target {
                    path: path.clone(),
                    display: display(path),
                    problem: Some(if path.as_os_str() == "-" {
                        "`-` names no file: privlint reads policies from files, not from \
                         standard input"
                            .to_string()
                    } else {
                        format!("cannot read {}: {e}", display(path))
                    }),
                    named: true,
                },
                &mut targets,
            ),
            Ok(meta) if meta.is_dir() => {
                for target in walk_dir(path, filter) {
                    push(target, &mut targets);
                }
            }
            Ok(_) => push(
                Target {
                    path: path.clone(),
                    display: display(path),
                    problem: None,
                    named: true,
                },
                &mut targets,
            ),
        }
    }
    targets
}

fn walk_dir(root: &Path, filter: &FileFilter) -> Vec<Target> {
    let walker = walkdir::WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|entry| {
            entry.depth() == 0
                || !(entry.file_type().is_dir()
                    && SKIPPED_DIRS.contains(&entry.file_name().to_string_lossy().as_ref()))
        });
    let mut targets = Vec::new();
    for entry in walker {
        match entry {
            Ok(entry) => {
                if entry.file_type().is_file() && filter.wants(entry.path()) {
                    targets.push(Target {
                        path: entry.path().to_path_buf(),
                        display: display(entry.path()),
                        problem: None,
                        named: false,
                    });
                }
            }
            Err(e) => {
                let path = e
                    .path()
                    .map_or_else(|| root.to_path_buf(), Path::to_path_buf);
                targets.push(Target {
                    display: display(&path),
                    problem: Some(format!("cannot read {}: {e}", display(&path))),
                    path,
                    named: false,
                });
            }
        }
    }
    targets
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_sorted_and_filters_by_extension() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["b.md", "a.txt", "c.yaml", "d.HTML"] {
            std::fs::write(dir.path().join(name), "x").unwrap();
        }
        std::fs::create_dir(dir.path().join("node_modules")).unwrap();
        std::fs::write(dir.path().join("node_modules/x.md"), "x").unwrap();
        let names: Vec<String> = collect(&[dir.path().to_path_buf()], &FileFilter::default())
            .iter()
            .map(|t| t.path.file_name().unwrap().to_string_lossy().to_string())
            .collect();
        assert_eq!(names, vec!["a.txt", "b.md", "d.HTML"]);
    }

    #[cfg(unix)]
    #[test]
    fn a_file_spelt_two_ways_is_one_target() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("app")).unwrap();
        std::fs::write(dir.path().join("app/p.md"), "x").unwrap();
        std::os::unix::fs::symlink(dir.path().join("app"), dir.path().join("link")).unwrap();
        let file = dir.path().join("app/p.md");
        let other_spelling = dir.path().join("link/p.md");
        let targets = collect(
            &[dir.path().join("app"), file, other_spelling],
            &FileFilter::default(),
        );
        assert_eq!(targets.len(), 1);
    }

    #[test]
    fn missing_paths_become_problems() {
        let targets = collect(
            &[PathBuf::from("/definitely/not/here.md")],
            &FileFilter::default(),
        );
        assert!(
            targets[0]
                .problem
                .as_deref()
                .unwrap()
                .contains("cannot read")
        );
    }
}
