"""Commands about patient records: ``profile``, ``import``, ``export``, ``report`` and ``records``.

All take ``--database URL`` (default: $REHABCOACH_DATABASE, else SQLite in the user's data folder;
``postgresql://user@server/db`` for a clinic's shared server).  They work headless.
Also the ``--profile``/``--database`` options of ``rehabcoach session`` and its recorder.
"""

from __future__ import annotations

import argparse
import contextlib
import json
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from rehabcoach.errors import UserError
from rehabcoach.records import profiles
from rehabcoach.records.location import DATABASE_ENV

if TYPE_CHECKING:
    from rehabcoach.practice import PracticeService

DATABASE_HELP = (f"records database: sqlite:///PATH, a file path, or postgresql://USER@HOST/DB "
                 f"(default: ${DATABASE_ENV}, else records.db in your data folder)")


def _database_option(parser: argparse.ArgumentParser) -> None:
    # SUPPRESS: without the option here, a --database given before the command (rehabcoach --database
    # URL profile list) is kept instead of being reset to None by this sub-parser's default.
    parser.add_argument("--database", metavar="URL", default=argparse.SUPPRESS, help=DATABASE_HELP)


def register(subparsers, _parser: argparse.ArgumentParser) -> None:
    profile = subparsers.add_parser(
        "profile", help="add, list, show, change or remove patient profiles",
        description="Patient profiles: several people can practise on one computer, each with their own "
        "affected side, notes and per-exercise thresholds.")
    actions = profile.add_subparsers(dest="profile_action", metavar="ACTION", required=True)

    add = actions.add_parser("add", help="add a profile", description="Add a patient profile.")
    add.add_argument("name", metavar="NAME")
    add.add_argument("--affected-side", choices=("left", "right", "none"), default="none",
                     help="the side of the face affected by the palsy (the patient's own side)")
    add.add_argument("--notes", default="", metavar="TEXT", help="free notes (shown in reports)")
    add.set_defaults(run=run_profile_add)

    listing = actions.add_parser("list", help="list the profiles", description="List the patient profiles.")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(run=run_profile_list)

    show = actions.add_parser("show", help="show one profile's settings and records",
                              description="Show a profile: affected side, notes, thresholds, prescription.")
    show.add_argument("name", metavar="NAME")
    show.set_defaults(run=run_profile_show)

    change = actions.add_parser("set", help="change a profile", description="Change a profile's name, side or notes.")
    change.add_argument("name", metavar="NAME")
    change.add_argument("--rename", metavar="NEW_NAME")
    change.add_argument("--affected-side", choices=("left", "right", "none"))
    change.add_argument("--notes", metavar="TEXT")
    change.set_defaults(run=run_profile_set)

    threshold = actions.add_parser(
        "threshold", help="set or clear a patient's guard threshold for an exercise",
        description="Set the threshold at which an unwanted movement is warned about, for one patient and "
        "exercise (the measure's own scale, as in the routine files), or --clear it to use the exercise's own.")
    threshold.add_argument("name", metavar="NAME")
    threshold.add_argument("exercise", metavar="EXERCISE")
    threshold.add_argument("measure", metavar="MEASURE")
    threshold.add_argument("value", type=float, nargs="?", metavar="VALUE")
    threshold.add_argument("--clear", action="store_true", help="remove the patient's own threshold")
    threshold.set_defaults(run=run_profile_threshold)

    remove = actions.add_parser("remove", help="delete a profile and all its records",
                                description="Delete a profile with all its sessions and prescriptions.")
    remove.add_argument("name", metavar="NAME")
    remove.add_argument("--yes", action="store_true", help="confirm: this cannot be undone")
    remove.set_defaults(run=run_profile_remove)
    for sub in (add, listing, show, change, threshold, remove):
        _database_option(sub)

    importing = subparsers.add_parser(
        "import", help="import a therapist's prescription for a profile",
        description="Import a prescription (YAML, with any bundled exercises and illustrations). Every mistake "
        "is listed with its line; an invalid prescription is rejected whole and nothing is changed.")
    importing.add_argument("file", metavar="FILE", help="the prescription YAML file")
    importing.add_argument("--profile", required=True, metavar="NAME")
    importing.add_argument("--check", action="store_true", help="only check the file; import nothing")
    importing.add_argument("--library", metavar="DIR", help="exercise library folder (default: the built-in one)")
    _database_option(importing)
    importing.set_defaults(run=run_import)

    export = subparsers.add_parser(
        "export", help="export a profile's session data as JSON or CSV",
        description="Export every session, rep, unwanted movement, note and movement-check estimate of a "
        "profile, as one JSON file or CSV tables (one file per table) in a folder.")
    export.add_argument("--profile", required=True, metavar="NAME")
    export.add_argument("--from", dest="first", metavar="DATE", help="first day (YYYY-MM-DD; default: all)")
    export.add_argument("--to", dest="last", metavar="DATE", help="last day (YYYY-MM-DD; default: all)")
    export.add_argument("--json", metavar="OUT", help="write one JSON file")
    export.add_argument("--csv", metavar="DIR", help="write CSV files into this folder")
    _database_option(export)
    export.set_defaults(run=run_export)

    report = subparsers.add_parser(
        "report", help="write a PDF progress report for a date range",
        description="Write a PDF report: patient, prescription, adherence, charts per exercise and side, "
        "movement-check trend (an estimate, not a diagnosis) and notes. Works without a display.")
    report.add_argument("--profile", required=True, metavar="NAME")
    report.add_argument("--from", dest="first", metavar="DATE", help="first day (YYYY-MM-DD; default: 30 days ago)")
    report.add_argument("--to", dest="last", metavar="DATE", help="last day (YYYY-MM-DD; default: today)")
    report.add_argument("--pdf", required=True, metavar="OUT", help="the PDF file to write")
    _database_option(report)
    report.set_defaults(run=run_report)

    records = subparsers.add_parser("records", help="where the records are; save sessions kept while storage "
                                    "was unavailable", description="Records database maintenance.")
    records_actions = records.add_subparsers(dest="records_action", metavar="ACTION", required=True)
    info = records_actions.add_parser("info", help="show which database is used and its schema version")
    info.set_defaults(run=run_records_info)
    flush = records_actions.add_parser("flush", help="save sessions that were kept locally while the "
                                       "database was unavailable")
    flush.set_defaults(run=run_records_flush)
    bench = records_actions.add_parser(
        "bench", help="measure how long saving a repetition takes",
        description="Write repetitions (each with unwanted-movement events) the way a session does, one "
        "transaction each, and print the time per repetition. Uses a temporary SQLite file unless --database "
        "is given; there it works in a temporary profile that is removed afterwards.")
    bench.add_argument("--reps", type=int, default=200, metavar="N", help="repetitions to write (default 200)")
    bench.set_defaults(run=run_records_bench)
    for sub in (info, flush, bench):
        _database_option(sub)


# -- helpers -------------------------------------------------------------------------------------
def _store(args, connect: bool = True):
    from rehabcoach.records.backends import open_records

    return open_records(getattr(args, "database", None), connect=connect)


def parse_day(text: str | None, option: str) -> date | None:
    from rehabcoach.records.export import EARLIEST_DAY, LATEST_DAY

    if text is None:
        return None
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise UserError(f"{option} {text}: not a date; write it as YYYY-MM-DD, e.g. 2026-11-02") from None
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise UserError(f"{option} {text}: give a day between {EARLIEST_DAY} and {LATEST_DAY} "
                        "(leave the option out for all records)")
    return day


def _side(value: str | None) -> str | None:
    return None if value in (None, "none") else value


def _describe(profile) -> str:
    side = profile.affected_side or "not set"
    return f"{profile.name} (affected side: {side})"


# -- profile ---------------------------------------------------------------------------------------
def run_profile_add(args) -> int:
    with _store(args) as store:
        profile = profiles.add_profile(store, args.name, _side(args.affected_side), args.notes)
        print(f"added profile {_describe(profile)} to {store.display}")
    return 0


def run_profile_list(args) -> int:
    with _store(args) as store:
        found = profiles.list_profiles(store)
    if args.json:
        print(json.dumps([{"name": p.name, "affected_side": p.affected_side, "notes": p.notes,
                           "thresholds": p.thresholds} for p in found], indent=2))
    elif not found:
        print("no profiles yet: add one with `rehabcoach profile add NAME --affected-side left|right`")
    else:
        for p in found:
            print(f"{p.name}\taffected side: {p.affected_side or 'not set'}")
    return 0


def run_profile_show(args) -> int:
    from rehabcoach.records.prescription_store import active_prescription
    from rehabcoach.records.sessions import load_sessions

    with _store(args) as store:
        profile = profiles.get_profile(store, args.name)
        prescription = active_prescription(store, profile)
        sessions = load_sessions(store, profile.id)
    print(f"name: {profile.name}")
    print(f"affected side: {profile.affected_side or 'not set'}")
    if profile.notes:
        print(f"notes: {profile.notes}")
    for exercise_id, values in profile.thresholds.items():
        for measure, value in values.items():
            print(f"threshold: {exercise_id} {measure} {value:g}")
    if prescription:
        print(f"prescription: {prescription.title} (from {prescription.starts_on}"
              + (f" to {prescription.ends_on}" if prescription.ends_on else "") + ")")
    done = sum(1 for s in sessions if s.status == "completed")
    print(f"sessions: {len(sessions)} ({done} completed)"
          + (f", last on {sessions[-1].started_at.astimezone():%Y-%m-%d %H:%M}" if sessions else ""))
    return 0


def run_profile_set(args) -> int:
    if args.rename is None and args.affected_side is None and args.notes is None:
        raise UserError("nothing to change: give --rename, --affected-side or --notes")
    side = ... if args.affected_side is None else _side(args.affected_side)
    with _store(args) as store:
        profile = profiles.update_profile(store, args.name, new_name=args.rename, affected_side=side,
                                          notes=args.notes)
    print(f"updated profile {_describe(profile)}")
    return 0


def run_profile_threshold(args) -> int:
    with _store(args) as store:
        if args.clear:
            if args.value is not None:
                raise UserError("give either a VALUE or --clear, not both")
            removed = profiles.clear_thresholds(store, args.name, args.exercise, args.measure)
            print(f"cleared {removed} threshold(s): {args.exercise} now uses its own" if removed else
                  f"no threshold of {args.name}'s for {args.exercise} {args.measure} to clear")
            return 0
        if args.value is None:
            raise UserError("give the threshold VALUE (e.g. 0.2), or --clear")
        _check_guarded(args.exercise, args.measure)
        profiles.set_threshold(store, args.name, args.exercise, args.measure, args.value)
    print(f"{args.name}: {args.exercise} warns when {args.measure} deviates by more than {args.value:g}")
    return 0


def _check_guarded(exercise_id: str, measure: str) -> None:
    """A threshold only matters for a measure the exercise guards: say so now rather than never warn."""
    from rehabcoach.routines.loader import load_library

    try:
        library = load_library()
    except UserError:
        return  # no library here (e.g. a clinic server admin machine): the profile setting is still valid
    if exercise_id not in library.exercises:
        library.exercise(exercise_id)  # raises with a "did you mean"
    exercise = library.exercises[exercise_id]
    guarded = sorted({g.measure for g in exercise.movement.guards}) if exercise.movement else []
    if measure not in guarded:
        watched = ", ".join(guarded) if guarded else "nothing (it has no guards)"
        raise UserError(f"'{exercise_id}' has no guard on '{measure}'; its guards watch: {watched}")


def run_profile_remove(args) -> int:
    if not args.yes:
        raise UserError(f"this deletes '{args.name}' with all their sessions and prescriptions; "
                        "run again with --yes to confirm")
    with _store(args) as store:
        profile = profiles.remove_profile(store, args.name)
    print(f"removed profile {profile.name} and all their records")
    return 0


# -- import, export, report --------------------------------------------------------------------------
def run_import(args) -> int:
    from pathlib import Path

    from rehabcoach.records.prescription_store import import_prescription
    from rehabcoach.records.prescriptions import check_prescription

    library = Path(args.library) if args.library else None
    if args.check:
        checked = check_prescription(args.file, library)
        print(f"{args.file}: OK ({len(checked.model.routines)} routines, {len(checked.files)} bundled files); "
              "nothing imported")
        return 0
    with _store(args) as store:
        result = import_prescription(store, args.profile, args.file, library_root=library)
    rx = result.prescription
    print(f"imported \"{rx.title}\" for {result.profile.name}: "
          + ", ".join(f"{r['routine']} {r['times']}× per {r['per']}" for r in rx.document["routines"])
          + f"; {result.thresholds_set} threshold(s), {result.files} bundled file(s)")
    return 0


def run_export(args) -> int:
    from rehabcoach.files import check_distinct_outputs, check_output, write_all_private_atomic
    from rehabcoach.records.export import csv_files, export_data, json_text
    from rehabcoach.records.location import ensure_private_dir

    if not args.json and not args.csv:
        raise UserError("say where to write: --json OUT and/or --csv DIR")
    first, last = parse_day(args.first, "--from"), parse_day(args.last, "--to")
    if first and last and last < first:
        raise UserError(f"--to {last} is before --from {first}")
    with _store(args) as store:
        inputs = _store_files(store)
        json_out = check_output(args.json, "--json", inputs=inputs) if args.json else None
        csv_folder = _check_csv_folder(args.csv, inputs) if args.csv else None
        profile = profiles.get_profile(store, args.profile)
        data = export_data(store, profile, first, last)
    outputs = [(json_out, json_text(data))] if json_out else []
    created = csv_folder is not None and not csv_folder.exists()
    if csv_folder is not None:
        ensure_private_dir(csv_folder)
        outputs += csv_files(data, csv_folder)
    check_distinct_outputs([(str(path), path) for path, _ in outputs])
    try:
        written = write_all_private_atomic(outputs)  # all of them or none (a full disk leaves no 1-of-5 tables)
    except BaseException:
        if created and csv_folder is not None:
            with contextlib.suppress(OSError):
                csv_folder.rmdir()
        raise
    for path in written:
        print(f"wrote {path}")
    reps = sum(len(s["reps"]) for s in data["sessions"])
    print(f"{len(data['sessions'])} sessions, {reps} reps of {profile.name}")
    return 0


def _store_files(store) -> list[Path]:
    """The database file (and its journal) of a SQLite store: outputs must never land on them."""
    path = getattr(store, "path", None)
    return [] if path is None else [path, Path(f"{path}-wal"), Path(f"{path}-shm")]


def _check_csv_folder(text: str, inputs) -> Path:
    from rehabcoach.files import check_output, path_problem
    from rehabcoach.records.export import CSV_TABLES

    problem = path_problem(text)
    if problem:
        raise UserError(f"--csv {text!r}: {problem}")
    folder = Path(text).expanduser()
    if folder.exists() and not folder.is_dir():
        raise UserError(f"--csv {text}: not a folder; give the folder to write the CSV tables into")
    if not folder.exists() and not folder.absolute().parent.is_dir():
        raise UserError(f"--csv {text}: the folder {folder.parent} does not exist")
    if folder.is_dir():
        for name in CSV_TABLES:
            check_output(folder / f"{name}.csv", "--csv", inputs=inputs)
    return folder


def run_report(args) -> int:
    from rehabcoach.reports import build_report
    from rehabcoach.ui.report_pdf import write_pdf_report

    last = parse_day(args.last, "--to") or date.today()
    # The default month before --to: from the earliest day a range may start on at least.
    from rehabcoach.records.export import EARLIEST_DAY
    first = parse_day(args.first, "--from") or max(last - timedelta(days=29), EARLIEST_DAY)
    if last < first:
        raise UserError(f"--to {last} is before --from {first}")
    from rehabcoach.files import check_output

    with _store(args) as store:
        out = check_output(args.pdf, "--pdf", inputs=_store_files(store))
        profile = profiles.get_profile(store, args.profile)
        path = write_pdf_report(build_report(store, profile, first, last), out)
    print(f"wrote {path} ({profile.name}, {first} to {last})")
    return 0


# -- records -------------------------------------------------------------------------------------
def run_records_info(args) -> int:
    from rehabcoach.records.schema import latest_version

    with _store(args) as store:
        version = store.schema_version()
        count = len(profiles.list_profiles(store))
        print(f"database: {store.display}")
    print(f"schema version: {version} (this RehabCoach: {latest_version()}); {count} profile(s)")
    return 0


def run_records_flush(args) -> int:
    from rehabcoach.records.recorder import replay_unsaved

    with _store(args) as store:
        saved = replay_unsaved(store)
    print(f"saved {saved} session(s) that were kept locally" if saved else "nothing was waiting to be saved")
    return 0


def run_records_bench(args) -> int:
    import statistics
    import tempfile
    import time
    import uuid

    from rehabcoach.coaching.types import MovementEvent, RepSummary
    from rehabcoach.records.backends import open_records
    from rehabcoach.records.recorder import SessionRecorder

    if args.reps < 1:
        raise UserError("--reps must be at least 1")
    with tempfile.TemporaryDirectory(prefix="rehabcoach-bench-") as folder:
        url = getattr(args, "database", None) or f"{folder}/bench.db"
        with open_records(url) as store:
            profile = profiles.add_profile(store, f"bench {uuid.uuid4().hex[:8]}")
            try:
                recorder = SessionRecorder(store, profile, "bench", unsaved_dir=Path(folder) / "unsaved")
                recorder.start()
                times = []
                for number in range(1, args.reps + 1):
                    events = [MovementEvent("eye", "left", "eye_aperture", 1.0 + i, 1.6 + i, -0.31, 0.2)
                              for i in range(3)]
                    summary = RepSummary("gentle-smile", number, 0.0, 8.0, {"left": 0.8, "right": 0.9}, events,
                                         {"eye_aperture": 0.2}, 0.0)
                    started = time.perf_counter()
                    status = recorder.rep_completed(summary, "mouth_corner_lift")
                    times.append((time.perf_counter() - started) * 1000)
                    if not status.ok:
                        raise UserError(status.message)
                recorder.finish()
            finally:
                profiles.remove_profile(store, profile.name)
            where = store.display
    times.sort()
    print(f"{args.reps} repetitions (3 events each), one transaction each, to {where}")
    print(f"per repetition: median {statistics.median(times):.2f} ms, 95th percentile "
          f"{times[int(0.95 * (len(times) - 1))]:.2f} ms, max {times[-1]:.2f} ms")
    return 0


# -- rehabcoach session --profile --------------------------------------------------------------------
def add_session_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", metavar="NAME",
                        help="record the session in this patient's records, and use their affected side, "
                        "thresholds and prescription")
    _database_option(parser)


def open_practice(args, library) -> PracticeService:
    """The practice service for ``rehabcoach session``: with ``--profile``, on the records (a database
    that cannot be opened, or an unknown profile, is the user's mistake: the command stops and says so),
    recording on the session's own thread; without it, the library as it is, nothing recorded."""
    from rehabcoach.practice import PracticeService

    if not getattr(args, "profile", None):
        return PracticeService(library)
    practice = PracticeService(library, _store(args), record_in_background=False)
    practice.choose_profile(args.profile)
    return practice
