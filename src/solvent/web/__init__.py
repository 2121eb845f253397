"""The customer's Proof-of-Reserves page: a read-only JSON API, a static site, the browser verifier.

::

    catalog.py      snapshot directories (protocol v1 or v2) -> checked, memory-mapped snapshots
                    (newest first): signature and every bound file's digest checked at load,
                    and files served only as checked (from memory, or re-hashed while sent)
    api.py          the FastAPI application: JSON API, the page and its assets
    errors.py       the one mapping from solvent.protocol.errors to HTTP statuses and JSON bodies
    security.py     response headers (strict CSP), request limits, HEAD as GET, every failure answered
    page.py         index.html rendered for the server or a static site, with its CSP
    static_site.py  ``solvent publish --static``: the same site as plain files
    server.py       ``serve(dirs, host, port)``: print the URL and block
    guard.py        the HTTP protocol it runs: per-client connection cap, request head size and
                    deadline, send deadline, its own answers with the security headers
    limits.py       those limits (``Limits``), nameable without importing the server
    static/         the page: plain ES modules, no bundler (holdings.js: a v2 account's assets,
                    held first, with Check, View Full Tree and Download Data per asset); it
                    imports the proof verifiers (v1 and v2)
                    from solvent/protocol/js/ (shipped as static/js/protocol/), which
                    mirrors solvent.protocol step by step

The page never trusts a "valid" flag from a server: it fetches the proof JSON and the
manifest and recomputes every hash in the browser (WebCrypto, or the vendored
@noble/hashes where ``crypto.subtle`` is missing).
"""
