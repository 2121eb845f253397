"""Second red-team pass against the issue-11 hardening: published files under a running server,
output paths that are also inputs, hostile text in the HTML report's charts, look-alike names.

Each finding is a test of the secure behaviour marked ``xfail(strict=True)``: it fails today
and becomes an unexpected pass (a failure) once fixed, so the mark goes with the fix.
Attacks that held up and add coverage are plain tests.
"""
