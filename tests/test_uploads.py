"""Every import refuses, with a message in Vietnamese and nothing kept, a file
of the wrong type, a file that only pretends to be a workbook, a file over
2 MB, and a request over the 4 MB request limit (413)."""
import io
import zipfile

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.imports.models import ImportBatch
from tests.conftest import post
from tests.test_training import make_session

IMPORTS = {  # route → who uploads
    "equipment": ("/points/{point}/equipment/import", "librarian_a"),
    "visits": ("/points/{point}/visits/import", "librarian_a"),
    "training": ("/training/{session}/import", "trainer_p"),
}


def fake_xlsx() -> bytes:
    """A zip archive named .xlsx, with no workbook in it."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    return out.getvalue()


BAD_FILES = [
    (b"MZ\x90\x00" + b"\x00" * 200, "chuong-trinh.exe", "Hãy tải lên tệp .xlsx hoặc .csv"),
    (b"%PDF-1.4 ...", "bao-cao.pdf", "Hãy tải lên tệp .xlsx hoặc .csv"),
    (b"\x00\x01\x02 not a zip at all", "so-lieu.xlsx", "không phải tệp .xlsx hợp lệ"),
    (fake_xlsx(), "rong.xlsx", "không phải tệp .xlsx hợp lệ"),
    ("Ngày,Số lượt\n".encode("utf-16"), "utf16.csv", "UTF-8"),
    (b"a,b\n" + b"x" * (2 * 1024 * 1024 + 10), "lon.csv", "2 MB"),
]


def batches(app) -> int:
    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(ImportBatch)))


@pytest.mark.parametrize("kind", sorted(IMPORTS))
def test_bad_files_are_refused_and_nothing_is_kept(app, world, as_user, kind):
    path, who = IMPORTS[kind]
    url = path.format(point=world.point_a.id, session=make_session(app, world) if kind == "training" else "")
    client = as_user(who)
    for data, filename, message in BAD_FILES:
        response = post(client, url, {"file": (io.BytesIO(data), filename)}, content_type="multipart/form-data")
        body = response.get_data(as_text=True)
        assert response.status_code == 422, (kind, filename, response.status_code)
        assert message in body, (kind, filename)
    too_large = post(client, url, {"file": (io.BytesIO(b"x" * (5 * 1024 * 1024)), "rat-lon.csv")},
                     content_type="multipart/form-data")
    assert too_large.status_code == 413
    assert "Dữ liệu gửi lên vượt quá dung lượng cho phép." in too_large.get_data(as_text=True)
    assert batches(app) == 0
