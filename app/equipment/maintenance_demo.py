"""Demo maintenance schedules: the province's intervals (computers and printers
every 6 months, audio-visual and network devices every year)."""
from sqlalchemy import select

from app.equipment.maintenance_models import MaintenanceInterval
from app.extensions import db

DEMO_INTERVALS = {"computer": 6, "printer": 6, "audio_visual": 12, "network": 12}


def demo_maintenance(province, communes, years):
    if db.session.scalar(select(MaintenanceInterval.id).where(MaintenanceInterval.province_id == province.id)
                         .limit(1)) is None:
        db.session.add_all([MaintenanceInterval(province_id=province.id, category=category, months=months)
                            for category, months in DEMO_INTERVALS.items()])
