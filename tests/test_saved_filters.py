"""Saved filters (docs/desk.md, Shortcuts, bulk actions and saved filters): an editor names the
wire's filters on screen and finds them as links on the wire; each user's own, kept to the
wire's filters; anyone who reads the wire may, no one else."""

from __future__ import annotations

import lxml.html
import pytest

from wiredesk.desk import saved_filters
from wiredesk.desk.models import SavedFilter

from .comfort_helpers import person
from .desk_users import staff

pytestmark = pytest.mark.django_db

FILTERS = "/desk/wire/filters"


def wire(client, query: str = ""):
    return lxml.html.document_fromstring(client.get(f"/desk/?{query}").content)


def saved_links(page) -> list[tuple[str, str]]:
    return [(a.text_content(), a.get("href")) for a in page.xpath("//ul[@class='saved']/li/a")]


def save(client, name: str, query: str):
    return client.post(FILTERS, {"action": "save", "name": name, "query": query})


@pytest.mark.parametrize("role", ["viewer", "duty editor"])
def test_an_editor_saves_the_filters_on_screen_and_finds_them_on_the_wire(client, role):
    user = person(role)
    client.force_login(user)
    page = wire(client, "state=held&urgency=2")
    [form] = page.xpath("//form[@class='saved-filter'][.//input[@value='save']]")
    assert form.xpath(".//input[@name='query']/@value") == ["state=held&urgency=2"]
    reply = save(client, "  Urgent   held ", "state=held&urgency=2")
    assert reply.status_code == 302 and reply["Location"] == "/desk/?state=held&urgency=2"
    assert list(SavedFilter.objects.values_list("user", "name", "query")) == [
        (user.pk, "Urgent held", "state=held&urgency=2")
    ]
    page = wire(client)
    assert saved_links(page) == [("Urgent held", "/desk/?state=held&urgency=2")]
    on_it = wire(client, "state=held&urgency=2")  # the filter in use is marked
    assert on_it.xpath("//ul[@class='saved']/li/a/@aria-current") == ["true"]


def test_only_the_wire_s_filters_are_kept(client):
    client.force_login(person("duty editor"))
    save(client, "Mine", "before=9&q=monsoon&page=3&next=https://evil.example/&agency=ians")
    assert SavedFilter.objects.get().query == "agency=ians&q=monsoon"
    assert saved_filters.only_filters("q=" + "x" * 500) == "q=" + "x" * 200
    save(client, "Long", "q=" + "मानसून" * 40 + "&section=" + "x" * 200)  # past 1,000 encoded
    assert list(SavedFilter.objects.values_list("name", flat=True)) == ["Mine"]


def test_the_same_name_replaces_and_nothing_is_saved_without_a_name_or_filters(client):
    client.force_login(person("duty editor"))
    save(client, "Flashes", "urgency=1")
    save(client, "Flashes", "urgency=2")
    assert list(SavedFilter.objects.values_list("name", "query")) == [("Flashes", "urgency=2")]
    save(client, "", "urgency=3")
    save(client, "Nothing", "before=4")
    assert SavedFilter.objects.count() == 1
    assert not wire(client).xpath("//input[@value='save']")  # no filters on screen: no form


def test_each_editor_sees_and_deletes_only_their_own(client):
    alice, bob = person("duty editor", "alice"), person("duty editor", "bob")
    client.force_login(alice)
    save(client, "Alice's", "state=held")
    theirs = SavedFilter.objects.get()
    client.force_login(bob)
    assert saved_links(wire(client)) == []
    delete = {"action": "delete", "filter": str(theirs.pk)}
    assert client.post(FILTERS, delete).status_code == 404
    assert SavedFilter.objects.filter(pk=theirs.pk).exists()
    client.force_login(alice)
    page = wire(client)
    [form] = page.xpath("//ul[@class='saved']//form")
    assert form.xpath(".//input[@name='filter']/@value") == [str(theirs.pk)]
    assert client.post(FILTERS, delete).status_code == 302
    assert not SavedFilter.objects.exists()


def test_an_editor_keeps_at_most_so_many(client, monkeypatch):
    monkeypatch.setattr(saved_filters, "MOST", 2)
    client.force_login(person("duty editor"))
    for n in range(3):
        save(client, f"f{n}", f"urgency={n + 1}")
    assert list(SavedFilter.objects.values_list("name", flat=True)) == ["f0", "f1"]
    save(client, "f1", "urgency=9")  # replacing one is not one more
    assert SavedFilter.objects.get(name="f1").query == "urgency=9"


@pytest.mark.parametrize("who", ["anonymous", "not staff", "staff without view_story"])
def test_no_one_but_a_reader_of_the_wire_may_save_or_delete(client, who):
    owner = person("duty editor", "owner")
    mine = SavedFilter.objects.create(user=owner, name="Mine", query="state=held")
    if who == "not staff":
        client.force_login(person("not staff"))
    elif who != "anonymous":
        client.force_login(staff("bob", "sources.view_feed"))
    for post in (
        {"action": "save", "name": "x", "query": "state=held"},
        {"action": "delete", "filter": str(mine.pk)},
    ):
        reply = client.post(FILTERS, post)
        if who == "staff without view_story":
            assert reply.status_code == 403
        else:
            assert reply.status_code == 302 and reply["Location"].startswith("/admin/login/")
    assert list(SavedFilter.objects.values_list("pk", flat=True)) == [mine.pk]
    client.force_login(owner)
    assert client.get(FILTERS).status_code == 405  # a GET changes nothing
