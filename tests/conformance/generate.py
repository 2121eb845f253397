"""Generate the conformance vectors in tests/conformance/vectors/ (deterministic).

    python -m tests.conformance.generate            # rewrite the committed vectors
    python -m tests.conformance.generate --out DIR  # write them elsewhere (the test diffs the two)

proofs.py (the known-answer vector's proofs and one mutation per file), proofs_v2.py (the
same for protocol v2, against the KAT v2 manifest), hostile.py (sizes
and shapes up to 4 MiB and beyond, committed as recipes) text_vectors.py (strict-JSON
documents, pasted Hashed Client IDs, exchange names) and liabilities_vectors.py (one asset's
liabilities/<S>.csv and its tree) and proof_bytes_vectors.py (a proof, and the bytes
`solvent prove` writes for it) and signature_vectors.py (a signing.pub and a
snapshot.json.sig for the KAT manifest) say what each vector is and what it must give; the
Python verifier and the browser verifier must both give exactly that. Every expected
result is written by hand, never computed by the code under test.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from tests.conformance.hostile import hostile_vectors
from tests.conformance.liabilities_vectors import liabilities_vectors
from tests.conformance.proof_bytes_vectors import proof_bytes_vectors
from tests.conformance.proofs import MANIFEST, dump, manifest, proof_vectors
from tests.conformance.proofs_v2 import MANIFEST_V2, manifest_v2_bytes, proof_v2_vectors
from tests.conformance.signature_vectors import signature_vectors
from tests.conformance.text_vectors import exchange_name_vectors, hashed_id_vectors, json_vectors

OUT = Path(__file__).parent / "vectors"


def write(out_dir: Path) -> None:
    """Every vector file, and the manifest the proof vectors are checked against."""
    (out_dir / "manifests").mkdir(parents=True, exist_ok=True)
    (out_dir / MANIFEST).write_bytes(dump(manifest()))
    (out_dir / MANIFEST_V2).write_bytes(manifest_v2_bytes())
    kinds = {
        "proof": proof_vectors() | hostile_vectors() | proof_v2_vectors(),
        "json": json_vectors(),
        "hashed-id": hashed_id_vectors(),
        "exchange-name": exchange_name_vectors(),
        "liabilities-v2": liabilities_vectors(),
        "proof-bytes": proof_bytes_vectors(),
        "signature": signature_vectors(),
    }
    for kind, vectors in kinds.items():
        (out_dir / kind).mkdir(parents=True, exist_ok=True)
        for name, vector in vectors.items():
            (out_dir / kind / f"{name}.json").write_bytes(dump(vector))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    write(parser.parse_args().out)


if __name__ == "__main__":
    main()
