//! Resources a template repeats once per AZ or index (`SubnetA`,
//! `SubnetB`, `SubnetC`; `PublicSubnet1`, `PublicSubnet2`) written as one
//! block with `for_each`, where their settings allow: what differs between
//! them is literal (a CIDR, an AZ, a tag), or a reference to a block
//! repeated with the same keys (`subnet.app[each.key].id`).

use std::collections::{HashMap, HashSet};

use super::{Adopted, Line, References, body, key, quote};

/// Give the resources that repeat one name and a key each, and put each
/// group's members together where the first of them was. Resources with
/// secrets, and groups whose members differ in ways `for_each` cannot say,
/// stay blocks of their own.
pub fn fold(adopted: &mut Vec<Adopted>) {
    let alone: Vec<String> = adopted.iter().map(|a| a.name.clone()).collect();
    // Candidates: same kind, same nested stack, same stem.
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut by_stem: HashMap<(String, Option<String>, String), usize> = HashMap::new();
    for (i, a) in adopted.iter().enumerate() {
        let (section, own) = match a.logical_id.rsplit_once('.') {
            Some((s, own)) => (Some(s.to_string()), own),
            None => (None, a.logical_id.as_str()),
        };
        let Some((stem, _)) = split_suffix(own) else {
            continue;
        };
        let entry = (a.kind.name.to_string(), section, stem.to_string());
        let g = *by_stem.entry(entry).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[g].push(i);
    }
    groups.retain(|g| g.len() > 1);
    // A group takes its stem's name, unless another block of its kind has
    // it already.
    let taken: HashSet<(&str, String)> = adopted
        .iter()
        .map(|a| (a.kind.name, a.name.clone()))
        .collect();
    let mut chosen: Vec<(Vec<usize>, String)> = Vec::new();
    for g in groups {
        let first = &adopted[g[0]];
        let (section, own) = match first.logical_id.rsplit_once('.') {
            Some((s, own)) => (format!("{s}."), own),
            None => (String::new(), first.logical_id.as_str()),
        };
        let Some((stem, _)) = split_suffix(own) else {
            continue;
        };
        let name = super::block_name(&format!("{section}{stem}"), first.kind.name);
        let clash = taken.contains(&(first.kind.name, name.clone()))
            && !g.iter().any(|&i| adopted[i].name == name);
        let chosen_already = chosen
            .iter()
            .any(|(cg, n)| *n == name && adopted[cg[0]].kind.name == first.kind.name);
        if clash || chosen_already {
            continue;
        }
        chosen.push((g, name));
    }
    for (g, name) in &chosen {
        for &i in g {
            let own = adopted[i]
                .logical_id
                .rsplit('.')
                .next()
                .unwrap_or_default()
                .to_string();
            adopted[i].name = name.clone();
            adopted[i].key = split_suffix(&own).map(|(_, k)| k.to_ascii_lowercase());
        }
    }
    // A group whose members cannot be merged goes back to blocks of its
    // own; that may undo a merge that referred to it, so again until
    // nothing changes.
    let mut live: Vec<bool> = vec![true; chosen.len()];
    loop {
        let refs = References::new(adopted);
        let mut undone = false;
        for (n, (g, _)) in chosen.iter().enumerate() {
            if !live[n] {
                continue;
            }
            let members: Vec<&Adopted> = g.iter().map(|&i| &adopted[i]).collect();
            if merge(&members, &refs).is_none() {
                live[n] = false;
                undone = true;
            }
        }
        if !undone {
            break;
        }
        for (n, (g, _)) in chosen.iter().enumerate() {
            if !live[n] {
                for &i in g {
                    adopted[i].name.clone_from(&alone[i]);
                    adopted[i].key = None;
                }
            }
        }
    }
    // Members together, where the first was.
    let mut order: Vec<usize> = Vec::with_capacity(adopted.len());
    let mut placed = vec![false; adopted.len()];
    for i in 0..adopted.len() {
        if placed[i] {
            continue;
        }
        match chosen
            .iter()
            .enumerate()
            .find(|(n, (g, _))| live[*n] && g.contains(&i))
        {
            Some((_, (g, _))) => {
                for &j in g {
                    placed[j] = true;
                    order.push(j);
                }
            }
            None => {
                placed[i] = true;
                order.push(i);
            }
        }
    }
    let mut slots: Vec<Option<Adopted>> = std::mem::take(adopted).into_iter().map(Some).collect();
    adopted.extend(order.into_iter().filter_map(|i| slots[i].take()));
}

/// A logical id's stem and its index: trailing digits (`PublicSubnet1`),
/// or one capital letter after a lower-case letter or a digit (`SubnetA`).
fn split_suffix(own: &str) -> Option<(&str, &str)> {
    let digits = own.len() - own.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    if digits > 0 {
        let stem = &own[..own.len() - digits];
        return (!stem.is_empty()).then(|| (stem, &own[own.len() - digits..]));
    }
    let mut rev = own.chars().rev();
    let last = rev.next()?;
    let before = rev.next()?;
    (last.is_ascii_uppercase() && (before.is_ascii_lowercase() || before.is_ascii_digit()))
        .then(|| own.split_at(own.len() - 1))
}

/// The block for `members` written once with `for_each`, if their settings
/// allow it.
pub(super) fn merged(members: &[Adopted], refs: &References) -> Option<String> {
    let members: Vec<&Adopted> = members.iter().collect();
    merge(&members, refs)
}

fn merge(members: &[&Adopted], refs: &References) -> Option<String> {
    let first = members.first()?;
    let keys: Vec<&str> = members
        .iter()
        .map(|m| m.key.as_deref())
        .collect::<Option<Vec<_>>>()?;
    let mut bodies: Vec<Vec<Line>> = Vec::new();
    for m in members {
        let (lines, secrets) = body(m, refs);
        // Each secret is a param of its own resource's.
        if !secrets.is_empty() {
            return None;
        }
        bodies.push(lines);
    }
    // The same settings, in the same order.
    let shape = |b: &Vec<Line>| b.iter().map(|l| (l.name, l.nested)).collect::<Vec<_>>();
    if bodies.iter().any(|b| shape(b) != shape(&bodies[0])) {
        return None;
    }
    let mut common: Vec<String> = Vec::new();
    let mut varying: Vec<(&'static str, Vec<String>)> = Vec::new();
    for (n, line) in bodies[0].iter().enumerate() {
        let values: Vec<&String> = bodies.iter().map(|b| &b[n].value).collect();
        if values.iter().all(|v| *v == values[0]) {
            common.push(line.text());
            continue;
        }
        if line.nested {
            return None;
        }
        // A reference to a block repeated with the same keys.
        let by_key: Vec<String> = values
            .iter()
            .zip(&keys)
            .map(|(v, k)| v.replace(&format!("[{}]", quote(k)), "[each.key]"))
            .collect();
        if by_key[0].contains("[each.key]") && by_key.iter().all(|v| *v == by_key[0]) {
            common.push(format!("  {} = {}\n", line.name, by_key[0]));
            continue;
        }
        // Otherwise only a value written out, not one naming a resource.
        if !literal(&bodies, n, members) {
            return None;
        }
        common.push(String::new());
        varying.push((line.name, values.into_iter().cloned().collect()));
    }
    let each = |name: &str| {
        if varying.len() == 1 {
            "each.value".to_string()
        } else {
            format!("each.value.{name}")
        }
    };
    let mut out = format!(
        "# {}\n{} {} {{\n",
        members
            .iter()
            .map(|m| m.logical_id.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        first.kind.name,
        first.name
    );
    if varying.is_empty() {
        let list: Vec<String> = keys.iter().map(|k| quote(k)).collect();
        out.push_str(&format!("  for_each = [{}]\n", list.join(", ")));
    } else {
        out.push_str("  for_each = {\n");
        for (m, k) in keys.iter().enumerate() {
            if varying.len() == 1 {
                out.push_str(&format!("    {} = {}\n", key(k), varying[0].1[m]));
            } else {
                out.push_str(&format!("    {} = {{\n", key(k)));
                for (name, values) in &varying {
                    out.push_str(&format!("      {name} = {}\n", values[m]));
                }
                out.push_str("    }\n");
            }
        }
        out.push_str("  }\n");
    }
    let mut next = varying.iter();
    for text in common {
        if text.is_empty() {
            if let Some((name, _)) = next.next() {
                out.push_str(&format!("  {name} = {}\n", each(name)));
            }
        } else {
            out.push_str(&text);
        }
    }
    out.push_str("}\n");
    Some(out)
}

/// Whether entry `n` of every body is written out rather than a reference
/// (a `for_each` value must be known when the file is loaded).
fn literal(bodies: &[Vec<Line>], n: usize, members: &[&Adopted]) -> bool {
    let plain = References {
        by_value: HashMap::new(),
    };
    bodies.iter().zip(members).all(|(b, m)| {
        let line = &b[n];
        let value = m.live.attrs.get(line.name);
        value.is_some_and(|v| plain.render(v, line.name, m) == line.value)
            && !line.value.starts_with("param.")
    })
}

#[cfg(test)]
mod tests {
    use super::fold;
    use super::split_suffix;
    use crate::import::tests::live;
    use crate::import::{Adopted, block_name, render};
    use crate::value::Value;

    fn adopted(logical: &str, kind: &str, id: &str, attrs: &[(&str, Value)]) -> Adopted {
        let mut a = Adopted::new(
            logical.into(),
            crate::kinds::schema(kind).unwrap(),
            live(id, attrs, &[("id", id)]),
        );
        a.name = block_name(logical, kind);
        a
    }

    fn subnet(logical: &str, vpc: &str, cidr: &str, az: &str) -> Adopted {
        adopted(
            logical,
            "subnet",
            &format!("subnet-{}", logical.to_lowercase()),
            &[
                ("vpc_id", Value::str(vpc)),
                ("cidr_block", Value::str(cidr)),
                ("availability_zone", Value::str(az)),
            ],
        )
    }

    /// Subnets that differ by CIDR and AZ become one block; two that sit
    /// in different VPCs (a reference differing) stay two, and what
    /// refers to them names their keys.
    #[test]
    fn resources_repeated_per_az_become_one_block_where_only_literals_differ() {
        let mut all = vec![
            adopted(
                "Vpc",
                "vpc",
                "vpc-1",
                &[("cidr_block", Value::str("10.0.0.0/16"))],
            ),
            adopted(
                "Other",
                "vpc",
                "vpc-2",
                &[("cidr_block", Value::str("10.1.0.0/16"))],
            ),
            subnet("AppSubnet1", "vpc-1", "10.0.1.0/24", "eu-west-2a"),
            subnet("DataSubnetA", "vpc-1", "10.0.9.0/24", "eu-west-2a"),
            subnet("AppSubnet2", "vpc-1", "10.0.2.0/24", "eu-west-2b"),
            subnet("DataSubnetB", "vpc-2", "10.1.9.0/24", "eu-west-2b"),
        ];
        fold(&mut all);
        let names: Vec<String> = all.iter().map(|a| a.addr().to_string()).collect();
        assert_eq!(
            names,
            [
                "vpc.main",
                "vpc.other",
                "subnet.app[\"1\"]",
                "subnet.app[\"2\"]",
                "subnet.data_subnet_a",
                "subnet.data_subnet_b",
            ]
        );
        let text = render("legacy", "arn:x", &all, &[], &[], &[]);
        assert!(text.contains("# AppSubnet1, AppSubnet2\nsubnet app {\n  for_each = {\n    \"1\" = {\n      cidr_block = \"10.0.1.0/24\""), "{text}");
        assert!(text.contains("  vpc_id = vpc.main.id\n  cidr_block = each.value.cidr_block\n  availability_zone = each.value.availability_zone\n}"), "{text}");
        assert!(
            text.contains("subnet data_subnet_b {\n  vpc_id = vpc.other.id"),
            "{text}"
        );
        let mut sources = crate::diagnostics::SourceMap::new();
        let id = sources.add("t.moodle", None, text.clone());
        let (config, diags) =
            crate::lang::load_source(&mut sources, id, "t", &[], crate::kinds::schemas());
        assert!(diags.iter().all(|d| !d.is_error()), "{diags:?}\n{text}");
        assert!(config.resources.contains_key(&all[3].addr()), "{text}");
    }

    #[test]
    fn an_index_or_an_az_letter_ends_a_repeated_logical_id() {
        assert_eq!(split_suffix("PublicSubnet1"), Some(("PublicSubnet", "1")));
        assert_eq!(split_suffix("SubnetA"), Some(("Subnet", "A")));
        assert_eq!(split_suffix("AppSubnet2B"), Some(("AppSubnet2", "B")));
        assert_eq!(split_suffix("WebALB"), None);
        assert_eq!(split_suffix("Vpc"), None);
        assert_eq!(split_suffix("42"), None);
    }
}
