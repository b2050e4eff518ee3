from flask import Blueprint

bp = Blueprint("equipment", __name__)
