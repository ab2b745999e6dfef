//! The stdlib: modules embedded in the binary, used as `use "std/NAME"`.
//! Their sources live in `stdlib/` at the project root.

const MODULES: &[(&str, &str)] = &[
    ("network", include_str!("../../../stdlib/network.moodle")),
    ("ha", include_str!("../../../stdlib/ha.moodle")),
    (
        "ecs_preview",
        include_str!("../../../stdlib/ecs_preview.moodle"),
    ),
    (
        "single_node",
        include_str!("../../../stdlib/single_node.moodle"),
    ),
    (
        "access_logs",
        include_str!("../../../stdlib/access_logs.moodle"),
    ),
];

/// The source of a stdlib module.
pub fn module(name: &str) -> Option<&'static str> {
    MODULES.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// The names of the stdlib modules.
pub fn names() -> impl Iterator<Item = &'static str> {
    MODULES.iter().map(|(n, _)| *n)
}
