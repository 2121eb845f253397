"""Red-team reproductions for issue 10 (multisig, contract wallets, Tron, Solana).

Tests marked ``xfail(strict=True)`` assert the secure behaviour that does not hold yet:
they fail today and turn into an error (XPASS) once the finding is fixed.  The others
document attacks that are already defended.
"""
