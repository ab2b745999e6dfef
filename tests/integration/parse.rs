//! Parser fixtures: `ok/` files snapshot their AST, `err/` files their
//! rendered diagnostics.

use mdl::diagnostics::SourceMap;

use crate::support::render;

#[test]
fn parse_ok_fixtures() {
    insta::glob!("../fixtures/parse/ok", "*.moodle", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let mut sources = SourceMap::new();
        let id = sources.add("input.moodle", None, text.clone());
        let (file, diags) = mdl::syntax::parse(id, &text);
        assert!(diags.is_empty(), "{}", render(&diags, &sources));
        insta::assert_debug_snapshot!(file);
    });
}

#[test]
fn parse_err_fixtures() {
    insta::glob!("../fixtures/parse/err", "*.moodle", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let mut sources = SourceMap::new();
        let id = sources.add(
            path.file_name().unwrap().to_string_lossy(),
            None,
            text.clone(),
        );
        let (_, diags) = mdl::syntax::parse(id, &text);
        assert!(!diags.is_empty(), "expected a syntax error");
        insta::assert_snapshot!(render(&diags, &sources));
    });
}

#[test]
fn several_errors_are_reported_in_one_run() {
    let text = "vpc a {\n  cidr_block = \n}\n\nsubnet b {\n  vpc_id = = 3\n}\n\nvpc c { cidr_block = \"10.0.0.0/16\" }\n";
    let mut sources = SourceMap::new();
    let id = sources.add("x.moodle", None, text.to_string());
    let (file, diags) = mdl::syntax::parse(id, text);
    assert_eq!(diags.len(), 2, "{}", render(&diags, &sources));
    // The block after the broken ones still parses.
    assert_eq!(file.items.len(), 1);
}

#[test]
fn deep_nesting_is_a_diagnostic_not_a_crash() {
    let text = format!("output x = {}1{}\n", "[".repeat(5000), "]".repeat(5000));
    let mut sources = SourceMap::new();
    let id = sources.add("deep.moodle", None, text.clone());
    let (_, diags) = mdl::syntax::parse(id, &text);
    assert_eq!(diags.len(), 1);
    assert_eq!(diags[0].code, "parse::nesting_too_deep");
}

#[test]
fn spans_exclude_trailing_comments() {
    let text = "vpc a {\n  cidr_block = \"10.0.0.0/16\"   # note\n}\n";
    let mut sources = SourceMap::new();
    let id = sources.add("x.moodle", None, text.to_string());
    let (file, _) = mdl::syntax::parse(id, text);
    let mdl::syntax::ast::Item::Block(b) = &file.items[0] else {
        panic!("not a block")
    };
    let attr = b.body.attribute("cidr_block").unwrap();
    assert_eq!(sources.slice(attr.span), "cidr_block = \"10.0.0.0/16\"");
}

#[test]
fn a_comment_ending_the_file_is_not_part_of_the_last_span() {
    let text = "output url = module.training.url # the address";
    let mut sources = mdl::diagnostics::SourceMap::new();
    let id = sources.add("x.moodle", None, text.to_string());
    for (file, diags) in [
        mdl::syntax::parse(id, text),
        mdl::syntax::parse_reference(id, text),
    ] {
        assert!(diags.is_empty());
        let end = "output url = module.training.url".len();
        assert_eq!(file.items[0].span().end as usize, end);
    }
}
