//! `mdl graph`: the dependency graph, as Graphviz DOT or Mermaid.

use clap::{Args, ValueEnum};
use petgraph::visit::EdgeRef;

use super::{ConfigArgs, Ui};
use crate::graph::Graph;
use crate::lang::ResourceAddr;

#[derive(Args, Debug)]
pub struct GraphArgs {
    #[command(flatten)]
    pub file: ConfigArgs,
    /// dot (Graphviz: `mdl graph f.moodle | dot -Tsvg > g.svg`) or mermaid
    /// (paste into Markdown).
    #[arg(long, value_enum, default_value_t = Format::Dot)]
    pub format: Format,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Dot,
    Mermaid,
}

pub fn run(ui: &Ui, args: &GraphArgs) -> u8 {
    let Ok(loaded) = super::validate::load(ui, &args.file.file_args(None)) else {
        return 1;
    };
    out!("{}", render(&loaded.graph, args.format));
    0
}

/// The graph as text: nodes grouped by module instance, an edge from each
/// resource to each resource that needs it.
pub fn render(graph: &Graph, format: Format) -> String {
    let nodes: Vec<&ResourceAddr> = graph.index.keys().collect();
    let id = |a: &ResourceAddr| graph.index.get_index_of(a).unwrap_or(0);
    let mut modules: Vec<&str> = nodes.iter().map(|a| a.module.as_str()).collect();
    modules.sort_unstable();
    modules.dedup();
    let mut edges: Vec<(usize, usize)> = graph
        .graph
        .edge_references()
        .map(|e| (id(&graph.graph[e.source()]), id(&graph.graph[e.target()])))
        .collect();
    edges.sort_unstable();
    let mut out = String::new();
    match format {
        Format::Dot => {
            out.push_str(
                "digraph mdl {\n  rankdir = LR;\n  node [shape = box, fontname = \"Helvetica\"];\n",
            );
            for (i, module) in modules.iter().enumerate() {
                let indent = if module.is_empty() {
                    "  "
                } else {
                    out.push_str(&format!(
                        "  subgraph cluster_{i} {{\n    label = \"{}\";\n",
                        dot_escape(module)
                    ));
                    "    "
                };
                for a in nodes.iter().filter(|a| a.module == *module) {
                    out.push_str(&format!(
                        "{indent}n{} [label = \"{}\"];\n",
                        id(a),
                        dot_escape(&a.local())
                    ));
                }
                if !module.is_empty() {
                    out.push_str("  }\n");
                }
            }
            for (from, to) in edges {
                out.push_str(&format!("  n{from} -> n{to};\n"));
            }
            out.push_str("}\n");
        }
        Format::Mermaid => {
            out.push_str("flowchart LR\n");
            for (i, module) in modules.iter().enumerate() {
                let indent = if module.is_empty() {
                    "  "
                } else {
                    out.push_str(&format!(
                        "  subgraph m{i} [\"{}\"]\n",
                        mermaid_escape(module)
                    ));
                    "    "
                };
                for a in nodes.iter().filter(|a| a.module == *module) {
                    out.push_str(&format!(
                        "{indent}n{}[\"{}\"]\n",
                        id(a),
                        mermaid_escape(&a.local())
                    ));
                }
                if !module.is_empty() {
                    out.push_str("  end\n");
                }
            }
            for (from, to) in edges {
                out.push_str(&format!("  n{from} --> n{to}\n"));
            }
        }
    }
    out
}

fn dot_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Mermaid labels are quoted; a quote inside one is written `#quot;`.
fn mermaid_escape(s: &str) -> String {
    s.replace('"', "#quot;")
}
