//! Golden files for the tests (STYLE.md, habit 5): the one place that decides whether an
//! expected file may be written.
//!
//! - A file that matches passes.
//! - `UPDATE_EXPECT=1` rewrites files that differ or are missing, outside CI only.
//! - A missing file is written on the first run, outside CI only.
//! - Under CI (`CI` set), nothing is ever written: a difference or a missing file fails, and
//!   so does `UPDATE_EXPECT=1` itself, loudly, since it asks for something CI never does.
//!
//! The environment is read here and nowhere else in the tests that use golden files.

use std::path::Path;

/// What the environment asks of golden files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mode {
    /// `UPDATE_EXPECT=1`: rewrite the files that differ.
    pub update: bool,
    /// `CI` is set: never write.
    pub ci: bool,
}

impl Mode {
    /// Reads `UPDATE_EXPECT` and `CI` from the process environment.
    #[allow(clippy::disallowed_methods)] // the one reader of the test environment's golden-file switches
    pub fn from_env() -> Mode {
        Mode {
            update: std::env::var_os("UPDATE_EXPECT").is_some_and(|v| v == "1"),
            ci: std::env::var_os("CI").is_some(),
        }
    }

    /// Compares `actual` with the golden file at `path`, writing it where the mode allows.
    /// `Err` says what is wrong and how to accept the new output.
    pub fn check(self, path: &Path, actual: &str) -> Result<(), String> {
        if self.update && self.ci {
            return Err(format!(
                "{}: UPDATE_EXPECT=1 is set under CI, where golden files are never rewritten; \
                 unset it, or refresh the files locally and commit them",
                path.display()
            ));
        }
        let expected = std::fs::read_to_string(path);
        match expected {
            Ok(expected) if expected == actual => Ok(()),
            Ok(_) if self.update => write(path, actual),
            Err(_) if !self.ci => write(path, actual),
            Ok(expected) => Err(format!(
                "{} differs (UPDATE_EXPECT=1 to accept):\n--- expected\n{expected}\n--- actual\n{actual}",
                path.display()
            )),
            Err(_) => Err(format!(
                "{} is missing (run the test once outside CI to write it)",
                path.display()
            )),
        }
    }
}

/// [`Mode::check`] with the mode the environment gives.
pub fn expect_file(path: &Path, actual: &str) -> Result<(), String> {
    Mode::from_env().check(path, actual)
}

fn write(path: &Path, actual: &str) -> Result<(), String> {
    std::fs::write(path, actual).map_err(|e| format!("{}: cannot write: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("handled-expect-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        dir.join(name)
    }

    const LOCAL: Mode = Mode {
        update: false,
        ci: false,
    };
    const UPDATE: Mode = Mode {
        update: true,
        ci: false,
    };
    const CI: Mode = Mode {
        update: false,
        ci: true,
    };
    const UPDATE_UNDER_CI: Mode = Mode {
        update: true,
        ci: true,
    };

    #[test]
    fn a_missing_file_is_written_outside_ci_only() {
        let path = temp("missing.txt");
        let _ = std::fs::remove_file(&path);
        assert!(CI.check(&path, "a").is_err());
        assert!(!path.exists());
        assert_eq!(LOCAL.check(&path, "a"), Ok(()));
        assert_eq!(std::fs::read_to_string(&path).ok().as_deref(), Some("a"));
    }

    #[test]
    fn a_difference_is_rewritten_only_when_asked_outside_ci() {
        let path = temp("differs.txt");
        let _ = std::fs::write(&path, "old");
        assert!(LOCAL.check(&path, "new").is_err());
        assert!(CI.check(&path, "new").is_err());
        let e = UPDATE_UNDER_CI
            .check(&path, "new")
            .err()
            .unwrap_or_default();
        assert!(e.contains("under CI"), "{e}");
        assert_eq!(std::fs::read_to_string(&path).ok().as_deref(), Some("old"));
        assert_eq!(UPDATE.check(&path, "new"), Ok(()));
        assert_eq!(std::fs::read_to_string(&path).ok().as_deref(), Some("new"));
        assert_eq!(CI.check(&path, "new"), Ok(()));
    }

    #[test]
    fn update_under_ci_fails_even_when_nothing_differs() {
        let path = temp("same.txt");
        let _ = std::fs::write(&path, "same");
        assert!(UPDATE_UNDER_CI.check(&path, "same").is_err());
    }
}
