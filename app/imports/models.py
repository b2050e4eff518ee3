"""Checked rows kept between the preview and the confirmation, in the database
so that any app server can take the confirmation. One model for every import:
the batch belongs to a library point (equipment, visits) or to a training
session (attendance); `kind` names the importer."""
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models_base import UTCDateTime, utcnow
from app.units.models import LibraryPoint


class ImportBatch(db.Model):
    __tablename__ = "import_batch"
    __table_args__ = (
        CheckConstraint("(point_id IS NULL) <> (session_id IS NULL)", name="one_owner"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    point_id: Mapped[int | None] = mapped_column(ForeignKey("library_point.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("training_session.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    source: Mapped[str] = mapped_column(String(10), default="file")  # "file" or "paste"
    filename: Mapped[str] = mapped_column(String(200), default="")
    rows: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set by the confirmation that saved the rows; a second confirmation finds it set.
    saved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    point: Mapped[LibraryPoint | None] = relationship()
    training = relationship("TrainingSession")

    @property
    def owner(self):
        return self.point if self.point_id is not None else self.training

    @property
    def access_parent(self):
        return self.owner
