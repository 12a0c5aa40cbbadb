"""Test support, not shipped: a fake model engine and a sample-entry generator for the tests and
the benchmarks."""
