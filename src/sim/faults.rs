//! Fault injection for the simulator: `--faults 429:0.1,503:0.05,reset:0.02,slow:0.1:2000,malformed:0.01`
//! (and `slow-write:P:ms`, `drop-write:P`, `change-only-ignored:P`).
//! Each entry is a per-request probability. `429` and `503` take an optional third field,
//! the `Retry-After` in (decimal) seconds; `slow` takes the delay in milliseconds.

use std::time::Duration;

use rand::RngExt;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Faults {
    pub throttle: f64,
    pub throttle_retry_after: f64,
    pub unavailable: f64,
    pub unavailable_retry_after: f64,
    pub reset: f64,
    pub malformed: f64,
    pub slow: f64,
    pub slow_delay: Duration,
    /// Like `slow`, for writes (and `$batch`) only: reads stay quick.
    pub slow_write: f64,
    pub slow_write_delay: Duration,
    /// Writes only: the change is made, then the connection drops before the answer.
    pub drop_write: f64,
    /// A passwordProfile update holding only the change flags answers 204 and changes
    /// nothing, as reported in microsoftgraph/microsoft-graph-docs issue 4267.
    pub change_only_ignored: f64,
}

/// What happens to one request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fault {
    None,
    Throttle,
    Unavailable,
    /// The request is processed, then the connection drops before the response completes.
    Reset,
    /// The request is processed, then the body is cut short.
    Malformed,
}

impl Faults {
    pub fn parse(spec: &str) -> Result<Faults, String> {
        let mut f = Faults {
            throttle_retry_after: 0.5,
            unavailable_retry_after: 0.5,
            ..Faults::default()
        };
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let fields: Vec<&str> = part.split(':').collect();
            let prob = |i: usize| -> Result<f64, String> {
                let v: f64 = fields
                    .get(i)
                    .ok_or_else(|| format!("`{part}`: missing probability"))?
                    .parse()
                    .map_err(|_| format!("`{part}`: not a number"))?;
                if (0.0..=1.0).contains(&v) {
                    Ok(v)
                } else {
                    Err(format!("`{part}`: probability must be between 0 and 1"))
                }
            };
            let extra = |i: usize| -> Result<Option<f64>, String> {
                fields
                    .get(i)
                    .map(|s| {
                        s.parse::<f64>()
                            .ok()
                            .filter(|v| v.is_finite() && *v >= 0.0)
                            .ok_or_else(|| format!("`{part}`: `{s}` is not a non-negative number"))
                    })
                    .transpose()
            };
            if fields.len() > 3 {
                return Err(format!("`{part}`: too many fields"));
            }
            match fields[0] {
                "429" => {
                    f.throttle = prob(1)?;
                    if let Some(s) = extra(2)? {
                        f.throttle_retry_after = s;
                    }
                }
                "503" => {
                    f.unavailable = prob(1)?;
                    if let Some(s) = extra(2)? {
                        f.unavailable_retry_after = s;
                    }
                }
                "reset" => f.reset = prob(1)?,
                "drop-write" => f.drop_write = prob(1)?,
                "change-only-ignored" => f.change_only_ignored = prob(1)?,
                "malformed" => f.malformed = prob(1)?,
                "slow" => {
                    f.slow = prob(1)?;
                    f.slow_delay = Duration::from_millis(extra(2)?.unwrap_or(2000.0) as u64);
                }
                "slow-write" => {
                    f.slow_write = prob(1)?;
                    f.slow_write_delay = Duration::from_millis(extra(2)?.unwrap_or(2000.0) as u64);
                }
                other => {
                    return Err(format!(
                        "unknown fault `{other}` (known: 429, 503, reset, slow, slow-write, malformed, drop-write, change-only-ignored)"
                    ));
                }
            }
        }
        if f.throttle + f.unavailable + f.reset + f.malformed > 1.0 {
            return Err(
                "the probabilities of 429, 503, reset and malformed add up to more than 1".into(),
            );
        }
        Ok(f)
    }

    /// How long to hold this request (a write: `write` is true) before answering.
    pub fn delay(&self, write: bool) -> Option<Duration> {
        let roll = |p: f64| p > 0.0 && rand::rng().random_bool(p);
        if write && roll(self.slow_write) {
            return Some(self.slow_write_delay);
        }
        roll(self.slow).then_some(self.slow_delay)
    }

    /// For a write (anything but GET): drop the connection after making the change?
    pub fn drop_this_write(&self) -> bool {
        self.drop_write > 0.0 && rand::rng().random_bool(self.drop_write)
    }

    /// For a flag-only passwordProfile update: answer 204 and change nothing?
    pub fn ignore_this_change_only(&self) -> bool {
        self.change_only_ignored > 0.0 && rand::rng().random_bool(self.change_only_ignored)
    }

    pub fn roll(&self) -> Fault {
        let x: f64 = rand::rng().random();
        let mut acc = 0.0;
        for (p, fault) in [
            (self.throttle, Fault::Throttle),
            (self.unavailable, Fault::Unavailable),
            (self.reset, Fault::Reset),
            (self.malformed, Fault::Malformed),
        ] {
            acc += p;
            if x < acc {
                return fault;
            }
        }
        Fault::None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_spec() {
        let f = Faults::parse("429:0.1,503:0.05,reset:0.02,slow:0.1:2000,malformed:0.01").unwrap();
        assert_eq!(f.throttle, 0.1);
        assert_eq!(f.unavailable, 0.05);
        assert_eq!(f.slow_delay, Duration::from_millis(2000));
        assert_eq!(f.malformed, 0.01);
        assert_eq!(
            Faults::parse("429:1:2.5").unwrap().throttle_retry_after,
            2.5
        );
    }

    #[test]
    fn rejects_nonsense() {
        for bad in [
            "429",
            "429:2",
            "teapot:0.1",
            "429:0.6,503:0.6",
            "slow:0.1:-3",
            "429:0.1:1:1",
        ] {
            assert!(Faults::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn certain_faults_always_fire_and_none_never() {
        let f = Faults::parse("429:1").unwrap();
        assert!((0..100).all(|_| f.roll() == Fault::Throttle));
        let f = Faults::parse("").unwrap();
        assert!((0..100).all(|_| f.roll() == Fault::None && f.delay(true).is_none()));
    }
}
