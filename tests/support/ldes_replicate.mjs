#!/usr/bin/env node
// Replicate an LDES with the ldes-client library (the code behind its CLI) and append every
// member it emits to a file as N-Quads. With a state folder that a previous run filled, the
// client resumes: it emits only members it has not emitted before.
//
//   node ldes_replicate.mjs URL STATE_FOLDER OUTPUT.nq
//
// The CLI (`ldes-client URL --save STATE_FOLDER`) does the same but prints members with
// N3.js's compact literals (`1`, `true`), which N-Quads parsers refuse; this writes N-Quads.
// Prints {"members": N, "fragments": M} on stdout.
import { appendFileSync, writeFileSync } from "node:fs";
import { intoConfig, replicateLDES } from "ldes-client";
import { Writer } from "n3";

const [url, statePath, output] = process.argv.slice(2);
if (!url || !statePath || !output) {
  console.error("usage: node ldes_replicate.mjs URL STATE_FOLDER OUTPUT.nq");
  process.exit(2);
}

async function main() {
  writeFileSync(output, "", { flag: "a" });
  const client = replicateLDES(intoConfig({ url, statePath }), "none");
  const reader = client.stream({ highWaterMark: 10 }).getReader();
  const writer = new Writer({ format: "N-Quads" });
  let members = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (value) {
      appendFileSync(output, writer.quadsToString(value.quads));
      members += 1;
    }
    if (done) break;
  }
  console.log(JSON.stringify({ members, fragments: client.fragmentCount }));
}

main().catch((error) => {
  console.error("ldes-client failed:", error);
  process.exit(1);
});
