//! strata-protocol-gen: generates strata-protocol's message codec from Kafka's
//! JSON message specs.
//!
//! [`generate`] reads every `*.json` spec in a folder and returns the Rust
//! files to write under `crates/protocol/src/generated/`, already formatted by
//! rustfmt, so the committed code and a fresh generation compare byte for byte;
//! [`generate_into`] writes them. The command is `cargo xtask codegen`.

mod emit;
mod index;
pub mod spec;
mod types;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Where the specs are by default, relative to the workspace root.
pub const DEFAULT_SPECS: &str = "../shared/kafka-message-specs";
/// Where the generated code goes, relative to the workspace root.
pub const GENERATED_DIR: &str = "crates/protocol/src/generated";

/// Kafka's internal record specs (folders of `kafka-record-specs`, a sibling of
/// the message specs folder) and the folders of strata-protocol their code goes
/// to, relative to the workspace root. They use the same codec as the wire
/// messages; the index of each lists its modules only.
pub const RECORD_TARGETS: &[(&str, &str)] = &[
    ("metadata", "crates/protocol/src/internal/metadata"),
    ("group-coordinator", "crates/protocol/src/internal/group"),
    ("transaction-coordinator", "crates/protocol/src/internal/transaction"),
];

/// Every (specs folder, output folder) pair, given the message specs folder.
pub fn targets(message_specs: &Path, root: &Path) -> Vec<(PathBuf, PathBuf)> {
    let records = message_specs.parent().unwrap_or(Path::new(".")).join("kafka-record-specs");
    let mut all = vec![(message_specs.to_path_buf(), root.join(GENERATED_DIR))];
    all.extend(RECORD_TARGETS.iter().map(|(dir, out)| (records.join(dir), root.join(out))));
    all
}

/// One generated file: its name within the generated folder and its text.
pub struct GeneratedFile {
    /// File name, e.g. `produce_request.rs`.
    pub name: String,
    /// Formatted Rust source.
    pub text: String,
}

/// Generates every file from the specs in `specs_dir`.
pub fn generate(specs_dir: &Path) -> Result<Vec<GeneratedFile>, String> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(specs_dir)
        .map_err(|e| format!("{}: {e}", specs_dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    let mut specs = Vec::new();
    for p in &paths {
        specs.push(spec::load(p)?);
    }
    let mut files = Vec::new();
    for (spec, path) in specs.iter().zip(&paths) {
        let source = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let code = emit::module(spec, &source).map_err(|e| format!("{source}: {e}"))?;
        files.push(GeneratedFile { name: format!("{}.rs", emit::module_name(spec)), text: rustfmt(&code)? });
    }
    let index =
        if specs.iter().any(|s| s.kind == "request") { index::module(&specs)? } else { index::modules_only(&specs) };
    files.push(GeneratedFile { name: "mod.rs".into(), text: rustfmt(&index)? });
    Ok(files)
}

/// Generates from `specs_dir` into `out_dir`, removing `.rs` files there that
/// generation no longer writes. Returns how many files were written.
pub fn generate_into(specs_dir: &Path, out_dir: &Path) -> Result<usize, String> {
    let files = generate(specs_dir)?;
    std::fs::create_dir_all(out_dir).map_err(|e| format!("{}: {e}", out_dir.display()))?;
    for entry in std::fs::read_dir(out_dir).map_err(|e| e.to_string())? {
        let path = entry.map_err(|e| e.to_string())?.path();
        let generated = files.iter().any(|f| path.file_name().is_some_and(|n| n == f.name.as_str()));
        if path.extension().is_some_and(|x| x == "rs") && !generated {
            std::fs::remove_file(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    for f in &files {
        std::fs::write(out_dir.join(&f.name), &f.text).map_err(|e| format!("{}: {e}", f.name))?;
    }
    Ok(files.len())
}

/// Formats Rust source with the toolchain's rustfmt (the workspace's rustfmt.toml applies).
fn rustfmt(code: &str) -> Result<String, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut child = Command::new("rustfmt")
        .args(["--edition", "2021", "--emit", "stdout", "--quiet", "--config-path", "rustfmt.toml"])
        .current_dir(root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run rustfmt: {e}"))?;
    let mut stdin = child.stdin.take().ok_or("rustfmt has no stdin")?;
    let input = code.to_owned();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().map_err(|e| format!("rustfmt: {e}"))?;
    writer.join().map_err(|_| "rustfmt writer panicked")?.map_err(|e| format!("rustfmt stdin: {e}"))?;
    if !out.status.success() {
        return Err(format!("rustfmt failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    String::from_utf8(out.stdout).map_err(|e| format!("rustfmt output: {e}"))
}
