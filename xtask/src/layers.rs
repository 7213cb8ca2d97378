//! Checks the dependency edges between workspace crates against the list in
//! ARCHITECTURE.md, whose lines look like:
//!
//! ```text
//! - `strata-records` → `strata-protocol` (dev)
//! ```
//!
//! `(dev)` marks a dev-dependency; anything else is a normal (or build) one.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

type Edge = (String, String, bool);

/// Fails with the differences between the actual and the documented edges.
pub(crate) fn check(root: &Path) -> Result<(), String> {
    let doc = std::fs::read_to_string(root.join("ARCHITECTURE.md")).map_err(|e| format!("ARCHITECTURE.md: {e}"))?;
    let allowed = documented_edges(&doc);
    let actual = actual_edges(root)?;
    let undocumented: Vec<_> = actual.difference(&allowed).collect();
    let stale: Vec<_> = allowed.difference(&actual).collect();
    if undocumented.is_empty() && stale.is_empty() {
        println!("{} dependency edges, all documented in ARCHITECTURE.md", actual.len());
        return Ok(());
    }
    let show = |edges: &[&Edge]| {
        edges
            .iter()
            .map(|(a, b, dev)| format!("\n  - `{a}` → `{b}`{}", if *dev { " (dev)" } else { "" }))
            .collect::<String>()
    };
    Err(format!(
        "crate layering differs from ARCHITECTURE.md\nedges not allowed there:{}\nedges listed there that do not exist:{}",
        show(&undocumented),
        show(&stale)
    ))
}

fn documented_edges(doc: &str) -> BTreeSet<Edge> {
    doc.lines()
        .filter_map(|line| {
            let line = line.trim().strip_prefix("- `")?;
            let (from, rest) = line.split_once("` → `")?;
            let (to, rest) = rest.split_once('`')?;
            Some((from.to_string(), to.to_string(), rest.trim() == "(dev)"))
        })
        .collect()
}

fn actual_edges(root: &Path) -> Result<BTreeSet<Edge>, String> {
    let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .current_dir(root)
        .output()
        .map_err(|e| format!("cargo metadata: {e}"))?;
    if !out.status.success() {
        return Err(format!("cargo metadata failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())?;
    let packages = meta["packages"].as_array().ok_or("no packages")?;
    let members: BTreeSet<&str> = packages.iter().filter_map(|p| p["name"].as_str()).collect();
    let mut edges = BTreeSet::new();
    for p in packages {
        let name = p["name"].as_str().unwrap_or_default();
        for d in p["dependencies"].as_array().into_iter().flatten() {
            let dep = d["name"].as_str().unwrap_or_default();
            if members.contains(dep) && dep != name {
                edges.insert((name.to_string(), dep.to_string(), d["kind"] == "dev"));
            }
        }
    }
    // A dev-dependency that only adds features to a normal one is the same edge.
    let normal: BTreeSet<(String, String)> =
        edges.iter().filter(|e| !e.2).map(|e| (e.0.clone(), e.1.clone())).collect();
    edges.retain(|(a, b, dev)| !*dev || !normal.contains(&(a.clone(), b.clone())));
    Ok(edges)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_documented_edges() {
        let doc = "x\n- `a` → `b`\n- `c` → `d` (dev)\n- not an edge\n";
        let edges = documented_edges(doc);
        assert!(edges.contains(&("a".into(), "b".into(), false)));
        assert!(edges.contains(&("c".into(), "d".into(), true)));
        assert_eq!(edges.len(), 2);
    }
}
