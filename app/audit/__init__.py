"""Audit events (the viewer comes with the period-reports module)."""
