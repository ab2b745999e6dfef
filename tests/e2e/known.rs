//! Values known at plan time: a file that passes a module the ids and
//! ARNs AWS assigns to its own resources, which the module tests against
//! null, plans and applies in one stack.

use crate::harness::Workspace;

/// Moodle on its own domain, with the zone and the certificate in the
/// same file: std/single_node decides on `certificate_arn != null`.
const OWN_DOMAIN: &str = include_str!("../fixtures/estates/own_domain.moodle");

#[test]
fn a_site_on_its_own_domain_applies_in_one_stack() {
    let ws = Workspace::new("site.moodle", OWN_DOMAIN);
    ws.expect("validate", &[], 0);
    let plan = ws.expect("plan", &[], 0);
    // The HTTPS listener and the redirect exist because the certificate
    // will: decided before the certificate's ARN is known.
    for expected in [
        "module.site.listener.https will be created",
        "\"redirect-https\"",
        "module.site.dns_record.web will be created",
    ] {
        assert!(
            plan.stdout.contains(expected),
            "`{expected}`:\n{}",
            plan.all()
        );
    }
    ws.expect("apply", &["--auto-approve"], 0);
    ws.expect("plan", &["--detailed-exitcode"], 0);
}
