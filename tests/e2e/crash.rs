//! Crash safety: `mdl apply` of examples/prod.moodle (51 resources, 24
//! kinds) is killed with SIGKILL at moments spread over the whole apply
//! (answers delayed 20 ms in the proxy, after moto has acted, so that the
//! apply lasts about 1.5 s and a kill often falls between a change and its
//! answer). After each kill a plain `mdl apply` converges, the next plan is
//! empty, and what moto holds is exactly what state records: kind by kind,
//! the same ids, so no duplicate and no orphan. `MDL_CRASH_RUNS` sets the
//! number of runs (default 10, each killed in its tenth of the apply);
//! where in its share each kill falls changes from one run of the suite to
//! the next, and `MDL_CRASH_SEED` (printed first) repeats it;
//! `MDL_CRASH_ONLY=N` repeats run N alone.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use crate::harness::Workspace;
use crate::proxy::{Faults, Proxy};

const PROD: &str = include_str!("../../examples/prod.moodle");

pub(crate) type Inventory = BTreeMap<String, BTreeSet<String>>;

/// The ids state records, by kind.
pub(crate) fn state_ids(ws: &Workspace) -> Inventory {
    let mut out = Inventory::new();
    let Ok(text) = std::fs::read_to_string(ws.state_path()) else {
        return out;
    };
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    for r in json["resources"].as_array().unwrap() {
        let addr = mdl::lang::ResourceAddr::parse(r["address"].as_str().unwrap()).unwrap();
        out.entry(addr.kind)
            .or_default()
            .insert(r["id"].as_str().unwrap().to_string());
    }
    out
}

/// What moto holds of the kinds the estate uses, by kind, with mdl's ids.
pub(crate) fn inventory(ws: &Workspace) -> Inventory {
    let sdk = ws.moto.sdk();
    Workspace::runtime().block_on(async {
        let mut out = Inventory::new();
        let mut put = |kind: &str, id: &str| {
            out.entry(kind.to_string())
                .or_default()
                .insert(id.to_string());
        };
        let ec2 = aws_sdk_ec2::Client::new(&sdk);
        for v in ec2.describe_vpcs().send().await.unwrap().vpcs() {
            if !v.is_default().unwrap_or(false) {
                put("vpc", v.vpc_id().unwrap());
            }
        }
        for s in ec2.describe_subnets().send().await.unwrap().subnets() {
            if !s.default_for_az().unwrap_or(false) {
                put("subnet", s.subnet_id().unwrap());
            }
        }
        for g in ec2
            .describe_internet_gateways()
            .send()
            .await
            .unwrap()
            .internet_gateways()
        {
            // The default VPC's gateway is moto's own.
            if g.tags().iter().any(|t| t.key() == Some("mdl:stack")) {
                put("internet_gateway", g.internet_gateway_id().unwrap());
            }
        }
        for n in ec2
            .describe_nat_gateways()
            .send()
            .await
            .unwrap()
            .nat_gateways()
        {
            if n.state().is_none_or(|s| s.as_str() != "deleted") {
                put("nat_gateway", n.nat_gateway_id().unwrap());
            }
        }
        for a in ec2.describe_addresses().send().await.unwrap().addresses() {
            let tag = a
                .tags()
                .iter()
                .find(|t| t.key() == Some("mdl:address"))
                .and_then(|t| t.value())
                .unwrap_or("untagged");
            let used = if a.association_id().is_some_and(|x| !x.is_empty())
                || a.network_interface_id().is_some_and(|x| !x.is_empty())
            {
                "in use"
            } else {
                "free"
            };
            put(
                "elastic_ip",
                &format!("{} ({tag}, {used})", a.allocation_id().unwrap()),
            );
        }
        for t in ec2
            .describe_route_tables()
            .send()
            .await
            .unwrap()
            .route_tables()
        {
            let main = t.associations().iter().any(|a| a.main().unwrap_or(false));
            if !main {
                put("route_table", t.route_table_id().unwrap());
            }
        }
        for g in ec2
            .describe_security_groups()
            .send()
            .await
            .unwrap()
            .security_groups()
        {
            if g.group_name() != Some("default") {
                put("security_group", g.group_id().unwrap());
            }
        }
        // Standalone rules carry mdl's address tag; a group's own rules
        // carry none.
        for r in ec2
            .describe_security_group_rules()
            .send()
            .await
            .unwrap()
            .security_group_rules()
        {
            if r.tags().iter().any(|t| t.key() == Some("mdl:address")) {
                put("security_group_rule", r.security_group_rule_id().unwrap());
            }
        }
        for t in ec2
            .describe_launch_templates()
            .send()
            .await
            .unwrap()
            .launch_templates()
        {
            put("launch_template", t.launch_template_id().unwrap());
        }
        let efs = aws_sdk_efs::Client::new(&sdk);
        for f in efs
            .describe_file_systems()
            .send()
            .await
            .unwrap()
            .file_systems()
        {
            put("efs", f.file_system_id());
            let mts = efs
                .describe_mount_targets()
                .file_system_id(f.file_system_id())
                .send()
                .await
                .unwrap();
            for m in mts.mount_targets() {
                put("efs_mount_target", m.mount_target_id());
            }
        }
        let rds = aws_sdk_rds::Client::new(&sdk);
        for g in rds
            .describe_db_subnet_groups()
            .send()
            .await
            .unwrap()
            .db_subnet_groups()
        {
            put("db_subnet_group", g.db_subnet_group_name().unwrap());
        }
        for c in rds
            .describe_db_clusters()
            .send()
            .await
            .unwrap()
            .db_clusters()
        {
            put("aurora_cluster", c.db_cluster_identifier().unwrap());
        }
        for i in rds
            .describe_db_instances()
            .send()
            .await
            .unwrap()
            .db_instances()
        {
            put("aurora_instance", i.db_instance_identifier().unwrap());
        }
        let cache = aws_sdk_elasticache::Client::new(&sdk);
        for g in cache
            .describe_cache_subnet_groups()
            .send()
            .await
            .unwrap()
            .cache_subnet_groups()
        {
            if g.cache_subnet_group_name() != Some("default") {
                put("cache_subnet_group", g.cache_subnet_group_name().unwrap());
            }
        }
        for g in cache
            .describe_replication_groups()
            .send()
            .await
            .unwrap()
            .replication_groups()
            .iter()
            // moto keeps a deleted group, "deleting", for good.
            .filter(|g| g.status() != Some("deleting"))
        {
            put("cache", g.replication_group_id().unwrap());
        }
        let elb = aws_sdk_elasticloadbalancingv2::Client::new(&sdk);
        for lb in elb
            .describe_load_balancers()
            .send()
            .await
            .unwrap()
            .load_balancers()
        {
            put("load_balancer", lb.load_balancer_arn().unwrap());
            let listeners = elb
                .describe_listeners()
                .load_balancer_arn(lb.load_balancer_arn().unwrap())
                .send()
                .await
                .unwrap();
            for l in listeners.listeners() {
                put("listener", l.listener_arn().unwrap());
            }
        }
        for tg in elb
            .describe_target_groups()
            .send()
            .await
            .unwrap()
            .target_groups()
        {
            put("target_group", tg.target_group_arn().unwrap());
        }
        let asg = aws_sdk_autoscaling::Client::new(&sdk);
        for g in asg
            .describe_auto_scaling_groups()
            .send()
            .await
            .unwrap()
            .auto_scaling_groups()
        {
            put("autoscaling_group", g.auto_scaling_group_name().unwrap());
        }
        let ssm = aws_sdk_ssm::Client::new(&sdk);
        let pages = ssm
            .describe_parameters()
            .into_paginator()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .unwrap();
        for p in pages.iter().flat_map(|p| p.parameters()) {
            put("ssm_parameter", p.name().unwrap());
        }
        // The database's master secret is RDS's own, untagged by mdl.
        let sm = aws_sdk_secretsmanager::Client::new(&sdk);
        for page in sm
            .list_secrets()
            .into_paginator()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .unwrap()
        {
            for secret in page.secret_list() {
                if secret.tags().iter().any(|t| t.key() == Some("mdl:stack")) {
                    put("secret", secret.arn().unwrap());
                }
            }
        }
        for f in ec2.describe_flow_logs().send().await.unwrap().flow_logs() {
            put("flow_log", f.flow_log_id().unwrap());
        }
        let logs = aws_sdk_cloudwatchlogs::Client::new(&sdk);
        for g in logs
            .describe_log_groups()
            .send()
            .await
            .unwrap()
            .log_groups()
        {
            put("log_group", g.log_group_name().unwrap());
        }
        // Buckets are listed by account: these are this test's.
        for b in ws.moto.s3().list_buckets().send().await.unwrap().buckets() {
            put("s3_bucket", b.name().unwrap());
        }
        // Roles mdl makes live under /mdl/.
        let iam = aws_sdk_iam::Client::new(&sdk);
        for r in iam
            .list_roles()
            .path_prefix("/mdl/")
            .send()
            .await
            .unwrap()
            .roles()
        {
            put("iam_role", r.role_name());
        }
        for p in iam
            .list_instance_profiles()
            .send()
            .await
            .unwrap()
            .instance_profiles()
        {
            if p.path().starts_with("/mdl/") {
                put("iam_instance_profile", p.instance_profile_name());
            }
        }
        out
    })
}

/// The rounds of a crash test: how many (`MDL_CRASH_RUNS`, 10 by default),
/// the one to repeat alone (`MDL_CRASH_ONLY=N`, to look into it), and where
/// in its share of the run each round's kill falls (`MDL_CRASH_SEED`).
struct Runs {
    runs: u64,
    only: Option<u64>,
    seed: u64,
}

impl Runs {
    fn from_env() -> Runs {
        let var = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
        // A seed of its own for each run of the suite, so that the kills of
        // successive CI runs fall at different points; the report prints
        // it, and MDL_CRASH_SEED repeats a run's points exactly.
        let seed = var("MDL_CRASH_SEED").unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .subsec_nanos()
                .into()
        });
        Runs {
            runs: var("MDL_CRASH_RUNS").unwrap_or(10).max(1),
            only: var("MDL_CRASH_ONLY"),
            seed,
        }
    }

    /// Round `i`'s kill: `start` plus its share of `span`, the rounds
    /// spread evenly over the span, all moved by the seed within a share.
    fn delay(&self, i: u64, start: u64, span: u64) -> Duration {
        let share = span / self.runs;
        Duration::from_millis(start + i * share + self.seed % share.max(1))
    }
}

/// Rounds at once: each has an emulator of its own, and the kills land
/// wherever the load puts them (each round reports where).
const ROUNDS_AT_ONCE: usize = 3;

/// Run `round` for each run number, `ROUNDS_AT_ONCE` at a time, and print
/// their reports in order. A round that fails fails the test, with its
/// message.
fn rounds(runs: &Runs, round: impl Fn(u64) -> String + Sync) {
    let todo: Vec<u64> = (0..runs.runs)
        .filter(|i| runs.only.is_none_or(|o| o == *i))
        .collect();
    // First, so that a failing round's output says how to repeat it.
    eprintln!("MDL_CRASH_SEED={} MDL_CRASH_RUNS={}", runs.seed, runs.runs);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let reports = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..ROUNDS_AT_ONCE {
            s.spawn(|| {
                while let Some(&i) =
                    todo.get(next.fetch_add(1, std::sync::atomic::Ordering::SeqCst))
                {
                    let line = round(i);
                    reports.lock().unwrap().push((i, line));
                }
            });
        }
    });
    let mut reports = reports.into_inner().unwrap();
    reports.sort();
    let lines: Vec<String> = reports.into_iter().map(|(_, l)| l).collect();
    eprintln!("{}", lines.join("\n"));
}

#[test]
fn killed_applies_converge_without_duplicates_or_orphans() {
    let runs = Runs::from_env();
    rounds(&runs, |i| {
        let ws = Workspace::new("prod.moodle", PROD);
        let proxy = Proxy::start(
            &ws.moto.endpoint,
            Faults {
                latency: Duration::from_millis(20),
                ..Faults::default()
            },
        );
        // A plan first, so that moto has loaded every service and the
        // kill falls in the apply itself (about 1.5 s), not in moto's
        // start-up.
        ws.expect("plan", &[], 0);
        let delay = runs.delay(i, 100, 1500);
        let mut child = ws.spawn_at(&proxy.endpoint, &["apply", "prod.moodle", "--auto-approve"]);
        std::thread::sleep(delay);
        let finished = child.try_wait().unwrap().is_some();
        let _ = child.kill();
        let _ = child.wait();
        proxy.settle();
        let recorded = state_ids(&ws).values().map(BTreeSet::len).sum::<usize>();

        let again = ws.mdl(&["apply", "prod.moodle", "--auto-approve"]);
        if std::env::var("MDL_CRASH_ONLY").is_ok() {
            eprintln!("{}", again.stdout);
        }
        assert_eq!(
            again.code,
            0,
            "run {i} (killed after {delay:?}): the next apply failed:\n{}",
            again.all()
        );
        ws.expect("plan", &["--detailed-exitcode"], 0);
        let mut held = inventory(&ws);
        let mut recorded_ids = state_ids(&ws);
        let eips = held.remove("elastic_ip").unwrap_or_default();
        recorded_ids.retain(|_, ids| !ids.is_empty());
        assert_eq!(
            held, recorded_ids,
            "run {i} (killed after {delay:?}): moto (left) and state (right) differ"
        );
        // A NAT gateway's elastic IP is its own: one each, none spare.
        assert_eq!(
            eips.len(),
            recorded_ids.get("nat_gateway").map_or(0, BTreeSet::len),
            "run {i} (killed after {delay:?}): elastic IPs {eips:?}"
        );
        let total: usize = held.values().map(BTreeSet::len).sum();
        assert_eq!(total, 60, "run {i}");
        format!(
            "run {i}: killed after {} ms{}, {recorded} records in state at the kill (intents included)",
            delay.as_millis(),
            if finished { " (already finished)" } else { "" }
        )
    });
}

/// Send SIGINT, as Ctrl-C does.
fn interrupt(child: &std::process::Child) {
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn ctrl_c_once_finishes_the_calls_in_flight_and_twice_stops_at_once() {
    for presses in [1, 2] {
        let ws = Workspace::new("prod.moodle", PROD);
        let proxy = Proxy::start(
            &ws.moto.endpoint,
            Faults {
                latency: Duration::from_millis(20),
                ..Faults::default()
            },
        );
        ws.expect("plan", &[], 0);
        let child = ws
            .command(&proxy.endpoint, &["apply", "prod.moodle", "--auto-approve"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Once the apply has recorded its first step (under load, planning
        // can take a while).
        let start = std::time::Instant::now();
        while state_ids(&ws).is_empty() {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "the apply never started"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        interrupt(&child);
        if presses == 2 {
            std::thread::sleep(Duration::from_millis(30));
            interrupt(&child);
        }
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        let all = format!("--- stdout\n{stdout}\n--- stderr\n{stderr}");
        assert!(
            stderr.contains("finishing the calls in flight and saving state"),
            "{all}"
        );
        if presses == 1 {
            // It stops on its own once the calls in flight are answered,
            // listing what it did not start.
            assert_eq!(out.status.code(), Some(1), "{all}");
            assert!(stdout.contains("Apply incomplete"), "{all}");
            assert!(stdout.contains("not started"), "{all}");
        } else {
            assert_eq!(out.status.code(), Some(130), "{all}");
            assert!(stderr.contains("mdl: stopped"), "{all}");
        }
        proxy.settle();
        let recorded = state_ids(&ws).values().map(BTreeSet::len).sum::<usize>();
        assert!(
            recorded > 0 && recorded < 60,
            "{presses}: {recorded} in state"
        );
        // State is consistent: the next apply finishes, and what moto
        // holds is what state records.
        ws.expect("apply", &["--auto-approve"], 0);
        ws.expect("plan", &["--detailed-exitcode"], 0);
        let mut held = inventory(&ws);
        held.remove("elastic_ip");
        let mut recorded = state_ids(&ws);
        recorded.retain(|_, ids| !ids.is_empty());
        assert_eq!(held, recorded, "after {presses} Ctrl-C");
    }
}

#[test]
fn killed_destroys_finish_without_orphans() {
    let runs = Runs::from_env();
    rounds(&runs, |i| {
        let ws = Workspace::new("prod.moodle", PROD);
        ws.expect("apply", &["--auto-approve"], 0);
        // moto 5.2.5 has no DeleteCacheSubnetGroup and answers it with a
        // 500, which the SDK retries for about 25 s: the proxies refuse it
        // at once instead (a 403 is not retried).
        let gap = Some("DeleteCacheSubnetGroup".to_string());
        // Every other run answers DeleteNatGateway a second late, after
        // moto has deleted the gateway: a kill then leaves its elastic IP
        // allocated and only the state to say so.
        let slow = (i % 2 == 1).then(|| ("DeleteNatGateway".to_string(), Duration::from_secs(1)));
        let proxy = Proxy::start(
            &ws.moto.endpoint,
            Faults {
                latency: Duration::from_millis(20),
                deny_operation: gap.clone(),
                slow_operation: slow.clone(),
                ..Faults::default()
            },
        );
        let direct = Proxy::start(
            &ws.moto.endpoint,
            Faults {
                deny_operation: gap,
                ..Faults::default()
            },
        );
        // Spread over the destroy: about 0.8 s through the proxy, 1.8 s
        // with the NAT gateways' answers late.
        let span = if slow.is_some() { 1600 } else { 700 };
        let delay = runs.delay(i, 150, span);
        let mut child = ws.spawn_at(
            &proxy.endpoint,
            &[
                "destroy",
                "prod.moodle",
                "--auto-approve",
                "--allow-destroy",
                "module.vle",
            ],
        );
        std::thread::sleep(delay);
        let finished = child.try_wait().unwrap().is_some();
        let _ = child.kill();
        let _ = child.wait();
        proxy.settle();
        let left_in_state = state_ids(&ws).values().map(BTreeSet::len).sum::<usize>();
        let deleting = std::fs::read_to_string(ws.state_path())
            .unwrap_or_default()
            .matches("\"deleting\": true")
            .count();
        let again = ws.mdl_at(
            &direct.endpoint,
            &[
                "destroy",
                "prod.moodle",
                "--auto-approve",
                "--allow-destroy",
                "module.vle",
            ],
        );
        // The cache subnet group stays (moto's gap), and what it stands on
        // (its subnets, their VPC). Nothing else may fail.
        assert_eq!(
            again.code,
            1,
            "run {i} (killed after {delay:?}):\n{}",
            again.all()
        );
        assert_eq!(
            again.stderr.matches("apply::failed").count(),
            again
                .stderr
                .matches("elasticache DeleteCacheSubnetGroup failed")
                .count(),
            "run {i} (killed after {delay:?}): a failure other than moto's gap:\n{}",
            again.all()
        );
        // No orphan: what AWS still holds is exactly what state records
        // (so a later destroy finishes it), kind by kind, the same ids; and
        // no elastic IP outlives its NAT gateway.
        let mut held = inventory(&ws);
        let eips = held.remove("elastic_ip").unwrap_or_default();
        let mut recorded = state_ids(&ws);
        recorded.retain(|_, ids| !ids.is_empty());
        assert_eq!(
            held, recorded,
            "run {i} (killed after {delay:?}): moto (left) and state (right) differ"
        );
        assert_eq!(
            eips.len(),
            recorded.get("nat_gateway").map_or(0, BTreeSet::len),
            "run {i} (killed after {delay:?}): elastic IPs {eips:?}"
        );
        for kind in recorded.keys() {
            assert!(
                matches!(
                    kind.as_str(),
                    "cache_subnet_group" | "subnet" | "vpc" | "route_table" | "internet_gateway"
                ),
                "run {i}: {kind} should have been destroyed: {recorded:?}"
            );
        }
        let orphans = 0;
        format!(
            "run {i}: destroy killed after {} ms{}{}, {left_in_state} records left at the kill ({deleting} being deleted), {orphans} orphans, {} elastic IPs left",
            delay.as_millis(),
            if slow.is_some() {
                " (NAT deletes answered late)"
            } else {
                ""
            },
            if finished { " (already finished)" } else { "" },
            eips.len()
        )
    });
}
