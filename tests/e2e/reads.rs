//! What a plan asks AWS: a no-op plan reads each kind with one batched,
//! paginated call (plus a call per page or per batch the API limits), not
//! one call per resource; counted by the proxy (tests/e2e/proxy.rs).

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;

use crate::harness::Workspace;
use crate::proxy::{Faults, Proxy};

const PROD: &str = include_str!("../../examples/prod.moodle");

/// Requests of one `mdl plan` through a fresh proxy, by operation.
fn plan_requests(ws: &Workspace, extra: &[&str]) -> BTreeMap<String, u64> {
    let proxy = Proxy::start(&ws.moto.endpoint, Faults::default());
    let mut args = vec!["plan", ws.file.as_str(), "--detailed-exitcode"];
    args.extend_from_slice(extra);
    let run = ws.mdl_at(&proxy.endpoint, &args);
    assert_eq!(run.code, 0, "not a no-op plan:\n{}", run.all());
    proxy.settle();
    proxy.counts.by_operation.lock().unwrap().clone()
}

fn total(counts: &BTreeMap<String, u64>) -> u64 {
    counts.values().sum()
}

#[test]
fn a_no_op_plan_of_prod_reads_each_kind_once() {
    let ws = Workspace::new("prod.moodle", PROD);
    ws.expect("apply", &["--auto-approve"], 0);
    let counts = plan_requests(&ws, &[]);
    // 60 resources of 26 kinds and a lookup, and one STS GetCallerIdentity: the
    // account is confirmed before anything is read.
    let listing: String = counts
        .iter()
        .map(|(op, n)| format!("{n:>3}  {op}\n"))
        .collect();
    eprintln!("{} requests:\n{listing}", total(&counts));
    for (op, n) in &counts {
        // Query and JSON APIs name the operation; REST ones (EFS) show
        // the method and path.
        assert!(
            [" Describe", " List", " Get", " BatchGet", " GET "]
                .iter()
                .any(|read| op.contains(read)),
            "a plan made a call that is not a read: {op}"
        );
        // One call per operation: the kinds of a service that need the
        // same describe share it (listeners and rules read the load
        // balancers, mount targets the file systems). Listeners are
        // listed per load balancer and rules per listener, and prod has
        // one of each with rules; load balancers with target groups are
        // tagged in one DescribeTags, listeners with rules in another.
        // Standalone security group rules are listed twice: by their own
        // kind, and by the groups' read, which leaves them out of the
        // groups' own rules.
        // prod's 12 SSM parameters take two GetParameters (ten names a
        // call) and, against moto, two DescribeParameters pages (moto
        // answers ten a page where mdl asks for 50; AWS answers 50).
        // CloudWatch Logs lists tags one log group at a time (its
        // DescribeLogGroups has none): prod has two, flow and web. S3 has
        // no batch read: ListBuckets, then each setting of each bucket
        // (prod has one, for the load balancer's access logs). The
        // `caller` lookup makes no call: the account is confirmed first.
        let most = if op.ends_with("elasticloadbalancing DescribeTags")
            || op.ends_with("logs ListTagsForResource")
            || op.ends_with("ec2 DescribeSecurityGroupRules")
            || op.ends_with("ssm GetParameters")
            || op.ends_with("ssm DescribeParameters")
        {
            2
        } else {
            1
        };
        assert!(*n <= most, "{op} called {n} times:\n{listing}");
    }
    assert!(total(&counts) <= 50, "{listing}");
    insta::assert_snapshot!(listing);
}

#[test]
fn more_resources_of_the_same_kinds_cost_no_more_reads() {
    // Two tenants, then six: 33 and 97 resources of the same 7 kinds.
    let ws = Workspace::new("estate.moodle", &mdl::bench::estate(33));
    ws.expect("apply", &["--auto-approve"], 0);
    let small = plan_requests(&ws, &[]);
    ws.write(&mdl::bench::estate(97));
    ws.expect("apply", &["--auto-approve"], 0);
    let large = plan_requests(&ws, &[]);
    for (op, n) in &large {
        let before = small.get(op).copied().unwrap_or(0);
        // Pagination: GetParameters takes ten names a call, and moto
        // answers DescribeParameters ten a page: 36 parameters need 4.
        let allowed = if op.ends_with("GetParameters") || op.ends_with("DescribeParameters") {
            4
        } else {
            before
        };
        assert!(
            *n <= allowed,
            "{op}: {before} calls for 33 resources, {n} for 97"
        );
    }
    // Per-resource reads, for comparison: at least a call per resource,
    // and they see the same no-op plan.
    let per_resource = plan_requests(&ws, &["--per-resource-reads"]);
    eprintln!(
        "97 resources: {} requests batched, {} per resource",
        total(&large),
        total(&per_resource)
    );
    assert!(total(&per_resource) >= 97, "{per_resource:?}");
    assert!(total(&large) * 4 < total(&per_resource), "{large:?}");
}

#[test]
fn per_resource_reads_refuse_kinds_they_do_not_cover() {
    let ws = Workspace::new("prod.moodle", PROD);
    ws.expect("apply", &["--auto-approve"], 0);
    let run = ws.mdl(&["plan", "prod.moodle", "--per-resource-reads"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.contains("per-resource reads of `")
            && run.stderr.contains("are not implemented"),
        "{}",
        run.all()
    );
}

#[test]
fn a_plan_says_where_its_time_went() {
    let ws = Workspace::new("prod.moodle", PROD);
    ws.expect("apply", &["--auto-approve"], 0);
    let run = ws.mdl(&["plan", "prod.moodle", "--json", "--timings"]);
    assert_eq!(run.code, 0, "{}", run.all());
    // The plan on stdout is still JSON; the timings go to stderr.
    let plan: serde_json::Value = serde_json::from_str(&run.stdout).expect(&run.stdout);
    assert!(plan.is_object(), "{plan}");
    let timings = &run.stderr;
    assert!(timings.starts_with("Timings: "), "{timings}");
    for stage in ["load", "reading AWS", "reads)", "changes"] {
        assert!(timings.contains(stage), "{stage}: {timings}");
    }
    // The five slowest kinds, one line each.
    let slowest: Vec<&str> = timings
        .lines()
        .skip_while(|l| *l != "Slowest reads:")
        .skip(1)
        .collect();
    assert_eq!(slowest.len(), 5, "{timings}");
    assert!(slowest.iter().all(|l| l.contains(" ms  ")), "{timings}");
}

/// Launch templates, each with its own settings, and Auto Scaling groups
/// with a CPU policy each.
const FLEET: &str = r#"
vpc main {
  cidr_block = "10.72.0.0/16"
}

subnet a {
  vpc_id            = vpc.main.id
  cidr_block        = "10.72.1.0/24"
  availability_zone = "eu-west-2a"
}

launch_template web {
  image_id      = "ami-0123456789abcdef0"
  instance_type = "m6g.large"
}

launch_template cron {
  image_id      = "ami-0123456789abcdef0"
  instance_type = "t4g.small"
}

launch_template bastion {
  image_id      = "ami-0123456789abcdef0"
  instance_type = "t4g.nano"
}

autoscaling_group web {
  launch_template_id = launch_template.web.id
  min_size           = 0
  max_size           = 2
  subnet_ids         = [subnet.a.id]
  cpu_target         = 75
}

autoscaling_group cron {
  launch_template_id = launch_template.cron.id
  min_size           = 0
  max_size           = 1
  subnet_ids         = [subnet.a.id]
  cpu_target         = 60
}
"#;

#[test]
fn several_launch_templates_and_scaling_policies_read_in_one_call_each() {
    let ws = Workspace::new("fleet.moodle", FLEET);
    ws.expect("apply", &["--auto-approve"], 0);
    // Nothing to do: each group keeps its own policy, each template its
    // own default version.
    let counts = plan_requests(&ws, &[]);
    for op in [
        "ec2 DescribeLaunchTemplateVersions",
        "autoscaling DescribePolicies",
    ] {
        assert_eq!(counts.get(op), Some(&1), "{op}: {counts:?}");
    }
    // A change to one template is seen on that template only.
    ws.write(&FLEET.replace("\"t4g.small\"", "\"t4g.medium\""));
    let plan = ws.mdl(&["plan", "fleet.moodle", "--detailed-exitcode"]);
    assert_eq!(plan.code, 2, "{}", plan.all());
    assert!(
        plan.stdout.contains("launch_template.cron") && plan.stdout.contains("t4g.medium"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout.contains("0 to add, 1 to change, 0 to destroy"),
        "{}",
        plan.stdout
    );
}

/// The wall bench times plans whose calls the proxy answers from memory
/// (`Faults::replay`), to leave moto_server's own time out. That is only
/// a fair measure if mdl sees the same answers and so plans the same.
#[test]
fn a_plan_answered_from_memory_is_the_plan_moto_server_gives() {
    let ws = Workspace::new("prod.moodle", PROD);
    ws.expect("apply", &["--auto-approve"], 0);
    let proxy = Proxy::start(
        &ws.moto.endpoint,
        Faults {
            replay: true,
            ..Faults::default()
        },
    );
    let plan = || {
        let run = ws.mdl_at(
            &proxy.endpoint,
            &["plan", "prod.moodle", "--detailed-exitcode"],
        );
        assert_eq!(run.code, 0, "not a no-op plan:\n{}", run.all());
        proxy.settle();
        run
    };
    let first = plan();
    let forwarded = proxy.counts.forwarded.load(Ordering::SeqCst);
    assert!(forwarded >= 20, "{forwarded} calls reached moto_server");
    let replayed = proxy.counts.replayed.load(Ordering::SeqCst);
    let second = plan();
    assert_eq!(second.stdout, first.stdout);
    assert_eq!(
        proxy.counts.forwarded.load(Ordering::SeqCst),
        forwarded,
        "calls of the same plan reached moto_server again"
    );
    assert_eq!(
        proxy.counts.replayed.load(Ordering::SeqCst) - replayed,
        forwarded + replayed,
        "the second plan made other calls than the first"
    );

    // A change is never answered from memory: it reaches moto_server.
    assert!(
        PROD.contains("web_max         = 6"),
        "prod no longer sets web_max = 6"
    );
    ws.write(&PROD.replace("web_max         = 6", "web_max         = 7"));
    let run = ws.mdl_at(&proxy.endpoint, &["apply", "prod.moodle", "--auto-approve"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        proxy.counts.forwarded.load(Ordering::SeqCst) > forwarded,
        "the apply's change was answered from memory:\n{}",
        run.all()
    );
    // moto_server has it: planned straight against it, nothing to do.
    ws.expect("plan", &["--detailed-exitcode"], 0);
}
