"""A dateline without the agency's credit is told from a clause by the sentence's end that
follows the date: the danda (।), the double danda (॥) and the Urdu full stop (U+06D4) as well
as a colon or a dash."""

from __future__ import annotations

import pytest

from wiredesk.wire.datelines import find_dateline


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("नई दिल्ली, 6 दिसंबर। सरकार ने आज घोषणा की।", "नई दिल्ली"),
        ("नई दिल्ली, 6 दिसंबर॥ सरकार ने आज घोषणा की।", "नई दिल्ली"),
        ("نئی دہلی، 6 دسمبر\u06d4 حکومت نے آج اعلان کیا\u06d4", "نئی دہلی"),
        ("मुंबई, 6 दिसंबर: शेयर बाजार में तेजी रही।", "मुंबई"),
    ],
)
def test_a_dateline_ended_by_its_script_s_full_stop_is_read(text, place):
    found = find_dateline(text)
    assert found is not None and found[1] == place


def test_a_date_running_on_into_a_clause_is_no_dateline():
    assert find_dateline("नई दिल्ली, 6 दिसंबर को सरकार ने घोषणा की।") is None
