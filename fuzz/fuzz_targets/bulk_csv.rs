#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| resetdesk::fuzzing::bulk_csv(data));
