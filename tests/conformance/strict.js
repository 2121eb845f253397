// strictjson.js under node for the differential test: base64 documents on stdin (one JSON
// list), the error code of each (or null) on stdout.

import { loadsStrict } from "./static/js/protocol/strictjson.js";

let input = "";
for await (const chunk of process.stdin) input += chunk;
const codes = JSON.parse(input).map((b64) => {
  try {
    loadsStrict(Uint8Array.from(Buffer.from(b64, "base64")));
    return null;
  } catch (e) {
    return e.code ?? `exception: ${e.message}`;
  }
});
process.stdout.write(JSON.stringify(codes));
