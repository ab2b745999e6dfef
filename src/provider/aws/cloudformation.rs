//! CloudFormation: reading a stack's resources and template, for
//! `mdl import --from-stack`. mdl never changes a stack.

use aws_sdk_cloudformation::Client;

use super::call::failed;
use super::fields::always;
use crate::provider::ProviderError;

const SERVICE: &str = "cloudformation";

/// One resource of a stack.
#[derive(Clone, Debug, PartialEq)]
pub struct StackResource {
    pub logical_id: String,
    /// What the resource type's `Ref` gives: an id, a name or an ARN.
    pub physical_id: Option<String>,
    pub resource_type: String,
    pub status: String,
}

/// A stack as `mdl import --from-stack` needs it.
#[derive(Clone, Debug, PartialEq)]
pub struct Stack {
    pub name: String,
    /// The stack's ARN, which carries the partition and the account.
    pub stack_id: String,
    pub status: String,
    pub resources: Vec<StackResource>,
    /// The template as the stack holds it (JSON or YAML text).
    pub template: Option<String>,
}

pub struct CloudFormation {
    client: Client,
}

impl CloudFormation {
    pub fn new(client: Client) -> CloudFormation {
        CloudFormation { client }
    }

    /// The stack, its resources (every page) and its template.
    ///
    /// # Errors
    /// No such stack, or a failed call.
    pub async fn stack(&self, name: &str) -> Result<Stack, ProviderError> {
        let described = self
            .client
            .describe_stacks()
            .stack_name(name)
            .send()
            .await
            .map_err(failed(SERVICE, "DescribeStacks"))?;
        let Some(stack) = described.stacks().first() else {
            return Err(ProviderError::new(
                SERVICE,
                "DescribeStacks",
                format!("no stack named `{name}`"),
            ));
        };
        let stack_id = always(stack.stack_id(), SERVICE, "DescribeStacks", "StackId")?.to_string();
        let status = always(
            stack.stack_status(),
            SERVICE,
            "DescribeStacks",
            "StackStatus",
        )?
        .as_str()
        .to_string();
        let summaries = all_items!(
            self.client.list_stack_resources().stack_name(name),
            "ListStackResources"
        );
        let field = |v, name| always(v, SERVICE, "ListStackResources", name);
        let resources = summaries
            .iter()
            .map(|r| {
                Ok(StackResource {
                    logical_id: field(r.logical_resource_id(), "LogicalResourceId")?.to_string(),
                    physical_id: r
                        .physical_resource_id()
                        .filter(|p| !p.is_empty())
                        .map(ToString::to_string),
                    resource_type: field(r.resource_type(), "ResourceType")?.to_string(),
                    status: field(r.resource_status().map(|s| s.as_str()), "ResourceStatus")?
                        .to_string(),
                })
            })
            .collect::<Result<_, ProviderError>>()?;
        let template = self
            .client
            .get_template()
            .stack_name(name)
            .send()
            .await
            .map_err(failed(SERVICE, "GetTemplate"))?
            .template_body()
            .map(ToString::to_string);
        Ok(Stack {
            name: name.to_string(),
            stack_id,
            status,
            resources,
            template,
        })
    }
}
