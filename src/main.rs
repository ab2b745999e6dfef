//! The `mdl` command. Thin: everything happens in `mdl::cli`.

fn main() -> std::process::ExitCode {
    mdl::cli::main()
}
