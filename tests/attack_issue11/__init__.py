"""Red-team reproductions against the issue-11 hardening (keys, --force, serve, verdicts, text).

Each finding is a test of the secure behaviour marked ``xfail(strict=True)``: it fails
today, and turns into an unexpected pass (a failure) once the finding is fixed, so that
the mark is removed with the fix.  Attacks already defended are plain tests.
"""
