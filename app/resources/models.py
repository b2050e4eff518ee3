"""What the province shares with its communes: software, platforms, online
look-up pages and e-catalogues."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models_base import TimestampMixin, VersionMixin
from app.units.models import Unit

KINDS = {
    "software": _l("Library software"),
    "platform": _l("Digital library platform"),
    "lookup": _l("Online look-up page"),
    "ecatalogue": _l("E-book catalogue"),
    "other": _l("Other"),
}


class Resource(TimestampMixin, VersionMixin, db.Model):
    __tablename__ = "shared_resource"
    __table_args__ = (
        CheckConstraint(f"kind IN ({', '.join(repr(k) for k in KINDS)})", name="kind"),
        CheckConstraint("link LIKE 'http://%' OR link LIKE 'https://%'", name="link_is_web"),
        Index("ix_shared_resource_province_active", "province_id", "active"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    province_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default="other")
    link: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(default=True)

    province: Mapped[Unit] = relationship()

    @property
    def access_parent(self):
        return self.province

    @property
    def kind_label(self) -> str:
        return str(KINDS.get(self.kind, self.kind))
