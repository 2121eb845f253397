// Compile one Solidity source with the pinned solc-js and print {contract: {abi, bytecode}}
// as JSON on stdout. Usage: node compile.cjs FILE.sol
'use strict';
const fs = require('fs');
const path = require('path');
const solc = require('solc');

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: node compile.cjs FILE.sol\n');
  process.exit(2);
}
const name = path.basename(file);
const input = {
  language: 'Solidity',
  sources: { [name]: { content: fs.readFileSync(file, 'utf8') } },
  settings: {
    optimizer: { enabled: true, runs: 200 },
    evmVersion: 'cancun',
    outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
  },
};
const output = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (output.errors || []).filter((e) => e.severity === 'error');
if (errors.length > 0) {
  for (const e of errors) process.stderr.write(e.formattedMessage + '\n');
  process.exit(1);
}
const result = { compiler: solc.version() };
for (const [contract, out] of Object.entries(output.contracts[name])) {
  result[contract] = { abi: out.abi, bytecode: out.evm.bytecode.object };
}
process.stdout.write(JSON.stringify(result) + '\n');
