//! Helpers shared by the integration tests.

use std::path::Path;

use mdl::diagnostics::{Diagnostic, SourceMap, handler, render_all};

/// Render diagnostics the way snapshots want them: no colour, width 80.
pub fn render(diags: &[Diagnostic], sources: &SourceMap) -> String {
    render_all(diags, sources, &handler(false, 80))
}

/// Load, check and graph a fixture file; returns the rendered diagnostics.
pub fn check_file(path: &Path) -> String {
    let mut sources = SourceMap::new();
    let text = std::fs::read_to_string(path).unwrap();
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    let id = sources.add(name, Some(path), text);
    let (config, mut diags) =
        mdl::lang::load_source(&mut sources, id, "test", &[], mdl::kinds::schemas());
    diags.extend(mdl::check::check(&config));
    diags.extend(mdl::graph::Graph::build(&config).cycles());
    let diags = mdl::check::one_report(&config, diags);
    render(&diags, &sources)
}
