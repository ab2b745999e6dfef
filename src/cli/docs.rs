//! `mdl docs`: the schema, for people.

use clap::Args;

#[derive(Args, Debug)]
pub struct DocsArgs {
    /// A resource kind; without one, list them all.
    pub kind: Option<String>,
}

pub fn run(args: &DocsArgs) -> u8 {
    match &args.kind {
        None => {
            for k in crate::schema::kinds() {
                println!("{:<18} {}", k.name, k.summary);
            }
            0
        }
        Some(name) => match crate::schema::kind(name) {
            Some(k) => {
                print!("{}", crate::schema::docs(k));
                0
            }
            None => {
                let hint = crate::diagnostics::suggest(
                    name,
                    crate::schema::kinds().iter().map(|k| k.name),
                )
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
                eprintln!("mdl docs: no resource kind `{name}`{hint}; `mdl docs` lists them");
                1
            }
        },
    }
}
