//! `update-spec` and `check`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use serde_json::{Value, json};

use crate::cargo::{self, SnapshotMode};
use crate::facade::Facade;
use crate::source::{self, Source, Version};
use crate::{Failure, Result, convert, normalize, select, snapshot_file, summary};

pub struct Options {
    pub repo: PathBuf,
    pub source: Source,
    pub check: bool,
    pub skip_compile_proof: bool,
    pub timeout: Duration,
}

/// A candidate `openapi.json`, ready to write, and what was done to get it.
pub struct Prepared {
    pub doc: Value,
    pub text: String,
    pub notes: Vec<String>,
}

/// Parse → check the version → select → down-convert → normalise → canonical
/// text (sorted keys, 2-space indent, trailing newline). `vendored` is the
/// current `openapi.json`, whose operationIds the candidate keeps.
pub fn prepare(bytes: &[u8], origin: &str, vendored: Option<&Value>) -> Result<Prepared> {
    let parsed = source::parse(bytes, origin)?;
    let version = source::version(&parsed, origin)?;
    let mut notes = Vec::new();
    let mut doc = select::select(&parsed, origin, &mut notes)?;
    drop(parsed);
    match version {
        Version::V31 => {
            notes.insert(0, "down-converted OpenAPI 3.1 to 3.0.3".into());
            match convert::down_convert(&mut doc) {
                Ok(more) => notes.extend(more),
                Err(errors) => {
                    return Err(Failure(format!(
                        "{origin}: cannot down-convert to OpenAPI 3.0 faithfully:\n  {}\n\
                         openapi.json was not changed. Ask the Hub to avoid these constructs, \
                         or extend xtask/src/convert.rs",
                        errors.join("\n  ")
                    )));
                }
            }
        }
        Version::V30 => {
            doc["openapi"] = json!("3.0.3");
        }
    }
    match normalize::normalize(&mut doc, vendored) {
        Ok(more) => notes.extend(more),
        Err(errors) => {
            return Err(Failure(format!(
                "{origin}: cannot normalise the spec for progenitor:\n  {}\nopenapi.json was not changed",
                errors.join("\n  ")
            )));
        }
    }
    let text = canonical(&doc)?;
    Ok(Prepared { doc, text, notes })
}

pub fn canonical(doc: &Value) -> Result<String> {
    let mut text = serde_json::to_string_pretty(doc)
        .map_err(|err| Failure(format!("cannot serialise the spec: {err}")))?;
    text.push('\n');
    Ok(text)
}

pub fn spec_path(repo: &Path) -> PathBuf {
    repo.join("openapi.json")
}

pub fn update_spec(options: &Options) -> Result<ExitCode> {
    let repo = &options.repo;
    let spec_path = spec_path(repo);
    let old = match fs::read(&spec_path) {
        Ok(bytes) => Some(bytes),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
        Err(err) => {
            return Err(Failure(format!(
                "cannot read {}: {err}; is --repo the SDK repository?",
                spec_path.display()
            )));
        }
    };
    let old_doc: Option<Value> = old.as_deref().and_then(|b| serde_json::from_slice(b).ok());
    let origin = options.source.describe();
    println!("reading {origin}");
    let bytes = options.source.read(options.timeout)?;
    let prepared = prepare(&bytes, &origin, old_doc.as_ref())?;
    for note in &prepared.notes {
        println!("  note: {note}");
    }

    if old.as_deref() == Some(prepared.text.as_bytes()) {
        println!("openapi.json is up to date with {origin}: nothing to do");
        return Ok(ExitCode::SUCCESS);
    }

    println!();
    let facade = Facade::scan(repo);
    print!(
        "{}",
        summary::summarize(old_doc.as_ref(), &prepared.doc, facade.as_ref())
    );
    println!();

    let candidate_dir = repo.join("target").join("xtask");
    fs::create_dir_all(&candidate_dir)
        .map_err(|err| Failure(format!("cannot create {}: {err}", candidate_dir.display())))?;
    let candidate = candidate_dir.join("openapi.candidate.json");
    fs::write(&candidate, &prepared.text)
        .map_err(|err| Failure(format!("cannot write {}: {err}", candidate.display())))?;
    let candidate = fs::canonicalize(&candidate).unwrap_or(candidate);

    if options.skip_compile_proof {
        println!("compile proof skipped (--skip-compile-proof is for tests only)");
    } else {
        println!(
            "proving the candidate: cargo build -p kataven --features {} with {}={}",
            cargo::PROOF_FEATURES,
            cargo::SPEC_ENV,
            candidate.display()
        );
        cargo::build(repo, &candidate)?;
        println!("  the SDK compiles with it");
    }

    if options.check {
        return Err(Failure(format!(
            "openapi.json is out of date with {origin}; run `cargo xtask update-spec` \
             (with the same source) and open a pull request"
        )));
    }

    let mut pending = Vec::new();
    if !options.skip_compile_proof {
        snapshot_file::remove_pending(repo)?;
        println!("running the codegen snapshot test against the candidate");
        let output = cargo::snapshot_test(repo, Some(&candidate), SnapshotMode::LeavePending)?;
        if !output.status.success() {
            return Err(Failure(format!(
                "the codegen snapshot test does not build or run with the new spec \
                 (openapi.json was not changed):\n{}",
                cargo::tail(&output.stderr)
            )));
        }
        pending = snapshot_file::pending(repo)?;
    }

    write_atomically(&spec_path, &prepared.text)?;
    println!("wrote {}", spec_path.display());
    if options.skip_compile_proof {
        return Ok(ExitCode::SUCCESS);
    }
    if pending.is_empty() {
        println!("the generated code did not change (the snapshot still matches)");
    } else {
        println!(
            "the generated code changed: review it with `cargo xtask snapshot`, \
             then accept it with `cargo xtask snapshot --accept`"
        );
    }
    println!(
        "next: adapt the facade if the summary says so (CONTRIBUTING.md), run `cargo test`, open a pull request"
    );
    Ok(ExitCode::SUCCESS)
}

fn write_atomically(path: &Path, text: &str) -> Result<()> {
    let tmp = path.with_extension("json.tmp");
    fs::write(&tmp, text)
        .and_then(|()| fs::rename(&tmp, path))
        .map_err(|err| {
            let _ = fs::remove_file(&tmp);
            Failure(format!("cannot write {}: {err}", path.display()))
        })
}

pub fn check(repo: &Path) -> Result<ExitCode> {
    let spec_path = spec_path(repo);
    let bytes = fs::read(&spec_path)
        .map_err(|err| Failure(format!("cannot read {}: {err}", spec_path.display())))?;
    let vendored: Option<Value> = serde_json::from_slice(&bytes).ok();
    let prepared = prepare(&bytes, "openapi.json", vendored.as_ref())?;
    if prepared.text.as_bytes() != bytes.as_slice() {
        let old = String::from_utf8_lossy(&bytes);
        let diff = similar::TextDiff::from_lines(old.as_ref(), prepared.text.as_str());
        eprint!(
            "{}",
            diff.unified_diff()
                .context_radius(2)
                .header("openapi.json", "openapi.json (normalised)")
        );
        return Err(Failure(
            "openapi.json is not normalised (diff above); do not edit it by hand: \
             run `cargo xtask update-spec --file openapi.json` (or bring in the Hub's spec with \
             `cargo xtask update-spec`)"
                .into(),
        ));
    }
    println!("openapi.json is normalised");
    let output = cargo::snapshot_test(repo, None, SnapshotMode::Verify)?;
    if !output.status.success() {
        return Err(Failure(format!(
            "the committed codegen snapshot does not match what build.rs generates:\n{}\n\
             run `cargo xtask snapshot` to see the diff, and `cargo xtask snapshot --accept` after review",
            cargo::tail(&output.stderr)
        )));
    }
    println!("the codegen snapshot matches build.rs");
    crate::public_api::command(repo, None)
}
