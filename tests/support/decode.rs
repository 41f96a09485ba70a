//! `mariadb-binlog` as the oracle for binlog and relay log files, and the rules for
//! comparing what two decodes say about data.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use super::process::run_with_timeout;

/// Runs `mariadb-binlog --base64-output=decode-rows -v FILE`, asserts it exits 0 and
/// returns its stdout.
pub fn mariadb_binlog_decode(path: &Path) -> String {
    let mut cmd = Command::new("mariadb-binlog");
    cmd.args(["--no-defaults", "--base64-output=decode-rows", "-v"])
        .arg(path);
    let out = run_with_timeout(&mut cmd, Duration::from_secs(300));
    assert!(
        out.status.success(),
        "mariadb-binlog {} failed ({}):\n{}",
        path.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Decodes each file with [`mariadb_binlog_decode`] and concatenates the outputs.
pub fn mariadb_binlog_decode_all<P: AsRef<Path>>(paths: &[P]) -> String {
    paths
        .iter()
        .map(|p| mariadb_binlog_decode(p.as_ref()))
        .collect()
}

/// What a `mariadb-binlog --base64-output=decode-rows -v` output says about data, in order,
/// one element per row line or statement.
///
/// A relay log holds the master's events byte for byte, but in other files, at other
/// offsets, behind the replica's own format description and rotate events. So two decodes
/// of the same event stream differ in `# at` offsets, file boundaries and headers, and in
/// what `mariadb-binlog` chooses to repeat at the start of each file. The rules keep exactly
/// what is a property of the events themselves:
///
/// Kept:
/// - `### ...` lines: the pseudo-SQL of row events (`### INSERT INTO`, `###   @1=...`),
///   trailing whitespace trimmed.
/// - `#Q> ...` lines: the original statement carried by Annotate_rows events. A master
///   sends these only to a dump that asks for them (as MariaDB slaves do by default);
///   filter lines starting with `#Q>` to compare against a stream without them.
/// - statements: text up to the `/*!*/;` delimiter, joined across lines with `\n` into
///   one element (a multi-line `CREATE TABLE` is one element). This covers Query events,
///   `START TRANSACTION` from GTID events, `COMMIT` from Xid events, and the context
///   events a statement-based master writes: `SET INSERT_ID=`, `SET LAST_INSERT_ID=`,
///   `SET @@RAND_SEED1=`, user variables (`SET @`x`:=...`).
///
/// Dropped, because `mariadb-binlog` prints them depending on what it printed before (so
/// on where a file starts) or because they describe the file rather than the data:
/// - `# ...` comment lines: offsets, event headers, `# Number of rows`, warnings.
/// - `SET TIMESTAMP=...` and `SET @@session....` (printed only when the value changes).
/// - `use `db``  (printed only when the current database changes; row lines name their
///   tables fully, statement texts are compared as written).
/// - versioned comments `/*!...*/`, `/*M!...*/` (GTID session variables, charset `\C`).
/// - everything inside a format description event (`Start: binlog v 4`), e.g. the
///   `ROLLBACK` printed for a binlog "created at startup".
/// - the preamble and trailer outside `DELIMITER /*!*/;` ... `DELIMITER ;`.
///
/// A `#` line that appears inside a statement (a multi-line query whose own line starts
/// with `#`) stays part of that statement.
pub fn row_and_statement_lines(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_body = false; // between DELIMITER /*!*/; and DELIMITER ;
    let mut in_fde = false; // inside a Start (format description) event
    let mut stmt: Vec<&str> = Vec::new();

    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if line == "DELIMITER /*!*/;" {
            in_body = true;
            stmt.clear();
            continue;
        }
        if line == "DELIMITER ;" {
            in_body = false;
            stmt.clear();
            continue;
        }
        if !in_body {
            continue;
        }
        if line.starts_with("### ") || line == "###" {
            out.push(line.trim_end().to_string());
            continue;
        }
        if let Some(q) = line.strip_prefix("#Q>") {
            out.push(format!("#Q>{}", q.trim_end()));
            continue;
        }
        if line.starts_with('#') && (stmt.is_empty() || is_event_boundary(line)) {
            if is_event_header(line) {
                in_fde = line.contains("\tStart: ");
            }
            stmt.clear();
            continue;
        }
        match line.strip_suffix("/*!*/;") {
            Some(last) => {
                stmt.push(last);
                let text = stmt.join("\n");
                stmt.clear();
                let text = text.trim();
                if !in_fde && !text.is_empty() && !is_boilerplate(text) {
                    out.push(text.to_string());
                }
            }
            None => stmt.push(line),
        }
    }
    out
}

/// `# at N` or an event header: a new event starts, so no statement can continue.
fn is_event_boundary(line: &str) -> bool {
    line.starts_with("# at ") || is_event_header(line)
}

/// `#YYMMDD HH:MM:SS server id N  end_log_pos ...`
fn is_event_header(line: &str) -> bool {
    let digits = line
        .get(1..)
        .unwrap_or("")
        .bytes()
        .take_while(u8::is_ascii_digit)
        .count();
    digits == 6 && line.contains(" server id ")
}

fn is_boilerplate(stmt: &str) -> bool {
    let upper = stmt
        .get(..stmt.len().min(16))
        .unwrap_or(stmt)
        .to_ascii_uppercase();
    upper.starts_with("SET TIMESTAMP=")
        || upper.starts_with("SET @@SESSION.")
        || upper.starts_with("USE ")
        || upper.starts_with("/*!")
        || upper.starts_with("/*M!")
}

/// The GTIDs of binlog files, in order, as `mariadb-binlog` decodes them (each
/// `GTID d-s-n` line).
pub fn binlog_gtids<P: AsRef<Path>>(files: &[P]) -> Vec<String> {
    let mut cmd = Command::new("mariadb-binlog");
    cmd.arg("--no-defaults")
        .args(files.iter().map(|f| f.as_ref().as_os_str()));
    let out = run_with_timeout(&mut cmd, Duration::from_secs(300));
    assert!(
        out.status.success(),
        "mariadb-binlog: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let at = l.find("\tGTID ")?;
            l[at + 6..].split_whitespace().next().map(str::to_string)
        })
        .collect()
}

/// The files a binlog or relay log index (`<dir>/<base>.index`) lists, in order.
pub fn index_files(dir: &Path, base: &str) -> Vec<std::path::PathBuf> {
    let index = dir.join(format!("{base}.index"));
    std::fs::read_to_string(&index)
        .unwrap_or_else(|e| panic!("{}: {e}", index.display()))
        .lines()
        .map(|l| dir.join(l.trim().trim_start_matches("./")))
        .collect()
}
