use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let path = std::path::PathBuf::from(&args[2]);
    let bytes = std::fs::read(&path).unwrap();
    let format =
        privlint::document::Format::from_path(&path).unwrap_or(privlint::document::Format::Text);
    let decoded = privlint::decode::decode(&bytes, format == privlint::document::Format::Html);
    let file = privlint::source::SourceFile::new(path.clone(), args[2].clone(), decoded);
    let doc = privlint::document::parse(&file, format, None);
    print!("{}", privlint::debug::render_parse(&file, &doc));
    ExitCode::SUCCESS
}
