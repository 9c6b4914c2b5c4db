#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| resetdesk::fuzzing::odata_filter(data));
