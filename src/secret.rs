//! Secrets (passwords, tokens) live in `secrecy::SecretString`: its `Debug` prints
//! `[REDACTED]`, it has no `Display`, and its buffer is zeroized on drop. Reading the
//! value needs an explicit `expose_secret()`, which makes every use greppable.

pub use secrecy::{ExposeSecret, SecretString};

/// Wraps an owned string as a secret, consuming it so no plain copy stays behind.
/// `SecretString::from(String)` shrinks a buffer with spare capacity into a `Box<str>`,
/// and the allocator would free the old buffer with the text still in it (found by
/// `tests/zeroize.rs`): such a string is copied to an exact box and then zeroized.
pub fn secret(mut value: String) -> SecretString {
    use zeroize::Zeroize;
    if value.capacity() == value.len() {
        return SecretString::from(value);
    }
    let exact: Box<str> = Box::from(value.as_str());
    value.zeroize();
    SecretString::from(exact)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let s = secret("hunter2-Correct-Horse".to_string());
        let shown = format!("{s:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("REDACTED"), "{shown}");
        assert_eq!(s.expose_secret(), "hunter2-Correct-Horse");
    }
}
