"""Audit events and their viewer (read-only: no route edits or deletes them)."""
from flask import Blueprint

bp = Blueprint("audit", __name__)
