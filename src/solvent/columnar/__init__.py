"""Vectorised counterparts of the spec core: 128-bit amount columns and their text codecs.

Shared by ingest, tree, publish and verify; depends only on NumPy/Polars and spec.
"""
