#![no_main]

use libfuzzer_sys::fuzz_target;
use privlint::decode::decode;
use privlint::manifest::Manifest;

fuzz_target!(|bytes: &[u8]| {
    let _ = Manifest::parse(&decode(bytes, false).text);
});
