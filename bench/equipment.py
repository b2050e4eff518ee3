"""make bench (equipment): import 5,000 rows, and the weight of the register.

A throw-away SQLite database with the demo province; a librarian uploads an
.xlsx of 5,000 rows (parse + check + preview), then confirms (one insert in
one transaction). Prints the times and the gzipped sizes of the register page
and of one htmx row partial; adds them to bench/results.json.
"""
import gzip
import io
import json
import time
from datetime import date

from openpyxl import Workbook
from setup import ROOT, demo_app, logged_in
from sqlalchemy import func, select

ROWS = 5000


def workbook(headers) -> bytes:
    wb = Workbook()
    sheet = wb.active
    sheet.append(headers)
    for i in range(ROWS):
        sheet.append(["Ghế", f"Ghế nhựa số {i}", f"GH-{i:05d}", 1 + i % 9, "Đang sử dụng", "không",
                      "Ngân sách xã", date(2020, 1, 1 + i % 28), 150000, ""])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def main():
    app = demo_app()
    from flask_babel import force_locale

    from app.equipment.io import COLUMNS
    from app.equipment.models import EquipmentItem
    from app.extensions import db
    from app.imports.models import ImportBatch
    from app.users.models import User

    with app.app_context():
        librarian = db.session.scalar(select(User).where(User.username == "librarian1"))
        point_id = librarian.unit.points[0].id
    client, token = logged_in(app, "librarian1")

    with app.test_request_context(), force_locale("vi"):
        headers = [str(label) for label in COLUMNS.values()]  # the template's headers
    data = workbook(headers)
    start = time.perf_counter()
    response = client.post(f"/points/{point_id}/equipment/import", content_type="multipart/form-data",
                           data={"csrf_token": token, "file": (io.BytesIO(data), "bench.xlsx")})
    preview_s = time.perf_counter() - start
    assert response.status_code == 200, response.status_code
    preview_gzip = len(gzip.compress(response.data))
    with app.app_context():
        batch_id = db.session.scalar(select(ImportBatch.id))
        before = db.session.scalar(select(func.count(EquipmentItem.id)))
    start = time.perf_counter()
    response = client.post(f"/equipment/imports/{batch_id}", data={"csrf_token": token})
    confirm_s = time.perf_counter() - start
    assert response.status_code == 303, response.status_code
    with app.app_context():
        added = db.session.scalar(select(func.count(EquipmentItem.id))) - before
    assert added == ROWS, added

    register = client.get(f"/points/{point_id}/equipment").data
    with app.app_context():
        item_id = db.session.scalar(select(EquipmentItem.id).where(EquipmentItem.point_id == point_id).limit(1))
    row = client.get(f"/equipment/{item_id}/row", headers={"HX-Request": "true"}).data
    results = {
        "import_rows": ROWS, "import_file_bytes": len(data),
        "import_upload_and_preview_s": round(preview_s, 2), "import_preview_page_gzip": preview_gzip,
        "import_confirm_s": round(confirm_s, 2),
        "register_page_gzip (first page of 50)": len(gzip.compress(register)),
        "register_row_partial_gzip": len(gzip.compress(row)),
    }
    for key, value in results.items():
        print(f"{key:44} {value:>12,}" if isinstance(value, int) else f"{key:44} {value:>12}")
    path = ROOT / "bench" / "results.json"
    existing = json.loads(path.read_text()) if path.exists() else {}
    existing["equipment"] = results
    path.write_text(json.dumps(existing, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
