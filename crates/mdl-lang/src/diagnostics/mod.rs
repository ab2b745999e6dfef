//! Diagnostics: spans, the source map and the one diagnostic type every phase
//! reports through.
//!
//! Owns: `Span`, `SourceId`, `SourceMap`, `Diagnostic`, `Severity`, rendering.
//! Must not import any other mdl module but `digest`: every phase depends on
//! this one.

pub mod codes;

use std::fmt;
use std::path::{Path, PathBuf};

use miette::{LabeledSpan, SourceCode};

/// Identifies one loaded source text inside a [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct SourceId(pub u32);

/// A byte range inside one source text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub source: SourceId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(source: SourceId, start: usize, end: usize) -> Span {
        Span {
            source,
            start: start as u32,
            end: end as u32,
        }
    }

    /// The smallest span covering both `self` and `other` (same source).
    pub fn to(self, other: Span) -> Span {
        Span {
            source: self.source,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    pub fn len(&self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }
}

/// One source text with the name it is shown under.
#[derive(Debug, Clone)]
pub struct Source {
    pub name: String,
    pub path: Option<PathBuf>,
    pub text: String,
}

/// Every source text loaded in this run, so that diagnostics can carry spans
/// only and get their text attached when rendered.
#[derive(Debug, Default, Clone)]
pub struct SourceMap {
    sources: Vec<Source>,
}

impl SourceMap {
    pub fn new() -> SourceMap {
        SourceMap::default()
    }

    pub fn add(&mut self, name: impl Into<String>, path: Option<&Path>, text: String) -> SourceId {
        self.sources.push(Source {
            name: name.into(),
            path: path.map(Path::to_path_buf),
            text,
        });
        SourceId(self.sources.len() as u32 - 1)
    }

    pub fn get(&self, id: SourceId) -> &Source {
        &self.sources[id.0 as usize]
    }

    /// A digest of every file read in this run (the file and the modules
    /// it uses, in order; not the synthetic sources of the command line).
    /// Only the texts count, so the same files reached by another path
    /// give the same digest.
    pub fn files_digest(&self) -> String {
        let mut all = String::new();
        for s in self.sources.iter().filter(|s| !s.name.starts_with('<')) {
            all.push_str(&s.text);
            all.push('\0');
        }
        crate::digest::digest(&all)
    }

    /// The name a source is shown under.
    pub fn name(&self, id: SourceId) -> &str {
        &self.get(id).name
    }

    /// The file a source was read from, if any.
    pub fn path(&self, id: SourceId) -> Option<&Path> {
        self.get(id).path.as_deref()
    }

    pub fn text(&self, id: SourceId) -> &str {
        &self.get(id).text
    }

    pub fn slice(&self, span: Span) -> &str {
        &self.text(span.source)[span.start as usize..span.end as usize]
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_column(&self, id: SourceId, offset: u32) -> (usize, usize) {
        let text = self.text(id);
        let mut end = (offset as usize).min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let line_start = text[..end].rfind('\n').map_or(0, |i| i + 1);
        (
            self.line_of(id, offset),
            text[line_start..end].chars().count() + 1,
        )
    }

    /// 1-based line number of a byte offset.
    pub fn line_of(&self, id: SourceId, offset: u32) -> usize {
        let text = self.text(id);
        let end = (offset as usize).min(text.len());
        text.as_bytes()[..end]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
    /// A label in another file than the diagnostic's own, shown after it
    /// (a module's line, beside the caller's).
    Note,
}

/// A labelled location inside a diagnostic.
#[derive(Clone, Debug)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// The one user-facing diagnostic type.
///
/// Every diagnostic has a code of the shape `<phase>::<problem>`, a message,
/// and at least one label (the constructor takes the primary one). Source
/// text is not stored: [`Diagnostic::render`] and [`WithSource`] attach it.
#[derive(Clone, Debug)]
pub struct Diagnostic {
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    pub labels: Vec<Label>,
    pub help: Option<String>,
    pub related: Vec<Diagnostic>,
}

impl Diagnostic {
    pub fn error(
        code: &'static str,
        message: impl Into<String>,
        span: Span,
        label: impl Into<String>,
    ) -> Diagnostic {
        debug_assert!(
            codes::is_registered(code),
            "`{code}` is not in diagnostics::codes::CODES"
        );
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            labels: vec![Label {
                span,
                message: label.into(),
            }],
            help: None,
            related: Vec::new(),
        }
    }

    pub fn warning(
        code: &'static str,
        message: impl Into<String>,
        span: Span,
        label: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message, span, label)
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub fn with_label(mut self, span: Span, label: impl Into<String>) -> Diagnostic {
        self.labels.push(Label {
            span,
            message: label.into(),
        });
        self
    }

    pub fn primary_span(&self) -> Span {
        self.labels[0].span
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// As JSON, for tools (`mdl validate --json`): code, severity,
    /// message, where (file, 1-based line and column, in characters, of
    /// the primary label's start and end), every label, help and related
    /// diagnostics. No source text is quoted.
    pub fn to_json(&self, sources: &SourceMap) -> serde_json::Value {
        let place = |span: Span| {
            let (line, column) = sources.line_column(span.source, span.start);
            let (end_line, end_column) = sources.line_column(span.source, span.end);
            let source = sources.get(span.source);
            serde_json::json!({
                "file": source.name,
                "line": line,
                "column": column,
                "end_line": end_line,
                "end_column": end_column,
            })
        };
        let labels: Vec<serde_json::Value> = self
            .labels
            .iter()
            .map(|l| {
                let mut p = place(l.span);
                p["message"] = l.message.clone().into();
                p
            })
            .collect();
        let mut out = serde_json::json!({
            "code": self.code,
            "severity": match self.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Note => "note",
            },
            "message": self.message,
        });
        if let (Some(o), serde_json::Value::Object(p)) =
            (out.as_object_mut(), place(self.primary_span()))
        {
            o.extend(p);
        }
        out["labels"] = labels.into();
        out["help"] = self.help.clone().into();
        out["related"] = self
            .related
            .iter()
            .map(|r| r.to_json(sources))
            .collect::<Vec<_>>()
            .into();
        out
    }

    /// Render to text with the given handler settings (used by the CLI and
    /// by snapshot tests, which ask for no colour and a fixed width).
    pub fn render(&self, sources: &SourceMap, handler: &miette::GraphicalReportHandler) -> String {
        render_one(self, sources, handler)
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Diagnostic {}

/// Source text of one file presented to miette under its display name.
struct NamedText<'a> {
    name: &'a str,
    text: &'a str,
    /// The line of the source that `text` starts at: a window of a line
    /// too long to quote whole starts inside the source, at this column.
    first_line: usize,
    first_column: usize,
}

impl SourceCode for NamedText<'_> {
    fn read_span<'b>(
        &'b self,
        span: &miette::SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'b> + 'b>, miette::MietteError> {
        // The whole lines the span is on, never the lines around them: a
        // diagnostic must not quote what it does not point at (a params
        // file's other values, the lines near a secret).
        let _ = (context_lines_before, context_lines_after);
        let (start, end) = char_bounds(self.text, span.offset(), span.offset() + span.len());
        let line_start = self.text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = self.text[end..]
            .find('\n')
            .map_or(self.text.len(), |i| end + i);
        let lines = miette::SourceSpan::from((line_start, line_end - line_start));
        let contents = self.text.read_span(&lines, 0, 0)?;
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.name.to_string(),
            contents.data(),
            *contents.span(),
            contents.line() + self.first_line,
            // The column of the span itself (miette heads the report with
            // the primary label's line and column).
            if contents.line() == 0 {
                start - line_start + self.first_column
            } else {
                start - line_start
            },
            contents.line_count(),
        )))
    }
}

/// Renders diagnostics with their sources: the handler used by snapshot tests
/// (no colour, unicode, width 80) or by the CLI (colour when allowed).
pub fn handler(color: bool, width: usize) -> miette::GraphicalReportHandler {
    let theme = if color {
        miette::GraphicalTheme::unicode()
    } else {
        miette::GraphicalTheme::unicode_nocolor()
    };
    miette::GraphicalReportHandler::new_themed(theme)
        .with_width(width)
        .with_links(false)
}

/// Render a list of diagnostics, each followed by a blank line, including
/// each one's related diagnostics.
pub fn render_all(
    diags: &[Diagnostic],
    sources: &SourceMap,
    handler: &miette::GraphicalReportHandler,
) -> String {
    let mut out = String::new();
    for d in diags {
        out.push_str(&render_one(d, sources, handler));
    }
    out
}

fn render_one(
    diag: &Diagnostic,
    sources: &SourceMap,
    handler: &miette::GraphicalReportHandler,
) -> String {
    let mut out = String::new();
    let source = sources.get(diag.primary_span().source);
    let window = long_line_window(diag, &source.text);
    let (named, shown) = match &window {
        None => (
            NamedText {
                name: &source.name,
                text: &source.text,
                first_line: 0,
                first_column: 0,
            },
            diag,
        ),
        Some((text, (first_line, first_column), clipped)) => (
            NamedText {
                name: &source.name,
                text,
                first_line: *first_line,
                first_column: *first_column,
            },
            clipped,
        ),
    };
    let report = ReportWithSource {
        diag: shown,
        source: named,
    };
    let _ = handler.render_report(&mut out, &report);
    out.push('\n');
    // Labels in another file than the diagnostic's own, each as a note
    // quoting that file.
    for l in diag
        .labels
        .iter()
        .skip(1)
        .filter(|l| l.span.source != diag.primary_span().source)
    {
        let note = Diagnostic {
            code: diag.code,
            severity: Severity::Note,
            message: l.message.clone(),
            labels: vec![Label {
                span: l.span,
                message: String::new(),
            }],
            help: None,
            related: Vec::new(),
        };
        out.push_str(&render_one(&note, sources, handler));
    }
    for r in &diag.related {
        out.push_str(&render_one(r, sources, handler));
    }
    out
}

/// `start..end` inside `text`, widened to whole characters.
fn char_bounds(text: &str, start: usize, end: usize) -> (usize, usize) {
    let mut start = start.min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = end.clamp(start, text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    (start, end)
}

/// The most of one line a diagnostic quotes: a longer line (a minified
/// or hostile file, 70 MiB on one line) is quoted only around its label.
pub const MAX_QUOTED_LINE: usize = 400;

/// When the primary label lies on a line longer than [`MAX_QUOTED_LINE`]:
/// a window of that line around the label, where the window starts (line
/// and column), and the diagnostic with that label alone, moved into the
/// window.
fn long_line_window<'a>(
    diag: &Diagnostic,
    text: &'a str,
) -> Option<(&'a str, (usize, usize), Diagnostic)> {
    let label = diag.labels.first()?;
    let (start, end) = char_bounds(text, label.span.start as usize, label.span.end as usize);
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    if line_end - line_start <= MAX_QUOTED_LINE {
        return None;
    }
    let mut from = start.saturating_sub(MAX_QUOTED_LINE / 2).max(line_start);
    while !text.is_char_boundary(from) {
        from -= 1;
    }
    let mut to = (from + MAX_QUOTED_LINE).min(line_end);
    while !text.is_char_boundary(to) {
        to -= 1;
    }
    let first_line = text.as_bytes()[..from]
        .iter()
        .filter(|b| **b == b'\n')
        .count();
    let mut clipped = diag.clone();
    let in_window = |at: usize| at.clamp(from, to) - from;
    clipped.labels = vec![Label {
        span: Span::new(label.span.source, in_window(start), in_window(end)),
        message: label.message.clone(),
    }];
    clipped.related.clear();
    Some((&text[from..to], (first_line, from - line_start), clipped))
}

/// A diagnostic with its source text attached, ready for miette.
struct ReportWithSource<'a> {
    diag: &'a Diagnostic,
    source: NamedText<'a>,
}

impl fmt::Debug for ReportWithSource<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.diag, f)
    }
}

impl fmt::Display for ReportWithSource<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diag.message)
    }
}

impl std::error::Error for ReportWithSource<'_> {}

impl miette::Diagnostic for ReportWithSource<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.diag.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diag.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Note => miette::Severity::Advice,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.diag
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let primary = self.diag.labels[0].span.source;
        Some(Box::new(
            self.diag
                .labels
                .iter()
                .enumerate()
                .filter(move |(_, l)| l.span.source == primary)
                .map(|(i, l)| {
                    let text = if l.message.is_empty() {
                        None
                    } else {
                        Some(l.message.clone())
                    };
                    if i == 0 {
                        LabeledSpan::new_primary_with_span(
                            text,
                            (l.span.start as usize, l.span.len()),
                        )
                    } else {
                        LabeledSpan::new_with_span(text, (l.span.start as usize, l.span.len()))
                    }
                }),
        ))
    }
}

/// "did you mean" suggestion: the closest candidate by Jaro-Winkler
/// similarity, if it is close enough to be useful.
pub fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(name, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rendered(text: String, start: usize, end: usize) -> String {
        let mut sources = SourceMap::new();
        let id = sources.add("big.moodle", None, text);
        let d = Diagnostic::error(
            "parse::unexpected_token",
            "a problem",
            Span::new(id, start, end),
            "here",
        );
        render_all(&[d], &sources, &handler(false, 80))
    }

    #[test]
    fn as_json_a_diagnostic_says_where_in_lines_and_characters() {
        let mut sources = SourceMap::new();
        let text = "# é\nvpc main {\n  cidr_block = \"é10.0.0.0/33\"\n}\n".to_string();
        let at = text.find("\"é").unwrap();
        let id = sources.add("net.moodle", None, text.clone());
        let d = Diagnostic::error(
            "parse::unexpected_token",
            "bad CIDR",
            Span::new(id, at, at + "\"é10.0.0.0/33\"".len()),
            "here",
        )
        .with_help("a prefix of /16 to /28");
        let j = d.to_json(&sources);
        assert_eq!(j["code"], "parse::unexpected_token");
        assert_eq!(j["severity"], "error");
        assert_eq!(j["file"], "net.moodle");
        assert_eq!(
            (j["line"].as_u64(), j["column"].as_u64()),
            (Some(3), Some(16))
        );
        // `é` is one character of two bytes.
        assert_eq!(j["end_column"], 30);
        assert_eq!(j["labels"][0]["message"], "here");
        assert_eq!(j["help"], "a prefix of /16 to /28");
        assert!(!j.to_string().contains("10.0.0.0"), "no source quoted: {j}");
    }

    #[test]
    fn a_diagnostic_quotes_only_the_line_it_points_at() {
        let text =
            "secret_above = \"hunter2\"\nvpc main {\nsecret_below = \"hunter3\"\n".to_string();
        let at = text.find("vpc").unwrap();
        let out = rendered(text, at, at + 3);
        assert!(out.contains("vpc main {"), "{out}");
        assert!(!out.contains("hunter"), "{out}");
    }

    #[test]
    fn a_very_long_line_is_quoted_only_around_the_label() {
        // One line of 8 MiB, with the label in the middle.
        let mut text = "x".repeat(8 * 1024 * 1024);
        let at = text.len() / 2;
        text.replace_range(at..at + 5, "oops!");
        let out = rendered(text, at, at + 5);
        assert!(out.len() < 4 * MAX_QUOTED_LINE, "{} bytes", out.len());
        assert!(out.contains("oops!"), "{out}");
        assert!(out.contains(&format!("big.moodle:1:{}", at + 1)), "{out}");
        // A label over the whole file, and one past a multi-byte character.
        let text = format!("{}é{}", "y".repeat(300), "z".repeat(300));
        let len = text.len();
        let out = rendered(text.clone(), 0, len);
        // The window, and its underline of 3-byte characters.
        assert!(out.len() < 6 * MAX_QUOTED_LINE, "{out}");
        assert!(
            out.contains('é') && !out.contains(&"z".repeat(200)),
            "{out}"
        );
        let out = rendered(text, 301, 302);
        assert!(out.contains("here"), "{out}");
    }
}
