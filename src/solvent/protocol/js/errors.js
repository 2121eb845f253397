// The browser's half of src/solvent/protocol/errors.py: one error type carrying the same stable
// codes (docs/spec.md §10 (Error codes)) and an evidence map, so a failure in the browser reads like
// a failure of `solvent verify`.

export class SolventError extends Error {
  /**
   * @param {string} code  a code of docs/spec.md §10 (Error codes), e.g. ("root-mismatch", "hex", ...)
   * @param {string} message
   * @param {Record<string, string>} [evidence]
   */
  constructor(code, message, evidence = {}) {
    super(message);
    this.name = "SolventError";
    this.code = code;
    this.evidence = Object.fromEntries(Object.entries(evidence).map(([k, v]) => [k, String(v)]));
  }
}

/** A published file that does not parse (Python: FormatError). */
export function formatError(message, code = "format", evidence = {}) {
  return new SolventError(code, message, evidence);
}

/** The customer's or operator's own input is unusable (Python: InputError). */
export function inputError(message, evidence = {}, code = "input") {
  return new SolventError(code, message, evidence);
}
