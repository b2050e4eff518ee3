"""Demo training: June 2025 to November 2026, sessions in part of the
province's communes (several topics, 10–40 attendees each), most run by the
demo trainer; some communes are left untrained. Seeded, so reproducible."""
import random
from datetime import date, timedelta

from sqlalchemy import select

from app.extensions import db
from app.formatting import fold
from app.training.models import FEMALE, MALE, Attendance, TrainingSession
from app.users.models import PROVINCE_STAFF, TRAINER, User

FIRST = date(2025, 6, 2)
LAST = date(2026, 11, 20)
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô", "Dương", "Lý",
            "Ma", "Lục", "Nông", "Hà", "Triệu", "Lường", "Đinh", "Mông"]
MIDDLE = {MALE: ["Văn", "Đức", "Minh", "Quang", "Hữu", "Công", "Xuân", "Thanh"],
          FEMALE: ["Thị", "Thị", "Thu", "Ngọc", "Thanh", "Hồng", "Minh", "Kim"]}
GIVEN = {MALE: ["Long", "Hùng", "Dũng", "Tuấn", "Sơn", "Hải", "Nam", "Cường", "Thắng", "Hoàng", "Phúc", "Khánh",
                "Tùng", "Quân", "Bình", "Tiến"],
         FEMALE: ["Hoa", "Lan", "Hương", "Mai", "Hạnh", "Thảo", "Trang", "Nhung", "Linh", "Yến", "Huyền", "Ngân",
                  "Phương", "Dung", "Thủy", "Vân"]}
# (position, birth years, share of women)
POSITIONS = [
    ("Cán bộ văn hóa xã", (1970, 1998), 0.5),
    ("Giáo viên", (1968, 2000), 0.7),
    ("Học sinh", (2007, 2014), 0.5),
    ("Đoàn viên thanh niên", (1992, 2007), 0.5),
    ("Hội viên hội phụ nữ", (1960, 1998), 1.0),
    ("Người cao tuổi", (1940, 1964), 0.5),
    ("Cán bộ thư viện xã", (1975, 1999), 0.6),
    ("Trưởng thôn", (1958, 1985), 0.2),
]
ORGANISERS = ["Thư viện tỉnh Thái Nguyên", "Thư viện tỉnh Thái Nguyên",
              "Trung tâm Thư viện số – Đại học Thái Nguyên"]
PLANS = {
    "digital_library": ("Hướng dẫn sử dụng thư viện số của Thư viện tỉnh", "Cán bộ văn hóa xã, giáo viên, học sinh"),
    "computer_internet": ("Kỹ năng máy tính và Internet cơ bản", "Người dân, hội viên hội phụ nữ, người cao tuổi"),
    "library_practice": ("Bồi dưỡng nghiệp vụ thư viện cơ sở", "Cán bộ thư viện, cán bộ văn hóa xã"),
    "other": ("Kỹ năng tìm kiếm thông tin an toàn trên mạng", "Đoàn viên thanh niên, học sinh"),
}
VENUES = ["Nhà văn hóa xã", "Hội trường UBND xã", "Điểm thư viện xã", "Trường THCS", "Nhà văn hóa thôn"]
FREE_TRAINERS = ["ThS. Nguyễn Thu Trang (ĐH Thái Nguyên)", "Lê Minh Đức (Trung tâm Thư viện số)", ""]


def _person(rng: random.Random):
    position, (low, high), women = rng.choice(POSITIONS)
    gender = FEMALE if rng.random() < women else MALE
    name = f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE[gender])} {rng.choice(GIVEN[gender])}"
    return name, gender, rng.randint(low, high), position


def demo_training(province, communes, years):
    ids = [c.id for c in communes]
    if not ids or db.session.scalar(select(TrainingSession.id).where(TrainingSession.commune_id.in_(ids)).limit(1)):
        return  # already there
    rng = random.Random(5)
    trainer = db.session.scalar(select(User).where(User.username == "trainer"))
    others = db.session.scalars(select(User).where(User.role.in_((TRAINER, PROVINCE_STAFF)),
                                                    User.unit_id == province.id)).all()
    # About two in three communes get sessions; the rest stay untrained (the dashboard shows them).
    librarian_communes = set(db.session.scalars(select(User.unit_id).where(User.role == "librarian")))
    trained = [c for c in communes if rng.random() < 0.65 or c.id in librarian_communes]
    if len(communes) > 2 and len(trained) == len(communes):
        trained = [c for c in trained if c.id in librarian_communes] + [
            c for c in trained if c.id not in librarian_communes][:-1]
    days = (LAST - FIRST).days
    for commune in trained:
        for _ in range(rng.choice((1, 1, 2, 3))):
            topic = rng.choice(list(PLANS))
            title, audience = PLANS[topic]
            start = FIRST + timedelta(days=rng.randrange(days))
            end = start + timedelta(days=rng.choice((0, 0, 0, 1, 2)))
            by = trainer if trainer is not None and rng.random() < 0.8 else (rng.choice(others) if others else None)
            session = TrainingSession(
                title=f"{title} – {commune.name}", topic=topic, organiser=rng.choice(ORGANISERS),
                start_date=start, end_date=min(end, LAST), commune=commune,
                venue=f"{rng.choice(VENUES)} {commune.name}", audience=audience,
                trainer_names=rng.choice(FREE_TRAINERS), created_by_id=by.id if by else None,
                trainers=[by] if by is not None else [])
            db.session.add(session)
            # Most people come from the commune itself, a few from a neighbour.
            for _n in range(rng.randint(10, 40)):
                name, gender, born, position = _person(rng)
                from_id = commune.id if rng.random() < 0.9 or len(ids) == 1 else rng.choice(ids)
                session.attendees.append(Attendance(
                    full_name=name, name_key=fold(name), gender=gender, birth_year=born, position=position,
                    commune_id=from_id, present=rng.random() < 0.9,
                    phone=f"09{rng.randrange(10**8):08d}" if rng.random() < 0.3 else ""))
    db.session.flush()
