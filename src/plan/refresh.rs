//! Refresh: one batched read per kind, run concurrently, then each live
//! resource matched to its address (by tag, else by the id in state).
//! For comparison (BENCHMARKS.md), refresh can also read resource by
//! resource, the way tools that refresh each resource on its own do.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use indexmap::IndexMap;

use crate::lang::ResourceAddr;
use futures_util::StreamExt;

use crate::provider::{
    LiveResource, Provider, ProviderError, ReadRequest, ReadResponse, ReadShare,
};
use crate::schema::KindSchema;
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
    /// Resources tagged with this stack's name and an address that the
    /// state does not record (no record, or one of another id that is not
    /// an interrupted create): another copy of the stack, in another
    /// directory, or an estate whose state was lost. A plan never changes
    /// or deletes them; `mdl state rebuild` adopts them on request.
    pub unrecorded: Vec<(ResourceAddr, LiveResource)>,
    /// Resources whose deletion was interrupted and that are gone from
    /// AWS: in `resources` as state recorded them, to be deleted again
    /// (what they held may remain).
    pub unfinished: Vec<ResourceAddr>,
    /// How long each read took (from its start, not its wait for a turn),
    /// in the order they started: `mdl plan --timings`.
    pub read_times: Vec<(&'static str, Duration)>,
    /// What each lookup answered (`crate::lookups`), read before the diff.
    pub lookups: IndexMap<ResourceAddr, crate::lookups::Answer>,
}

impl Live {
    /// What state recorded, taken as what exists (`--refresh=false`): no
    /// call to AWS, so no drift, nothing vanished and nothing unrecorded.
    /// Records of unfinished creates and deletes are not taken: only AWS
    /// can say how they ended.
    pub fn from_state(state: &State) -> Live {
        Live {
            resources: state
                .resources
                .values()
                .filter(|r| !r.pending && !r.deleting)
                .map(|r| {
                    (
                        r.addr.clone(),
                        LiveResource {
                            addr: Some(r.addr.clone()),
                            stack: Some(state.stack.clone()),
                            id: r.id.clone(),
                            attrs: r.attrs.clone(),
                            computed: r.computed.clone(),
                        },
                    )
                })
                .collect(),
            ..Live::default()
        }
    }
}

/// How refresh reads AWS.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadOptions {
    /// Reads in flight at once (a read is a kind, or one resource with
    /// `per_resource`).
    pub parallelism: usize,
    /// One read per resource the state knows, by its id, instead of one
    /// batched read per kind; resources the state does not know are not
    /// looked for. Slower by design: kept to measure what batching saves.
    pub per_resource: bool,
    /// Read nothing: take what state recorded as what exists
    /// (`--refresh=false`).
    pub from_state: bool,
}

impl Default for ReadOptions {
    fn default() -> ReadOptions {
        ReadOptions {
            parallelism: 10,
            per_resource: false,
            from_state: false,
        }
    }
}

/// [`refresh_with`] with the default options: batched reads, ten at once.
///
/// # Errors
/// The first failed read.
pub async fn refresh(
    provider: &dyn Provider,
    stack: &str,
    kinds: &[&'static KindSchema],
    state: &State,
) -> Result<Live, ProviderError> {
    refresh_with(provider, stack, kinds, state, ReadOptions::default()).await
}

/// Read every kind of every AWS service that the configuration or the
/// state uses: resources of a kind that left the configuration are found
/// even without state, and no service the estate does not use is asked
/// (its permissions may not be granted).
///
/// # Errors
/// The first failed read.
pub async fn refresh_with(
    provider: &dyn Provider,
    stack: &str,
    kinds: &[&'static KindSchema],
    state: &State,
    options: ReadOptions,
) -> Result<Live, ProviderError> {
    let mut services: Vec<&str> = kinds.iter().map(|k| k.service).collect();
    services.extend(
        state
            .resources
            .keys()
            .filter_map(|a| crate::kinds::schema(&a.kind))
            .map(|k| k.service),
    );
    let all_kinds: Vec<&'static KindSchema> = crate::kinds::schemas()
        .all()
        .iter()
        .copied()
        .filter(|k| services.contains(&k.service))
        .filter(|k| {
            crate::kinds::of(k).is_none_or(|kind| kind.read_when_unused)
                || kinds.iter().any(|used| used.name == k.name)
                || state.resources.keys().any(|a| a.kind == k.name)
        })
        .collect();
    // The ids state knows, by kind: each kind's read is given its own, and
    // the share holds them all (a group's read leaves out its rules').
    let mut state_ids: HashMap<String, Vec<String>> = HashMap::new();
    for r in state.resources.values().filter(|r| !r.id.is_empty()) {
        state_ids
            .entry(r.addr.kind.clone())
            .or_default()
            .push(r.id.clone());
    }
    // Each read: the kind it is for (an index into all_kinds) and the ids.
    let mut reads: Vec<(usize, Vec<String>)> = Vec::new();
    for (i, kind) in all_kinds.iter().enumerate() {
        let known_ids = state_ids.get(kind.name).cloned().unwrap_or_default();
        if options.per_resource {
            reads.extend(known_ids.into_iter().map(|id| (i, vec![id])));
        } else {
            reads.push((i, known_ids));
        }
    }
    let share = ReadShare::knowing(state_ids);
    let results: Vec<(usize, Result<ReadResponse, ProviderError>, Duration)> =
        futures_util::stream::iter(reads.into_iter().map(|(i, known_ids)| {
            let read = provider.read(ReadRequest {
                kind: all_kinds[i],
                stack,
                known_ids,
                full: false,
                ids_only: options.per_resource,
                share: &share,
            });
            async move {
                let start = Instant::now();
                let result = read.await;
                (i, result, start.elapsed())
            }
        }))
        .buffered(options.parallelism.max(1))
        .collect()
        .await;
    let mut by_kind: Vec<Vec<LiveResource>> = vec![Vec::new(); all_kinds.len()];
    let mut read_times = Vec::with_capacity(results.len());
    for (i, result, took) in results {
        by_kind[i].extend(result?.resources);
        read_times.push((all_kinds[i].name, took));
    }
    let mut live = Live {
        read_times,
        ..Live::default()
    };
    // Ids are unique within a kind, not across kinds (a cache subnet group
    // and a DB subnet group may share a name).
    let by_id: IndexMap<(&str, &str), &ResourceAddr> = state
        .resources
        .values()
        .filter(|r| !r.id.is_empty())
        .map(|r| ((r.addr.kind.as_str(), r.id.as_str()), &r.addr))
        .collect();
    for (kind, mut found) in all_kinds.iter().zip(by_kind) {
        // Prefer the resource the state knows when two claim one address.
        found.sort_by_key(|r| !by_id.contains_key(&(kind.name, r.id.as_str())));
        let mut seen = HashSet::new();
        for r in found {
            if !seen.insert(r.id.clone()) {
                continue;
            }
            let addr = match (&r.addr, by_id.get(&(kind.name, r.id.as_str()))) {
                (_, Some(a)) => (*a).clone(),
                // Found by its tags alone: this stack's only if the state
                // holds the intent of an interrupted create at its address.
                (Some(a), None) if a.kind == kind.name => {
                    if state.resources.get(a).is_some_and(|rec| rec.pending) {
                        a.clone()
                    } else {
                        live.unrecorded.push((a.clone(), r));
                        continue;
                    }
                }
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
    for r in state.resources.values() {
        if r.deleting && !r.id.is_empty() && !live.resources.contains_key(&r.addr) {
            live.unfinished.push(r.addr.clone());
            live.resources.insert(
                r.addr.clone(),
                LiveResource {
                    addr: Some(r.addr.clone()),
                    stack: Some(stack.to_string()),
                    id: r.id.clone(),
                    attrs: r.attrs.clone(),
                    computed: r.computed.clone(),
                },
            );
        }
    }
    Ok(live)
}
