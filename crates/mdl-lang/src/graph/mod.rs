//! The dependency graph of a configuration: nodes are resources, edges come
//! from references (`subnet.app_a.id`) and `depends_on`. Cycles are reported
//! with the span of every edge in them.
//!
//! Must not import: `provider`, `plan`, `apply`, `state`, tokio.

use indexmap::IndexMap;
use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};

use crate::diagnostics::{Diagnostic, Span};
use crate::lang::{Config, Evaluator, NoComputed, ResourceAddr};

/// Why one resource depends on another: the reference's span.
#[derive(Clone, Copy, Debug)]
pub struct Edge {
    pub span: Span,
}

pub struct Graph {
    /// Edges point from a dependency to its dependent.
    pub graph: DiGraph<ResourceAddr, Edge>,
    pub index: IndexMap<ResourceAddr, NodeIndex>,
}

impl Graph {
    /// Build the graph. References to undeclared resources are skipped here
    /// (`check` reports them).
    pub fn build(config: &Config) -> Graph {
        let mut graph = DiGraph::new();
        let mut index = IndexMap::new();
        for addr in config.resources.keys() {
            index.insert(addr.clone(), graph.add_node(addr.clone()));
        }
        let eval = Evaluator::new(config, &NoComputed);
        for (addr, res) in &config.resources {
            let to = index[addr];
            let mut add = |dep: ResourceAddr, span: Span| {
                if let Some(&from) = index.get(&dep)
                    && graph.find_edge(from, to).is_none()
                {
                    graph.add_edge(from, to, Edge { span });
                }
            };
            for (dep, span) in eval.references(res) {
                add(dep, span);
            }
            for (dep, span) in &res.depends_on {
                add(dep.clone(), *span);
            }
        }
        Graph { graph, index }
    }

    /// Direct dependencies of a resource, in declaration order.
    pub fn dependencies(&self, addr: &ResourceAddr) -> Vec<ResourceAddr> {
        let Some(&n) = self.index.get(addr) else {
            return Vec::new();
        };
        let mut deps: Vec<ResourceAddr> = self
            .graph
            .neighbors_directed(n, petgraph::Direction::Incoming)
            .filter(|d| *d != n)
            .map(|d| self.graph[d].clone())
            .collect();
        deps.sort_by_key(|d| self.index.get_index_of(d));
        deps.dedup();
        deps
    }

    /// One diagnostic per dependency cycle, labelling every edge in it.
    pub fn cycles(&self) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for scc in tarjan_scc(&self.graph) {
            let self_loop = scc.len() == 1 && self.graph.contains_edge(scc[0], scc[0]);
            if scc.len() < 2 && !self_loop {
                continue;
            }
            let mut members = scc.clone();
            members.sort_by_key(|n| n.index());
            // Walk the cycle in order from its first declared member.
            let mut order = vec![members[0]];
            while order.len() < members.len() {
                let last = *order.last().unwrap_or(&members[0]);
                let next = self
                    .graph
                    .neighbors_directed(last, petgraph::Direction::Outgoing)
                    .filter(|n| members.contains(n) && !order.contains(n))
                    .min_by_key(|n| n.index());
                match next {
                    Some(n) => order.push(n),
                    None => break,
                }
            }
            let names: Vec<String> = order.iter().map(|n| self.graph[*n].to_string()).collect();
            let mut edges = Vec::new();
            for (i, from) in order.iter().enumerate() {
                let to = order[(i + 1) % order.len()];
                if let Some(e) = self.graph.edges_connecting(*from, to).next() {
                    edges.push((
                        self.graph[to].clone(),
                        self.graph[*from].clone(),
                        e.weight().span,
                    ));
                }
            }
            if edges.is_empty() {
                continue;
            }
            let (first_dependent, first_dep, first_span) = edges[0].clone();
            let mut d = if self_loop {
                Diagnostic::error(
                    "graph::cycle",
                    format!("`{first_dependent}` refers to itself"),
                    first_span,
                    format!("`{first_dependent}` needs its own value here"),
                )
                .with_help(if first_dependent.kind == "security_group" {
                    "to allow traffic from the group itself, write `self = true` in the rule"
                        .to_string()
                } else {
                    "a resource cannot depend on its own attributes".to_string()
                })
            } else {
                let mut cycle = names.clone();
                cycle.push(names[0].clone());
                Diagnostic::error(
                    "graph::cycle",
                    format!("dependency cycle: {}", cycle.join(" → ")),
                    first_span,
                    format!("`{first_dependent}` needs `{first_dep}` here"),
                )
                .with_help("break the cycle: one of these references must go, or move the rule into a resource of its own")
            };
            for (dependent, dep, span) in edges.into_iter().skip(1) {
                d = d.with_label(span, format!("`{dependent}` needs `{dep}` here"));
            }
            out.push(d);
        }
        out
    }
}
