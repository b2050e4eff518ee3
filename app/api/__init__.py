from flask import Blueprint

# The read-only JSON API (bearer tokens, no cookies) and the pages that manage its tokens (cookie login).
bp = Blueprint("api", __name__, url_prefix="/api/v1")
pages = Blueprint("api_tokens", __name__)
