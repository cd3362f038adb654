"""Benchmarks shipped with the package so that ``persona-memory bench`` can run them."""
