"""A web worker's first requests: what they made is left out of the collector's full walks."""

from __future__ import annotations

import gc

from wiredesk.config.warm_up import FREEZE_AFTER, FrozenAfterWarmUp


def _served(application, times: int) -> None:
    for _ in range(times):
        body = application({"PATH_INFO": "/"}, lambda status, headers: None)
        assert list(body) == [b"ok"]


def test_what_a_workers_first_requests_kept_is_frozen_after_them_and_later_objects_are_not():
    kept: list[list[int]] = []

    def site(environ, start_response):
        kept.append([len(kept)])  # a container the collector tracks, kept for the worker's life
        start_response("200 OK", [])
        return [b"ok"]

    def tracked(thing: object) -> bool:
        return any(found is thing for found in gc.get_objects())

    application = FrozenAfterWarmUp(site, after=(3, 5))
    frozen = gc.get_freeze_count()
    try:
        _served(application, 3)
        assert gc.get_freeze_count() == frozen and tracked(kept[0]) and tracked(kept[2])
        _served(application, 1)  # the fourth: what the first three kept is frozen first
        assert gc.get_freeze_count() >= frozen + 3
        assert not tracked(kept[0]) and not tracked(kept[2]) and tracked(kept[3])
        _served(application, 2)  # the sixth: again
        assert not tracked(kept[4]) and tracked(kept[5])
        _served(application, 3)  # and no more
        assert tracked(kept[5]) and tracked(kept[8])
    finally:
        gc.unfreeze()  # the test process's own objects, walked again as before


def test_the_site_a_worker_serves_freezes_after_its_first_requests():
    from wiredesk.config.wsgi import application

    assert isinstance(application, FrozenAfterWarmUp)
    assert application.after == frozenset(FREEZE_AFTER)
