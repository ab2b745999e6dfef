//! Diagnostics of the front end, one fixture per error kind; each snapshot
//! is the rendered report.

use crate::support::check_file;

#[test]
fn check_fixtures() {
    insta::glob!("../fixtures/check", "*.moodle", |path| {
        let rendered = check_file(path);
        assert!(!rendered.is_empty(), "expected diagnostics");
        insta::assert_snapshot!(rendered);
    });
}

#[test]
fn every_diagnostic_has_a_code_label_and_help() {
    for entry in
        std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/check")).unwrap()
    {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "moodle") {
            continue;
        }
        let mut sources = mdl::diagnostics::SourceMap::new();
        let id = sources.add("x", Some(&path), std::fs::read_to_string(&path).unwrap());
        let (config, mut diags) =
            mdl::lang::load_source(&mut sources, id, "test", &[], mdl::kinds::schemas());
        diags.extend(mdl::check::check(&config));
        diags.extend(mdl::graph::Graph::build(&config).cycles());
        assert!(!diags.is_empty(), "{}", path.display());
        for d in diags {
            assert!(d.code.contains("::"), "{}: code {}", path.display(), d.code);
            assert!(!d.labels.is_empty());
            assert!(
                d.help.is_some(),
                "{}: `{}` has no help",
                path.display(),
                d.message
            );
        }
    }
}
