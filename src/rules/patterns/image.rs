//! The built-in patterns' literal index, computed ahead of time. Parsing the built-in
//! patterns and extracting their literals is most of a cold start, and gives the same index
//! at every start: it is stored in `index/<lang>.bin`, and a run whose patterns of a language
//! are exactly those the stored index was built from reads it instead. Its branches are then
//! parsed when first searched.
//!
//! When user rule files add patterns, the index is built afresh, but the built-in patterns'
//! plans (search, literal sets, program) are still read from the stored index: only the
//! user's patterns are parsed and analysed.
//!
//! A test fails while a stored index differs from the one built afresh; after changing a
//! built-in rule or the literal analysis, store the new one with
//! `PRIVLINT_UPDATE_INDEX=1 cargo test --lib builtin_index`.

use std::collections::HashMap;

use super::{
    Automaton, Branch, Head, Lang, LangIndex, Lists, OnceLock, PatternTable, Plan, Search,
    SentenceMemo, StoredProgram,
};
use serde::{Deserialize, Serialize};
use serde_bytes::Bytes;

#[derive(Serialize, Deserialize)]
struct Image<'a> {
    /// The patterns the index was built from: their ids and sources, in order.
    #[serde(borrow)]
    patterns: Vec<(u32, &'a str)>,
    #[serde(borrow)]
    branches: Vec<BranchImage<'a>>,
    heads: Vec<Head>,
    /// The serialised automaton; empty when there is none.
    #[serde(with = "serde_bytes")]
    automaton: &'a [u8],
    /// The automaton's literals, by number.
    #[serde(borrow)]
    literals: Vec<&'a Bytes>,
    sets_of: Lists,
    placed_sets_of: Lists,
    owners: Lists,
    required: Lists,
    always: Vec<u32>,
}

#[derive(Serialize, Deserialize)]
struct BranchImage<'a> {
    nth: u32,
    search: Search,
    /// Its serialised program; `None` when the backtracker does not support the branch.
    #[serde(borrow, with = "serde_bytes")]
    program: Option<&'a [u8]>,
}

/// The necessary literals of the built-in taxonomy's filtered patterns (vendors' names,
/// category terms, permission words), sorted by pattern.
#[derive(Serialize, Deserialize)]
struct NecessaryImage<'a> {
    #[serde(borrow)]
    patterns: Vec<(&'a str, Literals<'a>)>,
}

type Literals<'a> = Option<Vec<&'a Bytes>>;

const STORED_NECESSARY: &[u8] = include_bytes!("index/taxonomy.bin");

/// `pattern`'s necessary literals when they are stored (see [`super::necessary_literals`]).
pub(super) fn stored_necessary_literals(pattern: &str) -> Option<Option<Vec<Vec<u8>>>> {
    static STORED: OnceLock<Vec<(&str, Literals)>> = OnceLock::new();
    let stored = STORED.get_or_init(|| {
        (postcard::from_bytes::<NecessaryImage>(STORED_NECESSARY))
            .map(|image| image.patterns)
            .unwrap_or_default()
    });
    let i = (stored.binary_search_by_key(&pattern, |&(source, _)| source)).ok()?;
    let literals = stored[i].1.as_ref();
    Some(literals.map(|set| set.iter().map(|literal| literal.to_vec()).collect()))
}

fn stored(lang: Lang) -> &'static [u8] {
    match lang {
        Lang::En => include_bytes!("index/en.bin"),
        Lang::Zh => include_bytes!("index/zh.bin"),
    }
}

/// The stored index of `lang`, when it was built from exactly the table's patterns of `lang`.
pub(super) fn builtin(table: &PatternTable, lang: Lang) -> Option<LangIndex> {
    decode(table, lang, stored(lang))
}

/// The stored plans of the built-in patterns' branches, by pattern source.
pub(super) struct StoredPlans {
    by_source: HashMap<&'static str, Vec<Plan>>,
}

impl StoredPlans {
    pub(super) fn plans(&self, source: &str) -> Option<Vec<Plan>> {
        self.by_source.get(source).cloned()
    }
}

/// The plans stored for `lang`, read once.
pub(super) fn stored_plans(lang: Lang) -> Option<&'static StoredPlans> {
    static PLANS: [OnceLock<Option<StoredPlans>>; 2] = [const { OnceLock::new() }; 2];
    PLANS[lang.index()]
        .get_or_init(|| decode_plans(stored(lang)))
        .as_ref()
}

fn decode_plans(bytes: &'static [u8]) -> Option<StoredPlans> {
    let image: Image = postcard::from_bytes(bytes).ok()?;
    let consistent = image.literals.len() == image.sets_of.len()
        && image.branches.len() == image.heads.len()
        && image.required.len() == image.heads.len();
    if !consistent {
        return None;
    }
    // Each set's literals, sorted as the analysis gives them.
    let mut set_literals: Vec<Vec<Vec<u8>>> = vec![Vec::new(); image.owners.len()];
    for (l, literal) in image.literals.iter().enumerate() {
        for &set in image.sets_of.get(l) {
            set_literals.get_mut(set as usize)?.push(literal.to_vec());
        }
    }
    for set in &mut set_literals {
        set.sort();
    }
    let sources: HashMap<u32, &'static str> = image.patterns.iter().copied().collect();
    let mut by_source: HashMap<&'static str, Vec<Plan>> = HashMap::new();
    for (b, (branch, head)) in image.branches.iter().zip(&image.heads).enumerate() {
        let sets = (image.required.get(b).iter())
            .map(|&set| set_literals.get(set as usize).cloned())
            .collect::<Option<Vec<_>>>()?;
        let plans = by_source.entry(sources.get(&head.pattern)?).or_default();
        // A pattern's branches come together, in order.
        if plans.len() != branch.nth as usize {
            return None;
        }
        plans.push(Plan {
            search: branch.search,
            sets,
            longest: head.longest,
            program: StoredProgram::stored(branch.program),
        });
    }
    Some(StoredPlans { by_source })
}

fn decode(table: &PatternTable, lang: Lang, bytes: &'static [u8]) -> Option<LangIndex> {
    let image: Image = postcard::from_bytes(bytes).ok()?;
    let built_from = (image.patterns.iter()).map(|&(id, source)| (id as usize, source));
    let consistent = image.branches.len() == image.heads.len()
        && image.required.len() == image.heads.len()
        && image.placed_sets_of.len() == image.sets_of.len();
    if !consistent || !built_from.eq(table.sources(lang)) {
        return None;
    }
    let automaton = match image.automaton {
        [] => None,
        bytes => Some(Automaton::deserialize(bytes)?),
    };
    let branches = (image.branches.iter().zip(&image.heads))
        .map(|(branch, head)| {
            let stored = StoredProgram::stored(branch.program);
            Branch::new(
                head.pattern as usize,
                branch.nth as usize,
                branch.search,
                stored,
            )
        })
        .collect();
    Some(LangIndex {
        branches,
        automaton,
        sets_of: image.sets_of,
        placed_sets_of: image.placed_sets_of,
        owners: image.owners,
        required: image.required,
        heads: image.heads,
        always: image.always.iter().map(|&b| b as usize).collect(),
        memo: SentenceMemo::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::patterns::Compile;

    fn encode(
        table: &PatternTable,
        lang: Lang,
        index: &LangIndex,
        literals: &[Vec<u8>],
    ) -> Vec<u8> {
        let automaton = (index.automaton.as_ref()).map_or_else(Vec::new, Automaton::serialize);
        let narrow = |n: usize| u32::try_from(n).expect("fits in u32");
        let programs: Vec<Option<Vec<u8>>> = (index.branches.iter())
            .map(|branch| {
                let program = branch.program(&table.patterns)?;
                Some(postcard::to_stdvec(program).expect("a program serialises"))
            })
            .collect();
        let image = Image {
            patterns: (table.sources(lang))
                .map(|(id, source)| (narrow(id), source))
                .collect(),
            branches: (index.branches.iter().zip(&programs))
                .map(|(branch, program)| BranchImage {
                    nth: narrow(branch.nth),
                    search: branch.search,
                    program: program.as_deref(),
                })
                .collect(),
            heads: index.heads.clone(),
            automaton: &automaton,
            literals: literals.iter().map(|l| Bytes::new(l)).collect(),
            sets_of: index.sets_of.clone(),
            placed_sets_of: index.placed_sets_of.clone(),
            owners: index.owners.clone(),
            required: index.required.clone(),
            always: index.always.iter().map(|&b| narrow(b)).collect(),
        };
        postcard::to_stdvec(&image).expect("an index serialises")
    }

    fn encode_necessary(set: &crate::rules::RuleSet) -> Vec<u8> {
        let mut sources = set.taxonomy.filtered_patterns();
        sources.sort();
        sources.dedup();
        let literals: Vec<Option<Vec<Vec<u8>>>> = (sources.iter())
            .map(|source| super::super::analyse_necessary_literals(source))
            .collect();
        let image = NecessaryImage {
            patterns: (sources.iter().zip(&literals))
                .map(|(source, set)| {
                    let set = set
                        .as_ref()
                        .map(|set| set.iter().map(|l| Bytes::new(l)).collect());
                    (*source, set)
                })
                .collect(),
        };
        postcard::to_stdvec(&image).expect("literals serialise")
    }

    #[test]
    fn builtin_index_is_current() {
        let set = crate::rules::load(&[]).expect("built-in rules load");
        let mut stale = Vec::new();
        let fresh = Lang::ALL.map(|lang| {
            let (index, literals) = set.patterns.build_index(lang, None);
            (lang.code(), encode(&set.patterns, lang, &index, &literals))
        });
        let fresh = fresh
            .into_iter()
            .chain([("taxonomy", encode_necessary(&set))]);
        let stored = [stored(Lang::En), stored(Lang::Zh), STORED_NECESSARY];
        for ((name, fresh), stored) in fresh.zip(stored) {
            if fresh == stored {
                continue;
            }
            let path = format!(
                "{}/src/rules/patterns/index/{name}.bin",
                env!("CARGO_MANIFEST_DIR"),
            );
            if std::env::var_os("PRIVLINT_UPDATE_INDEX").is_some() {
                std::fs::write(&path, fresh).expect("store the index");
            } else {
                stale.push(path);
            }
        }
        assert!(
            stale.is_empty(),
            "stale: {stale:?}; store the new index with `PRIVLINT_UPDATE_INDEX=1 cargo test --lib builtin_index`"
        );
    }

    #[test]
    fn stored_index_reads_back_as_built() {
        let set = crate::rules::load(&[]).expect("built-in rules load");
        for lang in Lang::ALL {
            let index = builtin(&set.patterns, lang).expect("the stored index fits");
            let image: Image = postcard::from_bytes(stored(lang)).expect("reads");
            let literals: Vec<Vec<u8>> = image.literals.iter().map(|l| l.to_vec()).collect();
            assert_eq!(encode(&set.patterns, lang, &index, &literals), stored(lang));
        }
    }

    /// The built-in patterns with one changed (the 8th) and one added to each language.
    fn extended_table(set: &crate::rules::RuleSet) -> PatternTable {
        let mut table = PatternTable::default();
        for (id, pattern) in set.patterns.patterns.iter().enumerate() {
            let source = match id {
                7 => format!("{}x", pattern.source),
                _ => pattern.source.clone(),
            };
            (table.add(pattern.lang, &source, Compile::OnFirstUse)).expect("adds");
        }
        for (lang, extra) in [
            (Lang::En, r"\bcustom (?:term|word)\b"),
            (Lang::Zh, "自定义[^。]{0,5}词"),
        ] {
            table.add(lang, extra, Compile::OnFirstUse).expect("adds");
        }
        table
    }

    #[test]
    fn index_with_other_patterns_reuses_the_stored_plans_as_built_afresh() {
        let set = crate::rules::load(&[]).expect("built-in rules load");
        let table = extended_table(&set);
        for lang in Lang::ALL {
            let stored = stored_plans(lang).expect("the stored plans read");
            let reused = table.build_index(lang, Some(stored));
            let fresh = table.build_index(lang, None);
            assert_eq!(
                encode(&table, lang, &reused.0, &reused.1),
                encode(&table, lang, &fresh.0, &fresh.1)
            );
        }
    }

    #[test]
    fn stored_index_serves_only_the_patterns_it_was_built_from() {
        let set = crate::rules::load(&[]).expect("built-in rules load");
        let table = extended_table(&set);
        for lang in Lang::ALL {
            assert!(builtin(&table, lang).is_none());
        }
        let mut extended = PatternTable::default();
        for pattern in &set.patterns.patterns {
            (extended.add(pattern.lang, &pattern.source, Compile::OnFirstUse)).expect("adds");
        }
        for lang in Lang::ALL {
            assert!(builtin(&extended, lang).is_some());
            extended
                .add(lang, "extra", Compile::OnFirstUse)
                .expect("adds");
            assert!(builtin(&extended, lang).is_none());
        }
        assert!(decode(&set.patterns, Lang::Zh, b"not an index").is_none());
    }
}
