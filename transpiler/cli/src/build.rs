//! `hs2rs build` and `hs2rs run`: a small cargo project around the generated code, built with a
//! shared target directory so that the second build only recompiles the program itself.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Where the handled crates are: `HANDLED_HOME`, else the workspace hs2rs was built from.
fn handled_home() -> PathBuf {
    #[allow(clippy::disallowed_methods)]
    if let Some(home) = std::env::var_os("HANDLED_HOME") {
        return PathBuf::from(home);
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn cache_dir() -> PathBuf {
    #[allow(clippy::disallowed_methods)]
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("handled")
}

/// The shared target directory: `HANDLED_TARGET_DIR`, else one in the user's cache.
fn target_dir() -> PathBuf {
    #[allow(clippy::disallowed_methods)]
    match std::env::var_os("HANDLED_TARGET_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => cache_dir().join("target"),
    }
}

fn program_key(files: &[PathBuf]) -> (String, u64) {
    let stem = files
        .first()
        .and_then(|f| f.file_stem())
        .map(|s| {
            s.to_string_lossy()
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() {
                        c.to_ascii_lowercase()
                    } else {
                        '-'
                    }
                })
                .collect()
        })
        .unwrap_or_else(|| "program".to_string());
    // FNV-1a over the canonical paths: stable across runs, unlike std's hasher.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for f in files {
        let canonical = std::fs::canonicalize(f).unwrap_or_else(|_| f.clone());
        for b in canonical.to_string_lossy().bytes() {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    (stem, hash)
}

/// Where `hs2rs run` keeps a program's binary.
pub fn cached_binary_path(files: &[PathBuf]) -> Result<PathBuf, String> {
    let (stem, hash) = program_key(files);
    Ok(cache_dir().join("bin").join(format!("{stem}-{hash:016x}")))
}

fn manifest(stem: &str, home: &Path, connectors: &[&str]) -> String {
    let path = |p: &str| home.join(p).display().to_string().replace('\\', "/");
    let mut deps = format!("handled-runtime = {{ path = \"{}\" }}\n", path("runtime"));
    for def in connectors
        .iter()
        .filter_map(|c| handled_catalog::connector_by_crate(c))
    {
        deps.push_str(&format!(
            "{} = {{ path = \"{}\" }}\n",
            def.package_name(),
            path(&def.crate_dir())
        ));
    }
    format!(
        "[package]\nname = \"handled-program-{stem}\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n\
         [[bin]]\nname = \"program\"\npath = \"src/main.rs\"\n\n[dependencies]\n{deps}\n\
         [workspace]\n\n[profile.dev]\ndebug = \"line-tables-only\"\n\n[profile.dev.package.\"*\"]\ndebug = false\n\n\
         [profile.release]\ndebug = \"line-tables-only\"\n"
    )
}

const MAIN_RS: &str = "//! A HandledScript program built by hs2rs.\n\n#[allow(dead_code)]\nmod workflows;\n\n\
#[global_allocator]\nstatic ALLOCATOR: handled_runtime::Allocator = handled_runtime::Allocator;\n\n\
fn main() -> std::process::ExitCode {\n    handled_runtime::main(workflows::register)\n}\n";

fn write_if_changed(path: &Path, content: &str) -> Result<(), String> {
    if std::fs::read_to_string(path).is_ok_and(|old| old == content) {
        return Ok(());
    }
    std::fs::write(path, content).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Builds the generated code into a binary at `output`.
pub fn build(
    files: &[PathBuf],
    rust: &str,
    connectors: &[&str],
    output: &Path,
    release: bool,
) -> Result<(), String> {
    let home = handled_home();
    if !home.join("runtime/Cargo.toml").exists() {
        return Err(format!(
            "cannot find the handled crates at {} (set HANDLED_HOME to the handled source tree)",
            home.display()
        ));
    }
    let (stem, hash) = program_key(files);
    let project = cache_dir()
        .join("programs")
        .join(format!("{stem}-{hash:016x}"));
    let src = project.join("src");
    std::fs::create_dir_all(&src).map_err(|e| format!("cannot create {}: {e}", src.display()))?;
    write_if_changed(
        &project.join("Cargo.toml"),
        &manifest(&stem, &home, connectors),
    )?;
    write_if_changed(&src.join("main.rs"), MAIN_RS)?;
    write_if_changed(&src.join("workflows.rs"), rust)?;
    // The workspace's lock file pins the same versions, so the shared target is reused.
    if !project.join("Cargo.lock").exists()
        && let Ok(lock) = std::fs::read_to_string(home.join("Cargo.lock"))
    {
        write_if_changed(&project.join("Cargo.lock"), &lock)?;
    }
    let target = target_dir();
    let mut cmd = Command::new(cargo());
    cmd.arg("build")
        .arg("--quiet")
        .arg("--manifest-path")
        .arg(project.join("Cargo.toml"));
    if release {
        cmd.arg("--release");
    }
    cmd.env("CARGO_TARGET_DIR", &target);
    let status = cmd.status().map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err(format!(
            "cargo build failed for the generated program (project at {})",
            project.display()
        ));
    }
    let built = target
        .join(if release { "release" } else { "debug" })
        .join(format!("program{}", std::env::consts::EXE_SUFFIX));
    // Several programs share the target directory and the binary name: copy at once.
    if let Some(parent) = output.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    std::fs::copy(&built, output).map_err(|e| {
        format!(
            "cannot copy {} to {}: {e}",
            built.display(),
            output.display()
        )
    })?;
    Ok(())
}

fn cargo() -> PathBuf {
    #[allow(clippy::disallowed_methods)]
    std::env::var_os("CARGO")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("cargo"))
}
