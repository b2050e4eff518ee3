"""What a province shares, as its pages list it."""
from sqlalchemy import select

from app.extensions import db
from app.resources.models import Resource


def shared_resources(province_id: int | None) -> list[Resource]:
    """The resources a province shares now, by kind and title."""
    return db.session.scalars(select(Resource).where(Resource.province_id == province_id, Resource.active.is_(True))
                              .order_by(Resource.kind, Resource.title)).all()
