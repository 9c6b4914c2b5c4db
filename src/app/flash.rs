//! The flash line: one message with a level, gone after a few seconds.

use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warn,
    Error,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Flash {
    pub level: Level,
    pub text: String,
    pub expires: Instant,
}

impl Flash {
    pub fn new(level: Level, text: impl Into<String>, now: Instant) -> Flash {
        let secs = match level {
            Level::Info => 4,
            Level::Warn => 6,
            Level::Error => 10,
        };
        Flash {
            level,
            text: text.into(),
            expires: now + Duration::from_secs(secs),
        }
    }
}
