//! Which stack a command works on, and whether this run may touch it.
//!
//! The name comes from `--stack`, else the root file's `stack`
//! declaration, else the file name; the backend from `--backend` (or
//! MDL_BACKEND), else the declaration. Before a run reads or changes AWS,
//! the account its credentials are for and its region are checked against
//! the declaration's pins and against what the state recorded.

use std::path::Path;

use super::command_line_diag;
use crate::diagnostics::{Diagnostic, SourceMap};
use crate::lang::stack::{StackDecl, valid_name};
use crate::state::State;

/// A command's stack: its name, its backend and its declaration.
#[derive(Clone, Debug)]
pub struct Identity {
    pub stack: String,
    pub backend: Option<String>,
    pub decl: Option<StackDecl>,
}

/// The stack name when neither a flag nor a declaration gives one.
pub fn default_name(file: &Path) -> String {
    file.file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| "default".into())
}

/// The identity from the flags and the declaration.
///
/// # Errors
/// An unusable name from `--stack` or the file name, or a `--backend`
/// that is not the one the file declares.
pub fn resolve(
    sources: &mut SourceMap,
    file: &Path,
    decl: Option<StackDecl>,
    stack_flag: Option<&str>,
    backend_flag: Option<&str>,
) -> Result<Identity, Diagnostic> {
    let stack = match (stack_flag, &decl) {
        (Some(s), _) => s.to_string(),
        (None, Some(d)) => d.name.value.clone(),
        (None, None) => default_name(file),
    };
    if !valid_name(&stack) {
        return Err(command_line_diag(
            sources,
            "identity::invalid_stack_name",
            format!("`{stack}` is not a usable stack name"),
            "the stack name comes from here",
            "stack names use letters, digits, `-` and `_`; pass --stack NAME or declare `stack NAME { }` in the file",
        ));
    }
    let flag = backend_flag.filter(|b| !b.is_empty());
    let declared = decl.as_ref().and_then(|d| d.backend.as_ref());
    let backend = match (flag, declared) {
        (Some(f), Some(d)) if f != d.value => {
            return Err(Diagnostic::error(
                "identity::backend_conflict",
                format!(
                    "the file keeps its state in `{}`, and --backend (or MDL_BACKEND) says `{f}`",
                    d.value
                ),
                d.span,
                "the backend declared here",
            )
            .with_help(
                "drop --backend (and unset MDL_BACKEND) to use the declared backend, or change the declaration",
            ));
        }
        (Some(f), _) => Some(f.to_string()),
        (None, Some(d)) => Some(d.value.clone()),
        (None, None) => None,
    };
    Ok(Identity {
        stack,
        backend,
        decl,
    })
}

/// The identity of a command that needs the stack but not the estate
/// (`mdl state`, `mdl output`, `mdl force-unlock`): the root file is
/// parsed for its declaration, not evaluated. A file that is not there
/// declares nothing (its state may outlive it).
///
/// # Errors
/// The file does not parse, or its declaration or the flags are wrong.
pub fn of_file(
    sources: &mut SourceMap,
    file: &Path,
    stack_flag: Option<&str>,
    backend_flag: Option<&str>,
) -> Result<Identity, Vec<Diagnostic>> {
    use crate::lang::files::{ReadError, read_given};
    let decl = match read_given(file) {
        Ok(text) => {
            let id = sources.add(file.display().to_string(), Some(file), text);
            let (decl, diags) = crate::lang::stack::of_source(sources, id);
            if diags.iter().any(Diagnostic::is_error) {
                return Err(diags);
            }
            decl
        }
        Err(ReadError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            return Err(vec![command_line_diag(
                sources,
                "load::unreadable_file",
                format!("cannot read `{}`: {e}", file.display()),
                "this file",
                "check the path and its permissions",
            )]);
        }
    };
    resolve(sources, file, decl, stack_flag, backend_flag).map_err(|d| vec![d])
}

/// Refuse a run whose account or region is not the stack's: the
/// declaration's pins first (they point at the file), then what the
/// state recorded. On success the state records both, for the runs after.
///
/// # Errors
/// The account or the region differs.
pub fn check_where(
    sources: &mut SourceMap,
    identity: &Identity,
    state: &mut State,
    account: &str,
    region: &str,
) -> Result<(), Diagnostic> {
    let decl = identity.decl.as_ref();
    let stack = &identity.stack;
    // What this run is in, and how to be in another one.
    let checks = [
        (
            "account",
            "identity::wrong_account",
            decl.and_then(|d| d.account_id.as_ref()),
            state.account_id.as_deref(),
            account,
            "the credentials of account",
        ),
        (
            "region",
            "identity::wrong_region",
            decl.and_then(|d| d.region.as_ref()),
            state.region.as_deref(),
            region,
            "--region",
        ),
    ];
    // The declaration's pins first (they point at the file), then what the
    // state recorded.
    for (what, code, pin, _, now, fix) in &checks {
        if let Some(pin) = pin.filter(|p| p.value != *now) {
            return Err(Diagnostic::error(
                code,
                format!(
                    "stack `{stack}` is pinned to {what} {}, and this run is in {what} {now}",
                    pin.value
                ),
                pin.span,
                "pinned here",
            )
            .with_help(format!(
                "use {fix} {} (AWS_PROFILE and `aws sso login`, or AWS_REGION); nothing was read or changed",
                pin.value
            )));
        }
    }
    for (what, code, _, was, now, fix) in &checks {
        if let Some(was) = was.filter(|w| w != now) {
            return Err(command_line_diag(
                sources,
                code,
                format!("stack `{stack}` is in {what} {was}, and this run is in {what} {now}"),
                "while running this command",
                format!(
                    "the state of stack `{stack}` records {what} {was}; nothing was read or changed. Use {fix} {was}; a stack does not move: to start one elsewhere, give it another name (--stack, or `stack NAME {{ }}` in the file)"
                ),
            ));
        }
    }
    state.account_id = Some(account.to_string());
    state.region = Some(region.to_string());
    Ok(())
}

/// Ask AWS which account the credentials are for, and [`check_where`].
///
/// # Errors
/// The account could not be learnt, or it or the region differs.
pub fn confirm_where(
    runtime: &tokio::runtime::Runtime,
    provider: &crate::provider::aws::AwsProvider,
    sources: &mut SourceMap,
    identity: &Identity,
    state: &mut State,
) -> Result<(), Diagnostic> {
    let account = runtime.block_on(provider.account()).map_err(|e| {
        command_line_diag(
            sources,
            "identity::account_unknown",
            format!("cannot learn which AWS account the credentials are for: {e}"),
            "while running this command",
            format!(
                "{}; mdl asks STS GetCallerIdentity before it reads or changes anything",
                super::open::aws_help(&e)
            ),
        )
    })?;
    check_where(sources, identity, state, &account, &provider.region)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Span;
    use crate::lang::stack::Pinned;

    fn decl(account: Option<&str>, region: Option<&str>, backend: Option<&str>) -> StackDecl {
        let pinned = |v: &str| Pinned {
            value: v.to_string(),
            span: Span::default(),
        };
        StackDecl {
            name: pinned("vle"),
            account_id: account.map(pinned),
            region: region.map(pinned),
            backend: backend.map(pinned),
        }
    }

    #[test]
    fn the_name_is_the_flag_then_the_declaration_then_the_file() {
        let mut sources = SourceMap::new();
        let file = Path::new("dir/site.moodle");
        let of = |sources: &mut SourceMap, d: Option<StackDecl>, flag: Option<&str>| {
            resolve(sources, file, d, flag, None).unwrap().stack
        };
        assert_eq!(of(&mut sources, None, None), "site");
        assert_eq!(of(&mut sources, Some(decl(None, None, None)), None), "vle");
        assert_eq!(
            of(&mut sources, Some(decl(None, None, None)), Some("other")),
            "other"
        );
        let bad = resolve(&mut sources, Path::new("a b.moodle"), None, None, None);
        assert_eq!(bad.unwrap_err().code, "identity::invalid_stack_name");
    }

    #[test]
    fn a_backend_flag_must_agree_with_the_declared_one() {
        let mut sources = SourceMap::new();
        let file = Path::new("site.moodle");
        let d = || Some(decl(None, None, Some("s3://team/vle")));
        let got = resolve(&mut sources, file, d(), None, None).unwrap();
        assert_eq!(got.backend.as_deref(), Some("s3://team/vle"));
        let same = resolve(&mut sources, file, d(), None, Some("s3://team/vle")).unwrap();
        assert_eq!(same.backend.as_deref(), Some("s3://team/vle"));
        let other = resolve(&mut sources, file, d(), None, Some("s3://mine/x"));
        assert_eq!(other.unwrap_err().code, "identity::backend_conflict");
        let flag_only = resolve(&mut sources, file, None, None, Some("s3://mine/x")).unwrap();
        assert_eq!(flag_only.backend.as_deref(), Some("s3://mine/x"));
    }

    #[test]
    fn a_run_in_another_account_or_region_is_refused() {
        let mut sources = SourceMap::new();
        let file = Path::new("site.moodle");
        let pinned = resolve(
            &mut sources,
            file,
            Some(decl(Some("111111111111"), Some("eu-west-2"), None)),
            None,
            None,
        )
        .unwrap();
        let mut state = State::new("vle");
        let code = |r: Result<(), Diagnostic>| r.err().map(|d| d.code);
        assert_eq!(
            code(check_where(
                &mut sources,
                &pinned,
                &mut state,
                "222222222222",
                "eu-west-2"
            )),
            Some("identity::wrong_account")
        );
        assert_eq!(
            code(check_where(
                &mut sources,
                &pinned,
                &mut state,
                "111111111111",
                "us-east-1"
            )),
            Some("identity::wrong_region")
        );
        assert_eq!(state.account_id, None, "a refused run records nothing");
        assert_eq!(
            code(check_where(
                &mut sources,
                &pinned,
                &mut state,
                "111111111111",
                "eu-west-2"
            )),
            None
        );
        assert_eq!(state.account_id.as_deref(), Some("111111111111"));
        assert_eq!(state.region.as_deref(), Some("eu-west-2"));

        // Without pins, the state's record is the pin.
        let unpinned = resolve(&mut sources, file, None, None, None).unwrap();
        assert_eq!(
            code(check_where(
                &mut sources,
                &unpinned,
                &mut state,
                "333333333333",
                "eu-west-2"
            )),
            Some("identity::wrong_account")
        );
        assert_eq!(
            code(check_where(
                &mut sources,
                &unpinned,
                &mut state,
                "111111111111",
                "eu-west-1"
            )),
            Some("identity::wrong_region")
        );
    }
}
