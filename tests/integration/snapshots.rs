//! No snapshot is kept that no test checks: a file left behind by a
//! renamed test or fixture would never fail, and would read as coverage.

use std::path::Path;

/// The value of a snapshot header's `key:` line.
fn header<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.lines()
        .skip(1)
        .take_while(|l| *l != "---")
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(": "))
}

#[test]
fn every_snapshot_is_checked_by_a_test() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut wrong = Vec::new();
    let mut seen = 0;
    for dir in ["tests/integration/snapshots", "tests/e2e/snapshots"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            let file = path.file_name().unwrap().to_string_lossy().to_string();
            let Some(stem) = file.strip_suffix(".snap") else {
                wrong.push(format!(
                    "{dir}/{file}: not a snapshot (a pending .snap.new?)"
                ));
                continue;
            };
            seen += 1;
            let text = std::fs::read_to_string(&path).unwrap();
            let Some(source) = header(&text, "source") else {
                wrong.push(format!("{dir}/{file}: no `source:` in its header"));
                continue;
            };
            let Ok(code) = std::fs::read_to_string(root.join(source)) else {
                wrong.push(format!("{dir}/{file}: its test file {source} is gone"));
                continue;
            };
            // SUITE__MODULE__NAME, then @FILE for one input of a glob.
            let (name, input) = stem.split_once('@').unwrap_or((stem, ""));
            let name = name.rsplit("__").next().unwrap_or(name);
            match header(&text, "input_file") {
                Some(input_file) => {
                    // insta names a glob's snapshots NAME@FILE, and the
                    // snapshot of a glob of one file NAME alone.
                    let input_path = root.join(input_file);
                    let inputs = input_path
                        .parent()
                        .and_then(|d| std::fs::read_dir(d).ok())
                        .map_or(0, |d| {
                            d.filter_map(Result::ok)
                                .filter(|e| e.path().extension() == input_path.extension())
                                .count()
                        });
                    if !input_path.exists() {
                        wrong.push(format!("{dir}/{file}: its input {input_file} is gone"));
                    } else if inputs > 1 && input.is_empty() {
                        wrong.push(format!(
                            "{dir}/{file}: the glob has {inputs} inputs, whose snapshots are {name}@FILE: this one is left over"
                        ));
                    } else if !code.contains(&format!("fn {name}(")) {
                        wrong.push(format!("{dir}/{file}: {source} has no test `{name}`"));
                    }
                }
                None => {
                    // A named snapshot ("graph_dot", "plan_json_{name}") or
                    // a test's own.
                    let named = code.match_indices("snapshot!(").any(|(at, _)| {
                        let call = &code[at..code.len().min(at + 200)];
                        call.split('"').nth(1).is_some_and(|lit| {
                            let fixed = lit.split('{').next().unwrap_or(lit);
                            !fixed.is_empty() && name.starts_with(fixed)
                        })
                    });
                    if !named && !code.contains(&format!("fn {name}(")) {
                        wrong.push(format!(
                            "{dir}/{file}: no test in {source} makes a snapshot `{name}`"
                        ));
                    }
                }
            }
        }
    }
    assert!(seen > 30, "found only {seen} snapshots");
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
}
