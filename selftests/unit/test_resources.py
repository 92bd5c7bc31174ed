"""The journal proves what a run created; cleanup deletes only that, newest first."""

from os_interop.resources import Journal, cleanup, read_journals


class FakeCloud:
    """(method, url) -> (status, body), remembering calls and what exists."""

    def __init__(self, existing=(), fail_delete=()):
        self.existing = set(existing)
        self.fail_delete = set(fail_delete)
        self.calls = []

    def __call__(self, method, url):
        self.calls.append((method, url))
        if method == "GET" and "?name=" in url:
            name = url.split("?name=")[1]
            return 200, {"images": [{"id": i.split("/")[-1], "name": name}
                                    for i in self.existing if name in i]}
        if method == "DELETE":
            if url in self.fail_delete:
                return 500, None
            if url in self.existing:
                self.existing.discard(url)
                return 204, None
            return 404, None
        return (200 if url in self.existing else 404), None


def test_cleanup_is_reverse_order_and_404_counts_as_deleted(tmp_path):
    journal = Journal(tmp_path / "j.jsonl", "run1")
    a = journal.intend("secgroup")
    a.created("1", "http://c/sg/1")
    b = journal.intend("image")
    b.created("2", "http://c/img/2")
    cloud = FakeCloud(existing={"http://c/img/2"})
    assert cleanup(journal.entries, cloud) == []
    assert [c for c in cloud.calls if c[0] == "DELETE"] == [("DELETE", "http://c/img/2"),
                                                            ("DELETE", "http://c/sg/1")]
    assert {e.state for e in journal.entries} == {"deleted"}


def test_failed_delete_is_a_reported_leak_and_the_rest_still_goes(tmp_path):
    journal = Journal(tmp_path / "j.jsonl", "run1")
    first = journal.intend("image")
    first.created("1", "http://c/img/1")
    second = journal.intend("image", suffix="b")
    second.created("2", "http://c/img/2")
    cloud = FakeCloud(existing={"http://c/img/1", "http://c/img/2"}, fail_delete={"http://c/img/2"})
    leaks = cleanup(journal.entries, cloud)
    assert [e.id for e in leaks] == ["2"] and "500" in leaks[0].reason
    assert "http://c/img/1" not in cloud.existing


def test_an_intent_without_id_is_found_by_its_exact_name_only(tmp_path):
    journal = Journal(tmp_path / "j.jsonl", "run1")
    entry = journal.intend("image", find_url="http://c/images?name={name}",
                           delete_template="http://c/img/{id}")
    assert entry.name == "osi-run1-image" and entry.find_url.endswith(entry.name)
    cloud = FakeCloud(existing={f"http://c/img/{entry.name}"})
    cleanup(journal.entries, cloud)
    assert cloud.existing == set()


def test_journal_survives_a_restart_and_filters_by_run(tmp_path):
    path = tmp_path / "j.jsonl"
    mine = Journal(path, "run1")
    mine.intend("image").created("1", "http://c/img/1")
    Journal(path, "run2").intend("image").created("9", "http://c/img/9")
    with open(path, "a") as f:
        f.write('{"half a line')
    entries = read_journals([path], "run1")
    assert [(e.id, e.state) for e in entries] == [("1", "created")]
    cleanup(entries, FakeCloud(existing={"http://c/img/1"}))
    assert [e.state for e in read_journals([path], "run1")] == ["deleted"]
    assert [e.state for e in read_journals([path], "run2")] == ["created"]
