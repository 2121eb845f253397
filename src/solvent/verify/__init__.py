"""Verification: inclusion proofs (stdlib only), manifest signatures, full-data audit."""
