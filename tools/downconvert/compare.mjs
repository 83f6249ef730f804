// Compares the xtask's own OpenAPI 3.1 -> 3.0.3 down-conversion with
// @apiture/openapi-down-convert (pinned in package-lock.json) on the 3.1
// fixtures. Both outputs go through the same xtask selection and
// normalisation, so only the conversion differs:
//
//   ours   = xtask update-spec --file F
//   theirs = xtask update-spec --file (openapi-down-convert F)
//
// The differences we know of and chose on purpose are listed in
// KNOWN_DIFFERENCES (and in CONTRIBUTING.md); they are applied to both
// sides before comparing. Anything else is a failure.
//
// Run: tools/downconvert/compare.sh   (installs the pinned tool on first use)

import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "..", "..");
const fixtures = ["hub-3.1.yaml", "conversion-3.1.yaml"].map((f) =>
  join(repo, "xtask", "tests", "fixtures", f),
);
const downConvert = join(here, "node_modules", ".bin", "openapi-down-convert");

const KNOWN_DIFFERENCES = [
  "jsonSchemaDialect: the tool keeps it, although OpenAPI 3.0 has no such field; we remove it",
  "siblings of $ref (e.g. description): the tool keeps them, OpenAPI 3.0 ignores them; we drop them with a note",
  "numeric exclusiveMinimum/exclusiveMaximum: the tool (0.14.2) leaves them numeric, which 3.0 (and openapiv3) rejects; we write minimum/maximum + exclusive*: true",
  "license.identifier: the tool drops it; we turn it into the SPDX licence url",
];

function xtaskUpdate(file) {
  const scratch = mkdtempSync(join(tmpdir(), "downconvert-"));
  copyFileSync(join(repo, "openapi.json"), join(scratch, "openapi.json"));
  execFileSync(
    "cargo",
    ["xtask", "update-spec", "--file", file, "--repo", scratch, "--skip-compile-proof"],
    { cwd: repo, stdio: ["ignore", "ignore", "inherit"] },
  );
  return JSON.parse(readFileSync(join(scratch, "openapi.json"), "utf8"));
}

function normaliseKnownDifferences(doc) {
  delete doc.jsonSchemaDialect;
  const license = doc.info?.license;
  if (license && typeof license.url === "string" && license.url.startsWith("https://spdx.org/licenses/")) {
    delete license.url;
  }
  const walk = (node) => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (node === null || typeof node !== "object") return;
    if ("$ref" in node) {
      for (const key of Object.keys(node)) if (key !== "$ref") delete node[key];
      return;
    }
    for (const [exclusive, inclusive] of [["exclusiveMinimum", "minimum"], ["exclusiveMaximum", "maximum"]]) {
      if (typeof node[exclusive] === "number") {
        node[inclusive] = node[exclusive];
        node[exclusive] = true;
      }
    }
    Object.values(node).forEach(walk);
  };
  walk(doc);
  return doc;
}

function differences(a, b, at = "", out = []) {
  if (JSON.stringify(a) === JSON.stringify(b)) return out;
  if (a && b && typeof a === "object" && typeof b === "object" && !Array.isArray(a) && !Array.isArray(b)) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      differences(a[key], b[key], `${at}/${key.replaceAll("~", "~0").replaceAll("/", "~1")}`, out);
    }
    return out;
  }
  out.push(`${at || "/"}: ours ${JSON.stringify(a)} / theirs ${JSON.stringify(b)}`);
  return out;
}

let failed = false;
for (const fixture of fixtures) {
  const scratch = mkdtempSync(join(tmpdir(), "downconvert-theirs-"));
  mkdirSync(scratch, { recursive: true });
  const theirsFile = join(scratch, "theirs.yaml");
  execFileSync(downConvert, ["--input", fixture, "--output", theirsFile], { stdio: "inherit" });
  const ours = normaliseKnownDifferences(xtaskUpdate(fixture));
  const theirs = normaliseKnownDifferences(xtaskUpdate(theirsFile));
  const diff = differences(ours, theirs);
  if (diff.length === 0) {
    console.log(`same as @apiture/openapi-down-convert: ${fixture}`);
  } else {
    failed = true;
    console.log(`DIFFERENT from @apiture/openapi-down-convert: ${fixture}\n  ${diff.join("\n  ")}`);
  }
}
console.log(`(known, deliberate differences applied before comparing:\n  - ${KNOWN_DIFFERENCES.join("\n  - ")})`);
process.exit(failed ? 1 : 0);
