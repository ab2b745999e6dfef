//! The registry of diagnostic codes (`mdl::diagnostics::codes`) against
//! the source of both crates: the language's (crates/mdl-lang/src) and the
//! engine's (src).

use mdl::diagnostics::codes::{CODES, PHASES, is_registered};

/// Every code the source names (outside test modules) is registered,
/// under a phase, and named only in the module that owns the phase;
/// every registered code is used.
#[test]
fn every_code_is_registered_and_emitted_by_its_phase() {
    let project = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let roots = [project.join("src"), project.join("crates/mdl-lang/src")];
    let mut files = Vec::new();
    let mut dirs: Vec<_> = roots.to_vec();
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    let mut used = std::collections::HashSet::new();
    let mut wrong = Vec::new();
    for path in &files {
        if path.ends_with("diagnostics/codes.rs") {
            continue;
        }
        let text = std::fs::read_to_string(path).unwrap();
        let text = text.split("#[cfg(test)]").next().unwrap_or_default();
        let module = roots
            .iter()
            .find_map(|root| path.strip_prefix(root).ok())
            .unwrap()
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        for code in quoted_codes(text) {
            let phase = code.split("::").next().unwrap_or_default();
            let owner = PHASES.iter().find(|(p, _)| *p == phase).map(|(_, m)| *m);
            if !is_registered(&code) {
                wrong.push(format!("{}: `{code}` is not registered", path.display()));
            } else if owner != Some(module.as_str()) {
                wrong.push(format!(
                    "{}: `{code}` belongs to {}, not to {module}",
                    path.display(),
                    owner.unwrap_or("no phase")
                ));
            }
            used.insert(code);
        }
    }
    for (code, _) in CODES {
        if !used.contains(*code) {
            wrong.push(format!("`{code}` is registered but nothing emits it"));
        }
        let phase = code.split("::").next().unwrap_or_default();
        if !PHASES.iter().any(|(p, _)| *p == phase) {
            wrong.push(format!("`{code}` has no phase in PHASES"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert!(used.len() > 80, "found only {} codes", used.len());
}

/// The `"phase::problem"` string literals of a text: a quote, two
/// words of lower case and `_` joined by `::`, a quote.
fn quoted_codes(text: &str) -> Vec<String> {
    let word = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
    let mut out = Vec::new();
    for (at, _) in text.match_indices('"') {
        let rest = &text[at + 1..];
        let Some(end) = rest.find(|c: char| !(c.is_ascii_lowercase() || c == '_' || c == ':'))
        else {
            continue;
        };
        if !rest[end..].starts_with('"') {
            continue;
        }
        if let Some((phase, problem)) = rest[..end].split_once("::")
            && word(phase)
            && word(problem)
        {
            out.push(rest[..end].to_string());
        }
    }
    out
}
