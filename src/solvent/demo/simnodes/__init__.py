"""Simulated Tron and Solana nodes, for the demo and the tests.

No Tron node (java-tron) or Solana validator can be installed where solvent's demo and
tests run, so these loopback servers play one: threaded ``http.server`` on 127.0.0.1,
speaking the real APIs (java-tron's HTTP API, Solana's JSON-RPC) with the shapes each
module's docstring cites.  They are a simulation, not a chain: the balances are what
the demo or test puts in their state, and nothing they answer proves anything about
Tron or Solana mainnet.  Ethereum-family chains need no simulation: the demo runs a
real anvil node (:mod:`solvent.demo.devchain`).

* :mod:`~solvent.demo.simnodes.loopback`: the server (start/stop like anvil), and
  :class:`~solvent.demo.simnodes.loopback.LiveChain`, blocks that keep coming at the
  chain's pace so that a node served for hours is never "behind";
* :mod:`~solvent.demo.simnodes.tron`: java-tron's solidity HTTP API;
* :mod:`~solvent.demo.simnodes.solana`: Solana's JSON-RPC.
"""
