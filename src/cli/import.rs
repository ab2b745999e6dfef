//! `mdl import`: adopt a resource that exists in AWS under a block of the
//! configuration, so that mdl manages it instead of creating another.

use clap::Args;

use super::{AwsArgs, FileArgs, Ui, command_line_diag};
use crate::engine::open;
use crate::lang::ResourceAddr;
use crate::provider::{Provider, ReadRequest};
use crate::state::ResourceRecord;

#[derive(Args, Debug)]
#[command(after_help = "\
Examples:
  mdl import prod.moodle security_group.legacy sg-0123456789abcdef0
      adopt one resource under a block you wrote
  mdl import legacy.moodle --from-stack moodle-prod
      write legacy.moodle with a block for each resource of the
      CloudFormation stack moodle-prod, and adopt them all")]
pub struct ImportArgs {
    #[command(flatten)]
    pub file: FileArgs,
    /// The block to adopt it under, such as security_group.legacy.
    #[arg(required_unless_present = "from_stack")]
    pub address: Option<String>,
    /// Its AWS id, such as sg-0123456789abcdef0 (what `mdl state list`
    /// shows for a resource of the same kind).
    #[arg(required_unless_present = "from_stack")]
    pub id: Option<String>,
    /// Read this CloudFormation stack and write FILE (which must not exist)
    /// with a block for each of its resources, adopted in state. The stack
    /// is not changed.
    #[arg(long, value_name = "STACK", conflicts_with_all = ["address", "id"])]
    pub from_stack: Option<String>,
    #[command(flatten)]
    pub aws: AwsArgs,
}

pub fn run(ui: &Ui, args: &ImportArgs) -> u8 {
    let (Some(address), Some(id)) = (&args.address, &args.id) else {
        return match &args.from_stack {
            Some(stack) => super::import_stack::run(ui, args, stack),
            None => 2,
        };
    };
    let Ok(mut loaded) = super::validate::load(ui, &args.file) else {
        return 1;
    };
    let fail = |loaded: &mut super::validate::Loaded,
                code: &'static str,
                message: String,
                help: String| {
        let d = command_line_diag(&mut loaded.sources, code, message, "in this command", help);
        ui.report(&[d], &loaded.sources);
        1u8
    };
    let Some(addr) =
        ResourceAddr::parse(address).filter(|a| loaded.config.resources.contains_key(a))
    else {
        let known: Vec<String> = loaded
            .config
            .resources
            .keys()
            .map(ToString::to_string)
            .collect();
        let hint = crate::diagnostics::suggest(address, known.iter().map(String::as_str))
            .map_or_else(
                || "write the block first, then import into its address".to_string(),
                |s| format!("did you mean `{s}`?"),
            );
        return fail(
            &mut loaded,
            "import::no_block",
            format!("the configuration has no `{address}`"),
            hint,
        );
    };
    let kind = loaded.config.resources[&addr].kind;
    let stack = loaded.config.stack.clone();
    let report = |loaded: &super::validate::Loaded, d| {
        ui.report(&[d], &loaded.sources);
        1u8
    };
    let conn = args.aws.connection();
    let store = match open::store(
        &mut loaded.sources,
        &args.file.file,
        &stack,
        loaded.identity.backend.as_deref(),
        &conn,
    ) {
        Ok(s) => s,
        Err(d) => return report(&loaded, d),
    };
    let _lock = match open::lock(
        &mut loaded.sources,
        &store,
        "import",
        conn.lock_timeout,
        super::signals::hold,
    ) {
        Ok(l) => l,
        Err(d) => return report(&loaded, d),
    };
    let mut state = match open::state(
        &mut loaded.sources,
        &store,
        &stack,
        "restore the state file before importing into it",
    ) {
        Ok(s) => s,
        Err(d) => return report(&loaded, d),
    };
    if let Some(r) = state.resources.get(&addr) {
        return fail(
            &mut loaded,
            "import::already_managed",
            format!("`{addr}` is already in state, as {}", r.id),
            "`mdl state mv` it elsewhere first, or import under another block".into(),
        );
    }
    if let Some(r) = state
        .resources
        .values()
        .find(|r| r.addr.kind == addr.kind && &r.id == id)
    {
        return fail(
            &mut loaded,
            "import::already_managed",
            format!("{id} is already managed as `{}`", r.addr),
            format!("`mdl state mv {} {addr}` renames it instead", r.addr),
        );
    }
    let identity = loaded.identity.clone();
    let (rt, provider) = match open::connect_to(&mut loaded.sources, &conn, &identity, &mut state) {
        Ok(x) => x,
        Err(d) => return report(&loaded, d),
    };
    let read = rt.block_on(provider.read(ReadRequest {
        kind,
        stack: &stack,
        known_ids: vec![id.clone()],
        full: true,
        ids_only: false,
        share: &crate::provider::ReadShare::default(),
    }));
    let found = match read {
        Ok(r) => r.resources.into_iter().find(|r| &r.id == id),
        Err(e) => {
            let d = open::read_failed(&mut loaded, &e, Some(&addr));
            ui.report(&[d], &loaded.sources);
            return 1;
        }
    };
    let Some(live) = found else {
        return fail(
            &mut loaded,
            "import::not_found",
            format!("AWS has no {} with the id `{id}`", kind.name),
            format!(
                "check the id and the region; `mdl docs {}` says what its id is",
                kind.name
            ),
        );
    };
    let mut attrs = live.attrs.clone();
    crate::schema::redact(kind, &mut attrs, &state.salt);
    let adopted = kind.taggable && live.addr.as_ref() != Some(&addr);
    state.resources.insert(
        addr.clone(),
        ResourceRecord {
            addr: addr.clone(),
            id: live.id.clone(),
            attrs,
            computed: live.computed.clone(),
            dependencies: loaded.graph.dependencies(&addr),
            protected: kind.protected,
            adopted,
            pending: false,
            deleting: false,
        },
    );
    state.serial += 1;
    if let Err(d) = open::save(
        &mut loaded.sources,
        &store,
        &state,
        "nothing was imported; check the permissions of the .mdl directory",
    ) {
        return report(&loaded, d);
    }
    outln!("Imported {} as `{addr}`.", live.id);
    if adopted {
        outln!(
            "Run `mdl plan` to see how it differs from its block; the next apply also tags it mdl:stack and mdl:address, so that `mdl state rebuild` finds it again without state."
        );
    } else {
        outln!("Run `mdl plan` to see how it differs from its block.");
    }
    0
}
