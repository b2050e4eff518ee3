"""The approval queue as a browser without form= or formaction (lynx) sees it:
each button submits the <form> around it, with that form's own fields only.
Returning must return with the comment and never approve; approving approves."""
from bs4 import BeautifulSoup

from app.reports.models import APPROVED, RETURNED, SUBMITTED
from tests.test_reports import other, state_of, submit_june

QUEUE = "/reports?month=2025-06"


def enclosing_form(element):
    """The <form> an element sits in: all a browser without form= knows."""
    form = element.find_parent("form")
    assert form is not None, element
    return form


def fields(form, **typed) -> dict:
    """What submitting `form` sends: its own named inputs and textareas (checkboxes
    only when checked), the text typed into them, and the button pressed is added by the caller."""
    data = {}
    for field in form.find_all(["input", "textarea"]):
        name = field.get("name")
        if not name or field.get("type") in ("submit", "button") or (
                field.get("type") == "checkbox" and not field.has_attr("checked")):
            continue
        data[name] = typed.get(name, field.get("value", "") if field.name == "input" else field.get_text())
    return data


def submit(client, form, button, **typed):
    data = fields(form, **typed)
    if button.get("name"):
        data[button["name"]] = button.get("value", "")
    assert form.get("method", "get").lower() == "post"
    return client.post(form["action"], data=data)


def queue_row(client, commune_id):
    soup = BeautifulSoup(client.get(QUEUE).get_data(as_text=True), "html.parser")
    row = soup.find("tr", id=f"queue-{commune_id}")
    assert row is not None
    return row


def test_return_without_form_attributes_returns_with_the_comment(app, world, as_user):
    submit_june(app, world, as_user)
    client = other(app, world, "province_staff_p")
    row = queue_row(client, world.commune_a.id)
    button = row.find("button", string=lambda s: s and "Trả lại cho xã" in s)
    form = enclosing_form(button)
    textarea = form.find("textarea", attrs={"name": "comment"})
    assert textarea is not None, "the comment is in the return's own form"
    response = submit(client, form, button, comment="Thiếu lượt đọc của người cao tuổi")
    assert response.status_code == 303 and response.headers["Location"].startswith("/reports?")
    assert state_of(app, world.commune_a.id) == (RETURNED, "Thiếu lượt đọc của người cao tuổi")


def test_approve_without_form_attributes_approves(app, world, as_user):
    submit_june(app, world, as_user)
    client = other(app, world, "province_staff_p")
    row = queue_row(client, world.commune_a.id)
    button = row.find("button", string=lambda s: s and s.strip() == "Duyệt")
    form = enclosing_form(button)
    assert form.find("textarea") is None  # nothing of the return rides along
    response = submit(client, form, button)
    assert response.status_code == 303 and response.headers["Location"].startswith("/reports?")
    assert state_of(app, world.commune_a.id)[0] == APPROVED


def test_no_form_reaches_across_or_nests(app, world, as_user):
    submit_june(app, world, as_user)
    client = other(app, world, "province_staff_p")
    soup = BeautifulSoup(client.get(QUEUE).get_data(as_text=True), "html.parser")
    assert not soup.select("[form], [formaction]")
    assert all(form.find_parent("form") is None for form in soup.find_all("form"))
    bulk = soup.find("form", action="/reports/2025/6/approve")
    boxes = bulk.find_all("input", attrs={"name": "commune"})
    assert [b["value"] for b in boxes] == [str(world.commune_a.id)]  # only reports waiting for approval
    assert bulk.find("textarea") is None
    assert state_of(app, world.commune_a.id)[0] == SUBMITTED


def test_bulk_approval_form_on_its_own(app, world, as_user):
    submit_june(app, world, as_user)
    client = other(app, world, "province_staff_p")
    soup = BeautifulSoup(client.get(QUEUE).get_data(as_text=True), "html.parser")
    bulk = soup.find("form", action="/reports/2025/6/approve")
    bulk.find("input", attrs={"name": "commune"})["checked"] = "checked"  # ticked
    response = submit(client, bulk, bulk.find("button"))
    assert response.status_code == 303
    assert state_of(app, world.commune_a.id)[0] == APPROVED
