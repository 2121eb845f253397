"""solvent: an open Proof-of-Reserves system (Merkle sum tree liabilities + reserves)."""

__version__ = "0.1.0"
