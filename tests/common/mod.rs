//! Running the built binary from the integration tests.

use std::path::Path;
use std::process::Command;

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// `privlint ARGS` in `dir`, with a fixed terminal width and no colour so that human output
/// is stable.
pub fn privlint_in(dir: &Path, args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_privlint"))
        .args(args)
        .env("COLUMNS", "80")
        .env("NO_COLOR", "1")
        .current_dir(dir)
        .output()
        .expect("privlint runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// The standard output as JSON.
#[allow(dead_code)] // not every test file reads JSON
pub fn json(run: &Run) -> serde_json::Value {
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}{}", run.stdout, run.stderr))
}
