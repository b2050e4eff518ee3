"""Checked rows of an uploaded file, kept between the preview and the
confirmation (in the database, so any app server can take the confirmation).
Shared by every module that imports spreadsheets; `kind` names the module."""
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models_base import UTCDateTime, utcnow
from app.units.models import LibraryPoint


class ImportBatch(db.Model):
    __tablename__ = "import_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    point_id: Mapped[int] = mapped_column(ForeignKey("library_point.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    filename: Mapped[str] = mapped_column(String(200), default="")
    rows: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    point: Mapped[LibraryPoint] = relationship()

    @property
    def access_parent(self):
        return self.point
