//! The state model and its versioned file form.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::lang::ResourceAddr;
use crate::value::Value;

pub const STATE_VERSION: u32 = 1;

/// What mdl last applied for one resource.
#[derive(Clone, Debug, PartialEq)]
pub struct ResourceRecord {
    pub addr: ResourceAddr,
    pub id: String,
    /// Input attributes as last applied.
    pub attrs: IndexMap<String, Value>,
    /// Values AWS assigned (`id`, `public_ip`, ...).
    pub computed: IndexMap<String, Value>,
    /// Resources this one referenced when it was applied: destroy order.
    pub dependencies: Vec<ResourceAddr>,
    /// Whether deleting it needs an explicit opt-in, as last applied.
    pub protected: bool,
    /// Adopted by `mdl import` and not yet tagged `mdl:stack` and
    /// `mdl:address`: the next apply tags it.
    pub adopted: bool,
    /// An intent: its creation started and was not seen to finish (the
    /// apply was interrupted, or the call failed). `attrs` holds what was
    /// asked for; `id` is empty unless the kind's attributes determine it.
    /// The next refresh looks for it, by tags or by that id.
    pub pending: bool,
    /// Its deletion started and was not seen to finish. If it is gone from
    /// AWS when next read, the delete is run again all the same, so that
    /// what it holds besides itself (a NAT gateway's elastic IP) is freed.
    pub deleting: bool,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct State {
    pub stack: String,
    /// The AWS account the stack's resources are in: recorded by the first
    /// run that reads AWS, and a run with credentials of another account is
    /// refused.
    pub account_id: Option<String>,
    /// The region the stack's resources are in, recorded and checked the
    /// same way.
    pub region: Option<String>,
    /// Salts the digests of secret values (`schema::secret_digest`):
    /// random, made with the state. Empty in states written before salts,
    /// whose digests are unsalted.
    pub salt: String,
    /// Incremented on every write.
    pub serial: u64,
    pub resources: IndexMap<ResourceAddr, ResourceRecord>,
    pub outputs: IndexMap<String, Value>,
    /// What each lookup answered when the last plan that was applied read
    /// it: an apply evaluates with these, and a later plan shows what
    /// changed.
    pub lookups: IndexMap<ResourceAddr, IndexMap<String, Value>>,
}

impl State {
    /// A state from the text of its file, of this mdl's version.
    ///
    /// # Errors
    /// Not a state file, or one of another version.
    pub fn parse(text: &[u8]) -> Result<State, String> {
        let file: StateFile = serde_json::from_slice(text).map_err(|e| e.to_string())?;
        if file.version != STATE_VERSION {
            return Err(format!(
                "version {} is not supported (this mdl reads version {STATE_VERSION})",
                file.version
            ));
        }
        State::from_file(file)
    }

    pub fn new(stack: &str) -> State {
        State {
            stack: stack.to_string(),
            salt: new_salt(),
            ..State::default()
        }
    }

    /// The outputs as JSON, secret ones as "(sensitive)".
    pub fn outputs_json(&self) -> serde_json::Map<String, serde_json::Value> {
        map_to_json(&self.outputs)
    }

    pub fn to_file(&self) -> StateFile {
        StateFile {
            version: STATE_VERSION,
            note: STATE_NOTE.into(),
            stack: self.stack.clone(),
            account_id: self.account_id.clone(),
            region: self.region.clone(),
            salt: self.salt.clone(),
            serial: self.serial,
            resources: self
                .resources
                .values()
                .map(|r| ResourceEntry {
                    address: r.addr.to_string(),
                    id: r.id.clone(),
                    attributes: map_to_json(&r.attrs),
                    computed: map_to_json(&r.computed),
                    dependencies: r.dependencies.iter().map(ToString::to_string).collect(),
                    protected: r.protected,
                    adopted: r.adopted,
                    pending: r.pending,
                    deleting: r.deleting,
                })
                .collect(),
            outputs: self.outputs_json(),
            lookups: self
                .lookups
                .iter()
                .map(|(a, answer)| {
                    (
                        a.to_string(),
                        serde_json::Value::Object(map_to_json(answer)),
                    )
                })
                .collect(),
        }
    }

    /// # Errors
    /// A resource address that does not have the `KIND.NAME` shape.
    pub fn from_file(file: StateFile) -> Result<State, String> {
        let mut resources = IndexMap::new();
        for r in file.resources {
            let addr = ResourceAddr::parse(&r.address)
                .ok_or_else(|| format!("bad resource address `{}` in state", r.address))?;
            let dependencies = r
                .dependencies
                .iter()
                .map(|d| {
                    ResourceAddr::parse(d)
                        .ok_or_else(|| format!("bad dependency address `{d}` in state"))
                })
                .collect::<Result<_, _>>()?;
            let mut attrs = map_from_json(&r.attributes);
            upgrade_digests(&addr, &mut attrs);
            resources.insert(
                addr.clone(),
                ResourceRecord {
                    addr,
                    id: r.id,
                    attrs,
                    computed: map_from_json(&r.computed),
                    dependencies,
                    protected: r.protected,
                    adopted: r.adopted,
                    pending: r.pending,
                    deleting: r.deleting,
                },
            );
        }
        let mut lookups = IndexMap::new();
        for (address, answer) in &file.lookups {
            let addr = ResourceAddr::parse(address)
                .ok_or_else(|| format!("bad lookup address `{address}` in state"))?;
            let answer = answer.as_object().ok_or_else(|| {
                format!("the answer of lookup `{address}` in state is not an object")
            })?;
            lookups.insert(addr, map_from_json(answer));
        }
        Ok(State {
            lookups,
            stack: file.stack,
            account_id: file.account_id,
            region: file.region,
            salt: file.salt,
            serial: file.serial,
            resources,
            // A secret output is written as "(sensitive)", and read back
            // as the marker it stands for.
            outputs: map_from_json(&file.outputs)
                .into_iter()
                .map(|(k, v)| match v {
                    Value::String(s) if s == "(sensitive)" => (k, Value::Sensitive),
                    v => (k, v),
                })
                .collect(),
        })
    }
}

/// A salt for a new state: 128 random bits, in hex.
fn new_salt() -> String {
    let bits: u128 = rand::random();
    format!("{bits:032x}")
}

/// Secrets as states before digest maps kept them (a `sha256:` string)
/// become digest maps; the digest itself is unchanged (unsalted).
fn upgrade_digests(addr: &ResourceAddr, attrs: &mut IndexMap<String, Value>) {
    let Some(kind) = crate::kinds::schema(&addr.kind) else {
        return;
    };
    let secret: Vec<String> = attrs
        .keys()
        .filter(|k| kind.is_sensitive(k, attrs))
        .cloned()
        .collect();
    for name in secret {
        if let Some(v) = attrs.get_mut(&name)
            && let Value::String(s) = v
            && s.starts_with("sha256:")
            && s.len() == "sha256:".len() + 64
        {
            let mut m = IndexMap::with_capacity(1);
            m.insert(
                crate::schema::DIGEST_KEY.to_string(),
                Value::String(s.clone()),
            );
            *v = Value::Map(m);
        }
    }
}

fn map_to_json(m: &IndexMap<String, Value>) -> serde_json::Map<String, serde_json::Value> {
    m.iter().map(|(k, v)| (k.clone(), v.to_json())).collect()
}

fn map_from_json(m: &serde_json::Map<String, serde_json::Value>) -> IndexMap<String, Value> {
    m.iter()
        .map(|(k, v)| (k.clone(), Value::from_json(v)))
        .collect()
}

/// The state file as written to disk.
/// The note at the top of every state file.
pub const STATE_NOTE: &str = "Written by mdl, readable by its owner only (0600). Secret values are kept as salted sha256 digests, never in clear; ids, names and endpoints are in clear.";

#[derive(Serialize, Deserialize, Debug)]
pub struct StateFile {
    pub version: u32,
    /// What the file holds, for whoever opens it.
    #[serde(default)]
    pub note: String,
    pub stack: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub salt: String,
    pub serial: u64,
    pub resources: Vec<ResourceEntry>,
    #[serde(default)]
    pub outputs: serde_json::Map<String, serde_json::Value>,
    /// What each lookup answered, by address.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub lookups: serde_json::Map<String, serde_json::Value>,
}

#[derive(Serialize, Deserialize, Debug)]
pub struct ResourceEntry {
    pub address: String,
    pub id: String,
    pub attributes: serde_json::Map<String, serde_json::Value>,
    #[serde(default)]
    pub computed: serde_json::Map<String, serde_json::Value>,
    #[serde(default)]
    pub dependencies: Vec<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub protected: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub adopted: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub pending: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deleting: bool,
}

/// What the last apply recorded, as values references see: AWS-assigned
/// values first, then the attributes as applied; null counts as not known.
impl crate::lang::Computed for State {
    fn get(&self, addr: &ResourceAddr, attr: &str) -> Option<Value> {
        if let Some(answer) = self.lookups.get(addr) {
            return answer.get(attr).cloned().filter(|v| *v != Value::Null);
        }
        let r = self.resources.get(addr)?;
        r.computed
            .get(attr)
            .or_else(|| r.attrs.get(attr))
            .cloned()
            .filter(|v| *v != Value::Null)
    }
}
