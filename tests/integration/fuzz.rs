//! Hostile input: random token soup, random text and mutated examples go
//! through the parser, the formatter, the evaluator, the checks and the
//! graph without a panic or a stack overflow; what parses formats to a
//! fixed point. `PROPTEST_CASES` sets the number of inputs per property
//! (default 512; `scripts/test.sh`, which CI runs, sets 1000).

use proptest::prelude::*;

use mdl::diagnostics::SourceMap;

/// Everything mdl does with a file before it talks to AWS.
fn pipeline(text: &str) {
    let mut sources = SourceMap::new();
    let id = sources.add("fuzz.moodle", None, text.to_string());
    let (file, diags) = mdl::syntax::parse(id, text);
    same_tree(id, text);
    if diags.is_empty() {
        let once = mdl::syntax::fmt::format(&file, text);
        let id2 = sources.add("once.moodle", None, once.clone());
        let (again, diags2) = mdl::syntax::parse(id2, &once);
        assert!(
            diags2.is_empty(),
            "formatted text does not parse:\n{once}\nfrom:\n{text}"
        );
        let twice = mdl::syntax::fmt::format(&again, &once);
        assert_eq!(once, twice, "formatting is not a fixed point for:\n{text}");
    }
    let (config, _) = mdl::lang::load_source(&mut sources, id, "fuzz", &[], mdl::kinds::schemas());
    let _ = mdl::graph::Graph::build(&config);
}

/// Where the hand-written parser accepts a text, pest accepts it too and
/// builds the same tree, spans included. Returns whether it accepted, and
/// pest's diagnostics.
fn same_tree(
    id: mdl::diagnostics::SourceId,
    text: &str,
) -> (bool, Vec<mdl::diagnostics::Diagnostic>) {
    let (reference, diags) = mdl::syntax::parse_reference(id, text);
    let Some(items) = mdl::syntax::parse_fast(id, text) else {
        return (false, diags);
    };
    assert!(
        diags.is_empty(),
        "the fast parser accepts what pest refuses:\n{text}\n{diags:?}"
    );
    assert!(items == reference.items, "the parsers disagree on:\n{text}");
    (true, diags)
}

/// Every file the project ships, and the generated estate, take the fast
/// path and build pest's tree.
#[test]
fn the_fast_parser_agrees_with_pest_on_every_shipped_file() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    let mut dirs = vec![
        root.join("examples"),
        root.join("stdlib"),
        root.join("tests"),
    ];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "moodle") {
                files.push(path);
            }
        }
    }
    assert!(files.len() > 20, "found only {} files", files.len());
    let mut texts: Vec<(String, String)> = files
        .iter()
        .map(|p| (p.display().to_string(), std::fs::read_to_string(p).unwrap()))
        .collect();
    texts.push(("estate(1000)".into(), mdl::bench::estate(1000)));
    let mut fast = 0;
    for (name, text) in &texts {
        let mut sources = SourceMap::new();
        let id = sources.add(name, None, text.clone());
        let (took, diags) = same_tree(id, text);
        if diags.is_empty() {
            assert!(took, "{name} parses but not by the fast path");
            fast += 1;
        }
    }
    assert!(fast > 20, "only {fast} files took the fast path");
}

const TOKENS: &[&str] = &[
    "vpc",
    "subnet",
    "security_group",
    "a",
    "b",
    "main",
    "{",
    "}",
    "[",
    "]",
    "(",
    ")",
    "=",
    ",",
    "\"",
    "\"x\"",
    "\"${",
    "${",
    "?",
    ":",
    "+",
    "-",
    "*",
    "/",
    "%",
    "!",
    "&&",
    "||",
    "==",
    "<",
    ".",
    "\n",
    " ",
    "1",
    "-2.5",
    "true",
    "null",
    "param",
    "use",
    "output",
    "\"std/ha\"",
    "as",
    "for_each",
    "when",
    "each.key",
    "each.value",
    "vpc.a.id",
    "param.p",
    "module.m.x",
    "cidr_block",
    "tags",
    "ingress",
    "cidrsubnet(",
    "length(",
    "#",
    "//",
    "/*",
    "*/",
    "\\",
    "\\n",
    "ha",
    "string",
    "list(string)",
    "check",
    "condition",
    "message",
    "é",
    "\t",
];

fn soup() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..200).prop_map(|t| t.join(""))
}

/// An example with a slice cut out and random text put in its place.
fn mutated() -> impl Strategy<Value = String> {
    let examples = [
        include_str!("../../examples/network.moodle"),
        include_str!("../../examples/prod.moodle"),
        include_str!("../../examples/single.moodle"),
        include_str!("../../stdlib/ha.moodle"),
    ];
    (
        prop::sample::select(examples.to_vec()),
        any::<prop::sample::Index>(),
        0usize..40,
        prop::collection::vec(prop::sample::select(TOKENS), 0..8),
    )
        .prop_map(|(text, at, cut, insert)| {
            let mut at = at.index(text.len().max(1));
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            let mut end = (at + cut).min(text.len());
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            format!("{}{}{}", &text[..at], insert.join(""), &text[end..])
        })
}

/// An example with whitespace and comments put in where whitespace
/// already is: well-formed text whose spans the two parsers must agree on.
fn respaced() -> impl Strategy<Value = String> {
    let examples = [
        include_str!("../../examples/prod.moodle"),
        include_str!("../../stdlib/ha.moodle"),
        include_str!("../../stdlib/ecs_preview.moodle"),
    ];
    let trivia = [
        " ",
        "\n",
        "\t",
        "# note\n",
        "// note\n",
        "/* note */",
        "\n\n",
    ];
    (
        prop::sample::select(examples.to_vec()),
        prop::collection::vec(
            (
                any::<prop::sample::Index>(),
                prop::sample::select(trivia.to_vec()),
            ),
            1..12,
        ),
    )
        .prop_map(|(text, inserts)| {
            let mut text = text.to_string();
            for (at, what) in inserts {
                let spaces: Vec<usize> = text
                    .char_indices()
                    .filter(|(_, c)| *c == ' ' || *c == '\n')
                    .map(|(i, _)| i + 1)
                    .collect();
                if let Some(&pos) = spaces.get(at.index(spaces.len().max(1))) {
                    text.insert_str(pos, what);
                }
            }
            text
        })
}

/// A string literal whose interpolations hold strings, maps, and the
/// characters of comments and braces, nested a few levels deep, followed
/// by a comment: the two parsers must agree on where the string ends.
fn nested_string() -> impl Strategy<Value = String> {
    let leaf = prop::sample::select(vec![
        "x", "#", "//", "/*", "*/", "}", "{", " ", "a b", "\\\"", "é",
    ])
    .prop_map(str::to_string);
    leaf.prop_recursive(4, 48, 4, |inner| {
        prop::collection::vec(
            prop_oneof![
                inner.clone(),
                inner.clone().prop_map(|s| format!("${{\"{s}\"}}")),
                inner.prop_map(|s| format!("${{ {{ k = \"{s}\" }}.k }}")),
            ],
            1..4,
        )
        .prop_map(|parts| parts.concat())
    })
    .prop_map(|s| format!("output x = \"{s}\" # after \"{s}\"\n"))
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(512)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn token_soup_never_panics(text in soup()) {
        pipeline(&text);
    }

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        pipeline(&text);
    }

    #[test]
    fn mutated_examples_never_panic(text in mutated()) {
        pipeline(&text);
    }

    #[test]
    fn both_parsers_agree_on_strings_inside_interpolations(text in nested_string()) {
        let mut sources = SourceMap::new();
        let id = sources.add("nested.moodle", None, text.clone());
        let (took, diags) = same_tree(id, &text);
        prop_assert!(diags.is_empty(), "pest refuses:\n{}\n{:?}", text, diags);
        prop_assert!(took, "the fast parser gives up on:\n{}", text);
    }

    #[test]
    fn both_parsers_build_the_same_tree_through_any_spacing(text in respaced()) {
        let mut sources = SourceMap::new();
        let id = sources.add("respaced.moodle", None, text.clone());
        let (took, diags) = same_tree(id, &text);
        prop_assert!(took || !diags.is_empty(), "pest parses this, the fast parser gives up:\n{}", text);
    }
}

#[test]
fn deep_and_long_inputs_get_diagnostics() {
    let cases = [
        (
            format!(
                "vpc a {{\n  cidr_block = {}1{}\n}}\n",
                "[".repeat(5000),
                "]".repeat(5000)
            ),
            "parse::nesting_too_deep",
        ),
        (
            format!("vpc a {{\n  cidr_block = {}true\n}}\n", "!".repeat(100_000)),
            "parse::expression_too_long",
        ),
        (
            format!("vpc a {{\n  cidr_block = 1{}\n}}\n", " + 1".repeat(100_000)),
            "parse::expression_too_long",
        ),
        (
            format!(
                "vpc a {{\n  cidr_block = {}2\n}}\n",
                "true ? 1 : ".repeat(100_000)
            ),
            "parse::nesting_too_deep",
        ),
        (
            format!(
                "vpc a {{\n  cidr_block = \"{}x{}\"\n}}\n",
                "${\"".repeat(10_000),
                "\"}".repeat(10_000)
            ),
            "parse::nesting_too_deep",
        ),
        (
            format!("vpc a {{\n  cidr_block = x{}\n}}\n", "[0]".repeat(100_000)),
            "parse::expression_too_long",
        ),
        (
            "a".repeat(mdl::syntax::parser::MAX_FILE_BYTES + 1),
            "parse::file_too_large",
        ),
    ];
    for (text, code) in cases {
        let mut sources = SourceMap::new();
        let id = sources.add("deep.moodle", None, text.clone());
        let (_, diags) = mdl::syntax::parse(id, &text);
        assert!(
            diags.iter().any(|d| d.code == code),
            "{code} expected, got {:?}",
            diags.iter().map(|d| d.code).collect::<Vec<_>>()
        );
    }
}

#[test]
fn twenty_thousand_items_parse() {
    // 20,000 blocks (about 900 KB): the nesting scan runs once over the file,
    // not once per item, so this stays well inside the test timeout.
    let text: String = (0..20_000)
        .map(|i| format!("vpc v{i} {{\n  cidr_block = \"10.0.0.0/16\"\n}}\n\n"))
        .collect();
    let mut sources = SourceMap::new();
    let id = sources.add("big.moodle", None, text.clone());
    let (file, diags) = mdl::syntax::parse(id, &text);
    assert!(diags.is_empty());
    assert_eq!(file.items.len(), 20_000);
}
