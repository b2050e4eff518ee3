from flask import Blueprint

bp = Blueprint("visits", __name__)

from app.visits import sheet  # noqa: E402,F401  (the paper tally sheet's route, on this blueprint)
