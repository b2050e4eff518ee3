"""Demo shared resources of the province library (fictional addresses)."""
from sqlalchemy import select

from app.extensions import db
from app.resources.models import Resource

RESOURCES = [
    ("platform", "Thư viện số tỉnh", "https://thuvienso.example.vn/",
     "Đọc sách điện tử, báo và tạp chí số; tài khoản do thư viện tỉnh cấp cho từng điểm thư viện."),
    ("software", "Phần mềm quản lý thư viện (bản dùng cho xã)", "https://phanmem.example.vn/thuvien-xa",
     "Bộ cài đặt, hướng dẫn sử dụng và mẫu biên mục; hỗ trợ qua điện thoại giờ hành chính."),
    ("lookup", "Tra cứu mục lục trực tuyến (OPAC)", "https://opac.example.vn/",
     "Tìm sách trong kho của thư viện tỉnh và các điểm thư viện xã."),
    ("ecatalogue", "Danh mục sách điện tử thiếu nhi", "https://thuvienso.example.vn/thieu-nhi",
     "Truyện tranh, sách kỹ năng và sách giáo khoa điện tử cho học sinh tiểu học, THCS."),
]


def demo_resources(province, communes, years):
    if db.session.scalar(select(Resource.id).where(Resource.province_id == province.id).limit(1)):
        return
    for kind, title, link, description in RESOURCES:
        db.session.add(Resource(province_id=province.id, kind=kind, title=title, link=link, description=description))
