"""Benchmarks of the payouts desk (`make bench`): not part of the test suite.

Every comparison is a ratio taken within one run, because absolute times vary on shared
machines. See README.md, section "Benchmarks".
"""
