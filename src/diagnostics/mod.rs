//! Diagnostics: spans, the source map and the one diagnostic type every phase
//! reports through.
//!
//! Owns: `Span`, `SourceId`, `SourceMap`, `Diagnostic`, `Severity`, rendering.
//! Must not import any other mdl module: every phase depends on this one.

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
        crate::schema::digest(&all)
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
}

impl SourceCode for NamedText<'_> {
    fn read_span<'b>(
        &'b self,
        span: &miette::SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'b> + 'b>, miette::MietteError> {
        let contents = self
            .text
            .read_span(span, context_lines_before, context_lines_after)?;
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.name.to_string(),
            contents.data(),
            *contents.span(),
            contents.line(),
            contents.column(),
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
    let named = NamedText {
        name: &source.name,
        text: &source.text,
    };
    let report = ReportWithSource {
        diag,
        source: named,
    };
    let _ = handler.render_report(&mut out, &report);
    out.push('\n');
    for r in &diag.related {
        out.push_str(&render_one(r, sources, handler));
    }
    out
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
