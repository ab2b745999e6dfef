//! Every example validates cleanly and is already formatted.

use mdl::diagnostics::SourceMap;

#[test]
fn examples_validate_and_are_formatted() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/examples");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "moodle") {
            continue;
        }
        n += 1;
        let rendered = crate::support::check_file(&path);
        assert!(rendered.is_empty(), "{}:\n{rendered}", path.display());
        let text = std::fs::read_to_string(&path).unwrap();
        let mut sources = SourceMap::new();
        let id = sources.add("x", None, text.clone());
        let (file, _) = mdl::syntax::parse(id, &text);
        assert_eq!(
            mdl::syntax::fmt::format(&file, &text),
            text,
            "{} is not formatted",
            path.display()
        );
    }
    assert!(n > 0, "no examples found");
}
