#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use privlint::document::Format;

fuzz_target!(|bytes: &[u8]| common::parse_and_check_spans(bytes, Format::Text));
