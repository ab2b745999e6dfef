//! An in-memory provider for tests: serves a fixed set of live resources
//! and records the operations applied to it.

use std::sync::Mutex;

use indexmap::IndexMap;

use super::*;

#[derive(Default)]
pub struct MockProvider {
    resources: Mutex<Vec<(String, LiveResource)>>,
    pub calls: Mutex<Vec<String>>,
    /// Addresses whose apply fails.
    fail: Vec<ResourceAddr>,
    /// How long each apply takes.
    delay: std::time::Duration,
    gate: Option<std::sync::Arc<tokio::sync::Notify>>,
    in_flight: std::sync::atomic::AtomicUsize,
    /// The most applies that ran at once.
    pub max_in_flight: std::sync::atomic::AtomicUsize,
    next_id: Mutex<u32>,
}

impl MockProvider {
    /// Build from a JSON object `{ "KIND.NAME": { "id": ..., "attrs": {...},
    /// "computed": {...} } }`.
    ///
    /// # Errors
    /// Malformed JSON or addresses.
    pub fn from_json(json: &str) -> Result<MockProvider, String> {
        let v: serde_json::Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
        let obj = v.as_object().ok_or("live.json must be an object")?;
        let mut resources = Vec::new();
        for (addr, r) in obj {
            let addr = ResourceAddr::parse(addr).ok_or(format!("bad address {addr}"))?;
            let get = |k: &str| Value::from_json(r.get(k).unwrap_or(&serde_json::Value::Null));
            let to_map = |v: Value| match v {
                Value::Map(m) => m,
                _ => IndexMap::new(),
            };
            let id = r
                .get("id")
                .and_then(|v| v.as_str())
                .ok_or(format!("{addr}: missing id"))?
                .to_string();
            let mut computed = to_map(get("computed"));
            computed.insert("id".into(), Value::str(&id));
            resources.push((
                addr.kind.clone(),
                LiveResource {
                    addr: Some(addr),
                    stack: None,
                    id,
                    attrs: to_map(get("attrs")),
                    computed,
                },
            ));
        }
        Ok(MockProvider {
            resources: Mutex::new(resources),
            ..MockProvider::default()
        })
    }

    /// Make every apply of `addr` fail.
    pub fn failing(mut self, addr: ResourceAddr) -> MockProvider {
        self.fail.push(addr);
        self
    }

    /// Make every apply take `delay`.
    pub fn with_delay(mut self, delay: std::time::Duration) -> MockProvider {
        self.delay = delay;
        self
    }

    /// Make every apply wait until `gate` is notified.
    pub fn gated(mut self, gate: std::sync::Arc<tokio::sync::Notify>) -> MockProvider {
        self.gate = Some(gate);
        self
    }

    pub fn live(&self) -> Vec<LiveResource> {
        self.resources
            .lock()
            .map(|r| r.iter().map(|(_, l)| l.clone()).collect())
            .unwrap_or_default()
    }
}

#[async_trait::async_trait]
impl Provider for MockProvider {
    async fn read(&self, req: ReadRequest<'_>) -> Result<ReadResponse, ProviderError> {
        if let Ok(mut calls) = self.calls.lock() {
            calls.push(format!("read {}", req.kind.name));
        }
        let resources = self
            .resources
            .lock()
            .map_err(|_| ProviderError::new("mock", "read", "poisoned"))?
            .iter()
            .filter(|(k, l)| k == req.kind.name && (!req.ids_only || req.known_ids.contains(&l.id)))
            .map(|(_, l)| l.clone())
            .collect();
        Ok(ReadResponse { resources })
    }

    async fn apply(&self, req: ApplyRequest<'_>) -> Result<ApplyResponse, ProviderError> {
        if let Ok(mut calls) = self.calls.lock() {
            calls.push(format!("{} {}", req.op.verb(), req.addr));
        }
        use std::sync::atomic::Ordering;
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_in_flight.fetch_max(now, Ordering::SeqCst);
        if !self.delay.is_zero() {
            tokio::time::sleep(self.delay).await;
        }
        if let Some(gate) = &self.gate {
            gate.notified().await;
        }
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        if self.fail.contains(req.addr) {
            return Err(
                ProviderError::new("mock", req.op.verb(), "injected failure").for_addr(req.addr),
            );
        }
        let mut store = self
            .resources
            .lock()
            .map_err(|_| ProviderError::new("mock", "apply", "poisoned"))?;
        match req.op {
            Operation::Create { attrs } => {
                let id = {
                    let mut n = self
                        .next_id
                        .lock()
                        .map_err(|_| ProviderError::new("mock", "apply", "poisoned"))?;
                    *n += 1;
                    format!("{}-{:04}", req.kind.name, *n)
                };
                let mut computed = IndexMap::new();
                computed.insert("id".to_string(), Value::str(&id));
                let live = LiveResource {
                    addr: Some(req.addr.clone()),
                    stack: Some(req.stack.to_string()),
                    id,
                    attrs,
                    computed,
                };
                store.push((req.kind.name.to_string(), live.clone()));
                Ok(ApplyResponse { live: Some(live) })
            }
            Operation::Update { prior, attrs } => {
                let mut live = prior.clone();
                live.attrs = attrs;
                for (_, l) in store.iter_mut() {
                    if l.id == prior.id {
                        *l = live.clone();
                    }
                }
                Ok(ApplyResponse { live: Some(live) })
            }
            Operation::Delete { prior } => {
                store.retain(|(_, l)| l.id != prior.id);
                Ok(ApplyResponse { live: None })
            }
        }
    }
}
