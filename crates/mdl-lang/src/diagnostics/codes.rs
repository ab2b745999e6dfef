//! Every diagnostic code mdl emits, `<phase>::<problem>`, in one registry.
//! A phase is emitted by one module only (`PHASES`); a code not listed
//! here is a bug, caught by a debug assertion when the diagnostic is made
//! and by tests/integration/codes.rs, which reads every code the source of
//! both crates (this one and `mdl`) names.

/// A phase and the one top-level module (`src/<module>` of either crate)
/// that emits its
/// codes. Loading, the stack's identity, opening and saving its state and
/// reaching AWS are the engine's (`engine::open`); the other phases of a
/// run (apply, import, export) are the CLI's until the engine holds them.
pub const PHASES: &[(&str, &str)] = &[
    ("parse", "syntax"),
    ("lang", "lang"),
    ("module", "lang"),
    ("param", "lang"),
    ("stack", "lang"),
    ("check", "check"),
    ("moodle", "check"),
    ("graph", "graph"),
    ("cli", "cli"),
    ("identity", "engine"),
    ("load", "engine"),
    ("engine", "engine"),
    ("plan", "engine"),
    ("aws", "engine"),
    ("apply", "engine"),
    ("state", "engine"),
    ("import", "cli"),
    ("export", "cli"),
    ("lookup", "lookups"),
    ("refactor", "lang"),
];

/// Every code, with what it means.
pub const CODES: &[(&str, &str)] = &[
    (
        "load::unreadable_file",
        "a root or params file that cannot be read",
    ),
    ("load::invalid_param", "a `-p` that is not NAME=VALUE"),
    (
        "load::invalid_params_file",
        "a params file that is not a JSON object",
    ),
    (
        "identity::invalid_stack_name",
        "a --stack that AWS tags or mdl cannot use",
    ),
    (
        "identity::account_unknown",
        "the account of the credentials could not be read",
    ),
    (
        "parse::expression_too_long",
        "an expression longer than the parser takes",
    ),
    (
        "parse::file_too_large",
        "a file larger than the parser takes",
    ),
    (
        "parse::inexact_number",
        "a number a 64-bit float cannot hold exactly",
    ),
    (
        "parse::nesting_too_deep",
        "brackets or interpolations nested too deep",
    ),
    ("parse::unclosed_block", "a `{` without its `}`"),
    (
        "parse::unexpected_token",
        "text the grammar does not allow here",
    ),
    (
        "parse::unterminated_string",
        "a string without its closing quote",
    ),
    ("lang::division_by_zero", "a division or remainder by zero"),
    (
        "lang::duplicate_name",
        "two blocks of one kind with one name",
    ),
    (
        "lang::index_out_of_range",
        "a list index past the list's end",
    ),
    (
        "lang::invalid_argument",
        "a function given a value it cannot use",
    ),
    (
        "lang::number_out_of_range",
        "a number outside what its use allows",
    ),
    ("lang::type_mismatch", "a value of the wrong type"),
    (
        "lang::unknown_at_plan",
        "a value AWS assigns, needed before it exists",
    ),
    ("lang::unknown_function", "a function mdl does not have"),
    ("lang::unknown_kind", "a block of a kind mdl does not have"),
    (
        "lang::unresolved_reference",
        "a reference to nothing declared",
    ),
    (
        "lang::wrong_argument_count",
        "a function given too many or too few arguments",
    ),
    ("module::cycle", "modules that use each other"),
    ("module::name_taken", "two `use` declarations with one name"),
    (
        "module::not_found",
        "a `use` of a module that does not exist",
    ),
    ("module::refused", "a `use` of a file mdl will not read"),
    ("module::too_deep", "modules nested too deep"),
    (
        "param::invalid_value",
        "a param value that is not a literal",
    ),
    ("param::missing", "a required param without a value"),
    (
        "param::unknown",
        "a value for a param the file does not declare",
    ),
    ("stack::declared_twice", "two `stack` declarations"),
    ("stack::in_module", "a `stack` declaration inside a module"),
    (
        "stack::invalid_name",
        "a stack name AWS tags or mdl cannot use",
    ),
    (
        "stack::invalid_value",
        "a `stack` setting of the wrong form",
    ),
    (
        "stack::not_literal",
        "a `stack` setting that is not a literal",
    ),
    (
        "stack::unknown_attribute",
        "a `stack` setting mdl does not have",
    ),
    (
        "check::conflicting_attributes",
        "attributes that exclude each other, both set",
    ),
    ("check::duplicate_attribute", "one attribute set twice"),
    (
        "check::invalid_value",
        "a value its attribute does not allow",
    ),
    ("check::missing_attribute", "a required attribute not set"),
    (
        "check::param_rule_failed",
        "a module's rule on its params, broken",
    ),
    (
        "check::param_rule_warning",
        "a module's advice on its params",
    ),
    ("check::type_mismatch", "an attribute of the wrong type"),
    (
        "check::unknown_attribute",
        "an attribute the kind does not have",
    ),
    (
        "check::unresolved_reference",
        "a reference to an attribute nothing has",
    ),
    ("moodle::capacity_range", "a minimum above its maximum"),
    (
        "moodle::cdn_without_certificate",
        "a CDN for a domain without a certificate",
    ),
    (
        "moodle::https_without_certificate",
        "an HTTPS listener without a certificate",
    ),
    (
        "moodle::open_to_the_world",
        "a port other than the web's open to 0.0.0.0/0",
    ),
    (
        "moodle::shared_session_cache",
        "sessions and the application cache in one cache",
    ),
    (
        "moodle::single_node_failover",
        "a database or cache without failover",
    ),
    ("graph::cycle", "resources that depend on each other"),
    ("cli::cannot_write", "an output file that cannot be written"),
    ("cli::invalid_flags", "flags that contradict each other"),
    (
        "cli::confirmation_required",
        "a change that needs --yes without a terminal",
    ),
    (
        "cli::no_moodle_config",
        "an estate without the output asked for",
    ),
    ("engine::runtime", "the async runtime could not start"),
    (
        "cli::saved_plan_args",
        "flags that a saved plan already fixed",
    ),
    (
        "cli::invalid_saved_plan",
        "a file given as a saved plan that is not one this mdl reads",
    ),
    (
        "cli::saved_plan_secrets",
        "a saved plan whose secrets are not given again",
    ),
    (
        "plan::refresh_needed",
        "--refresh=false while state holds an unfinished create or delete",
    ),
    (
        "plan::target_destroy",
        "a --target that would destroy what others need",
    ),
    (
        "plan::unknown_address",
        "an address the configuration does not have",
    ),
    (
        "cli::unknown_output",
        "an output the configuration does not have",
    ),
    ("cli::unreadable_file", "a file that cannot be read"),
    ("cli::unwritable_file", "a file that cannot be written"),
    (
        "identity::backend_conflict",
        "a backend flag against the declared one",
    ),
    (
        "identity::wrong_account",
        "credentials for another account than the stack's",
    ),
    ("identity::wrong_region", "a region other than the stack's"),
    ("aws::config", "no AWS configuration to connect with"),
    ("aws::read_failed", "reading resources from AWS failed"),
    (
        "check::subnet_outside_vpc",
        "a subnet's range outside its VPC's",
    ),
    (
        "check::subnets_overlap",
        "two subnets of one VPC with overlapping ranges",
    ),
    (
        "lookup::unknown_argument",
        "a lookup's argument that is known only after the apply",
    ),
    ("lookup::cycle", "lookups that need each other's answers"),
    ("lookup::not_found", "a lookup that found nothing"),
    (
        "refactor::invalid",
        "a `moved` or `removed` block that is malformed or contradicts the file",
    ),
    ("lang::unnamed_block", "a block written without its name"),
    (
        "check::open_to_the_internet",
        "SSH, remote desktop or a database port open to 0.0.0.0/0",
    ),
    (
        "check::zone_outside_region",
        "an availability zone outside the region the file declares",
    ),
    (
        "plan::zone_outside_region",
        "an availability zone outside the region the run is in",
    ),
    (
        "parse::terraform_syntax",
        "an item written in Terraform's syntax, with the mdl form",
    ),
    (
        "plan::move_conflict",
        "a `moved` block whose old and new addresses are both in state",
    ),
    (
        "lookup::ambiguous",
        "a lookup that found several things where it needs one",
    ),
    (
        "cli::invalid_state",
        "a file given as state that is not one",
    ),
    (
        "cli::push_refused",
        "a state push of another stack's, account's or an older state",
    ),
    (
        "cli::untag_failed",
        "removing mdl's tags from a resource failed",
    ),
    ("apply::failed", "a change AWS refused or that failed"),
    (
        "apply::protected_resource",
        "a protected resource a change would destroy",
    ),
    ("apply::stale_plan", "a saved plan older than the state"),
    ("state::backend", "a state backend that cannot be used"),
    (
        "cli::cannot_move",
        "a state move to an address that is taken",
    ),
    ("state::locked", "a state another run holds"),
    (
        "cli::no_such_resource",
        "an address the state does not have",
    ),
    ("cli::unlock_refused", "a lock that is not the one named"),
    ("state::unreadable", "a state file that cannot be read"),
    ("state::unwritable", "a state file that cannot be written"),
    ("state::write_failed", "saving the state failed"),
    (
        "import::already_managed",
        "a resource another address already holds",
    ),
    (
        "import::bad_output",
        "an import output path that cannot be used",
    ),
    ("import::file_exists", "an import output file that exists"),
    (
        "import::invalid_output",
        "an imported file that would not validate, not written",
    ),
    (
        "import::no_block",
        "an address without a block to import into",
    ),
    ("import::not_found", "a resource AWS does not have"),
    (
        "import::nothing_to_import",
        "a stack without resources mdl adopts",
    ),
    (
        "import::stack_busy",
        "a stack in the middle of an operation",
    ),
    ("import::stack_unreadable", "a stack that cannot be read"),
    (
        "import::state_not_empty",
        "an import into a state that holds resources",
    ),
    ("import::write_failed", "writing the imported files failed"),
    (
        "export::unsupported_kind",
        "a block of a kind export cannot render",
    ),
    (
        "export::unavailable_value",
        "a reference to a value a template cannot name",
    ),
];

/// Whether `code` is in the registry.
pub fn is_registered(code: &str) -> bool {
    CODES.iter().any(|(c, _)| *c == code)
}
