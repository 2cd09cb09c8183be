"""Pipeline: recent runs with their windows, counts and failures, quarantined records and
why, the current model version and its metrics, and the time of the data shown."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import streamlit as st

from dashboards.context import Context, current_context
from dashboards.data import read_frame, sync_pending
from dashboards.evidence import model_metrics, runs_table
from dashboards.inert import escape_markdown
from dashboards.widgets import timed_page
from labels.card import headline_table, model_card, shipped_report

RUNS_SHOWN = 30
QUARANTINE_SHOWN = 100


def render() -> None:
    with timed_page("Pipeline"):
        ctx = current_context()
        st.title("Pipeline")
        _data_time(ctx)
        _runs(ctx)
        _quarantine(ctx)
        _model(ctx)


def _data_time(ctx: Context) -> None:
    """When the data shown was published and loaded, and what it holds."""
    status = read_frame(ctx, "dash_data_status").iloc[0]
    published = datetime.fromtimestamp(ctx.snapshot.stat().st_mtime, UTC)
    st.markdown(
        f"**Data shown:** published {published:%Y-%m-%d %H:%M} UTC · last completed nightly "
        f"load {_when(status['last_completed_at'])} UTC · PubMed records loaded up to "
        f"{_when(status['watermark'], '%Y-%m-%d')}"
    )
    cols = st.columns(5)
    cols[0].metric("Live records", f"{int(status['live_articles']):,}")
    cols[1].metric("Classified", f"{int(status['labelled_articles']):,}")
    cols[2].metric("On topic", f"{int(status['on_topic_articles']):,}")
    cols[3].metric("Retracted or concern", f"{int(status['flagged_articles']):,}")
    cols[4].metric(
        "Corrections pending",
        sync_pending(ctx),
        help=f"{int(status['merged_corrections']):,} reviewer corrections merged so far",
    )


def _when(value: object, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return "—" if value is None or pd.isna(value) else pd.Timestamp(value).strftime(fmt)


def _runs(ctx: Context) -> None:
    st.subheader("Recent runs")
    runs = read_frame(ctx, "dash_runs", {"limit": RUNS_SHOWN})
    if runs.empty:
        st.caption("No runs recorded yet.")
        return
    failed = runs[runs["status"] == "failed"]
    if not failed.empty:
        latest = failed.iloc[0]
        st.warning(
            f"{len(failed)} failed run(s) among the last {len(runs)}; the latest, "
            f"started {_when(latest['started_at'])}: {escape_markdown(latest['error'])}"
        )
    st.dataframe(runs_table(runs), hide_index=True)


def _quarantine(ctx: Context) -> None:
    st.subheader("Quarantined records")
    quarantine = read_frame(ctx, "dash_quarantine", {"limit": QUARANTINE_SHOWN})
    if quarantine.empty:
        st.caption("Nothing quarantined.")
        return
    st.caption("Records that could not be parsed or were not returned, kept with their bytes.")
    st.dataframe(quarantine, hide_index=True)


def _model(ctx: Context) -> None:
    st.subheader("Model")
    versions = read_frame(ctx, "dash_model_versions")
    trained = versions[versions["trained_at"].notna()]
    if trained.empty:
        report = shipped_report()
        if not report.get("frozen_split"):
            st.caption("No trained model version recorded yet.")
            return
        version = escape_markdown(str(report.get("model_version", "")))
        st.markdown(f"Shipped model **{version}** (no retraining recorded in this warehouse).")
        _card(report)
    else:
        current = trained.iloc[0]
        st.markdown(
            f"Current model **{escape_markdown(current['version'])}**, trained "
            f"{_when(current['trained_at'])} UTC."
        )
        report = json.loads(current["report"]) if current["report"] else {}
        if report.get("frozen_split"):
            _card(report)
        else:
            metrics = model_metrics(current["report"])
            if metrics.empty:
                st.caption("Its report holds no per-field metrics.")
            else:
                st.dataframe(metrics, hide_index=True)
    st.caption("Labels in the data, by model version:")
    shown = versions.assign(version=versions["version"].fillna("(not classified)"))
    st.dataframe(shown[["version", "trained_at", "articles"]], hide_index=True)


def _card(report: dict[str, Any]) -> None:
    st.markdown("**Model card**: frozen-split figures (records never trained on)")
    st.markdown(headline_table(report))
    with st.expander("Whole model card: training data, per value, calibration, weaknesses"):
        st.markdown(model_card(report))
