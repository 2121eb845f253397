"""The synthetic exchange behind `solvent demo`."""
