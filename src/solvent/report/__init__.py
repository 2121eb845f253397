"""The solvency report: liabilities (signed snapshot) against verified reserves, per asset.

:mod:`.load` reads a snapshot directory and checks what binds it together (manifest
signature, the reserves file's digest, same snapshot); :mod:`.solvency` applies the
counting rule; :mod:`.render_text`, :mod:`.render_json` and :mod:`.render_html` show
the result.
"""
