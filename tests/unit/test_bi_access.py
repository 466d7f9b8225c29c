"""BI access (issue 12): Metabase and Superset read DuckDB through SQLAlchemy (duckdb_engine).
Their queries go on while the refresh publishes, and the README's recipe shows them each
new night's data."""

import subprocess
import sys
import threading

import pytest
import sqlalchemy as sa
from test_publish import build_with_mart

from orchestration.publish.warehouse import publish


def attached_engine(warehouse) -> sa.Engine:
    """The README's recipe for a BI server: sessions on an in-memory database that attach the
    published file read-only (a new session sees the newest publication)."""
    engine = sa.create_engine("duckdb:///:memory:", poolclass=sa.pool.NullPool)

    @sa.event.listens_for(engine, "connect")
    def attach(connection, _record):
        connection.execute("attach ? as ctg (read_only)", [str(warehouse)])  # a path is a parameter

    return engine


def test_sqlalchemy_readers_query_the_published_file_while_a_refresh_publishes(tmp_path):
    folder = tmp_path / "Communauté d'agglomération"  # a quote in the path, as real folder names have
    warehouse, parquet = folder / "ctg.duckdb", folder / "ctg_parquet"
    builds = []
    for value in range(6):
        builds.append(tmp_path / f"b{value}.duckdb")
        build_with_mart(builds[-1], value)
    publish(builds[0], warehouse, parquet)
    engine = attached_engine(warehouse)
    # A pooled read-only engine on the file itself, as DBeaver or a notebook opens it.
    direct = sa.create_engine(f"duckdb:///{warehouse}", connect_args={"read_only": True})
    seen, errors, done = set(), [], threading.Event()

    def dashboard():
        while not done.is_set():
            try:
                with engine.connect() as session:
                    seen.add(session.execute(sa.text("select valeur from ctg.marts.indicateurs")).scalar_one())
                with direct.connect() as session:
                    session.execute(sa.text("select count(*) from marts.indicateurs")).scalar_one()
            except Exception as error:  # noqa: BLE001 - any failure of a reader is the finding
                errors.append(repr(error))

    reader = threading.Thread(target=dashboard)
    reader.start()
    for build in builds[1:]:
        publish(build, warehouse, parquet)
    done.set()
    reader.join()

    assert errors == []
    assert seen <= {float(v) for v in range(6)} and len(seen) >= 2  # whole publications only, several of them
    with engine.connect() as session:  # the next dashboard refresh: the last night's figure
        assert session.execute(sa.text("select valeur from ctg.marts.indicateurs")).scalar_one() == 5.0
    direct.dispose()


def test_the_build_file_is_not_for_readers(tmp_path):
    """Why BI tools open the published file, never the build one: while a refresh writes the
    build database (another process), a reader cannot even open it: DuckDB allows one writing
    process per file, and the reader would hold up the refresh the other way round."""
    build = tmp_path / "build.duckdb"
    build_with_mart(build, 1)
    refresh = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({str(build)!r}); print('ok', flush=True); "
                               "time.sleep(30)"], stdout=subprocess.PIPE, text=True)
    try:
        assert refresh.stdout.readline().strip() == "ok"  # the refresh holds the build file
        engine = sa.create_engine(f"duckdb:///{build}", connect_args={"read_only": True})
        with pytest.raises(sa.exc.OperationalError, match="(?i)lock"):
            with engine.connect() as session:
                session.execute(sa.text("select 1"))
        engine.dispose()
    finally:
        refresh.kill()
        refresh.wait()
