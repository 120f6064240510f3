"""A transport's name is one class's: `register` refuses a second class under a taken name."""

from __future__ import annotations

import importlib
import sys

import pytest

from wiredesk.transports import base
from wiredesk.transports.http import HttpPoll

THROWAWAY = """
from wiredesk.transports.base import Transport, register


@register
class Throwaway(Transport):
    name = "throwaway-test"
    label = "A transport of the registry's test"

    def pull(self, checkpoint, memory):
        return iter(())
"""


@pytest.fixture
def registry(monkeypatch):
    """The registry with every transport of the package in it, for one test to change."""
    base.get("http")  # every module of the package imported, so registered
    monkeypatch.setattr(base, "REGISTRY", dict(base.REGISTRY))
    return base.REGISTRY


def test_a_second_class_under_a_taken_name_is_refused_with_both_classes_named(registry):
    class Impostor(base.Transport):
        name = "http"
        label = "Another HTTP"

        def pull(self, checkpoint, memory):
            return iter(())

    with pytest.raises(ValueError) as refused:
        base.register(Impostor)
    message = str(refused.value)
    assert "'http'" in message
    assert "wiredesk.transports.http.HttpPoll" in message
    assert f"{__name__}.{Impostor.__qualname__}" in message
    assert registry["http"] is HttpPoll  # the first keeps its name


def test_the_same_class_registered_again_is_no_change(registry):
    before = dict(registry)
    assert base.register(HttpPoll) is HttpPoll
    assert registry == before


def test_a_reloaded_module_registers_its_new_class_in_the_old_ones_place(
    registry, tmp_path, monkeypatch
):
    (tmp_path / "throwaway_transport.py").write_text(THROWAWAY)
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("throwaway_transport")
    try:
        first = registry["throwaway-test"]
        reloaded = importlib.reload(module)
        assert reloaded.Throwaway is not first  # a new class object ...
        assert registry["throwaway-test"] is reloaded.Throwaway  # ... in the old one's place
    finally:
        sys.modules.pop("throwaway_transport", None)
