//! Refresh: one batched read per kind, run concurrently, then each live
//! resource matched to its address (by tag, else by the id in state).

use std::collections::HashSet;

use indexmap::IndexMap;

use crate::lang::ResourceAddr;
use crate::provider::{LiveResource, Provider, ProviderError, ReadRequest};
use crate::schema::{self, KindSchema};
use crate::state::State;

/// What exists in AWS for this stack.
#[derive(Debug, Default)]
pub struct Live {
    pub resources: IndexMap<ResourceAddr, LiveResource>,
    /// Extra resources tagged with an address that another resource
    /// already holds (left by an interrupted apply): to be deleted.
    pub duplicates: Vec<(ResourceAddr, LiveResource)>,
    /// Resources of this stack whose address tag names no valid address.
    pub stray: Vec<(&'static KindSchema, LiveResource)>,
}

/// Read every kind of every AWS service that the configuration or the
/// state uses: resources of a kind that left the configuration are found
/// even without state, and no service the estate does not use is asked
/// (its permissions may not be granted).
///
/// # Errors
/// The first failed read.
pub async fn refresh(
    provider: &dyn Provider,
    stack: &str,
    kinds: &[&'static KindSchema],
    state: &State,
) -> Result<Live, ProviderError> {
    let mut services: Vec<&str> = kinds.iter().map(|k| k.service).collect();
    services.extend(
        state
            .resources
            .keys()
            .filter_map(|a| schema::kind(&a.kind))
            .map(|k| k.service),
    );
    let all_kinds: Vec<&'static KindSchema> = schema::kinds()
        .iter()
        .copied()
        .filter(|k| services.contains(&k.service))
        .collect();
    let reads = all_kinds.iter().map(|kind| {
        let known_ids = state
            .resources
            .values()
            .filter(|r| r.addr.kind == kind.name && !r.id.is_empty())
            .map(|r| r.id.clone())
            .collect();
        provider.read(ReadRequest {
            kind,
            stack,
            known_ids,
            full: false,
        })
    });
    let results = futures_util::future::join_all(reads).await;
    let mut live = Live::default();
    // Ids are unique within a kind, not across kinds (a cache subnet group
    // and a DB subnet group may share a name).
    let by_id: IndexMap<(&str, &str), &ResourceAddr> = state
        .resources
        .values()
        .filter(|r| !r.id.is_empty())
        .map(|r| ((r.addr.kind.as_str(), r.id.as_str()), &r.addr))
        .collect();
    for (kind, result) in all_kinds.iter().zip(results) {
        let mut found = result?.resources;
        // Prefer the resource the state knows when two claim one address.
        found.sort_by_key(|r| !by_id.contains_key(&(kind.name, r.id.as_str())));
        let mut seen = HashSet::new();
        for r in found {
            if !seen.insert(r.id.clone()) {
                continue;
            }
            let addr = match (&r.addr, by_id.get(&(kind.name, r.id.as_str()))) {
                (_, Some(a)) => (*a).clone(),
                (Some(a), None) if a.kind == kind.name => a.clone(),
                _ => {
                    live.stray.push((kind, r));
                    continue;
                }
            };
            // What the batched read cannot see comes from state.
            let mut r = r;
            // So does what an interrupted create asked for.
            if let Some(rec) = state
                .resources
                .get(&addr)
                .filter(|rec| rec.id == r.id || rec.pending)
            {
                for (k, v) in &rec.attrs {
                    r.attrs.entry(k.clone()).or_insert_with(|| v.clone());
                }
            }
            if live.resources.contains_key(&addr) {
                live.duplicates.push((addr, r));
            } else {
                live.resources.insert(addr, r);
            }
        }
    }
    Ok(live)
}
