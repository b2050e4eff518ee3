"""The yardstick of bench/page_cost.py: Flask-Admin's list view of a 60-row table
(an equipment-like item: category, description, code, quantity, condition,
funding, receipt date), 20 rows a page, over SQLite, served by the same
gunicorn settings as the app. Never used outside the benchmark."""
import fcntl
import os
import tempfile
from datetime import date

from flask import Flask
from flask_admin import Admin
from flask_admin.contrib.sqla import ModelView
from flask_babel import Babel
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import Mapped, mapped_column

path = os.path.join(tempfile.gettempdir(), f"bench-admin-{os.getppid()}.db")
app = Flask(__name__)
app.config.update(SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}", SECRET_KEY="bench")
db = SQLAlchemy(app)
Babel(app)  # Flask-Admin translates with Flask-Babel when it is installed


class Item(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str]
    description: Mapped[str]
    asset_code: Mapped[str]
    quantity: Mapped[int]
    condition: Mapped[str]
    funding_source: Mapped[str]
    received_on: Mapped[date | None]


class ItemView(ModelView):
    page_size = 20


Admin(app).add_view(ItemView(Item, db.session))

# Both workers import this at once: one makes the table and its rows, the other waits for it.
with open(path + ".lock", "w") as lock, app.app_context():
    fcntl.flock(lock, fcntl.LOCK_EX)
    db.create_all()
    if not db.session.scalar(db.select(db.func.count()).select_from(Item)):
        db.session.add_all(Item(category=("computer", "chair", "shelf")[i % 3], description=f"Thiết bị số {i}",
                                asset_code=f"TB-{i:03d}", quantity=1 + i % 5,
                                condition=("in_use", "broken", "under_repair")[i % 3], funding_source="province",
                                received_on=date(2013 + i % 10, 1 + i % 12, 1)) for i in range(60))
        db.session.commit()
