//! The parser against what MariaDB and MySQL log.
use super::*;

fn un(user: &str, host: Option<&str>) -> UserName {
    UserName {
        user: user.into(),
        host: host.map(Into::into),
    }
}

#[test]
fn parses_what_mariadb_logs() {
    let s = parse("CREATE USER 'bob'@'%' IDENTIFIED BY 'pw3'", "").unwrap();
    let Stmt::CreateUser { specs, .. } = s else {
        panic!()
    };
    assert_eq!(specs[0].name, un("bob", Some("%")));
    assert_eq!(
        specs[0].auth.as_ref().unwrap().auth,
        "*77B4A70CEFD76DB9415F36D291E74C110D2738E0"
    );
    let s = parse(
        "CREATE USER ed@localhost IDENTIFIED VIA ed25519 USING PASSWORD('edpw')",
        "",
    )
    .unwrap();
    let Stmt::CreateUser { specs, .. } = s else {
        panic!()
    };
    assert_eq!(specs[0].name, un("ed", Some("localhost")));
    assert_eq!(specs[0].auth.as_ref().unwrap().plugin, "ed25519");
    let s = parse("CREATE USER nat@'10.%' IDENTIFIED WITH mysql_native_password AS '*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19' WITH MAX_USER_CONNECTIONS 2 PASSWORD EXPIRE ACCOUNT LOCK", "").unwrap();
    let Stmt::CreateUser { opts, .. } = s else {
        panic!()
    };
    assert_eq!(opts.max_user_connections, Some(2));
    assert_eq!((opts.expire, opts.lock), (Some(Expire::Now), Some(true)));
    let s = parse(
        "GRANT SELECT (a,b), INSERT ON d1.t TO nat@'10.%' WITH GRANT OPTION",
        "x",
    )
    .unwrap();
    let Stmt::Grant {
        privs, level, opts, ..
    } = s
    else {
        panic!()
    };
    assert_eq!(privs.bits, privs::INSERT);
    assert_eq!(
        privs.columns,
        [(privs::SELECT, "a".into()), (privs::SELECT, "b".into())]
    );
    assert_eq!(level, Level::Table("d1".into(), "t".into()));
    assert!(opts.grant_option);
    let s = parse("GRANT PROCESS, REPLICATION SLAVE ON *.* TO bob@'%'", "").unwrap();
    assert!(matches!(
        s,
        Stmt::Grant {
            level: Level::Global,
            ..
        }
    ));
    assert_eq!(
        parse("GRANT r1 TO bob@'%'", "").unwrap(),
        Stmt::GrantRoles {
            roles: vec!["r1".into()],
            to: vec![un("bob", Some("%"))],
            admin: false
        }
    );
    assert_eq!(
        parse("SET DEFAULT ROLE 'r1' FOR 'bob'@'%'", "").unwrap(),
        Stmt::SetDefaultRole(Some("r1".into()), un("bob", Some("%")))
    );
    assert!(matches!(
        parse(
            "SET PASSWORD FOR 'bob'@'%'='*B27918D2D9402882CEADA0EF687D35FBDC137D72'",
            ""
        )
        .unwrap(),
        Stmt::SetPassword(..)
    ));
    assert_eq!(
        parse("REVOKE ALL PRIVILEGES, GRANT OPTION FROM a, b@h", "").unwrap(),
        Stmt::RevokeAll(vec![un("a", None), un("b", Some("h"))])
    );
    assert!(matches!(
        parse("REVOKE SELECT ON d1.* FROM bob@'%'", "").unwrap(),
        Stmt::Revoke {
            level: Level::Db(_),
            ..
        }
    ));
    assert!(matches!(
        parse("RENAME USER ed@localhost TO ed2@localhost", "").unwrap(),
        Stmt::Rename(_)
    ));
    assert_eq!(
        parse("FLUSH /*!40101 LOCAL */ PRIVILEGES", "").unwrap(),
        Stmt::Flush
    );
    // What MySQL 8 logs (the fixtures' first event): the plugin quoted, the hash as is.
    let s = parse(
        r"ALTER USER 'root'@'localhost' IDENTIFIED WITH 'caching_sha2_password' AS '$A$005$=uH,JKszSO-eD\\TRwyJmQf.fw4QTrNQFH9GoF5kJZvqP1CAP93oOJGDd3'",
        "",
    )
    .unwrap();
    let Stmt::AlterUser { specs, .. } = s else {
        panic!()
    };
    let a = specs[0].auth.as_ref().unwrap();
    assert_eq!(a.plugin, "caching_sha2_password");
    assert!(a.auth.starts_with("$A$005$"));
    assert!(a.auth.contains(r"eD\TR"));
    assert!(matches!(
        parse("GRANT SELECT ON t TO u", "").unwrap_err().code,
        1046
    ));
    assert!(matches!(
        parse("GRANT SELECT ON d.t TO u junk", "").unwrap_err().code,
        1064
    ));
}
