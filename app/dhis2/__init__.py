from flask import Blueprint

bp = Blueprint("dhis2", __name__)
