//! `mdl import FILE --from-stack NAME`: read a CloudFormation stack, write
//! a `.moodle` file with a block for each of its resources, and adopt them
//! in state. The stack itself is left as it is.

use std::collections::{HashMap, HashSet};

use super::import::ImportArgs;
use super::{Ui, command_line_diag};
use crate::diagnostics::SourceMap;
use crate::engine::open;
use crate::import::{Adopted, Left, Mapping, StackArn};
use crate::provider::aws::{AwsProvider, Stack};
use crate::provider::{Provider, ReadRequest};
use crate::schema::KindSchema;
use crate::state::ResourceRecord;

pub fn run(ui: &Ui, args: &ImportArgs, stack_name: &str) -> u8 {
    let mut sources = SourceMap::new();
    let fail = |sources: &mut SourceMap, code: &'static str, message: String, help: String| {
        let d = command_line_diag(sources, code, message, "in this command", help);
        ui.report(&[d], sources);
        1u8
    };
    let report = |sources: &SourceMap, d| {
        ui.report(&[d], sources);
        1u8
    };
    let file = &args.file.file;
    if file.exists() {
        return fail(
            &mut sources,
            "import::file_exists",
            format!("{} exists already", file.display()),
            "--from-stack writes a new file; name one that does not exist".into(),
        );
    }
    let mdl_stack = args
        .file
        .stack
        .clone()
        .unwrap_or_else(|| crate::engine::identity::default_name(file));
    let conn = args.aws.connection();
    let rt = match open::runtime(&mut sources) {
        Ok(r) => r,
        Err(d) => return report(&sources, d),
    };
    let provider = match open::connect(&mut sources, &rt, &conn) {
        Ok(p) => p,
        Err(d) => return report(&sources, d),
    };
    let stack = match rt.block_on(with_nested(&provider, stack_name)) {
        Ok(s) => s,
        Err(e) => {
            return fail(
                &mut sources,
                "import::stack_unreadable",
                e.to_string(),
                "check the stack name and the region (`aws cloudformation describe-stacks`)".into(),
            );
        }
    };
    if stack.status.ends_with("_IN_PROGRESS") || stack.status.starts_with("DELETE_") {
        return fail(
            &mut sources,
            "import::stack_busy",
            format!("the stack `{stack_name}` is {}", stack.status),
            "import it once it is stable (CREATE_COMPLETE or UPDATE_COMPLETE)".into(),
        );
    }
    let Some(arn) = StackArn::parse(&stack.stack_id) else {
        return fail(
            &mut sources,
            "import::stack_unreadable",
            format!("the stack id `{}` is not a stack ARN", stack.stack_id),
            "this AWS endpoint does not answer like CloudFormation".into(),
        );
    };
    let store = match open::store(
        &mut sources,
        file,
        &mdl_stack,
        args.file.backend.as_deref(),
        &conn,
    ) {
        Ok(s) => s,
        Err(d) => return report(&sources, d),
    };
    let lock = match open::lock(
        &mut sources,
        &store,
        "import",
        conn.lock_timeout,
        super::signals::hold,
    ) {
        Ok(l) => l,
        Err(d) => return report(&sources, d),
    };
    let mut state = match open::state(
        &mut sources,
        &store,
        &mdl_stack,
        "restore or remove the state file first",
    ) {
        Ok(s) if s.resources.is_empty() => s,
        Ok(s) => {
            return fail(
                &mut sources,
                "import::state_not_empty",
                format!(
                    "the state of stack `{mdl_stack}` ({}) already holds {} resources",
                    store.describe(),
                    s.resources.len()
                ),
                "import into a new stack: pass --stack NAME, or name another file".into(),
            );
        }
        Err(d) => return report(&sources, d),
    };

    // The stack's ARN names the account and region its resources are in.
    state.account_id = Some(arn.account.clone());
    state.region = Some(arn.region.clone());
    let (mut adopted, mut folded, mut left) =
        match rt.block_on(read_stack(&provider, &stack, &arn, &mdl_stack)) {
            Ok(x) => x,
            Err(e) => {
                let d = open::stack_unread(&mut sources, &e);
                return report(&sources, d);
            }
        };
    if adopted.is_empty() {
        return fail(
            &mut sources,
            "import::nothing_to_import",
            format!(
                "no resource of the stack `{stack_name}` could be imported ({} in it)",
                stack.resources.len()
            ),
            left.iter()
                .map(|l| format!("{} ({}): {}", l.logical_id, l.resource_type, l.reason))
                .collect::<Vec<_>>()
                .join("; "),
        );
    }
    // The stack's own resources first, then each nested stack's together.
    adopted.sort_by_key(|a| {
        a.logical_id
            .split_once('.')
            .map(|(stack, _)| stack.to_string())
    });
    name_blocks(&mut adopted);
    crate::import::fold_repeated(&mut adopted);
    // The file as written, in the formatter's shape; one that does not
    // parse is a bug in the renderer.
    let written = |folded: &[Left], left: &[Left], unmanaged: &[crate::import::Unmanaged]| {
        canonical(&crate::import::render(
            stack_name,
            &stack.stack_id,
            &adopted,
            folded,
            left,
            unmanaged,
        ))
    };
    let bad_output = |sources: &mut SourceMap, message: String| {
        fail(
            sources,
            "import::bad_output",
            message,
            "nothing was written; this is a bug in mdl, please report it with the stack's template"
                .into(),
        )
    };
    let text = match written(&folded, &left, &[]) {
        Ok(t) => t,
        Err(message) => return bad_output(&mut sources, message),
    };
    // The file must validate as written: one that does not is not written,
    // and nothing is adopted.
    let secrets = crate::import::secret_params(&adopted);
    let config = match validates(file, &text, &secrets) {
        Ok(config) => config,
        Err((checked, mut diags)) => {
            let n = diags.len();
            diags.push(command_line_diag(
            &mut sources,
            "import::invalid_output",
            format!(
                "the file mdl would write for the stack `{stack_name}` does not validate ({n} error{}, above)",
                if n == 1 { "" } else { "s" }
            ),
            "in this command",
            "nothing was written and state is untouched; this is a fault in mdl's import, please report it with the stack's template".to_string(),
        ));
            ui.report(&diags[..n], &checked);
            ui.report(&diags[n..], &sources);
            return 1;
        }
    };
    // Every setting of the stack's template is in the file, or in its
    // header with its value: what the file exports to is compared with
    // the template.
    let (unmanaged, uncompared, exported_types) =
        settings_left(&stack, &config, file, &adopted, &folded);
    // A fold is claimed only where the file carries it: a part whose type
    // the file exports nothing of (an association AWS does not report) is
    // not imported, and said so.
    let mut unfolded = false;
    if uncompared.is_none() {
        let (carried, not): (Vec<Left>, Vec<Left>) = std::mem::take(&mut folded)
            .into_iter()
            .partition(|f| exported_types.contains(&f.resource_type));
        folded = carried;
        unfolded = !not.is_empty();
        left.extend(not.into_iter().map(|mut f| {
            f.reason = format!(
                "folded into another block by its type, but AWS reports nothing of it there ({})",
                f.reason
            );
            f
        }));
    }
    let text = if unmanaged.is_empty() && !unfolded {
        text
    } else {
        match written(&folded, &left, &unmanaged) {
            Ok(t) => t,
            Err(message) => return bad_output(&mut sources, message),
        }
    };
    if let Err(e) = std::fs::write(file, &text) {
        return fail(
            &mut sources,
            "import::write_failed",
            format!("cannot write {}: {e}", file.display()),
            "nothing was imported".into(),
        );
    }
    // The written file is loaded like any other: what it references is
    // what state records as dependencies. Secrets are params without a
    // value until the user passes them.
    let graph = if secrets.is_empty() || secrets.iter().all(|p| given(args, p)) {
        super::validate::load(ui, &args.file).ok().map(|l| l.graph)
    } else {
        None
    };
    for a in &adopted {
        let addr = a.addr();
        let mut attrs = a.live.attrs.clone();
        crate::schema::redact(a.kind, &mut attrs, &state.salt);
        state.resources.insert(
            addr.clone(),
            ResourceRecord {
                dependencies: graph
                    .as_ref()
                    .map(|g| g.dependencies(&addr))
                    .unwrap_or_default(),
                adopted: a.kind.taggable && a.live.addr.as_ref() != Some(&addr),
                addr,
                id: a.live.id.clone(),
                attrs,
                computed: a.live.computed.clone(),
                protected: a.kind.protected,
                pending: false,
                deleting: false,
            },
        );
    }
    state.serial += 1;
    if let Err(d) = open::save(
        &mut sources,
        &store,
        &state,
        &format!(
            "{} was written but nothing is adopted; remove it and run the import again",
            file.display()
        ),
    ) {
        return report(&sources, d);
    }
    drop(lock);
    left.sort_by(|a, b| a.logical_id.cmp(&b.logical_id));
    outln!(
        "Imported {} resources of the CloudFormation stack `{stack_name}` into {} (stack `{mdl_stack}`).",
        adopted.len(),
        file.display()
    );
    if !folded.is_empty() {
        outln!(
            "{} more are part of those blocks (routes, rules, attachments).",
            folded.len()
        );
    }
    match uncompared {
        Some(why) => outln!("The stack's settings were not compared with the file: {why}."),
        None if unmanaged.is_empty() => {
            outln!("Every setting of the stack's template is in the file.");
        }
        None => outln!(
            "{} settings of the stack's template are not managed by mdl: the file's header lists each, with its value and why.",
            unmanaged.len()
        ),
    }
    if !left.is_empty() {
        outln!("Not imported ({}):", left.len());
        for l in &left {
            outln!("  {} ({}): {}", l.logical_id, l.resource_type, l.reason);
        }
    }
    outln!(
        "\nRun `mdl plan {}`: it shows how the file differs from what is live (nothing, unless mdl reads a setting CloudFormation left out) and the mdl:stack and mdl:address tags the next apply adds.\nThe stack still owns these resources: set `DeletionPolicy: Retain` on each before deleting it.",
        file.display()
    );
    if !secrets.is_empty() {
        outln!(
            "Secrets are not read back from AWS: pass {} to plan and apply.",
            secrets
                .iter()
                .map(|p| format!("-p {p}=..."))
                .collect::<Vec<_>>()
                .join(" ")
        );
    } else if graph.is_none() {
        outln!(
            "The file does not load yet (see above); state records the resources without their dependencies until it does."
        );
    }
    0
}

/// The stack, with the resources of its nested stacks (and theirs) as its
/// own: each under the nested stack's logical id and a dot
/// (`Database.Cluster`), its template's entries merged under the same ids,
/// with the references inside renamed to match and the parameters the
/// parent passes put in. The nested stack resources themselves are left
/// out: their resources are imported instead.
async fn with_nested(
    provider: &AwsProvider,
    name: &str,
) -> Result<Stack, crate::provider::ProviderError> {
    let mut stack = provider.stack(name).await?;
    let mut template: Option<serde_json::Value> = stack
        .template
        .as_deref()
        .and_then(|t| serde_json::from_str(t).ok());
    let nested: Vec<crate::provider::aws::StackResource> = stack
        .resources
        .iter()
        .filter(|r| r.resource_type == "AWS::CloudFormation::Stack" && r.physical_id.is_some())
        .cloned()
        .collect();
    if nested.is_empty() {
        return Ok(stack);
    }
    stack
        .resources
        .retain(|r| !(r.resource_type == "AWS::CloudFormation::Stack" && r.physical_id.is_some()));
    for n in nested {
        let Some(physical) = &n.physical_id else {
            continue;
        };
        let child = Box::pin(with_nested(provider, physical)).await?;
        let prefix = format!("{}.", n.logical_id);
        let passed = template
            .as_ref()
            .and_then(|t| {
                t.get("Resources")?
                    .get(&n.logical_id)?
                    .get("Properties")?
                    .get("Parameters")
            })
            .cloned()
            .unwrap_or_default();
        let own: HashSet<String> = child
            .resources
            .iter()
            .map(|r| r.logical_id.clone())
            .collect();
        if let (Some(parent), Some(child_template)) = (
            template
                .as_mut()
                .and_then(|t| t.get_mut("Resources"))
                .and_then(serde_json::Value::as_object_mut),
            child
                .template
                .as_deref()
                .and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok()),
        ) {
            parent.remove(&n.logical_id);
            if let Some(resources) = child_template.get("Resources").and_then(|r| r.as_object()) {
                for (logical, body) in resources {
                    parent.insert(
                        format!("{prefix}{logical}"),
                        renamed(body.clone(), &prefix, &own, &passed),
                    );
                }
            }
        }
        stack
            .resources
            .extend(child.resources.into_iter().map(|mut r| {
                r.logical_id = format!("{prefix}{}", r.logical_id);
                r
            }));
    }
    stack.template = template.map(|t| t.to_string());
    Ok(stack)
}

/// A nested template's value with its references as the parent sees them:
/// `Ref` and `Fn::GetAtt` of its own resources under `prefix`, and `Ref`
/// of a parameter as the value the parent passes.
fn renamed(
    v: serde_json::Value,
    prefix: &str,
    own: &HashSet<String>,
    passed: &serde_json::Value,
) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        J::Object(m) => {
            if m.len() == 1
                && let Some(J::String(target)) = m.get("Ref")
            {
                if own.contains(target) {
                    return serde_json::json!({ "Ref": format!("{prefix}{target}") });
                }
                if let Some(value) = passed.get(target) {
                    return value.clone();
                }
            }
            if m.len() == 1
                && let Some(J::Array(parts)) = m.get("Fn::GetAtt")
                && let Some(J::String(target)) = parts.first()
                && own.contains(target)
            {
                let mut parts = parts.clone();
                parts[0] = J::String(format!("{prefix}{target}"));
                return serde_json::json!({ "Fn::GetAtt": parts });
            }
            J::Object(
                m.into_iter()
                    .map(|(k, v)| (k, renamed(v, prefix, own, passed)))
                    .collect(),
            )
        }
        J::Array(items) => J::Array(
            items
                .into_iter()
                .map(|v| renamed(v, prefix, own, passed))
                .collect(),
        ),
        other => other,
    }
}

/// Whether `-p NAME=...` was given.
fn given(args: &ImportArgs, name: &str) -> bool {
    args.file
        .params
        .iter()
        .any(|p| p.split_once('=').is_some_and(|(n, _)| n.trim() == name))
}

/// Read every resource of the stack that maps to a kind, one batched read
/// per kind. Returns the adopted resources (in documentation order of their
/// kinds, then stack order), the ones folded into other blocks and the ones
/// left out, each with the reason.
async fn read_stack(
    provider: &AwsProvider,
    stack: &Stack,
    arn: &StackArn,
    mdl_stack: &str,
) -> Result<(Vec<Adopted>, Vec<Left>, Vec<Left>), crate::provider::ProviderError> {
    let template: Option<serde_json::Value> = stack
        .template
        .as_deref()
        .and_then(|t| serde_json::from_str(t).ok());
    let properties = |logical: &str| {
        template
            .as_ref()
            .and_then(|t| t.get("Resources")?.get(logical)?.get("Properties"))
    };
    let physical: HashMap<&str, &str> = stack
        .resources
        .iter()
        .filter_map(|r| Some((r.logical_id.as_str(), r.physical_id.as_deref()?)))
        .collect();
    let physical_of = |logical: &str| physical.get(logical).map(ToString::to_string);
    let kinds_present: HashSet<&str> = stack
        .resources
        .iter()
        .filter_map(|r| match crate::import::mapping(&r.resource_type) {
            Mapping::Kind(k) => Some(k),
            _ => None,
        })
        .collect();

    let mut folded = Vec::new();
    let mut left = Vec::new();
    // kind → (logical id, mdl id)
    let mut wanted: Vec<(&'static KindSchema, Vec<(String, String)>)> = Vec::new();
    for r in &stack.resources {
        let leave = |reason: String| Left {
            logical_id: r.logical_id.clone(),
            resource_type: r.resource_type.clone(),
            reason,
        };
        let kind = match crate::import::mapping(&r.resource_type) {
            Mapping::Unsupported => {
                left.push(leave("mdl has no kind for it".into()));
                continue;
            }
            Mapping::Part { of, as_what } if kinds_present.contains(of) => {
                folded.push(leave(format!("{as_what} in the {of} block")));
                continue;
            }
            Mapping::Part { of, as_what } => {
                left.push(leave(format!(
                    "it is {as_what} of a {of} that is not in this stack"
                )));
                continue;
            }
            Mapping::Kind(k) => k,
        };
        let Some(schema) = crate::kinds::schema(kind) else {
            left.push(leave(format!("mdl has no kind `{kind}`")));
            continue;
        };
        let Some(physical_id) = &r.physical_id else {
            left.push(leave(format!("it has no physical id ({})", r.status)));
            continue;
        };
        match crate::import::mdl_id(
            kind,
            physical_id,
            arn,
            properties(&r.logical_id),
            &physical_of,
        ) {
            Ok(id) => match wanted.iter_mut().find(|(k, _)| k.name == kind) {
                Some((_, ids)) => ids.push((r.logical_id.clone(), id)),
                None => wanted.push((schema, vec![(r.logical_id.clone(), id)])),
            },
            Err(reason) => left.push(leave(reason)),
        }
    }
    let order = |k: &KindSchema| {
        crate::kinds::schemas()
            .all()
            .iter()
            .position(|x| x.name == k.name)
            .unwrap_or(usize::MAX)
    };
    wanted.sort_by_key(|(k, _)| order(k));
    let share = crate::provider::ReadShare::default();
    let reads = wanted.iter().map(|(kind, ids)| {
        provider.read(ReadRequest {
            kind,
            stack: mdl_stack,
            known_ids: ids.iter().map(|(_, id)| id.clone()).collect(),
            full: true,
            ids_only: false,
            share: &share,
        })
    });
    let results = futures_util::future::join_all(reads).await;
    let mut adopted = Vec::new();
    for ((kind, ids), result) in wanted.iter().zip(results) {
        let mut live = result?.resources;
        for (logical_id, id) in ids {
            let Some(pos) = live.iter().position(|l| &l.id == id) else {
                let resource_type = stack
                    .resources
                    .iter()
                    .find(|r| &r.logical_id == logical_id)
                    .map(|r| r.resource_type.clone())
                    .unwrap_or_default();
                left.push(Left {
                    logical_id: logical_id.clone(),
                    resource_type,
                    reason: format!("AWS has no {} with the id `{id}`", kind.name),
                });
                continue;
            };
            adopted.push(Adopted::new(
                logical_id.clone(),
                kind,
                live.swap_remove(pos),
            ));
        }
    }
    split_cyclic_rules(provider, &mut adopted, &mut folded, template.as_ref()).await?;
    Ok((adopted, folded, left))
}

/// Rules by which security groups of the stack name each other in a
/// cycle (the load balancer's egress to the web servers, theirs in from
/// it) become `security_group_rule` blocks: written into the groups, the
/// file's references would form a cycle and it could not be ordered.
/// Rules outside a cycle stay in their groups.
async fn split_cyclic_rules(
    provider: &AwsProvider,
    adopted: &mut Vec<Adopted>,
    folded: &mut Vec<Left>,
    template: Option<&serde_json::Value>,
) -> Result<(), crate::provider::ProviderError> {
    let peer = |entry: &crate::value::Value| -> Option<String> {
        entry
            .as_map()?
            .get("security_groups")?
            .as_list()?
            .first()?
            .as_str()
            .map(ToString::to_string)
    };
    let groups: HashMap<String, usize> = adopted
        .iter()
        .enumerate()
        .filter(|(_, a)| a.kind.name == "security_group")
        .map(|(i, a)| (a.live.id.clone(), i))
        .collect();
    let mut edges: HashMap<String, HashSet<String>> = HashMap::new();
    for (id, &i) in &groups {
        for direction in ["ingress", "egress"] {
            for entry in adopted[i]
                .live
                .attrs
                .get(direction)
                .and_then(crate::value::Value::as_list)
                .unwrap_or_default()
            {
                if let Some(h) = peer(entry).filter(|h| h != id && groups.contains_key(h)) {
                    edges.entry(id.clone()).or_default().insert(h);
                }
            }
        }
    }
    let reaches = |from: &str, to: &str| {
        let mut seen: HashSet<&str> = HashSet::new();
        let mut todo = vec![from];
        while let Some(g) = todo.pop() {
            if g == to {
                return true;
            }
            if seen.insert(g) {
                todo.extend(edges.get(g).into_iter().flatten().map(String::as_str));
            }
        }
        false
    };
    // (group, direction, entry index, peer) of each rule in a cycle.
    let mut moves: Vec<(String, &'static str, usize, String)> = Vec::new();
    for (id, &i) in &groups {
        for direction in ["ingress", "egress"] {
            let entries = adopted[i]
                .live
                .attrs
                .get(direction)
                .and_then(crate::value::Value::as_list)
                .unwrap_or_default();
            for (n, entry) in entries.iter().enumerate() {
                if let Some(h) = peer(entry).filter(|h| h != id && groups.contains_key(h))
                    && reaches(&h, id)
                {
                    moves.push((id.clone(), direction, n, h));
                }
            }
        }
    }
    if moves.is_empty() {
        return Ok(());
    }
    let mut of_groups: Vec<String> = moves.iter().map(|(g, ..)| g.clone()).collect();
    of_groups.sort();
    of_groups.dedup();
    let rules =
        crate::kinds::security_group_rule::aws::rules_of(provider.client(), of_groups).await?;
    let rule_kind = crate::kinds::schema("security_group_rule")
        .expect("security_group_rule is a registered kind");
    // Later entries first, so that each index still names its entry.
    moves.sort_by_key(|m| std::cmp::Reverse(m.2));
    let mut split = Vec::new();
    for (group, direction, n, h) in moves {
        let i = groups[&group];
        let entry = adopted[i]
            .live
            .attrs
            .get(direction)
            .and_then(crate::value::Value::as_list)
            .and_then(|l| l.get(n).cloned());
        let Some(entry) = entry else { continue };
        let Some(rule) = rules.iter().find(|r| {
            r.attrs
                .get("security_group_id")
                .and_then(crate::value::Value::as_str)
                == Some(group.as_str())
                && r.attrs
                    .get("direction")
                    .and_then(crate::value::Value::as_str)
                    == Some(direction)
                && crate::kinds::security_group_rule::aws::is_entry(r, &entry)
        }) else {
            // Not found: the rule stays in its group, and the check of the
            // written file names the cycle.
            continue;
        };
        if let Some(crate::value::Value::List(list)) = adopted[i].live.attrs.get_mut(direction) {
            list.remove(n);
        }
        // The stack's own resource for the rule, when it has one (a
        // standalone SecurityGroupIngress or Egress): the block takes its
        // logical id, and it is no longer reported as folded.
        let (own, peer_logical) = (&adopted[i], &adopted[groups[&h]]);
        let standalone = folded
            .iter()
            .position(|l| standalone_rule_is(l, template, direction, own, peer_logical, &entry));
        let logical = match standalone {
            Some(at) => folded.remove(at).logical_id,
            None => format!(
                "{}{}{}",
                own.logical_id,
                if direction == "egress" {
                    "EgressTo"
                } else {
                    "IngressFrom"
                },
                peer_logical.logical_id
            ),
        };
        split.push(Adopted::new(logical, rule_kind, rule.clone()));
    }
    adopted.extend(split);
    Ok(())
}

/// Whether the folded stack resource `l` is the group `own`'s rule
/// `entry` with the group `peer`: a standalone SecurityGroupIngress or
/// Egress whose template names both groups (by `Ref` or id) and the ports.
fn standalone_rule_is(
    l: &Left,
    template: Option<&serde_json::Value>,
    direction: &str,
    own: &Adopted,
    peer: &Adopted,
    entry: &crate::value::Value,
) -> bool {
    let (ty, peer_key) = if direction == "egress" {
        (
            "AWS::EC2::SecurityGroupEgress",
            "DestinationSecurityGroupId",
        )
    } else {
        ("AWS::EC2::SecurityGroupIngress", "SourceSecurityGroupId")
    };
    if l.resource_type != ty {
        return false;
    }
    let Some(props) =
        template.and_then(|t| t.get("Resources")?.get(&l.logical_id)?.get("Properties"))
    else {
        return false;
    };
    let names = |key: &str, a: &Adopted| match props.get(key) {
        Some(serde_json::Value::String(id)) => *id == a.live.id,
        Some(v) => v.get("Ref").and_then(serde_json::Value::as_str) == Some(&a.logical_id),
        None => false,
    };
    let port = |key: &str| {
        props.get(key).and_then(|v| {
            v.as_f64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        })
    };
    let entry_port = |key: &str| {
        entry
            .as_map()
            .and_then(|m| m.get(key))
            .and_then(crate::value::Value::as_f64)
    };
    names("GroupId", own)
        && names(peer_key, peer)
        && port("FromPort") == entry_port("from_port")
        && port("ToPort") == entry_port("to_port")
}

/// Give each block its name from its logical id, unique within its kind.
fn name_blocks(adopted: &mut [Adopted]) {
    let mut taken: HashSet<(String, String)> = HashSet::new();
    for a in adopted.iter_mut() {
        let base = crate::import::block_name(&a.logical_id, a.kind.name);
        let mut name = base.clone();
        let mut n = 2;
        while !taken.insert((a.kind.name.to_string(), name.clone())) {
            name = format!("{base}_{n}");
            n += 1;
        }
        a.name = name;
    }
}

/// The settings of the stack's template the file does not carry; or why
/// they could not be compared.
fn settings_left(
    stack: &Stack,
    config: &crate::lang::Config,
    file: &std::path::Path,
    adopted: &[Adopted],
    folded: &[Left],
) -> (
    Vec<crate::import::Unmanaged>,
    Option<String>,
    HashSet<String>,
) {
    let Some(template) = stack
        .template
        .as_deref()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok())
    else {
        return (
            Vec::new(),
            Some("the stack's template is not JSON (YAML is not read yet)".into()),
            HashSet::new(),
        );
    };
    let exported = match crate::export::cloudformation(config, &file.display().to_string()) {
        Ok(t) => t,
        Err(refused) => {
            return (
                Vec::new(),
                Some(format!(
                    "mdl cannot export {} of its blocks to compare with",
                    refused.len()
                )),
                HashSet::new(),
            );
        }
    };
    let blocks: Vec<(String, String)> = adopted
        .iter()
        .map(|a| (a.logical_id.clone(), crate::export::logical_id(&a.addr())))
        .collect();
    let types: HashSet<String> = exported
        .get("Resources")
        .and_then(serde_json::Value::as_object)
        .into_iter()
        .flat_map(|r| r.values())
        .filter_map(|r| r.get("Type").and_then(serde_json::Value::as_str))
        .map(ToString::to_string)
        .collect();
    (
        crate::import::unmanaged(&template, &exported, &blocks, folded),
        None,
        types,
    )
}

/// Whether the text validates as `file` would: loaded, checked and
/// graphed, with a stand-in for each secret param (their values are not
/// read back from AWS). The errors otherwise, with their sources.
fn validates(
    file: &std::path::Path,
    text: &str,
    secrets: &[String],
) -> Result<crate::lang::Config, (SourceMap, Vec<crate::diagnostics::Diagnostic>)> {
    let mut sources = SourceMap::new();
    let name = file.display().to_string();
    let id = sources.add(name, None, text.to_string());
    let params: Vec<crate::lang::ParamValue> = secrets
        .iter()
        .map(|p| {
            crate::lang::ParamValue::text(
                p.clone(),
                "stand-in-secret-value",
                crate::diagnostics::Span::default(),
            )
        })
        .collect();
    let (config, mut diags) =
        crate::lang::load_source(&mut sources, id, "import", &params, crate::kinds::schemas());
    diags.extend(crate::check::check(&config));
    diags.extend(crate::graph::Graph::build(&config).cycles());
    let mut diags = crate::check::one_report(&config, diags);
    diags.retain(crate::diagnostics::Diagnostic::is_error);
    if diags.is_empty() {
        Ok(config)
    } else {
        Err((sources, diags))
    }
}

/// The text in the formatter's canonical shape; an error when it does not
/// parse, which would be a bug in the renderer.
fn canonical(text: &str) -> Result<String, String> {
    let mut sources = SourceMap::new();
    let id = sources.add("<import>", None, text.to_string());
    let (parsed, diags) = crate::syntax::parse(id, text);
    if let Some(d) = diags.first() {
        return Err(format!("the generated file does not parse: {}", d.message));
    }
    Ok(crate::syntax::fmt::format(&parsed, text))
}
