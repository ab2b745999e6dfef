//! `mdl output --moodle-config`: the config.php settings of each Moodle
//! estate (an instance of std/ha, std/single_node or std/ecs_preview, or
//! any module with the same outputs), from the deployed endpoints in state.

use std::fmt::Write as _;

use crate::lang::{Config, Evaluator};
use crate::state::State;
use crate::value::Value;

/// The outputs an estate module has for this command.
const REQUIRED: &str = "database_endpoint";

/// The PHP fragment for every estate in the configuration.
///
/// # Errors
/// No estate in the file, or an estate whose endpoints are not in state
/// yet (not applied).
pub fn render(config: &Config, state: &State) -> Result<String, String> {
    let estates: Vec<&str> = config
        .modules
        .values()
        .filter(|m| m.def.outputs.contains_key(REQUIRED))
        .map(|m| m.path.as_str())
        .collect();
    if estates.is_empty() {
        return Err(
            "no Moodle estate in this file: --moodle-config reads the outputs of a std/ha, std/single_node or std/ecs_preview instance"
                .to_string(),
        );
    }
    let eval = Evaluator::new(config, state);
    let mut out = String::new();
    for path in estates {
        let get = |name: &str| -> Result<Option<String>, String> {
            match eval.module_output_value(path, name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s)),
                Some(v) if v.has_unknown() => Err(format!(
                    "`{name}` of {path} is not known yet: run `mdl apply` first"
                )),
                Some(v) => Ok(Some(v.to_string())),
            }
        };
        let Some(host) = get(REQUIRED)? else {
            return Err(format!(
                "`{REQUIRED}` of {path} is not known yet: run `mdl apply` first"
            ));
        };
        let engine = get("database_engine")?.unwrap_or_else(|| "mysql".into());
        let (dbtype, port) = if engine == "postgresql" {
            ("pgsql", 5432)
        } else {
            ("auroramysql", 3306)
        };
        let tenants = config
            .modules
            .get(path)
            .is_some_and(|m| m.def.outputs.contains_key("tenant_hosts"));
        let env = |name: &str| format!("getenv('{name}')");
        let _ = writeln!(
            out,
            "// {path}: Moodle settings from the state of stack `{}` (serial {}).",
            state.stack, state.serial
        );
        if tenants {
            let _ = writeln!(
                out,
                "// Each tenant's task sets MOODLE_WWWROOT, MOODLE_DATAROOT, MOODLE_DB_NAME and MOODLE_REDIS_PREFIX."
            );
        }
        let _ = writeln!(out, "$CFG->dbtype    = {};", php(dbtype));
        let _ = writeln!(out, "$CFG->dblibrary = 'native';");
        let _ = writeln!(out, "$CFG->dbhost    = {};", php(&host));
        let dbname = get("database_name")?;
        let _ = writeln!(
            out,
            "$CFG->dbname    = {};",
            dbname.as_deref().map_or_else(|| env("MOODLE_DB_NAME"), php)
        );
        let _ = writeln!(out, "$CFG->dbuser    = 'moodle';");
        if let Some(secret) = get("database_secret_arn")? {
            let _ = writeln!(
                out,
                "// RDS keeps the password in Secrets Manager: {secret}"
            );
        }
        let _ = writeln!(out, "$CFG->dbpass    = {};", env("MOODLE_DB_PASSWORD"));
        let _ = writeln!(out, "$CFG->prefix    = 'mdl_';");
        let _ = writeln!(out, "$CFG->dboptions = [");
        let _ = writeln!(out, "    'dbport' => {port},");
        if let Some(reader) = get("database_reader_endpoint")? {
            let _ = writeln!(out, "    'readonly' => ['instance' => [{}]],", php(&reader));
        }
        let _ = writeln!(out, "];");
        let wwwroot = get("url")?;
        let _ = writeln!(
            out,
            "$CFG->wwwroot   = {};",
            wwwroot
                .as_deref()
                .map_or_else(|| env("MOODLE_WWWROOT"), php)
        );
        let dataroot = get("dataroot")?.unwrap_or_else(|| "/var/www/moodle/data".into());
        let _ = writeln!(
            out,
            "$CFG->dataroot  = {};",
            if tenants {
                env("MOODLE_DATAROOT")
            } else {
                php(&dataroot)
            }
        );
        let cache_engine = get("cache_engine")?.unwrap_or_else(|| "redis".into());
        let tls = get("cache_tls")?.as_deref() == Some("true");
        let auth = get("cache_auth_secret_arn")?;
        let session = match get("session_cache_endpoint")? {
            Some(s) => Some(s),
            None => get("redis_endpoint")?,
        };
        match session {
            Some(endpoint) if cache_engine == "memcached" => {
                let _ = writeln!(
                    out,
                    "$CFG->session_handler_class = '\\core\\session\\memcached';"
                );
                let _ = writeln!(
                    out,
                    "$CFG->session_memcached_save_path = {};",
                    php(&format!("{endpoint}:11211"))
                );
                let _ = writeln!(out, "$CFG->session_memcached_prefix = 'memc.sess.key.';");
            }
            Some(endpoint) => {
                let _ = writeln!(
                    out,
                    "$CFG->session_handler_class = '\\core\\session\\redis';"
                );
                let _ = writeln!(out, "$CFG->session_redis_host = {};", php(&endpoint));
                let _ = writeln!(out, "$CFG->session_redis_port = 6379;");
                if let Some(secret) = &auth {
                    let _ = writeln!(
                        out,
                        "// The cache's AUTH token is the value of secret {secret}"
                    );
                    let _ = writeln!(
                        out,
                        "$CFG->session_redis_auth = {};",
                        env("MOODLE_REDIS_AUTH")
                    );
                }
                if tls {
                    // Moodle connects over TLS when this holds SSL context
                    // options; ElastiCache's certificates verify against
                    // the public roots.
                    let _ = writeln!(
                        out,
                        "$CFG->session_redis_encrypt = ['verify_peer' => true, 'verify_peer_name' => true]; // the cache takes TLS only"
                    );
                }
                let _ = writeln!(
                    out,
                    "$CFG->session_redis_prefix = {};",
                    if tenants {
                        format!("{} . '_sess_'", env("MOODLE_REDIS_PREFIX"))
                    } else {
                        "'mdl_sess_'".to_string()
                    }
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "// No session cache: sessions are kept in the database."
                );
            }
        }
        let application = match get("application_cache_endpoint")? {
            Some(a) => Some(a),
            None => get("redis_endpoint")?,
        };
        if let Some(endpoint) = application {
            let port = if cache_engine == "memcached" {
                11211
            } else {
                6379
            };
            let _ = writeln!(
                out,
                "// Application cache (MUC): add a {} store at {endpoint}:{port}{} in Site administration > Plugins > Caching.",
                if cache_engine == "memcached" {
                    "Memcached"
                } else {
                    "Redis"
                },
                match (tls, auth.is_some()) {
                    (true, true) => ", with TLS encryption on and the AUTH token as its password,",
                    (true, false) => ", with TLS encryption on,",
                    (false, true) => ", with the AUTH token as its password,",
                    (false, false) => "",
                }
            );
        }
        out.push('\n');
    }
    Ok(out.trim_end().to_string() + "\n")
}

/// A PHP single-quoted string.
fn php(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}
