"""The solvency report: liabilities (signed snapshot) against verified reserves, per asset.

The reserves come in already re-checked, as the plain values of :mod:`.inputs`
(:mod:`solvent.pipeline.report` loads a snapshot, re-checks its attestation and fills
them in); :mod:`.solvency` applies the counting rule; :mod:`.render_text`,
:mod:`.render_json` and :mod:`.render_html` show the result.
"""
