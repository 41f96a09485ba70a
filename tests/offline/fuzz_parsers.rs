//! Deterministic mutation fuzzing of every parser that reads binlog bytes from disk: the file
//! reader (framing, checksums), FORMAT_DESCRIPTION, each event body decoder and the row,
//! JSON and DECIMAL value decoders, all reached through the inspection tool's entry points
//! `verify_file` and `print_files` (`-v` and `--json`).
//!
//! The corpus is every MySQL-flavor fixture in `../shared/fixtures/mysql-binlogs` (when
//! present) and the MariaDB binlogs in `proto-fixtures/`. A case takes one corpus file and
//! applies one to three mutations to its events; in half of the cases it then repairs the
//! mutated events' size field and CRC32, so that the damage gets past framing and checksums
//! into the body decoders. Every outcome may be `Ok` or `Err`; a panic (or a case running
//! longer than [`CASE_TIMEOUT`]) fails the test, naming the case and its mutations, and the
//! input is kept under `target/tmp/fuzz_parsers/`.
//!
//! Cases are numbered; case `i` depends only on the seed and `i`, so any case replays alone:
//!
//! - `FUZZ_ITERATIONS=N`: number of cases (default [`DEFAULT_ITERATIONS`], 15-20 s in a
//!   debug build on 2 idle cores, about 45 s while another build runs),
//! - `FUZZ_SEED=S`: base seed (decimal or 0x-hex),
//! - `FUZZ_CASE=i`: run only case `i`.

#[path = "fuzz_parsers/mutate.rs"]
mod mutate;

use std::any::Any;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

use crate::support::{MariaDb, MasterOpts};
use mutate::{make_case, Seed};
use replicant::inspect::print::{print_files, PrintOptions};
use replicant::inspect::verify::verify_file;

/// Cases per run unless FUZZ_ITERATIONS says otherwise.
const DEFAULT_ITERATIONS: u64 = 20_000;
/// Base seed unless FUZZ_SEED says otherwise.
const DEFAULT_SEED: u64 = 0x5265_706c_6963_616e;
/// A case that takes longer than this is reported as a hang.
const CASE_TIMEOUT: Duration = Duration::from_secs(30);

fn proto_fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("proto-fixtures")
}

/// The fixtures (if present) and the proto-fixtures' binlogs, split into events.
fn load_corpus() -> Vec<Seed> {
    let mut paths = Vec::new();
    let fixtures = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/fixtures/mysql-binlogs"
    ));
    for dir in [fixtures, &proto_fixtures_dir()] {
        match std::fs::read_dir(dir) {
            Ok(entries) => paths.extend(
                entries
                    .map(|e| e.expect("directory entry").path())
                    .filter(|p| p.extension().is_none_or(|e| e != "sql")),
            ),
            Err(_) if dir == fixtures => crate::support::not_run(
                "fuzz_parsers::mutated_binlogs_never_panic_the_readers",
                &format!(
                    "{} is absent: only proto-fixtures/ was fuzzed",
                    dir.display()
                ),
            ),
            Err(e) => panic!("{}: {e}", dir.display()),
        }
    }
    paths.sort();
    let corpus: Vec<Seed> = paths
        .iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            Seed::split(name, &std::fs::read(p).expect("reading a corpus file"))
        })
        .collect();
    assert!(
        corpus.iter().any(|s| s.name.starts_with("mariadb-crc32")),
        "proto-fixtures/ missing: run scripts/regen-proto-fixtures"
    );
    corpus
}

/// What `verify_file` said about the cases, for the summary.
#[derive(Default)]
struct Tally {
    ok: u64,
    checksum: u64,
    truncated: u64,
    other: u64,
}

impl Tally {
    fn count(&mut self, verified: &Result<(), String>) {
        match verified {
            Ok(()) => self.ok += 1,
            Err(e) if e.contains("checksum mismatch") => self.checksum += 1,
            Err(e) if e.contains("truncated") => self.truncated += 1,
            Err(_) => self.other += 1,
        }
    }

    fn add(&mut self, other: &Tally) {
        self.ok += other.ok;
        self.checksum += other.checksum;
        self.truncated += other.truncated;
        self.other += other.other;
    }

    fn total(&self) -> u64 {
        self.ok + self.checksum + self.truncated + self.other
    }
}

/// What a run of cases found.
#[derive(Default)]
struct Report {
    /// Cases whose size and checksum fields were repaired after mutation.
    repaired: Tally,
    /// Cases left as mutated.
    plain: Tally,
    /// One description per case that panicked.
    failures: Vec<String>,
}

/// The case a fuzz worker is running, and since when.
type Running = Mutex<Option<(u64, Instant)>>;

/// Panic messages seen by the hook (from any thread, including print workers).
static PANICS: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn install_panic_recorder() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let msg = panic_text(info.payload());
            let at = info.location().map(|l| l.to_string()).unwrap_or_default();
            if let Ok(mut p) = PANICS.lock() {
                p.push(format!("{msg} (at {at})"));
            }
            default(info);
        }));
    });
}

fn panic_text(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

/// Runs the three entry points on `path`: what `verify_file` said, or what panicked.
fn run_case(path: &Path) -> Result<Result<(), String>, String> {
    let files = [path.to_path_buf()];
    let verbose = PrintOptions {
        verbose: true,
        ..PrintOptions::default()
    };
    let json = PrintOptions {
        json: true,
        ..PrintOptions::default()
    };
    let caught = |what: &str, payload: Box<dyn Any + Send>| {
        let msg = panic_text(&*payload);
        let seen = std::mem::take(&mut *PANICS.lock().unwrap_or_else(|e| e.into_inner()));
        format!("{what} panicked: {msg}; panics seen: {seen:?}")
    };
    let verified = panic::catch_unwind(|| verify_file(path))
        .map_err(|p| caught("verify_file", p))?
        .map(drop)
        .map_err(|e| e.to_string());
    for (what, opts) in [("print_files -v", &verbose), ("print_files --json", &json)] {
        panic::catch_unwind(AssertUnwindSafe(|| {
            print_files(&files, opts, &mut std::io::sink())
        }))
        .map_err(|p| caught(what, p))?
        .ok();
    }
    Ok(verified)
}

fn env_u64(name: &str) -> Option<u64> {
    let v = std::env::var(name).ok()?;
    let v = v.trim();
    let parsed = match v.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => v.parse(),
    };
    Some(parsed.unwrap_or_else(|_| panic!("{name}={v}: not a number")))
}

#[test]
fn mutated_binlogs_never_panic_the_readers() {
    install_panic_recorder();
    let corpus = Arc::new(load_corpus());
    let seed = env_u64("FUZZ_SEED").unwrap_or(DEFAULT_SEED);
    let cases: Vec<u64> = match env_u64("FUZZ_CASE") {
        Some(i) => vec![i],
        None => (0..env_u64("FUZZ_ITERATIONS").unwrap_or(DEFAULT_ITERATIONS)).collect(),
    };
    let started = Instant::now();
    let report = run_cases(&corpus, seed, &cases);
    let (r, p) = (&report.repaired, &report.plain);
    eprintln!(
        "fuzz: {} cases over {} corpus files in {:.1?} (seed {seed:#x}); verify_file outcomes \
         [ok, checksum mismatch, truncated, other]: repaired {:?}, not repaired {:?}",
        cases.len(),
        corpus.len(),
        started.elapsed(),
        [r.ok, r.checksum, r.truncated, r.other],
        [p.ok, p.checksum, p.truncated, p.other],
    );
    assert!(
        report.failures.is_empty(),
        "{} of {} cases panicked:\n{}",
        report.failures.len(),
        cases.len(),
        report.failures.join("\n")
    );
    // The repair is what lets mutations reach the body decoders: if most repaired cases
    // still died on a checksum, the fuzzer would be testing little more than CRC32.
    if cases.len() >= 100 {
        assert!(
            r.checksum * 5 < r.total(),
            "{} of {} repaired cases failed on a checksum",
            r.checksum,
            r.total()
        );
    }
}

/// Runs `cases` on every core, each worker taking every n-th case; panics if one case runs
/// longer than [`CASE_TIMEOUT`].
fn run_cases(corpus: &Arc<Vec<Seed>>, seed: u64, cases: &[u64]) -> Report {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let scratch = tempfile::tempdir().expect("scratch dir");
    let running: Arc<Vec<Running>> = Arc::new((0..threads).map(|_| Mutex::new(None)).collect());
    let workers: Vec<_> = (0..threads)
        .map(|w| {
            let mine: Vec<u64> = cases.iter().copied().skip(w).step_by(threads).collect();
            let (corpus, running) = (corpus.clone(), running.clone());
            let path = scratch.path().join(format!("case-{w}.bin"));
            std::thread::spawn(move || worker(&corpus, seed, &mine, &path, &running[w]))
        })
        .collect();
    while !workers.iter().all(|w| w.is_finished()) {
        for slot in running.iter() {
            if let Some((i, since)) = *slot.lock().unwrap() {
                if since.elapsed() > CASE_TIMEOUT {
                    let case = make_case(corpus, seed, i);
                    panic!(
                        "{} runs for more than {CASE_TIMEOUT:?}",
                        case.describe(i, seed)
                    );
                }
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let mut report = Report::default();
    for w in workers {
        let part = w.join().expect("fuzz worker");
        report.repaired.add(&part.repaired);
        report.plain.add(&part.plain);
        report.failures.extend(part.failures);
    }
    report
}

/// Runs `cases` one after the other through the file at `path`, noting in `running` which.
fn worker(corpus: &[Seed], seed: u64, cases: &[u64], path: &Path, running: &Running) -> Report {
    let keep_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz_parsers");
    let mut report = Report::default();
    for &i in cases {
        let case = make_case(corpus, seed, i);
        std::fs::write(path, &case.bytes).expect("writing the case");
        *running.lock().unwrap() = Some((i, Instant::now()));
        let outcome = run_case(path);
        *running.lock().unwrap() = None;
        match outcome {
            Ok(verified) if case.repair => report.repaired.count(&verified),
            Ok(verified) => report.plain.count(&verified),
            Err(why) => {
                let kept = keep_dir.join(format!("case-{i}.bin"));
                let _ = std::fs::create_dir_all(&keep_dir);
                let _ = std::fs::write(&kept, &case.bytes);
                report.failures.push(format!(
                    "{}\n  input kept as {}\n  {why}",
                    case.describe(i, seed),
                    kept.display()
                ));
            }
        }
    }
    report
}

/// The payload re-encoding the mutator uses is read back exactly: undamaged, every row of
/// the fixture's compressed transactions prints as before.
#[test]
fn payload_encoder_round_trips() {
    let path = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/fixtures/mysql-binlogs/transaction_compression.000001"
    ));
    if crate::support::mysql_fixtures("fuzz_parsers::payload_encoder_round_trips").is_none() {
        return;
    }
    let original = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let seed = Seed::split("transaction_compression".into(), &original);
    let dir = tempfile::tempdir().unwrap();
    let rows = |bytes: &[u8]| -> String {
        let f = dir.path().join("payload.000001");
        std::fs::write(&f, bytes).unwrap();
        let opts = PrintOptions {
            verbose: true,
            ..PrintOptions::default()
        };
        let mut out = Vec::new();
        print_files(&[f], &opts, &mut out).unwrap_or_else(|e| panic!("{e}"));
        let text = String::from_utf8(out).unwrap();
        text.lines()
            .filter(|l| l.starts_with("###"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let expect = rows(&original);
    assert!(expect.contains("### INSERT INTO"), "{expect}");
    for zstd in [false, true] {
        assert_eq!(
            rows(&mutate::reencode_payloads(&seed, zstd)),
            expect,
            "zstd {zstd}"
        );
    }
}

/// Rewrites `proto-fixtures/*.0000NN` from a throwaway MariaDB (needs mariadbd); run it
/// through `scripts/regen-proto-fixtures`.
#[test]
#[ignore = "writes proto-fixtures/; run scripts/regen-proto-fixtures"]
fn regenerate_proto_fixtures() {
    assert!(
        std::env::var_os("UPDATE_PROTO_FIXTURES").is_some(),
        "this rewrites proto-fixtures/: run it through scripts/regen-proto-fixtures \
         (which sets UPDATE_PROTO_FIXTURES=1)"
    );
    let dir = proto_fixtures_dir();
    let db = MariaDb::start(MasterOpts::default());
    db.sql(include_str!("../../proto-fixtures/mariadb-crc32.sql"));
    // Changing the checksum rotates the binlog: the next file is written without CRC32.
    db.sql("SET GLOBAL binlog_checksum = NONE");
    db.sql(include_str!("../../proto-fixtures/mariadb-no-checksum.sql"));
    db.sql("FLUSH BINARY LOGS");
    let files = db.binlog_files();
    for (from, to) in [
        (&files[0], "mariadb-crc32.000001"),
        (&files[1], "mariadb-no-checksum.000002"),
    ] {
        let to = dir.join(to);
        std::fs::copy(from, &to).expect("copying a binlog into proto-fixtures/");
        let report = verify_file(&to).unwrap_or_else(|e| panic!("{e}"));
        eprintln!(
            "wrote {}: {} events, {} bytes",
            to.display(),
            report.events,
            report.bytes
        );
    }
}
