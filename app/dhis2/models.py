"""A province's mapping of our visit figures onto DHIS2: each visit cell
(service × reader group) → a data element and a category option combo, each
commune (and, optionally, a library point of its own) → an org unit. The
province uploads it (or fills it in on a page) and owns it; the dataValueSets
export reads it. Identifiers are DHIS2's: an UID is 11 characters, a letter
then letters or digits; an org unit may instead be named by its code (the
mapping's `org_unit_scheme`)."""
from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models_base import TimestampMixin, VersionMixin
from app.units.models import Unit
from app.visits.models import GROUPS, SERVICES

UID, CODE = "uid", "code"
UID_LENGTH = 11
CODE_LENGTH = 50  # DHIS2's "Max 50 char" for a code


def _in(column, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Dhis2Mapping(TimestampMixin, VersionMixin, db.Model):
    """One per province: how its org units are named, the optional data set
    and attribute option combo of the export, and the rows below."""

    __tablename__ = "dhis2_mapping"
    __table_args__ = (CheckConstraint(_in("org_unit_scheme", (UID, CODE)), name="org_unit_scheme"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    province_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), unique=True)
    org_unit_scheme: Mapped[str] = mapped_column(String(4), default=UID)
    data_set: Mapped[str] = mapped_column(String(UID_LENGTH), default="")
    attribute_option_combo: Mapped[str] = mapped_column(String(UID_LENGTH), default="")
    filename: Mapped[str] = mapped_column(String(200), default="")  # the last upload's, "" after an edit on the page

    province: Mapped[Unit] = relationship()
    cells: Mapped[list["Dhis2CellMap"]] = relationship(cascade="all, delete-orphan", passive_deletes=True)
    units: Mapped[list["Dhis2UnitMap"]] = relationship(cascade="all, delete-orphan", passive_deletes=True)
    points: Mapped[list["Dhis2PointMap"]] = relationship(cascade="all, delete-orphan", passive_deletes=True)

    @property
    def access_parent(self):
        return self.province


class Dhis2CellMap(db.Model):
    """A visit cell of ours → a DHIS2 data element and category option combo
    ("" for DHIS2's default combo). Several cells may name the same pair:
    their visits are added up."""

    __tablename__ = "dhis2_cell_map"
    __table_args__ = (
        UniqueConstraint("mapping_id", "service", "reader_group"),
        CheckConstraint(_in("service", SERVICES), name="service"),
        CheckConstraint(_in("reader_group", GROUPS), name="reader_group"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mapping_id: Mapped[int] = mapped_column(ForeignKey("dhis2_mapping.id", ondelete="CASCADE"))
    service: Mapped[str] = mapped_column(String(20))
    reader_group: Mapped[str] = mapped_column(String(20))
    data_element: Mapped[str] = mapped_column(String(UID_LENGTH))
    category_option_combo: Mapped[str] = mapped_column(String(UID_LENGTH), default="")


class Dhis2UnitMap(db.Model):
    """A commune of the province → a DHIS2 org unit (its UID or its code,
    as the mapping says). Several communes may name the same org unit (after a
    merger): their visits are added up."""

    __tablename__ = "dhis2_unit_map"
    __table_args__ = (UniqueConstraint("mapping_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mapping_id: Mapped[int] = mapped_column(ForeignKey("dhis2_mapping.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    org_unit: Mapped[str] = mapped_column(String(CODE_LENGTH))


class Dhis2PointMap(db.Model):
    """A library point reported to DHIS2 apart from its commune: its visits go
    to this org unit, and the commune's org unit gets those of its other points."""

    __tablename__ = "dhis2_point_map"
    __table_args__ = (UniqueConstraint("mapping_id", "point_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mapping_id: Mapped[int] = mapped_column(ForeignKey("dhis2_mapping.id", ondelete="CASCADE"))
    point_id: Mapped[int] = mapped_column(ForeignKey("library_point.id", ondelete="CASCADE"))
    org_unit: Mapped[str] = mapped_column(String(CODE_LENGTH))
