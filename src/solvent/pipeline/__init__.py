"""Pipelines: the stages wired together for build, audit and look-up."""
