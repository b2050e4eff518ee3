"""Tokens for the API tests: made straight in the database, as the token page makes them."""
from app.api.models import ApiToken, digest, new_token
from app.extensions import db
from app.models_base import utcnow


def make_token(app, creator_id: int, province_id: int, name: str = "Hệ thống thống kê") -> str:
    """A token of `province_id` made by `creator_id`; returns the token itself."""
    with app.app_context():
        public_id, secret = new_token()
        db.session.add(ApiToken(name=name, public_id=public_id, secret_hash=digest(secret), province_id=province_id,
                                created_by_id=creator_id, created_at=utcnow()))
        db.session.commit()
    return secret


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}
