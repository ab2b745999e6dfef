//! The formatter: canonical output, idempotence, nothing lost.

use mdl::diagnostics::SourceMap;

fn format(text: &str) -> String {
    let mut sources = SourceMap::new();
    let id = sources.add("x.moodle", None, text.to_string());
    let (file, diags) = mdl::syntax::parse(id, text);
    assert!(
        diags.is_empty(),
        "{}",
        crate::support::render(&diags, &sources)
    );
    mdl::syntax::fmt::format(&file, text)
}

#[test]
fn fmt_fixtures() {
    insta::glob!("../fixtures/fmt", "*.moodle", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let once = format(&text);
        let twice = format(&once);
        assert_eq!(once, twice, "formatting is not idempotent");
        insta::assert_snapshot!(once);
    });
}

#[test]
fn comments_survive_formatting() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/fmt/messy.moodle"
    ))
    .unwrap();
    let out = format(&text);
    for comment in ["# header comment", "# the range", "# closing note"] {
        assert!(out.contains(comment), "lost `{comment}`:\n{out}");
    }
}

/// A block with nothing inside stays on one line; one holding only a
/// comment keeps it.
#[test]
fn an_empty_block_is_written_on_one_line() {
    assert_eq!(format("caller me {\n\n}\n"), "caller me {}\n");
    assert_eq!(format("caller me {}\n"), "caller me {}\n");
    let kept = format("caller me {\n  # the account\n}\n");
    assert!(kept.contains("# the account"), "{kept}");
}
