//! Issue 16, item 3: a secret is zeroized when it is dropped. This test binary has its own
//! allocator, which looks at every block as it is freed (the memory is still valid then)
//! and notes whether it still holds the marker text: a `SecretString` must leave none; a
//! plain `String` does, which shows the spy sees what it should.

#![allow(clippy::unwrap_used)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use resetdesk::secret::{ExposeSecret, secret};

const MARKER: &[u8] = b"Zx9-marker-Quiet-Harbour-42";

static WATCHING: AtomicBool = AtomicBool::new(false);
static FREED_WITH_MARKER: AtomicBool = AtomicBool::new(false);
/// One test at a time: the spy's flags are global.
static ONE: Mutex<()> = Mutex::new(());

struct Spy;

unsafe impl GlobalAlloc for Spy {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if WATCHING.load(Ordering::SeqCst) && layout.size() >= MARKER.len() {
            // Safety: the block is still ours until System.dealloc below.
            let block = unsafe { std::slice::from_raw_parts(ptr, layout.size()) };
            if block.windows(MARKER.len()).any(|w| w == MARKER) {
                FREED_WITH_MARKER.store(true, Ordering::SeqCst);
            }
        }
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Spy = Spy;

/// Runs `f` with the spy watching; true if a freed block still held the marker.
fn freed_with_marker(f: impl FnOnce()) -> bool {
    let _one = ONE.lock().unwrap_or_else(|e| e.into_inner());
    FREED_WITH_MARKER.store(false, Ordering::SeqCst);
    WATCHING.store(true, Ordering::SeqCst);
    f();
    WATCHING.store(false, Ordering::SeqCst);
    FREED_WITH_MARKER.load(Ordering::SeqCst)
}

fn marker() -> String {
    String::from_utf8(MARKER.to_vec()).unwrap()
}

#[test]
fn a_plain_string_leaves_its_text_in_freed_memory() {
    assert!(freed_with_marker(|| drop(std::hint::black_box(marker()))));
}

#[test]
fn a_secret_is_zeroized_when_dropped() {
    assert!(!freed_with_marker(|| {
        let s = secret(marker());
        assert_eq!(s.expose_secret().as_bytes(), MARKER);
        drop(std::hint::black_box(s));
    }));
}

#[test]
fn a_secret_made_from_a_string_with_spare_capacity_leaves_no_copy() {
    // `String` → `Box<str>` shrinks a buffer with spare capacity: the old one must not be
    // freed with the text in it.
    assert!(!freed_with_marker(|| {
        let mut s = String::with_capacity(256);
        s.push_str(std::str::from_utf8(MARKER).unwrap());
        drop(std::hint::black_box(secret(s)));
    }));
}
