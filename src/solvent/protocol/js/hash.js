// SHA-256 and HMAC-SHA256 for the browser verifier: two interchangeable backends.
//
// WebCrypto (`crypto.subtle`) exists only in secure contexts (https, localhost,
// 127.0.0.1, file:). A page opened over plain http at another address has no
// crypto.subtle, so the verifier then loads the vendored, pinned @noble/hashes 2.4.0
// through the page's import map (see static/vendor/VENDORED.json). Both backends pass
// the same test vectors in the browser tests.

/** The WebCrypto backend, or null where crypto.subtle does not exist. */
export function webCryptoHasher() {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) return null;
  return {
    name: "WebCrypto",
    async sha256(bytes) {
      return new Uint8Array(await subtle.digest("SHA-256", bytes));
    },
    async hmacSha256(key, message) {
      const k = await subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
      return new Uint8Array(await subtle.sign("HMAC", k, message));
    },
  };
}

/** The vendored @noble/hashes backend (pure JavaScript, loaded on first use). */
export async function nobleHasher() {
  const [{ sha256 }, { hmac }] = await Promise.all([import("@noble/hashes/sha2.js"), import("@noble/hashes/hmac.js")]);
  return {
    name: "@noble/hashes 2.4.0",
    async sha256(bytes) {
      return sha256(bytes);
    },
    async hmacSha256(key, message) {
      return hmac(sha256, key, message);
    },
  };
}

/** WebCrypto where the context allows it, else @noble/hashes; `force` picks one ("webcrypto" | "noble"). */
export async function getHasher(force) {
  if (force === "noble") return nobleHasher();
  const web = webCryptoHasher();
  if (web !== null) return web;
  if (force === "webcrypto") throw new Error("crypto.subtle is not available in this context");
  return nobleHasher();
}
