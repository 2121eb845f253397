// runner.js under node, on the conformance site written to disk (tests/conformance/site.py):
// fetch() reads the site's files, WebCrypto is node's own. Reads {vectors, limit} as JSON on
// stdin and writes the results as JSON on stdout.

import { readFile } from "node:fs/promises";

const site = new URL("./", import.meta.url);
globalThis.fetch = async (url) => {
  const data = await readFile(new URL(url, site));
  return { ok: true, status: 200, arrayBuffer: async () => data.buffer.slice(data.byteOffset, data.byteOffset + data.length) };
};

let input = "";
for await (const chunk of process.stdin) input += chunk;
const { vectors, limit } = JSON.parse(input);
const { run } = await import("./runner.js");
process.stdout.write(JSON.stringify(await run(vectors, "webcrypto", limit)));
