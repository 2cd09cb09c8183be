"""How a run chooses its dates: watermark, overlap, explicit windows, backfill."""

from datetime import date

import pytest

from pubmed.window import HISTORY_START, Window, batched, next_watermark, plan_window

TODAY = date(2026, 11, 27)


def test_first_run_backfills_the_whole_history_by_entry_date_only():
    window = plan_window(watermark=None, since=None, until=None, today=TODAY, overlap_days=3)
    assert window == Window(start=HISTORY_START, end=TODAY, is_backfill=True)
    assert window.datetypes() == ("edat",)


def test_next_night_overlaps_the_watermark_and_searches_new_and_changed_records():
    window = plan_window(
        watermark=date(2026, 11, 26), since=None, until=None, today=TODAY, overlap_days=3
    )
    assert (window.start, window.end) == (date(2026, 11, 23), TODAY)
    assert window.datetypes() == ("edat", "mdat")


def test_explicit_since_and_until_win_over_the_watermark():
    window = plan_window(
        watermark=date(2026, 11, 26),
        since=date(2020, 1, 1),
        until=date(2020, 12, 31),
        today=TODAY,
        overlap_days=3,
    )
    assert (window.start, window.end, window.is_backfill) == (
        date(2020, 1, 1),
        date(2020, 12, 31),
        False,
    )


def test_a_window_that_ends_before_it_starts_is_refused():
    with pytest.raises(ValueError, match="starts after it ends"):
        plan_window(
            watermark=None,
            since=date(2021, 1, 2),
            until=date(2021, 1, 1),
            today=TODAY,
            overlap_days=3,
        )


def test_batches_keep_order_and_cover_every_id_once():
    ids = [str(n) for n in range(1, 451)]
    batches = batched(ids, 200)
    assert [len(b) for b in batches] == [200, 200, 50]
    assert [pmid for b in batches for pmid in b] == ids


def test_the_watermark_moves_to_the_window_end_when_nothing_is_owed():
    window = Window(start=date(2026, 11, 23), end=TODAY)
    assert next_watermark(window, None, overlap_days=3) == TODAY


def test_an_owed_pmid_holds_the_watermark_where_the_next_window_covers_it_again():
    window = Window(start=date(2026, 11, 23), end=TODAY)
    held = next_watermark(window, date(2026, 11, 20), overlap_days=3)
    assert held == date(2026, 11, 23)
    nxt = plan_window(watermark=held, since=None, until=None, today=TODAY, overlap_days=3)
    assert nxt.start == date(2026, 11, 20), "the next window starts where the PMID was promised"
    assert next_watermark(window, date(2026, 11, 26), overlap_days=3) == TODAY


def test_a_pmid_owed_since_a_backfill_leaves_the_watermark_unset():
    window = Window(start=HISTORY_START, end=TODAY, is_backfill=True)
    assert next_watermark(window, HISTORY_START, overlap_days=3) is None
