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
            let kinds = crate::schema::kinds();
            let width = kinds.iter().map(|k| k.name.len()).max().unwrap_or(0);
            for k in kinds {
                println!("{:<width$}  {}", k.name, k.summary);
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
