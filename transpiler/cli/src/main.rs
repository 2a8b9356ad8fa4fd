//! `hs2rs`: the HandledScript transpiler's command line. Flags, file I/O and exit codes; all
//! checking and code generation live in `handled-codegen`.
//!
//! Exit codes: 0 success, 1 the program has errors (or the built program failed), 2 usage or
//! I/O errors.

mod build;

use clap::{Parser, Subcommand, ValueEnum};
use handled_codegen::{Diagnostic, Options, SourceFile, codes};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// HandledScript to typed, compile-time-checked Rust.
#[derive(Parser, Debug)]
#[command(
    name = "hs2rs",
    version,
    args_conflicts_with_subcommands = true,
    arg_required_else_help = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// The .hs files of one program: transpile them and print the Rust to standard output.
    files: Vec<PathBuf>,
    /// What to print: the generated Rust (default) or the syntax tree.
    #[arg(long, value_enum, default_value_t = Emit::Rust)]
    emit: Emit,
    /// Write the output to this file instead of standard output.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// How to print diagnostics.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Check the program and print its diagnostics; exit 0 when it has no errors.
    Check {
        /// The .hs files of one program.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// How to print diagnostics.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
    /// Build the program into a native binary.
    Build {
        /// The .hs files of one program.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Where to write the binary.
        #[arg(short, long)]
        output: PathBuf,
        /// Build with optimizations.
        #[arg(long)]
        release: bool,
        /// How to print diagnostics.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
    /// Build the program and run it with the arguments after `--`.
    Run {
        /// The .hs files of one program.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Build with optimizations.
        #[arg(long)]
        release: bool,
        /// Arguments for the program (after `--`), such as `exec MyWorkflow --sandbox`.
        #[arg(last = true)]
        args: Vec<String>,
    },
    /// Explain a diagnostic code, such as E0104.
    Explain {
        /// The code.
        code: String,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Emit {
    /// The syntax tree, as the parser sees it.
    Ast,
    /// The generated Rust.
    Rust,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    /// rustc-style text.
    Human,
    /// One JSON object per line.
    Json,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, String> {
    match cli.command {
        Some(Command::Check { files, format }) => {
            let sources = read_sources(&files)?;
            let diagnostics = handled_codegen::check(&sources, &options());
            print_diagnostics(&sources, &diagnostics, format);
            Ok(exit_for(&diagnostics))
        }
        Some(Command::Build {
            files,
            output,
            release,
            format,
        }) => {
            let sources = read_sources(&files)?;
            let out = handled_codegen::compile(&sources, &options());
            print_diagnostics(&sources, &out.diagnostics, format);
            let Some(rust) = out.rust() else {
                return Ok(ExitCode::from(1));
            };
            build::build(&files, &rust, &out.connector_crates, &output, release)?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Run {
            files,
            release,
            args,
        }) => {
            let sources = read_sources(&files)?;
            let out = handled_codegen::compile(&sources, &options());
            print_diagnostics(&sources, &out.diagnostics, Format::Human);
            let Some(rust) = out.rust() else {
                return Ok(ExitCode::from(1));
            };
            let binary = build::cached_binary_path(&files)?;
            build::build(&files, &rust, &out.connector_crates, &binary, release)?;
            let status = std::process::Command::new(&binary)
                .args(&args)
                .status()
                .map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
            Ok(ExitCode::from(
                status.code().map_or(1, |c| c.clamp(0, 255) as u8),
            ))
        }
        Some(Command::Explain { code }) => match codes::lookup(&code) {
            Some(info) => {
                println!("{}: {}\n\n{}", info.code, info.title, info.explanation);
                Ok(ExitCode::SUCCESS)
            }
            None => Err(format!(
                "no diagnostic code {code:?}; codes look like E0104 or W0001"
            )),
        },
        None => {
            if cli.files.is_empty() {
                return Err("no input files; try `hs2rs --help`".into());
            }
            let sources = read_sources(&cli.files)?;
            let text = match cli.emit {
                Emit::Ast => {
                    let mut text = String::new();
                    let mut failed = false;
                    for s in &sources {
                        let parsed = handled_parser::parse(&s.text);
                        if !parsed.errors.is_empty() {
                            failed = true;
                        }
                        text.push_str(&format!("// {}\n{:#?}\n", s.name, parsed.file));
                    }
                    if failed {
                        let diagnostics = handled_codegen::check(&sources, &options());
                        print_diagnostics(&sources, &diagnostics, cli.format);
                        return Ok(ExitCode::from(1));
                    }
                    text
                }
                Emit::Rust => {
                    let out = handled_codegen::compile(&sources, &options());
                    print_diagnostics(&sources, &out.diagnostics, cli.format);
                    match out.rust() {
                        Some(rust) => rust,
                        None => return Ok(ExitCode::from(1)),
                    }
                }
            };
            match cli.output {
                Some(path) => std::fs::write(&path, text)
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?,
                None => {
                    let mut stdout = std::io::stdout().lock();
                    stdout
                        .write_all(text.as_bytes())
                        .map_err(|e| format!("cannot write output: {e}"))?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn options() -> Options<'static> {
    Options {
        templates: Some(&load_template),
    }
}

/// Loads `templates/NAME.txt` and `templates/NAME.html` beside a program file.
fn load_template(file: &str, name: &str) -> (Option<String>, Option<String>) {
    if name.contains('/') || name.contains('\\') || name.starts_with('.') {
        return (None, None);
    }
    let dir = Path::new(file)
        .parent()
        .unwrap_or(Path::new("."))
        .join("templates");
    let read = |ext: &str| std::fs::read_to_string(dir.join(format!("{name}.{ext}"))).ok();
    (read("txt"), read("html"))
}

fn read_sources(files: &[PathBuf]) -> Result<Vec<SourceFile>, String> {
    files
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p)
                .map_err(|e| format!("cannot read {}: {e}", p.display()))?;
            Ok(SourceFile::new(p.display().to_string(), text))
        })
        .collect()
}

fn print_diagnostics(sources: &[SourceFile], diagnostics: &[Diagnostic], format: Format) {
    let mut stderr = std::io::stderr().lock();
    for d in diagnostics {
        let text = match format {
            Format::Human => d.render(sources),
            Format::Json => format!("{}\n", d.to_json(sources)),
        };
        let _ = stderr.write_all(text.as_bytes());
        if format == Format::Human {
            let _ = stderr.write_all(b"\n");
        }
    }
    if format == Format::Human {
        let errors = diagnostics.iter().filter(|d| d.is_error()).count();
        let warnings = diagnostics.len() - errors;
        if errors > 0 {
            let _ = writeln!(
                stderr,
                "error: could not compile the program: {errors} error(s), {warnings} warning(s)"
            );
        } else if warnings > 0 {
            let _ = writeln!(stderr, "warning: {warnings} warning(s)");
        }
    }
}

fn exit_for(diagnostics: &[Diagnostic]) -> ExitCode {
    if diagnostics.iter().any(Diagnostic::is_error) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
