"""Redaction and pseudonymisation before outbound model calls; data-residency policy."""
