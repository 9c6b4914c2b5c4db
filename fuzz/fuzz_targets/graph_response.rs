#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| resetdesk::fuzzing::graph_response(data));
