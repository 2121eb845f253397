"""The sum tree: records -> nodes, root and proofs (vectorised; the hot path)."""
