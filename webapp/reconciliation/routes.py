"""/reconciliation: the runs, a run's differences (filterable, exported as CSV or XLSX), a
button to start a run for a period, and "explained" with a note. Managers, admins and
auditors; runs execute in the worker (jobs.py), never in the request."""

from __future__ import annotations

from flask import Blueprint, abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from webapp.audit import record
from webapp.auth.access import roles_required
from webapp.downloads import attachment
from webapp.extensions import db
from webapp.htmx import redirect_to, render_page
from webapp.models import DifferenceKind, ReconciliationRun, Role
from webapp.models.base import utcnow
from webapp.reconciliation import jobs, services
from webapp.reconciliation.export import DifferenceExport, csv_lines, xlsx_chunks
from webapp.reconciliation.summary import open_differences
from webapp.reconciliation.totals import rows as total_rows

bp = Blueprint("reconciliation", __name__, url_prefix="/reconciliation")
READERS = (Role.MANAGER, Role.ADMIN, Role.AUDITOR)


def open_differences_for_viewer() -> int:
    """The dashboard's warning: open differences, for those who may see them (else 0)."""
    if not current_user.is_authenticated or not current_user.has_role(*READERS):
        return 0
    return open_differences()


bp.add_app_template_global(open_differences_for_viewer, "reconciliation_open_differences")


def _run_or_404(run_id: int) -> ReconciliationRun:
    run = db.session.get(ReconciliationRun, run_id)
    if run is None:
        abort(404)
    return run


@bp.route("/")
@roles_required(*READERS)
def index() -> str:
    today = utcnow().date()
    return render_template("reconciliation/index.html", runs=services.recent_runs(),
                           kind_label=services.kind_label, today=today.isoformat())


@bp.route("/runs", methods=["POST"])
@roles_required(*READERS)
def start() -> Response:
    try:
        period_start, period_end = services.parse_period(request.form.get("date_from"),
                                                         request.form.get("date_to"))
    except services.PeriodError as error:
        flash(str(error.message), "error")
        return redirect_to(url_for("reconciliation.index"))
    run = jobs.start(period_start, period_end, current_user.id)
    record("reconciliation.started", actor=current_user, target=f"reconciliation_run:{run.id}",
           details={"from": period_start.isoformat(), "to": period_end.isoformat()})
    db.session.commit()
    flash(_("Reconciliation run %(id)s started.", id=run.id), "success")
    return redirect_to(url_for("reconciliation.run", run_id=run.id))


@bp.route("/runs/<int:run_id>")
@roles_required(*READERS)
def run(run_id: int) -> str:
    found = _run_or_404(run_id)
    filters = services.parse_filters(request.args)
    differences, matching = services.differences_page(run_id, filters)
    return render_template(
        "reconciliation/run.html", run=found, differences=differences, matching=matching,
        filters=filters, kinds=list(DifferenceKind), kind_label=services.kind_label,
        counts=services.counts_by_kind(run_id),
        totals=total_rows(found.provider_totals, found.desk_totals),
        page_rows=services.PAGE_ROWS,
        csv_url=url_for("reconciliation.export_csv", run_id=run_id, **filters.pairs()),
        xlsx_url=url_for("reconciliation.export_xlsx", run_id=run_id, **filters.pairs()))


@bp.route("/runs/<int:run_id>/progress")
@roles_required(*READERS)
def progress(run_id: int) -> str:
    """The progress area alone: htmx polls it while the run is queued or running."""
    return render_page("reconciliation/progress_page.html", "reconciliation/_progress.html",
                       run=_run_or_404(run_id))


@bp.route("/differences/<int:difference_id>/explain", methods=["POST"])
@roles_required(*READERS)
def explain(difference_id: int) -> Response:
    run_id = request.form.get("run", type=int)
    try:
        done = services.explain(difference_id, current_user, request.form.get("note", ""))
    except services.NoteRequired:
        flash(_("Write a note that explains the difference."), "error")
        done = None
    else:
        if done is None:
            flash(_("This difference was already explained."), "info")
        else:
            flash(_("Difference %(id)s marked explained.", id=difference_id), "success")
            run_id = done.run_id
    target = (url_for("reconciliation.run", run_id=run_id) if run_id
              else url_for("reconciliation.index"))
    return redirect_to(target)


def _export(run_id: int) -> DifferenceExport:
    _run_or_404(run_id)
    query = services.differences_query(run_id, services.parse_filters(request.args))
    return DifferenceExport.prepare(query)


@bp.route("/runs/<int:run_id>/differences.csv")
@roles_required(*READERS)
def export_csv(run_id: int) -> Response:
    return attachment(csv_lines(_export(run_id)), "text/csv; charset=utf-8",
                      f"reconciliation-{run_id}.csv")


@bp.route("/runs/<int:run_id>/differences.xlsx")
@roles_required(*READERS)
def export_xlsx(run_id: int) -> Response:
    return attachment(
        xlsx_chunks(_export(run_id)),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"reconciliation-{run_id}.xlsx")
