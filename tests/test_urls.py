"""app.urls: links built once per process are the links url_for() builds."""
import pytest
from flask import url_for

from app.urls import fixed_url, url_for_id


@pytest.mark.parametrize("script_root", ["", "/thu-vien"])
def test_a_row_link_is_url_for_with_the_rows_id(app, script_root):
    with app.test_request_context("/", base_url="http://localhost" + script_root):
        detail, history = url_for_id("equipment.item_detail"), url_for_id("visits.point_summary", year=2025)
        for id_ in (1, 42, 918273645, 2**31 - 1):
            assert detail(id_) == url_for("equipment.item_detail", id=id_)
            assert history(id_) == url_for("visits.point_summary", id=id_, year=2025)
        assert detail(7).startswith(script_root + "/")
        assert fixed_url("static", filename="app.css") == url_for("static", filename="app.css")

