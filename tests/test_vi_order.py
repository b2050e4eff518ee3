"""Vietnamese order, whole-syllable search and the commune pickers built with them."""
import re

from app.extensions import db
from app.formatting import matches_name, vi_sort_key, vi_sorted
from app.units.models import COMMUNE, PROVINCE, Unit
from app.units.queries import commune_choices


def test_vietnamese_letter_order_then_tones():
    names = ["Xã Uy", "Phường Trung Thành", "Xã Ưu", "Xã Ơn", "Xã Ôn", "Xã On", "Xã Đồng Hỷ", "Xã Dương",
             "Xã Ân Thi", "Xã Ăn", "Xã An", "Xã Hạ", "Xã Há", "Xã Hã", "Xã Hả", "Xã Hà", "Xã Ha", "Phường Tích Lương"]
    assert vi_sorted(names) == [
        "Phường Tích Lương", "Phường Trung Thành", "Xã An", "Xã Ăn", "Xã Ân Thi", "Xã Dương", "Xã Đồng Hỷ",
        "Xã Ha", "Xã Hà", "Xã Hả", "Xã Hã", "Xã Há", "Xã Hạ", "Xã On", "Xã Ôn", "Xã Ơn", "Xã Uy", "Xã Ưu"]
    assert vi_sort_key("Xã A") < vi_sort_key("Xã An") < vi_sort_key("Xã Ba")
    assert vi_sort_key("đà") > vi_sort_key("dz")  # đ is a letter of its own, after d
    assert vi_sort_key("Xã An") == vi_sort_key("XÃ AN")[:2] + (vi_sort_key("Xã An")[2],)  # case does not matter


def test_search_matches_whole_syllables_without_accents():
    assert matches_name("phu", "Xã Phú Bình") and matches_name("phu", "Xã Phụ Khánh")
    assert not matches_name("Phú", "Phường Phan Đình Phùng") and not matches_name("phu", "Phường Tân Lập")
    assert matches_name("Phú", "Xã Phú Bình") and not matches_name("Phú", "Xã Phụ Khánh")  # accents typed count
    assert matches_name("phu binh", "Xã Phú Bình") and not matches_name("binh phu", "Xã Phú Bình")
    assert matches_name("  ", "anything") and matches_name("THAI NGUYEN", "Thái Nguyên")


def _units(app):
    with app.app_context():
        p1 = Unit(code="81", kind=PROVINCE, name="Tỉnh Một", division_type="tỉnh")
        p2 = Unit(code="82", kind=PROVINCE, name="An Giang", division_type="tỉnh")
        db.session.add_all([p1, p2])
        db.session.flush()
        for code, name, parent in (("81001", "Phường Trung Thành", p1), ("81002", "Phường Tích Lương", p1),
                                   ("81003", "Xã Bình Thành", p1), ("82001", "Xã Bình Thành", p2),
                                   ("82002", "Xã Ân Phú", p2)):
            db.session.add(Unit(code=code, kind=COMMUNE, name=name, parent=parent, division_type="xã"))
        db.session.commit()


def test_commune_choices_are_grouped_sorted_and_tell_homonyms_apart(app):
    _units(app)
    with app.app_context():
        communes = db.session.query(Unit).filter(Unit.kind == COMMUNE).all()
        groups = commune_choices(communes, "— choose —")
        assert list(groups) == [None, "An Giang", "Tỉnh Một"]
        assert [label for _id, label in groups[None]] == ["— choose —"]
        assert [label for _id, label in groups["An Giang"]] == ["Xã Ân Phú", "Xã Bình Thành (An Giang)"]
        assert [label for _id, label in groups["Tỉnh Một"]] == [
            "Phường Tích Lương", "Phường Trung Thành", "Xã Bình Thành (Tỉnh Một)"]
        one = commune_choices([c for c in communes if c.code.startswith("81")])
        assert [label for _id, label in one] == ["Phường Tích Lương", "Phường Trung Thành", "Xã Bình Thành"]


def test_admins_pickers_show_optgroups_in_order(app, world, as_user):
    _units(app)
    client = as_user("admin")
    for path, name in (("/points/new", "commune_id"), ("/audit", "commune"), ("/admin/users/new", "unit_id")):
        html = client.get(path).get_data(as_text=True)
        select = html.split(f'name="{name}"', 1)[1].split("</select>", 1)[0]
        groups = re.findall(r'<optgroup label="([^"]+)"', select)
        assert groups == vi_sorted(groups) and "An Giang" in groups, path
        assert "Xã Bình Thành (An Giang)" in select and "Xã Bình Thành (Tỉnh Một)" in select, path
        one = select.split('<optgroup label="Tỉnh Một"', 1)[1].split("</optgroup>", 1)[0]
        assert one.index("Phường Tích Lương") < one.index("Phường Trung Thành"), path


def test_dashboard_name_search_and_order():
    from app.dashboard.queries import select_rows

    rows = [{"name": n} for n in ("Phường Phan Đình Phùng", "Xã Phú Bình", "Xã Phụ Khánh", "Phường Trung Thành",
                                  "Phường Tích Lương")]
    assert [r["name"] for r in select_rows(rows, q="phu")] == ["Xã Phú Bình", "Xã Phụ Khánh"]
    assert [r["name"] for r in select_rows(rows, q="Phú")] == ["Xã Phú Bình"]
    assert [r["name"] for r in select_rows(rows, q="phuong")][:3] == [
        "Phường Phan Đình Phùng", "Phường Tích Lương", "Phường Trung Thành"]
