"""The coordinator's dashboard: how the cohort is doing, which practices it misses, and the attempts behind them."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from app_pages.ui import app_store, require_role
from coach.wording import plural
from coach.analytics import DashboardFilters, attempts_failing, dashboard, filter_options, local_times, time_zone
from coach.export import XLSX_MAX_ROWS, XLSX_MIME_TYPE, attempts_csv, attempts_xlsx, rule_results_csv, rule_results_xlsx
from coach.storage import Role

# Assessment attempts (no hints until the scorecard) show what trainees do alone: the default view.
MODES = {"Assessment": frozenset({"assessment"}), "Practice": frozenset({"practice"}), "Both": frozenset()}
MODE_CAPTIONS = {
    MODES["Assessment"]: "Assessment attempts only (no hints until the scorecard). Choose Practice or Both under Mode.",
    MODES["Practice"]: "Practice attempts only: the trainees had hints along the way.",
    MODES["Both"]: "Assessment and practice attempts together.",
}
FAILING_HEADINGS = {"finished_at": "Finished", "username": "Trainee", "cohort": "Cohort",
                    "scenario_title": "Scenario", "score": "Score", "passed": "Passed"}
HEATMAP_TRAINEES = 40  # more rows than this are unreadable: show the trainees who fail most
# openpyxl writes about 3,000 rows a second (bench/exports.py), CSV about 50,000
EXCEL_HELP = "An Excel workbook, times in UTC. Slower to make than CSV: about 10 seconds for 30,000 rows."


def filters_from_widgets(options) -> DashboardFilters:
    with st.sidebar:
        st.subheader("Filters")
        mode = st.radio("Mode", list(MODES), key="dashboard_mode", horizontal=True,
                        help="Assessment attempts get no hints until the scorecard: what trainees can do on their own. "
                             "Practice attempts had hints along the way.")
        first, last = options.first_finished, options.last_finished
        days = st.date_input("Finished between", (first, last) if first else (), key="dashboard_dates")
        trainees = options.trainees.set_index("id")["username"].to_dict()
        chosen_trainees = st.multiselect("Trainees", list(trainees), format_func=trainees.get, key="dashboard_trainees")
        scenarios = options.scenarios.set_index("scenario_id")["title"].to_dict()
        chosen_scenarios = st.multiselect("Scenarios", list(scenarios), format_func=scenarios.get,
                                          key="dashboard_scenarios")
        chosen_cohorts = st.multiselect("Cohorts", list(options.cohorts), key="dashboard_cohorts")
    date_from, date_to = (days[0], days[-1]) if len(days) == 2 else (None, None)
    return DashboardFilters(date_from, date_to, frozenset(chosen_trainees), frozenset(chosen_scenarios),
                            frozenset(chosen_cohorts), MODES[mode])


def headline(data, filters: DashboardFilters) -> None:
    totals = data.totals.iloc[0]
    attempts, pass_rate, mean_score = st.columns(3)
    attempts.metric("Finished attempts", f"{int(totals['attempts']):,}")
    pass_rate.metric("Pass rate", "–" if pd.isna(totals["pass_rate"]) else f"{totals['pass_rate']:.0%}")
    mean_score.metric("Mean score", "–" if pd.isna(totals["mean_score"]) else f"{totals['mean_score']:.1f}")
    st.caption(MODE_CAPTIONS[filters.modes])


def rule_chart(data) -> None:
    st.subheader("Pass rate per rule: what the cohort misses most")
    rates = data.rule_pass_rates.dropna(subset=["pass_rate"])
    if rates.empty:
        st.caption("No rule applied to these attempts.")
        return
    rates = rates.assign(rule=rates["code"] + " " + rates["name"])
    base = alt.Chart(rates).encode(
        x=alt.X("pass_rate:Q", title="Pass rate", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
        y=alt.Y("rule:N", sort="x", title=None, axis=alt.Axis(labelLimit=240)),
        tooltip=[alt.Tooltip("rule", title="Rule"), alt.Tooltip("applicable", title="Applied"),
                 alt.Tooltip("passed", title="Passed"), alt.Tooltip("pass_rate:Q", title="Pass rate", format=".0%")],
    )
    bars = base.mark_bar().encode(
        color=alt.Color("pass_rate:Q", scale=alt.Scale(scheme="redyellowgreen", domain=[0, 1]), legend=None))
    # the figure at each bar's end: a rule nobody passed has no bar to see, but shows "0%"
    figures = base.mark_text(align="left", dx=4).encode(text=alt.Text("pass_rate:Q", format=".0%"))
    st.altair_chart(bars + figures, use_container_width=True)


def remember_rule_pick(weakest: str) -> None:
    """The coordinator chose a rule: keep it across filter changes. Choosing the weakest rule, the
    one the box offers by itself, means following the weakest again."""
    chosen = st.session_state.dashboard_rule
    st.session_state.dashboard_rule_picked = None if chosen == weakest else chosen


def rule_choice_caption(shown: str, weakest: str, picked: str | None) -> str:
    if picked is None:
        return "The weakest rule for these filters: the box follows it as you filter, until you pick another."
    if picked != shown:
        return f"Your pick, {picked}, has no verdicts for these filters: showing the weakest rule."
    if picked == weakest:
        return "Your pick, and now the weakest rule for these filters too."
    return f"Your pick. The weakest rule for these filters is {weakest}: pick it to follow the weakest again."


def attempts_behind_a_rule(data, filters: DashboardFilters, user) -> None:
    rates = data.rule_pass_rates.dropna(subset=["pass_rate"])
    if rates.empty:
        return
    names = rates.set_index("code")["name"].to_dict()  # weakest first
    weakest = next(iter(names))
    picked = st.session_state.dashboard_rule_picked
    # Streamlit keeps a widget's value when its options change, so after a filter change the box
    # would still show the old weakest rule: set it for these filters (the pick stays remembered
    # while these filters have no verdicts for it, and comes back with filters that do).
    st.session_state.dashboard_rule = picked if picked in names else weakest
    code = st.selectbox("Attempts that failed", list(names), format_func=lambda c: f"{c} {names[c]}",
                        key="dashboard_rule", on_change=remember_rule_pick, args=(weakest,))
    st.caption(rule_choice_caption(code, weakest, picked))
    failing = attempts_failing(app_store(), user, code, filters)
    zone = time_zone(st.context.timezone)
    failing["finished_at"] = local_times(failing["finished_at"], zone)
    st.caption(f"{plural(len(failing), 'attempt')} failed {code}; open one to replay it. Times in {zone.key}.")
    st.dataframe(failing[list(FAILING_HEADINGS)].rename(columns=FAILING_HEADINGS), hide_index=True,
                 use_container_width=True)
    if not failing.empty:
        labels = {row.attempt_id: f"{row.username} · {row.scenario_title} · {row.finished_at}"
                  for row in failing.itertuples()}
        chosen = st.selectbox("Replay", list(labels), format_func=labels.get, key="dashboard_replay_choice")
        st.page_link("app_pages/replay.py", query_params={"attempt": chosen}, label="Replay this attempt", icon=":material/replay:")


def trend_chart(data) -> None:
    st.subheader(f"Score trend (by {data.trend_period})")
    if data.trend.empty:
        st.caption("No finished attempts in this range.")
        return
    base = alt.Chart(data.trend).encode(x=alt.X("period_start:T", title=None))
    scores = base.mark_line(point=True).encode(y=alt.Y("mean_score:Q", title="Mean score", scale=alt.Scale(domain=[0, 100])),
                                               tooltip=["period_start:T", "attempts", "mean_score", "pass_rate"])
    st.altair_chart(scores, use_container_width=True)


def heatmap(data) -> None:
    st.subheader("Trainees x rules: how often each trainee fails each rule")
    cells = data.heatmap[data.heatmap["applicable"] > 0]
    if cells.empty:
        st.caption("Nothing to show.")
        return
    worst = cells.groupby("username")["failed"].sum().nlargest(HEATMAP_TRAINEES).index
    if cells["username"].nunique() > HEATMAP_TRAINEES:
        st.caption(f"The {HEATMAP_TRAINEES} trainees with the most failed rules; filter to see others.")
    chart = alt.Chart(cells[cells["username"].isin(worst)]).mark_rect().encode(
        x=alt.X("code:N", title=None),
        y=alt.Y("username:N", title=None, sort="-color"),
        color=alt.Color("fail_rate:Q", scale=alt.Scale(scheme="reds", domain=[0, 1]), title="Fail rate"),
        tooltip=["username", "code", "applicable", "failed", alt.Tooltip("fail_rate:Q", format=".0%")],
    )
    st.altair_chart(chart, use_container_width=True)


def excel_help(rows: int) -> tuple[str, bool]:
    """The Excel button's help, and whether it is off: too many rows make Excel files slow to build."""
    if rows > XLSX_MAX_ROWS:
        return (f"About {rows:,} rows: too many for Excel from here (at most {XLSX_MAX_ROWS:,}). "
                "Use the CSV, which Excel opens, or narrow the filters."), True
    return EXCEL_HELP, False


def exports(filters: DashboardFilters, user, data) -> None:
    st.subheader("Export")
    st.caption("The finished attempts the filters keep, and every rule's verdict on each. Times are in UTC.")
    store = app_store()
    attempt_count = int(data.totals["attempts"].iloc[0])
    attempts_help, attempts_too_many = excel_help(attempt_count)
    rules_help, rules_too_many = excel_help(attempt_count * len(data.rule_pass_rates))  # a verdict per rule
    attempts_as_csv, attempts_as_excel, rules_as_csv, rules_as_excel = st.columns(4)
    # the files are made when a button is clicked, not on every run of the page
    attempts_as_csv.download_button(
        "Attempts (CSV)", lambda: attempts_csv(store, user, filters), file_name="attempts.csv",
        mime="text/csv", key="dashboard_export_attempts")
    attempts_as_excel.download_button(
        "Attempts (Excel)", lambda: attempts_xlsx(store, user, filters), file_name="attempts.xlsx",
        mime=XLSX_MIME_TYPE, help=attempts_help, disabled=attempts_too_many, key="dashboard_export_attempts_xlsx")
    rules_as_csv.download_button(
        "Per-rule results (CSV)", lambda: rule_results_csv(store, user, filters), file_name="rule-results.csv",
        mime="text/csv", key="dashboard_export_rules")
    rules_as_excel.download_button(
        "Per-rule results (Excel)", lambda: rule_results_xlsx(store, user, filters), file_name="rule-results.xlsx",
        mime=XLSX_MIME_TYPE, help=rules_help, disabled=rules_too_many, key="dashboard_export_rules_xlsx")


user = require_role(Role.COORDINATOR)
st.title("Dashboard")
options = filter_options(app_store(), user)
filters = filters_from_widgets(options)
data = dashboard(app_store(), user, filters)
headline(data, filters)
rules, trend = st.columns(2, gap="large")
with rules:
    rule_chart(data)
    attempts_behind_a_rule(data, filters, user)
with trend:
    trend_chart(data)
heatmap(data)
exports(filters, user, data)
