//! The `mdl` command. Thin: everything happens in `mdl::cli`.

/// The parser and evaluator recurse over expressions, which the parser
/// bounds (nesting, operator chains); this stack holds the deepest they
/// allow with room to spare.
const STACK_BYTES: usize = 64 * 1024 * 1024;

/// Planning a large estate allocates many small maps and strings on
/// several threads; mimalloc does that faster than the system allocator
/// (BENCHMARKS.md: planning 10,000 resources took a quarter less time).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    match std::thread::Builder::new()
        .name("mdl".into())
        .stack_size(STACK_BYTES)
        .spawn(mdl::cli::main)
    {
        Ok(handle) => handle.join().unwrap_or(std::process::ExitCode::from(101)),
        Err(e) => {
            eprintln!("mdl: cannot start: {e}");
            std::process::ExitCode::from(1)
        }
    }
}
