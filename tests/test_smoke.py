from tests.conftest import login


def test_login_reaches_home(client, world):
    response = login(client, "librarian_a")
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    page = client.get("/")
    assert page.status_code == 200
    assert "Xã A" in page.get_data(as_text=True)
