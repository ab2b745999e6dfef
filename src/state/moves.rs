//! Renaming resources in state: `mdl state mv`, and the plan's `moved`
//! blocks.

use super::State;
use crate::addr::ResourceAddr;

pub type Moves = Vec<(ResourceAddr, ResourceAddr)>;

/// The renames `mv FROM TO` stands for, or why it cannot be done.
pub fn plan(state: &State, from: &str, to: &str) -> Result<Moves, (String, String)> {
    let mut moves = Vec::new();
    match (ResourceAddr::parse(from), ResourceAddr::parse(to)) {
        (Some(f), Some(t)) => {
            if !state.resources.contains_key(&f) {
                return Err((
                    format!("state has no `{from}`"),
                    "`mdl state list` shows the addresses".to_string(),
                ));
            }
            if f.kind != t.kind {
                return Err((
                    format!("`{from}` is a {}, `{to}` a {}", f.kind, t.kind),
                    "a resource keeps its kind; only its name, key and module change".to_string(),
                ));
            }
            moves.push((f, t));
        }
        _ if from.starts_with("module.") && to.starts_with("module.") => {
            for addr in state.resources.keys() {
                let text = addr.to_string();
                let Some(rest) = text.strip_prefix(from).filter(|r| r.starts_with('.')) else {
                    continue;
                };
                let Some(new) = ResourceAddr::parse(&format!("{to}{rest}")) else {
                    return Err((
                        format!("`{to}` is not a module instance address"),
                        "write `module.NAME` or `module.NAME[\"key\"]`".to_string(),
                    ));
                };
                moves.push((addr.clone(), new));
            }
            if moves.is_empty() {
                return Err((
                    format!("state holds nothing in `{from}`"),
                    "`mdl state list` shows the addresses".to_string(),
                ));
            }
        }
        _ => {
            return Err((
                format!("cannot move `{from}` to `{to}`"),
                "give two resource addresses (vpc.main module.net.vpc.main) or two module instances (module.old module.new)".to_string(),
            ));
        }
    }
    for (_, new) in &moves {
        if state.resources.contains_key(new) && !moves.iter().any(|(old, _)| old == new) {
            return Err((
                format!("state already has `{new}`"),
                "move or remove that one first".to_string(),
            ));
        }
    }
    Ok(moves)
}

pub fn apply(state: &mut State, moves: &Moves) {
    let rename = |a: &ResourceAddr| {
        moves
            .iter()
            .find(|(old, _)| old == a)
            .map_or_else(|| a.clone(), |(_, new)| new.clone())
    };
    let records = std::mem::take(&mut state.resources);
    for (addr, mut r) in records {
        let new = rename(&addr);
        r.addr = new.clone();
        r.dependencies = r.dependencies.iter().map(&rename).collect();
        state.resources.insert(new, r);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::ResourceRecord;

    fn record(addr: &str, deps: &[&str]) -> ResourceRecord {
        ResourceRecord {
            addr: ResourceAddr::parse(addr).unwrap(),
            id: format!("id-{addr}"),
            attrs: Default::default(),
            computed: Default::default(),
            dependencies: deps
                .iter()
                .map(|d| ResourceAddr::parse(d).unwrap())
                .collect(),
            protected: false,
            adopted: false,
            pending: false,
            deleting: false,
        }
    }

    fn state(records: &[ResourceRecord]) -> State {
        let mut s = State::new("t");
        for r in records {
            s.resources.insert(r.addr.clone(), r.clone());
        }
        s
    }

    #[test]
    fn moving_into_a_module_renames_dependencies_too() {
        let mut s = state(&[record("vpc.main", &[]), record("subnet.app", &["vpc.main"])]);
        let moves = plan(&s, "vpc.main", "module.net.vpc.main").unwrap();
        apply(&mut s, &moves);
        let subnet = &s.resources[&ResourceAddr::parse("subnet.app").unwrap()];
        assert_eq!(subnet.dependencies[0].to_string(), "module.net.vpc.main");
        assert!(
            s.resources
                .contains_key(&ResourceAddr::parse("module.net.vpc.main").unwrap())
        );
    }

    #[test]
    fn a_module_instance_moves_whole_and_conflicts_are_refused() {
        let mut s = state(&[
            record("module.old.vpc.main", &[]),
            record("module.old.subnet.app[\"a\"]", &["module.old.vpc.main"]),
            record("vpc.other", &[]),
        ]);
        let moves = plan(&s, "module.old", "module.new[\"x\"]").unwrap();
        assert_eq!(moves.len(), 2);
        apply(&mut s, &moves);
        assert!(
            s.resources
                .contains_key(&ResourceAddr::parse("module.new[\"x\"].subnet.app[\"a\"]").unwrap())
        );
        assert!(plan(&s, "vpc.other", "module.new[\"x\"].vpc.main").is_err());
        assert!(plan(&s, "vpc.other", "subnet.other").is_err());
        assert!(plan(&s, "vpc.nope", "vpc.x").is_err());
    }
}
