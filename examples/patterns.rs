//! Print every built-in pattern, one per line: what `scripts/bench.sh` gives ripgrep to
//! compare a plain regex scan of the corpus with a privlint run. Named groups become plain
//! groups, since ripgrep joins the patterns into one regex, where names must be unique.
//!
//!     cargo run --release --example patterns > patterns.txt

fn main() {
    let rules = privlint::rules::load(&[]).expect("the built-in rules load");
    let named_group = regex::Regex::new(r"\(\?P?<[A-Za-z_][A-Za-z0-9_]*>").expect("valid");
    let patterns = &rules.patterns;
    for id in 0..patterns.len() {
        println!(
            "{}",
            named_group.replace_all(patterns.regex(id).as_str(), "(?:")
        );
    }
}
