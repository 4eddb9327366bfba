"""The API's front page tells a visitor, in their language, that the site runs and where the API is;
the site's root sends people to the desk."""


def test_site_root_sends_people_to_the_desk(client, db):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/app"


def test_front_page_is_chinese_by_default_and_links_the_openapi_document(client, db):
    response = client.get("/api/")

    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="zh-CN">' in page
    assert "快格轻CRM 已启动" in page
    assert 'href="/api/openapi.json"' in page


def test_front_page_switches_to_english(client, db):
    page = client.get("/api/?_lang=en").content.decode()

    assert '<html lang="en">' in page
    assert "KuaiCRM is running" in page
    assert "快格轻CRM 已启动" not in page
