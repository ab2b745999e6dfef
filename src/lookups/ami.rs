//! `ami`: the latest Amazon Linux image for an architecture, from the
//! public SSM parameters AWS keeps under
//! `/aws/service/ami-amazon-linux-latest/` (one `GetParameters` call per
//! ten blocks).

use indexmap::IndexMap;

use super::{Answer, Context, Found, Lookup, Miss, Query};
use crate::provider::aws::call::failed;
use crate::schema::{ComputedSchema, KindSchema, Type, optional};
use crate::value::Value;

pub static SCHEMA: KindSchema = KindSchema::lookup(
    "ami",
    "ssm",
    "Lookup: the latest Amazon Linux image (AMI) for an architecture or an instance type, from AWS's public SSM parameters.",
    &[
        optional(
            "instance_type",
            Type::String,
            "null",
            "The instance type the image is for: its architecture is the type's (arm64 for the Graviton families, such as t4g, m6g, c7g and r8g; x86_64 otherwise).",
        )
        .validate(crate::kinds::instance::instance_type),
        optional(
            "architecture",
            Type::String,
            "null",
            "`x86_64` or `arm64`; when set, it is used instead of the instance type's. Neither set: x86_64.",
        )
        .one_of(&["x86_64", "arm64"]),
        optional(
            "release",
            Type::String,
            "\"al2023\"",
            "`al2023` (Amazon Linux 2023) or `al2` (Amazon Linux 2, kernel 5.10).",
        )
        .one_of(&["al2023", "al2"]),
    ],
    &[
        ComputedSchema {
            name: "id",
            doc: "The image id, such as ami-0123456789abcdef0. It changes when AWS publishes a new image: pin an id in the file to stop following.",
        },
        ComputedSchema {
            name: "architecture",
            doc: "The architecture the image is for: `x86_64` or `arm64`.",
        },
        ComputedSchema {
            name: "parameter",
            doc: "The SSM parameter the id was read from.",
        },
    ],
);

/// The architecture of an EC2 instance type, by AWS's naming: the letters
/// after the generation digit name the processor, and `g` is AWS Graviton
/// (m6g, c7gn, r8gd, t4g, g5g); a1 is the first Graviton. `g4dn` is a GPU
/// family (its leading `g`) on Intel.
pub fn architecture(instance_type: &str) -> &'static str {
    let family = instance_type.split('.').next().unwrap_or_default();
    let after_series = family.trim_start_matches(|c: char| c.is_ascii_lowercase());
    let options = after_series.trim_start_matches(|c: char| c.is_ascii_digit());
    if family == "a1" || options.split('-').next().is_some_and(|o| o.contains('g')) {
        "arm64"
    } else {
        "x86_64"
    }
}

/// The architecture a block asks for.
fn wanted(args: &IndexMap<String, Value>) -> &str {
    match (args.get("architecture"), args.get("instance_type")) {
        (Some(Value::String(a)), _) => a,
        (_, Some(Value::String(t))) => architecture(t),
        _ => "x86_64",
    }
}

/// The public parameter holding the latest image of a release.
fn parameter(args: &IndexMap<String, Value>) -> String {
    let arch = wanted(args);
    let leaf = match args.get("release") {
        Some(Value::String(r)) if r == "al2" => format!("amzn2-ami-kernel-5.10-hvm-{arch}-gp2"),
        _ => format!("al2023-ami-kernel-default-{arch}"),
    };
    format!("/aws/service/ami-amazon-linux-latest/{leaf}")
}

fn read<'a>(
    cx: &'a Context<'a>,
    queries: &'a [Query<'a>],
) -> futures_util::future::BoxFuture<'a, Result<Vec<Found>, crate::provider::ProviderError>> {
    Box::pin(async move {
        let client: aws_sdk_ssm::Client = cx.provider.client();
        let mut names: Vec<String> = queries.iter().map(|q| parameter(q.args)).collect();
        names.sort();
        names.dedup();
        let mut values = IndexMap::new();
        // GetParameters takes ten names a call.
        for chunk in names.chunks(10) {
            let out = client
                .get_parameters()
                .set_names(Some(chunk.to_vec()))
                .send()
                .await
                .map_err(failed("ssm", "GetParameters"))?;
            for p in out.parameters() {
                if let (Some(name), Some(value)) = (p.name(), p.value()) {
                    values.insert(name.to_string(), value.to_string());
                }
            }
        }
        Ok(queries
            .iter()
            .map(|q| {
                let name = parameter(q.args);
                let arch = wanted(q.args);
                match values.get(&name) {
                    Some(id) => {
                        let mut answer = Answer::new();
                        answer.insert("id".into(), Value::str(id));
                        answer.insert("architecture".into(), Value::str(arch));
                        answer.insert("parameter".into(), Value::str(&name));
                        Ok(answer)
                    }
                    None => Err(Miss::not_found(
                        if q.args.get("architecture").is_some_and(|v| *v != Value::Null) {
                            "architecture"
                        } else {
                            "release"
                        },
                        format!(
                            "`{}`: the region {} has no public parameter {name}",
                            q.addr, cx.region
                        ),
                        "AWS publishes Amazon Linux images in every commercial region; check the region, or set the image id in the file",
                    )),
                }
            })
            .collect())
    })
}

/// In a template, the image is CloudFormation's own reading of the same
/// public parameter, when the stack is created or updated.
fn cloudformation(attr: &str, args: &IndexMap<String, Value>) -> Option<serde_json::Value> {
    match attr {
        "id" => Some(format!("{{{{resolve:ssm:{}}}}}", parameter(args)).into()),
        "architecture" => Some(wanted(args).into()),
        "parameter" => Some(parameter(args).into()),
        _ => None,
    }
}

pub static LOOKUP: Lookup = Lookup {
    schema: &SCHEMA,
    read,
    cloudformation,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graviton_families_are_arm64_and_the_rest_x86_64() {
        for t in [
            "t4g.small",
            "m6g.large",
            "c7gn.xlarge",
            "r8gd.2xlarge",
            "g5g.xlarge",
            "a1.medium",
            "m7g.metal",
        ] {
            assert_eq!(architecture(t), "arm64", "{t}");
        }
        for t in [
            "t3.small",
            "m5.large",
            "g4dn.xlarge",
            "g4ad.xlarge",
            "m6i.large",
            "c6a.large",
            "m7i-flex.large",
            "x2iezn.large",
        ] {
            assert_eq!(architecture(t), "x86_64", "{t}");
        }
    }

    #[test]
    fn the_parameter_follows_release_and_architecture() {
        let mut args = IndexMap::new();
        args.insert("instance_type".to_string(), Value::str("t4g.small"));
        assert_eq!(
            parameter(&args),
            "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64"
        );
        args.insert("architecture".to_string(), Value::str("x86_64"));
        args.insert("release".to_string(), Value::str("al2"));
        assert_eq!(
            parameter(&args),
            "/aws/service/ami-amazon-linux-latest/amzn2-ami-kernel-5.10-hvm-x86_64-gp2"
        );
    }
}
