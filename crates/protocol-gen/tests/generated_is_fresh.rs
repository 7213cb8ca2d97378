//! The committed generated code is exactly what the generator writes from the
//! specs. Runs wherever the specs folder is present (it is in CI, beside the
//! repository); regenerate with `cargo xtask codegen`.

use std::path::PathBuf;

#[test]
fn committed_code_matches_the_specs() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let specs = std::env::var_os("STRATA_KAFKA_SPECS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join(strata_protocol_gen::DEFAULT_SPECS));
    if !specs.is_dir() {
        eprintln!("specs folder {} is absent: nothing to compare against", specs.display());
        return;
    }
    for (specs, out) in strata_protocol_gen::targets(&specs, &root) {
        check(&specs, &out);
    }
}

fn check(specs: &std::path::Path, out: &std::path::Path) {
    let files = strata_protocol_gen::generate(specs).expect("generation succeeds");
    let stale: Vec<&str> = files
        .iter()
        .filter(|f| std::fs::read_to_string(out.join(&f.name)).ok().as_deref() != Some(f.text.as_str()))
        .map(|f| f.name.as_str())
        .collect();
    assert!(
        stale.is_empty(),
        "generated files in {} differ from the specs: {stale:?}; run `cargo xtask codegen`",
        out.display()
    );
    let committed = std::fs::read_dir(out)
        .unwrap()
        .filter(|e| e.as_ref().is_ok_and(|e| e.path().extension().is_some_and(|x| x == "rs")))
        .count();
    assert_eq!(committed, files.len(), "extra or missing generated files; run `cargo xtask codegen`");
}
