//! `cargo xtask <chore>`:
//!
//! * `codegen`: regenerates `crates/protocol/src/generated` from the Kafka
//!   message specs (`../shared/kafka-message-specs`, or `STRATA_KAFKA_SPECS`).
//! * `layers`: fails when `cargo metadata` shows a dependency between
//!   workspace crates that ARCHITECTURE.md does not list, or lists one that
//!   does not exist.
//! * `api-table`: prints the README's table of served APIs and versions.

mod layers;

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let result = match std::env::args().nth(1).as_deref() {
        Some("codegen") => codegen(&root),
        Some("layers") => layers::check(&root),
        Some("api-table") => {
            print!("{}", api_table());
            Ok(())
        }
        _ => Err("usage: cargo xtask codegen | layers | api-table".to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

fn codegen(root: &std::path::Path) -> Result<(), String> {
    let specs = std::env::var_os("STRATA_KAFKA_SPECS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join(strata_protocol_gen::DEFAULT_SPECS));
    if !specs.is_dir() {
        return Err(format!(
            "no Kafka message specs at {}: put shared/ beside the repository or set STRATA_KAFKA_SPECS",
            specs.display()
        ));
    }
    for (specs, out) in strata_protocol_gen::targets(&specs, root) {
        let n = strata_protocol_gen::generate_into(&specs, &out)?;
        println!("wrote {n} files to {}", out.display());
    }
    Ok(())
}

/// The Markdown table of served APIs, from strata-protocol's table.
fn api_table() -> String {
    let mut s = String::from("| API | key | versions served |\n|---|---:|---|\n");
    for a in strata_protocol::supported::SUPPORTED_APIS {
        s.push_str(&format!("| {} | {} | {}–{} |\n", a.key.name(), a.key as i16, a.versions.min, a.versions.max));
    }
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn readme_lists_exactly_the_served_apis() {
        let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
        assert!(
            readme.contains(&super::api_table()),
            "README.md's API table is out of date; paste the output of `cargo xtask api-table`"
        );
    }
}
