//! Hand parsers for the replication statements sqlparser does not know: CHANGE MASTER TO
//! (and MySQL 8's CHANGE REPLICATION SOURCE TO), START / STOP SLAVE | REPLICA with thread
//! options, RESET SLAVE | REPLICA [ALL].

use sqlparser::tokenizer::Token;

use crate::control::{MasterChange, Threads};
use crate::sql::parse::{tokens, unsupported};
use crate::sqlerror::SqlError;

/// A replication statement.
#[derive(Clone, Debug, PartialEq)]
pub enum Admin {
    /// CHANGE MASTER TO ...
    ChangeMaster(Box<MasterChange>),
    /// START SLAVE [threads].
    Start(Threads),
    /// STOP SLAVE [threads].
    Stop(Threads),
    /// RESET SLAVE [ALL].
    Reset {
        /// RESET SLAVE ALL.
        all: bool,
    },
}

fn word(t: &Token) -> Option<String> {
    match t {
        Token::Word(w) => Some(w.value.to_ascii_uppercase()),
        _ => None,
    }
}

/// Parses a replication statement; `Ok(None)` when `sql` is not one.
pub fn parse(sql: &str) -> Result<Option<Admin>, SqlError> {
    let toks = tokens(sql)?;
    let words: Vec<Option<String>> = toks.iter().map(word).collect();
    let w = |i: usize| words.get(i).and_then(|w| w.as_deref());
    let near = |i: usize| -> SqlError {
        let rest: Vec<String> = toks[i.min(toks.len())..]
            .iter()
            .map(|t| t.to_string())
            .collect();
        syntax_error_near(&rest.join(" "))
    };
    match (w(0), w(1)) {
        (Some("CHANGE"), Some("MASTER")) | (Some("CHANGE"), Some("REPLICATION")) => {
            let mut i = 2;
            if w(1) == Some("REPLICATION") {
                if w(2) != Some("SOURCE") {
                    return Err(near(2));
                }
                i = 3;
            }
            // A named connection (MariaDB multi-source): only the default one exists.
            if let Some(Token::SingleQuotedString(name)) = toks.get(i) {
                if !name.is_empty() {
                    return Err(unsupported("multi-source replication (named connections)"));
                }
                i += 1;
            }
            if w(i) != Some("TO") {
                return Err(near(i));
            }
            i += 1;
            let mut ch = MasterChange::default();
            loop {
                let Some(opt) = w(i) else {
                    return Err(near(i));
                };
                if toks.get(i + 1) != Some(&Token::Eq) {
                    return Err(near(i + 1));
                }
                let Some(val) = toks.get(i + 2) else {
                    return Err(near(i + 2));
                };
                set_option(&mut ch, opt, val).map_err(|e| e.unwrap_or_else(|| near(i)))?;
                i += 3;
                match toks.get(i) {
                    None => break,
                    Some(Token::Comma) => i += 1,
                    Some(_) => return Err(near(i)),
                }
            }
            Ok(Some(Admin::ChangeMaster(Box::new(ch))))
        }
        (Some(verb @ ("START" | "STOP")), Some(second)) => {
            let mut i = 1;
            if second == "ALL" {
                i = 2;
                if !matches!(w(2), Some("SLAVES" | "REPLICAS")) {
                    return Ok(None);
                }
            } else if !matches!(second, "SLAVE" | "REPLICA") {
                return Ok(None);
            }
            i += 1;
            if let Some(Token::SingleQuotedString(name)) = toks.get(i) {
                if !name.is_empty() {
                    return Err(unsupported("multi-source replication (named connections)"));
                }
                i += 1;
            }
            let mut threads = Threads {
                io: false,
                sql: false,
            };
            while let Some(t) = w(i) {
                match t {
                    "IO_THREAD" => threads.io = true,
                    "SQL_THREAD" => threads.sql = true,
                    "UNTIL" => return Err(unsupported("START SLAVE UNTIL")),
                    _ => return Err(near(i)),
                }
                i += 1;
                if toks.get(i) == Some(&Token::Comma) {
                    i += 1;
                }
            }
            if i < toks.len() {
                return Err(near(i));
            }
            if !threads.io && !threads.sql {
                threads = Threads::BOTH;
            }
            Ok(Some(if verb == "START" {
                Admin::Start(threads)
            } else {
                Admin::Stop(threads)
            }))
        }
        (Some("RESET"), Some("SLAVE" | "REPLICA")) => {
            let mut i = 2;
            if let Some(Token::SingleQuotedString(_)) = toks.get(i) {
                i += 1;
            }
            let all = w(i) == Some("ALL");
            if all {
                i += 1;
            }
            if i < toks.len() {
                return Err(near(i));
            }
            Ok(Some(Admin::Reset { all }))
        }
        _ => Ok(None),
    }
}

fn syntax_error_near(near: &str) -> SqlError {
    crate::sql::parse::syntax_error_near(near, 1)
}

/// Sets one CHANGE MASTER option; `Err(None)` is a syntax error at the option.
fn set_option(ch: &mut MasterChange, opt: &str, val: &Token) -> Result<(), Option<SqlError>> {
    let opt = opt
        .strip_prefix("SOURCE_")
        .map_or_else(|| opt.to_string(), |rest| format!("MASTER_{rest}"));
    let text = || match val {
        Token::SingleQuotedString(s) | Token::DoubleQuotedString(s) => Ok(s.clone()),
        _ => Err(None),
    };
    let num = || match val {
        Token::Number(n, _) => n.parse::<u64>().map_err(|_| None),
        _ => Err(None),
    };
    let float = || match val {
        Token::Number(n, _) => n.parse::<f64>().map_err(|_| None),
        _ => Err(None),
    };
    let flag = || num().map(|n| n != 0);
    match opt.as_str() {
        "MASTER_HOST" => ch.host = Some(text()?),
        "MASTER_PORT" => {
            ch.port = Some(u16::try_from(num()?).map_err(|_| {
                Some(SqlError::new(
                    1064,
                    "MASTER_PORT must be a port number".into(),
                ))
            })?)
        }
        "MASTER_USER" => ch.user = Some(text()?),
        "MASTER_PASSWORD" => ch.password = Some(text()?),
        "MASTER_LOG_FILE" => ch.log_file = Some(text()?),
        "MASTER_LOG_POS" => ch.log_pos = Some(num()?),
        "MASTER_CONNECT_RETRY" => ch.connect_retry = Some(num()?),
        "MASTER_HEARTBEAT_PERIOD" => ch.heartbeat_period = Some(float()?),
        "MASTER_SSL" => ch.ssl = Some(flag()?),
        "MASTER_SSL_CA" => ch.ssl_ca = Some(text()?),
        "MASTER_SSL_CERT" => ch.ssl_cert = Some(text()?),
        "MASTER_SSL_KEY" => ch.ssl_key = Some(text()?),
        "MASTER_SSL_VERIFY_SERVER_CERT" => ch.ssl_verify_server_cert = Some(flag()?),
        "RELAY_LOG_FILE" => ch.relay_log_file = Some(text()?),
        "RELAY_LOG_POS" => ch.relay_log_pos = Some(num()?),
        "MASTER_AUTO_POSITION" => ch.auto_position = Some(flag()?),
        "MASTER_USE_GTID" => match word(val).as_deref() {
            Some("NO") => {}
            Some("SLAVE_POS" | "CURRENT_POS") => {
                return Err(Some(unsupported("MASTER_USE_GTID=slave_pos/current_pos")))
            }
            _ => return Err(None),
        },
        "MASTER_DELAY" => {
            if num()? != 0 {
                return Err(Some(unsupported("MASTER_DELAY")));
            }
        }
        "MASTER_SSL_CAPATH"
        | "MASTER_SSL_CIPHER"
        | "MASTER_SSL_CRL"
        | "MASTER_SSL_CRLPATH"
        | "MASTER_TLS_VERSION"
        | "MASTER_PUBLIC_KEY_PATH"
        | "GET_MASTER_PUBLIC_KEY" => return Err(Some(unsupported(&opt))),
        _ => return Err(None),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_change_master_parses() {
        let sql = "change master to master_host='192.168.56.100', master_user='slave', master_password='slave', master_port=3306, master_log_file='mall-mysql-bin.000004', master_log_pos=154, master_connect_retry=30;";
        let Some(Admin::ChangeMaster(ch)) = parse(sql).unwrap() else {
            panic!("not parsed")
        };
        assert_eq!(ch.host.as_deref(), Some("192.168.56.100"));
        assert_eq!(ch.user.as_deref(), Some("slave"));
        assert_eq!(ch.port, Some(3306));
        assert_eq!(ch.log_file.as_deref(), Some("mall-mysql-bin.000004"));
        assert_eq!(ch.log_pos, Some(154));
        assert_eq!(ch.connect_retry, Some(30));
        let Some(Admin::ChangeMaster(ch)) =
            parse("CHANGE REPLICATION SOURCE TO SOURCE_HOST=\"h\", SOURCE_HEARTBEAT_PERIOD=0.5")
                .unwrap()
        else {
            panic!("not parsed")
        };
        assert_eq!(ch.host.as_deref(), Some("h"));
        assert_eq!(ch.heartbeat_period, Some(0.5));
    }

    #[test]
    fn start_stop_reset() {
        assert_eq!(
            parse("start slave").unwrap(),
            Some(Admin::Start(Threads::BOTH))
        );
        assert_eq!(
            parse("STOP REPLICA IO_THREAD").unwrap(),
            Some(Admin::Stop(Threads {
                io: true,
                sql: false
            }))
        );
        assert_eq!(
            parse("START SLAVE SQL_THREAD, IO_THREAD").unwrap(),
            Some(Admin::Start(Threads::BOTH))
        );
        assert_eq!(
            parse("reset slave all").unwrap(),
            Some(Admin::Reset { all: true })
        );
        assert_eq!(parse("START TRANSACTION").unwrap(), None);
        assert_eq!(parse("SELECT 1").unwrap(), None);
    }

    proptest::proptest! {
        #[test]
        fn any_text_parses_or_fails_cleanly(sql in "(CHANGE|MASTER|TO|START|STOP|RESET|SLAVE|ALL|IO_THREAD|=|,|'x'|1|MASTER_HOST|MASTER_LOG_POS| |é|\\(|;)*") {
            let _ = parse(&sql);
        }
    }

    #[test]
    fn errors() {
        let code = |s: &str| parse(s).unwrap_err().code;
        assert_eq!(code("CHANGE MASTER TO MASTER_HOST=1"), 1064);
        assert_eq!(code("CHANGE MASTER TO MASTER_BOGUS='x'"), 1064);
        assert_eq!(code("CHANGE MASTER TO MASTER_HOST='x',"), 1064);
        assert_eq!(code("CHANGE MASTER TO MASTER_DELAY=10"), 1235);
        assert_eq!(code("START SLAVE UNTIL MASTER_LOG_POS=4"), 1235);
        assert_eq!(code("STOP SLAVE BOGUS"), 1064);
    }
}
