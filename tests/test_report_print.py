"""The printable period report (dashboard.printable) as a document to send:
the typed parent body, place, addressee and recipients (never the issuer
itself), titles cut only between phrases, Bảng 1 as two tables that each add
up to the period's visits, the missing reports in an appendix after the
signature, and typed values cut to length, never a 500. On the hand-counted
fixture of tests/test_dashboard.py (May 2025: 59 visits in province P).

The assertions hold whether or not the new strings are translated yet: they
look at typed values, figures, element ids and classes."""
import re
from urllib.parse import urlencode

import pytest

from tests.test_dashboard import MAY, Tables, figures, page_text  # noqa: F401  (the fixture)

pytestmark = pytest.mark.usefixtures("figures")

ISSUER = "Sở Văn hóa, Thể thao và Du lịch"


def report(client, query=MAY, **fields):
    response = client.get(f"/province/report?{query}&{urlencode(fields)}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def part(html, start, end):
    """The HTML between two markers (the first of each)."""
    return html.split(start, 1)[1].split(end, 1)[0]


def recipients_of(html):
    """The "Nơi nhận" lines as printed, without their dashes."""
    lines = part(part(html, '<div class="recipients">', "</div>"), "</p>", "</p>").split("<p>", 1)[1]
    return [re.sub(r"^- ", "", line.strip()) for line in lines.split("<br>")]


def test_parent_body_place_and_addressee_are_typed(as_user):
    client = as_user("province_staff_p")
    default = page_text(report(client))
    assert "UBND TỈNH TỈNH P" in default and "Tỉnh P, ngày" in default  # the defaults: the province
    html = report(client, parent="Bộ Văn hóa, Thể thao và Du lịch", issuer="Cục Thư viện", place="Hà Nội",
                  addressee="Ủy ban nhân dân tỉnh P")
    head = page_text(part(html, '<header class="doc-head">', "</header>"))
    assert head.startswith("BỘ VĂN HÓA, THỂ THAO VÀ DU LỊCH CỤC THƯ VIỆN")  # the parent body above the issuer
    assert "UBND TỈNH TỈNH P" not in head and "Hà Nội, ngày" in head
    assert "Ủy ban nhân dân tỉnh P" in page_text(part(html, '<p class="addressee">', "</p>"))
    form = part(html, '<form method="get"', "</form>")
    assert 'name="parent" value="Bộ Văn hóa, Thể thao và Du lịch"' in form and 'name="place" value="Hà Nội"' in form


def test_recipients_are_typed_and_never_include_the_issuer(as_user):
    client = as_user("province_staff_p")
    assert recipients_of(report(client)) == ["Như trên;", "Thư viện tỉnh;", "Lưu: VT."]  # the defaults
    html = report(client, issuer=ISSUER, recipients="Như trên;\r\n- SO VAN HOA,  THE THAO VA DU LICH;\r\n\r\n"
                  "UBND tỉnh P (để b/c);\r\n- Lưu: VT, TV.")
    assert recipients_of(html) == ["Như trên;", "UBND tỉnh P (để b/c);", "Lưu: VT, TV."]
    notice = part(html, '<p class="notice" role="status">', "</p>")
    assert "SO VAN HOA,  THE THAO VA DU LICH." in notice  # the screen says which line was left out
    textarea = part(html, '<textarea name="recipients"', "</textarea>")
    assert "SO VAN HOA" not in textarea and "UBND tỉnh P (để b/c);" in textarea  # the next update sends it no more
    assert 'class="notice"' not in report(client, issuer=ISSUER, recipients="Như trên;\nLưu: VT.")


def test_table_1_is_two_tables_each_adding_up_to_the_visits(as_user):
    html = report(as_user("province_staff_p"))
    assert "đã phục vụ 59 lượt bạn đọc" in html
    by_service, by_group = (Tables("<table " + part(html, f'id="visits-by-{name}"', "</table>")).tables
                            for name in ("service", "group"))
    for table, (first, last) in ((by_service, ("1", "5")), (by_group, ("1", "4"))):
        rows, total = table[0][1:-1], table[0][-1]
        assert [r[0] for r in rows][0] == first and rows[-1][0] == last  # each numbered from 1
        assert sum(int(r[2].replace(".", "")) for r in rows) == int(total[2]) == 59
    assert by_service[0][1] == ["1", "Đọc tại chỗ", "30"] and by_group[0][1] == ["1", "Thiếu nhi", "30"]


def test_titles_break_only_between_phrases(as_user):
    html = report(as_user("province_staff_p"), issuer=ISSUER, signer_for="kt. giám đốc", signer_title="Phó Giám đốc")
    issuer = part(html, '<div class="issuer-name">', "</div>")
    assert issuer.replace("\u00a0", "+") == ('<span class="keep">SỞ VĂN+HÓA,</span> <span class="keep">THỂ+THAO</span>'
                                            ' <span class="keep">VÀ DU+LỊCH</span>')  # + a no-break space
    signature = part(html, '<div class="signature">', "</div>")
    assert re.findall(r'<p class="sign-title">(.*?)</p>', signature) == [
        '<span class="keep">KT. GIÁM\u00a0ĐỐC</span>', '<span class="keep">PHÓ GIÁM\u00a0ĐỐC</span>']
    default = part(report(as_user("province_staff_p")), '<div class="signature">', "</div>")
    assert re.findall(r'<p class="sign-title">(.*?)</p>', default) == ['<span class="keep">GIÁM\u00a0ĐỐC</span>']


def test_missing_reports_are_an_appendix_after_the_signature(as_user):
    html = report(as_user("province_staff_p"), "kind=quarter&year=2025&number=2", number_line="12/BC-SVHTTDL")
    appendix = html.split('<section class="appendix"', 1)[1]
    assert html.index('<div class="signature">') < html.index('<section class="appendix"')
    assert re.findall(r"<li>(.*?)</li>", appendix) == ["Xã A: 04, 06/2025", "Xã B: 04, 06/2025"]  # one line a commune
    assert "12/BC-SVHTTDL" in appendix
    assert "còn thiếu: 4." in page_text(part(html, "<h2>IV.", "<h2>V."))
    assert len(Tables(html).tables) == 4  # no table of missing reports in section IV
    assert '<section class="appendix"' not in report(as_user("province_staff_p"))  # May: none missing


@pytest.mark.parametrize("name", ["parent", "issuer", "number_line", "place", "addressee", "signer_for",
                                  "signer_title", "signer"])
def test_an_overlong_field_is_cut_not_an_error(as_user, name):
    html = report(as_user("province_staff_p"), **{name: "x" * 20_000})
    assert "x" * 201 not in html.lower()
    assert re.search(rf'name="{name}" value="(x+)"', html.replace("X", "x")).group(1) in ("x" * 40, "x" * 60,
                                                                                         "x" * 80, "x" * 120, "x" * 200)


def test_overlong_recipients_are_cut_not_an_error(as_user):
    html = report(as_user("province_staff_p"), recipients="\n".join(["y" * 5_000] * 400), issuer="z" * 5_000)
    lines = recipients_of(html)
    assert 1 <= len(lines) <= 15 and all(len(line) <= 120 for line in lines)
