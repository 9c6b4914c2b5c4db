//! When the event loop draws. What the admin does (a key, a paste, a resize) is drawn at
//! once, uncapped: a keystroke that waits for the frame cap is a keystroke answered late
//! (issue 17: the narrowed list within one frame of the key). That cannot flood the
//! terminal: keys that arrive together (a held key, fast typing) are read as one batch
//! and drawn once, and a paste is one message (bracketed paste). Everything else —
//! search results, audit batches, bulk progress, ticks — is drawn at most once per
//! `FRAME`, so a burst of background messages costs one frame.

use std::time::{Duration, Instant};

const FRAME: Duration = Duration::from_millis(16);

#[derive(Debug, Default)]
pub struct Frames {
    last_draw: Option<Instant>,
    /// Input arrived since the last draw.
    input: bool,
}

impl Frames {
    /// Input arrived: the next draw is not held back by the cap.
    pub fn input(&mut self) {
        self.input = true;
    }

    /// When a draw owed now may happen.
    fn due(&self) -> Option<Instant> {
        match self.last_draw {
            Some(t) if !self.input => Some(t + FRAME),
            _ => None,
        }
    }

    /// Whether a draw owed at `now` happens now.
    pub fn may_draw(&self, now: Instant) -> bool {
        self.due().is_none_or(|t| now >= t)
    }

    /// A frame was drawn at `now`.
    pub fn drawn(&mut self, now: Instant) {
        self.last_draw = Some(now);
        self.input = false;
    }

    /// When the loop must wake to draw what is owed (`dirty`): now, or at the cap.
    pub fn wake(&self, dirty: bool, now: Instant) -> Option<Instant> {
        dirty.then(|| self.due().unwrap_or(now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_frame_is_drawn_at_once() {
        let f = Frames::default();
        let now = Instant::now();
        assert!(f.may_draw(now));
        assert_eq!(f.wake(true, now), Some(now));
        assert_eq!(
            f.wake(false, now),
            None,
            "nothing owed, nothing to wake for"
        );
    }

    #[test]
    fn background_messages_right_after_a_draw_wait_for_the_cap() {
        let mut f = Frames::default();
        let t0 = Instant::now();
        f.drawn(t0);
        let soon = t0 + Duration::from_millis(3);
        assert!(!f.may_draw(soon));
        assert_eq!(f.wake(true, soon), Some(t0 + FRAME));
        assert!(f.may_draw(t0 + FRAME));
    }

    #[test]
    fn a_key_right_after_a_draw_is_drawn_at_once() {
        let mut f = Frames::default();
        let t0 = Instant::now();
        f.drawn(t0);
        let key = t0 + Duration::from_millis(1);
        f.input();
        assert!(f.may_draw(key));
        assert_eq!(f.wake(true, key), Some(key));
        // The frame that answered the key restarts the cap for what follows it.
        f.drawn(key);
        assert!(!f.may_draw(key + Duration::from_millis(1)));
    }
}
