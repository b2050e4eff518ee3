"""Training sessions and their attendance (a paste or an
upload kept between the preview and the confirmation."""
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models_base import TimestampMixin, VersionMixin
from app.units.models import Unit
from app.users.models import User

TOPICS = {
    "digital_library": _l("Using the digital library"),
    "computer_internet": _l("Computer and internet skills"),
    "library_practice": _l("Library practice"),
    "other": _l("Other"),
}
MALE, FEMALE = "male", "female"
GENDERS = {MALE: _l("Male"), FEMALE: _l("Female")}
MIN_BIRTH_YEAR = 1900


def _in(column, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


# Trainers who are users of the app (free-text names live on the session).
session_trainer = Table(
    "training_session_trainer",
    db.metadata,
    Column("session_id", ForeignKey("training_session.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user_account.id"), primary_key=True),
)


class TrainingSession(TimestampMixin, VersionMixin, db.Model):
    __tablename__ = "training_session"
    __table_args__ = (
        CheckConstraint("end_date >= start_date", name="end_not_before_start"),
        CheckConstraint(_in("topic", TOPICS), name="topic"),
        # Roll-ups filter by date and group by commune.
        Index("ix_training_session_start_commune", "start_date", "commune_id"),
        Index("ix_training_session_commune_start", "commune_id", "start_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    topic: Mapped[str] = mapped_column(String(20))
    organiser: Mapped[str] = mapped_column(String(200), default="")
    start_date: Mapped[date]
    end_date: Mapped[date]
    commune_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    venue: Mapped[str] = mapped_column(String(200), default="")
    trainer_names: Mapped[str] = mapped_column(String(300), default="")
    audience: Mapped[str] = mapped_column(String(300), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    commune: Mapped[Unit] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    trainers: Mapped[list[User]] = relationship(secondary=session_trainer, order_by=User.full_name)
    attendees: Mapped[list["Attendance"]] = relationship(
        back_populates="training", order_by="Attendance.id", cascade="all, delete-orphan", passive_deletes=True)

    @property
    def access_parent(self):
        return self.commune

    def is_run_by(self, user) -> bool:
        """The trainer who created it or one listed as its trainer."""
        return self.created_by_id == user.id or any(t.id == user.id for t in self.trainers)

    @property
    def topic_label(self) -> str:
        return str(TOPICS.get(self.topic, self.topic))

    @property
    def trainer_list(self) -> str:
        names = [t.full_name for t in self.trainers]
        if self.trainer_names:
            names.append(self.trainer_names)
        return ", ".join(names)

    def __str__(self) -> str:
        return self.title


class Attendance(TimestampMixin, VersionMixin, db.Model):
    __tablename__ = "attendance"
    __table_args__ = (
        CheckConstraint(_in("gender", GENDERS), name="gender"),
        CheckConstraint(f"birth_year IS NULL OR birth_year >= {MIN_BIRTH_YEAR}", name="birth_year_range"),
        Index("ix_attendance_session_name", "session_id", "name_key"),
        Index("ix_attendance_commune_session", "commune_id", "session_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_session.id", ondelete="CASCADE"))
    full_name: Mapped[str] = mapped_column(String(120))
    # The name folded (lower case, no accents), to spot the same person entered twice.
    name_key: Mapped[str] = mapped_column(String(120), default="")
    gender: Mapped[str] = mapped_column(String(10))
    birth_year: Mapped[int | None]
    position: Mapped[str] = mapped_column(String(120), default="")
    commune_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    phone: Mapped[str] = mapped_column(String(20), default="")
    present: Mapped[bool] = mapped_column(default=True)

    training: Mapped[TrainingSession] = relationship(back_populates="attendees")
    commune: Mapped[Unit] = relationship()

    @property
    def access_parent(self):
        return self.training

    @property
    def gender_label(self) -> str:
        return str(GENDERS.get(self.gender, self.gender))

