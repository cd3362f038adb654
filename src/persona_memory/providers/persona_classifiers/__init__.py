"""Persona memory classifiers: what a session teaches the persona itself,
anonymised (seed 003's PersonaMemoryClassifier)."""
