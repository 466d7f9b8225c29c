import duckdb
import pandas as pd

from ingest.load import current_loads, ensure_table, in_loads, replace_unit


def is_loaded(con, table, file_hash, unit=None):
    """What the ingest step asks of the ledger for one file."""
    return in_loads(current_loads(con, table), file_hash, unit)


def frame(value):
    return pd.DataFrame({"annee": [2018, 2018], "code_commune": ["62160", "62643"], "valeur": [value, value]})


def test_same_file_is_recognised_and_new_file_replaces_its_unit(tmp_path):
    with duckdb.connect(str(tmp_path / "build.duckdb")) as con:
        replace_unit(con, "raw.t", "2018", {"annee": 2018}, frame(1), "a.csv", "hash-a")
        replace_unit(con, "raw.t", "2017", {"annee": 2017}, frame(7).assign(annee=2017), "b.csv", "hash-b")
        assert is_loaded(con, "raw.t", "hash-a")
        assert not is_loaded(con, "raw.t", "hash-c")

        replace_unit(con, "raw.t", "2018", {"annee": 2018}, frame(2), "a-corrige.csv", "hash-c")

        rows = con.execute("select annee, valeur, source_file from raw.t order by annee, code_commune").fetchall()
        assert rows == [(2017, 7, "b.csv"), (2017, 7, "b.csv"), (2018, 2, "a-corrige.csv"), (2018, 2, "a-corrige.csv")]
        assert is_loaded(con, "raw.t", "hash-c")
        assert not is_loaded(con, "raw.t", "hash-a")  # replaced: dropping it again reloads it


def test_failed_load_leaves_previous_rows(tmp_path):
    with duckdb.connect(str(tmp_path / "build.duckdb")) as con:
        replace_unit(con, "raw.t", "2018", {"annee": 2018}, frame(1), "a.csv", "hash-a")
        bad = pd.DataFrame({"annee": [2018], "unexpected_column": ["x"]})
        try:
            replace_unit(con, "raw.t", "2018", {"annee": 2018}, bad, "bad.csv", "hash-bad")
        except duckdb.Error:
            pass
        assert con.execute("select count(*), min(source_file) from raw.t").fetchone() == (2, "a.csv")
        assert is_loaded(con, "raw.t", "hash-a")


def test_a_file_named_for_another_unit_is_not_skipped_as_already_loaded(tmp_path):
    with duckdb.connect(str(tmp_path / "build.duckdb")) as con:
        replace_unit(con, "raw.t", "2016", {"annee": 2016}, frame(1).assign(annee=2016), "2016/a.csv", "hash-a")
        assert is_loaded(con, "raw.t", "hash-a", "2016")
        # The same bytes moved to the 2021 folder must load as 2021.
        assert not is_loaded(con, "raw.t", "hash-a", "2021")


def test_a_full_disk_is_reported_not_hidden_by_a_failed_rollback():
    import duckdb
    import pandas as pd
    import pytest

    from ingest.load import replace_unit

    class FullDisk:
        """A connection whose disk fills up during the insert; DuckDB then ends the transaction."""

        def execute(self, sql, *_params):
            if sql.startswith("insert into raw.t"):
                raise duckdb.IOException("Could not write file: No space left on device")
            if sql == "rollback":
                raise duckdb.TransactionException("cannot rollback - no transaction is active")
            return self

        def register(self, *_args):
            pass

        def unregister(self, *_args):
            pass

    with pytest.raises(duckdb.IOException, match="No space left on device"):
        replace_unit(FullDisk(), "raw.t", "2018", {"annee": 2018}, pd.DataFrame({"annee": [2018]}), "f.csv", "h")


def test_a_column_declared_since_the_build_database_was_made_is_added_and_its_files_read_again(tmp_path):
    with duckdb.connect(str(tmp_path / "build.duckdb")) as con:
        ensure_table(con, "raw.t", "annee integer not null, valeur double")
        replace_unit(con, "raw.t", "2018", {"annee": 2018}, frame(1).drop(columns="code_commune"), "a.csv", "hash-a")

        ensure_table(con, "raw.t", "annee integer not null, valeur double, montant decimal(18, 2), nb integer not null")

        columns = [row[0] for row in con.execute("describe raw.t").fetchall()]
        assert {"montant", "nb"} <= set(columns)
        assert con.execute("select count(*) from raw.t").fetchone() == (2,)  # its rows stay until the file is read again
        assert not is_loaded(con, "raw.t", "hash-a")
        ensure_table(con, "raw.t", "annee integer not null, valeur double, montant decimal(18, 2), nb integer not null")
        replace_unit(con, "raw.t", "2018", {"annee": 2018}, frame(1).drop(columns="code_commune"), "a.csv", "hash-a")
        assert is_loaded(con, "raw.t", "hash-a")  # a second call forgets nothing


def test_a_table_in_an_earlier_layout_is_emptied_and_its_loads_alone_forgotten(tmp_path):
    """A column it no longer declares (the long rows `variable`, `valeur`): the rows cannot be
    converted, so the table starts anew and its files are read again; other tables keep theirs."""
    with duckdb.connect(str(tmp_path / "build.duckdb")) as con:
        ensure_table(con, "raw.t", "annee integer not null, variable varchar not null, valeur double")
        replace_unit(con, "raw.t", "2018", {"annee": 2018},
                     pd.DataFrame({"annee": [2018], "variable": ["v"], "valeur": [1.0]}), "a.csv", "hash-a")
        ensure_table(con, "raw.other", "annee integer not null")
        replace_unit(con, "raw.other", "2018", {"annee": 2018}, pd.DataFrame({"annee": [2018]}), "b.csv", "hash-b")

        ensure_table(con, "raw.t", "annee integer not null, v01 bigint")

        assert [row[0] for row in con.execute("describe raw.t").fetchall()] == [
            "annee", "v01", "source_file", "file_hash", "loaded_at"]
        assert con.execute("select count(*) from raw.t").fetchone() == (0,)
        assert not is_loaded(con, "raw.t", "hash-a") and is_loaded(con, "raw.other", "hash-b")
