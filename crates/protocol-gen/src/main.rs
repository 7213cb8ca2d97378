//! `strata-protocol-gen [SPECS_DIR] [OUT_DIR]`: writes the generated codec.
//! Defaults: `../shared/kafka-message-specs` and `crates/protocol/src/generated`,
//! relative to the workspace root. Stale `.rs` files in OUT_DIR are removed.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut args = std::env::args_os().skip(1);
    let specs = args.next().map(PathBuf::from).unwrap_or_else(|| root.join(strata_protocol_gen::DEFAULT_SPECS));
    let out = args.next().map(PathBuf::from).unwrap_or_else(|| root.join(strata_protocol_gen::GENERATED_DIR));
    match run(&specs, &out) {
        Ok(n) => {
            println!("wrote {n} files to {}", out.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("strata-protocol-gen: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(specs: &std::path::Path, out: &std::path::Path) -> Result<usize, String> {
    let files = strata_protocol_gen::generate(specs)?;
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    for entry in std::fs::read_dir(out).map_err(|e| e.to_string())? {
        let path = entry.map_err(|e| e.to_string())?.path();
        let keep = files.iter().any(|f| path.file_name().is_some_and(|n| n == f.name.as_str()));
        if path.extension().is_some_and(|x| x == "rs") && !keep {
            std::fs::remove_file(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    for f in &files {
        std::fs::write(out.join(&f.name), &f.text).map_err(|e| format!("{}: {e}", f.name))?;
    }
    Ok(files.len())
}
