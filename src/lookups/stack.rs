//! `stack_outputs`: another mdl stack's outputs, from its state, where
//! that stack keeps it: the `.mdl/` directory beside its file, or its S3
//! backend. The other file is parsed for its `stack` declaration (its name
//! and backend), never evaluated.

use indexmap::IndexMap;

use super::{Answer, Context, Found, Lookup, Miss, Query};
use crate::provider::ProviderError;
use crate::provider::aws::call::failed;
use crate::schema::{ComputedSchema, KindSchema, Type, optional};
use crate::state::State;
use crate::value::Value;

pub static SCHEMA: KindSchema = KindSchema::lookup(
    "stack_outputs",
    "s3",
    "Lookup: another mdl stack's outputs, read from its state (beside its file, or in its S3 backend).",
    &[
        optional(
            "file",
            Type::String,
            "null",
            "The other stack's root file, relative to this one, such as \"../network/network.moodle\". Its `stack` declaration gives the name and backend; else the state is in `.mdl/` beside it, named after the file.",
        ),
        optional(
            "backend",
            Type::String,
            "null",
            "s3://BUCKET/PREFIX: where the other stack keeps its state, when its file does not say (or is not here).",
        ),
        optional(
            "stack",
            Type::String,
            "null",
            "The other stack's name, when its file does not say (or is not here).",
        ),
    ],
    &[
        ComputedSchema {
            name: "outputs",
            doc: "Its outputs as its last apply recorded them, by name: `stack_outputs.net.outputs.vpc_id`. Sensitive outputs stay sensitive.",
        },
        ComputedSchema {
            name: "account_id",
            doc: "The account the other stack is in.",
        },
        ComputedSchema {
            name: "region",
            doc: "The region the other stack is in.",
        },
    ],
);

/// Where a block says the other stack's state is.
enum Place {
    Local {
        file: std::path::PathBuf,
        stack: String,
    },
    S3 {
        url: String,
        stack: String,
    },
}

impl Place {
    fn describe(&self) -> String {
        match self {
            Place::Local { file, stack } => crate::state::LocalStore::for_config(file, stack)
                .path
                .display()
                .to_string(),
            Place::S3 { url, stack } => format!("{}/{stack}.state.json", url.trim_end_matches('/')),
        }
    }
}

/// The place a block names, or why it names none.
fn place(cx: &Context<'_>, q: &Query<'_>) -> Result<Place, Miss> {
    let mut name = q.str("stack").map(ToString::to_string);
    let mut backend = q.str("backend").map(ToString::to_string);
    let mut path = None;
    if let Some(file) = q.str("file") {
        let full = cx.dir.join(file);
        if full.extension().and_then(|e| e.to_str()) != Some("moodle") {
            return Err(Miss::not_found(
                "file",
                format!("`{}`: `{file}` is not a .moodle file", q.addr),
                "name the other stack's root file, such as \"../network/network.moodle\"",
            ));
        }
        let text = std::fs::read_to_string(&full).map_err(|e| {
            Miss::not_found(
                "file",
                format!("`{}`: {} cannot be read: {e}", q.addr, full.display()),
                "the path is relative to the file being run",
            )
        })?;
        let mut sources = crate::diagnostics::SourceMap::new();
        let id = sources.add(full.display().to_string(), Some(&full), text);
        let (decl, _) = crate::lang::stack::of_source(&sources, id);
        if let Some(decl) = decl {
            name.get_or_insert(decl.name.value);
            if let Some(b) = decl.backend {
                backend.get_or_insert(b.value);
            }
        }
        name.get_or_insert_with(|| crate::engine::identity::default_name(&full));
        path = Some(full);
    }
    if let Some(stack) = name
        .as_deref()
        .filter(|n| !crate::lang::stack::valid_name(n))
    {
        return Err(Miss::not_found(
            "stack",
            format!("`{}`: `{stack}` is not a stack name", q.addr),
            "stack names use letters, digits, `-` and `_`",
        ));
    }
    match (name, backend, path) {
        (Some(stack), Some(url), _) => Ok(Place::S3 { url, stack }),
        (Some(stack), None, Some(file)) => Ok(Place::Local { file, stack }),
        _ => Err(Miss::not_found(
            "stack",
            format!("`{}` does not say which stack to read", q.addr),
            "give `file` (the other stack's root file), or `backend` and `stack`",
        )),
    }
}

/// The other stack's state, or `None` when it has none yet.
async fn load(
    cx: &Context<'_>,
    place: &Place,
) -> Result<Option<State>, Result<Miss, ProviderError>> {
    let invalid = |e: String| {
        Ok(Miss::not_found(
            "stack",
            format!("the state at {} cannot be read: {e}", place.describe()),
            "run `mdl plan` on the other stack to see what is wrong with it",
        ))
    };
    match place {
        Place::Local { file, stack } => {
            let store = crate::state::LocalStore::for_config(file, stack);
            match std::fs::read(&store.path) {
                Ok(bytes) => State::parse(&bytes).map(Some).map_err(invalid),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(invalid(e.to_string())),
            }
        }
        Place::S3 { url, stack } => {
            let Some((bucket, prefix)) = url
                .strip_prefix("s3://")
                .map(|rest| rest.split_once('/').unwrap_or((rest, "")))
                .filter(|(bucket, _)| !bucket.is_empty())
            else {
                return Err(Ok(Miss::not_found(
                    "backend",
                    format!("`{url}` is not an s3://BUCKET/PREFIX URL"),
                    "write the backend as the other stack declares it, such as \"s3://uni-mdl-state/network\"",
                )));
            };
            let prefix = prefix.trim_matches('/');
            let key = if prefix.is_empty() {
                format!("{stack}.state.json")
            } else {
                format!("{prefix}/{stack}.state.json")
            };
            let client: aws_sdk_s3::Client = cx.provider.client();
            match client.get_object().bucket(bucket).key(&key).send().await {
                Ok(out) => {
                    let bytes =
                        out.body.collect().await.map_err(|e| {
                            Err(ProviderError::new("s3", "GetObject", e.to_string()))
                        })?;
                    State::parse(&bytes.into_bytes()).map(Some).map_err(invalid)
                }
                Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => Ok(None),
                Err(e)
                    if aws_smithy_types::error::metadata::ProvideErrorMetadata::code(&e)
                        == Some("NoSuchBucket") =>
                {
                    Err(Ok(Miss::not_found(
                        "backend",
                        format!("`{url}`: the bucket `{bucket}` does not exist"),
                        "write the backend as the other stack declares it",
                    )))
                }
                Err(e) => Err(Err(failed("s3", "GetObject")(e))),
            }
        }
    }
}

fn read<'a>(
    cx: &'a Context<'a>,
    queries: &'a [Query<'a>],
) -> futures_util::future::BoxFuture<'a, Result<Vec<Found>, ProviderError>> {
    Box::pin(async move {
        let mut found = Vec::new();
        for q in queries {
            let place = match place(cx, q) {
                Ok(p) => p,
                Err(miss) => {
                    found.push(Err(miss));
                    continue;
                }
            };
            found.push(match load(cx, &place).await {
                Ok(Some(state)) => {
                    let mut answer = Answer::new();
                    answer.insert(
                        "outputs".into(),
                        Value::Map(state.outputs.into_iter().collect::<IndexMap<_, _>>()),
                    );
                    answer.insert(
                        "account_id".into(),
                        state.account_id.map_or(Value::Null, Value::String),
                    );
                    answer.insert(
                        "region".into(),
                        state.region.map_or(Value::Null, Value::String),
                    );
                    Ok(answer)
                }
                Ok(None) => Err(Miss::not_found(
                    if q.str("file").is_some() { "file" } else { "stack" },
                    format!(
                        "`{}`: the stack has no state at {}",
                        q.addr,
                        place.describe()
                    ),
                    "apply the other stack first; its outputs are read from the state its apply writes",
                )),
                Err(Ok(miss)) => Err(miss),
                Err(Err(e)) => return Err(e.for_addr(q.addr)),
            });
        }
        Ok(found)
    })
}

pub static LOOKUP: Lookup = Lookup {
    schema: &SCHEMA,
    read,
    cloudformation: |_, _| None,
};
