import shutil

from ingest.discovery import discover
from orchestration.cli import main
from orchestration.settings import SAMPLE_DIR


def test_every_bundled_extract_is_recognised_even_renamed(sample_landing):
    portal = sample_landing / "caf" / "portail"
    shutil.move(portal / "rsa_s_type_com_f.csv", portal / "export (3).csv")  # a browser's renamed download
    shutil.move(sample_landing / "caf" / "RSACom2018.csv", sample_landing / "caf" / "RSACom2018 (1).csv")
    (sample_landing / "LISEZMOI.txt").write_text("notes", encoding="utf-8")
    (sample_landing / "tableau.xlsx").write_bytes(b"not read")

    landing = discover(sample_landing)

    sources = {}
    for extract in landing.extracts:
        sources.setdefault(extract.source, []).append(extract)
    assert {s: len(e) for s, e in sources.items()} == {
        "caf_legacy": 22,
        "caf_onape": 6,
        "caf_partenaire": 1,
        "caf_portail": 3,
        "insee_naissances": 1,
        "insee_populations_legales": 2,
        "insee_recensement_ages": 3,
        "structures_inventaire": 1,
        "structures_activite": 1,
        "structures_financements": 1,
        "permis_louer": 4,
        "caf_allocations_logement": 1,
        "suivi_plan_action": 1,
    }
    assert {e.theme for e in sources["caf_portail"]} == {"s_ben_com_f", "rsa_s_type_com_f", "ndur_s_qf_400_com_f"}
    assert sorted(e.year for e in sources["insee_populations_legales"]) == [2011, 2016]
    assert [p.name for p in landing.unrecognised] == ["tableau.xlsx"]


def test_validate_command_names_the_bad_line_and_loads_nothing(tmp_path, capsys):
    good = SAMPLE_DIR / "caf" / "AAHCom2018.csv"
    bad = tmp_path / "AAHCom2018.csv"
    text = good.read_text(encoding="utf-8").replace(";62160;", ";62160X;", 1)
    bad.write_text(text, encoding="utf-8")

    assert main(["validate", str(good)]) == 0
    assert main(["validate", str(good), str(bad)]) == 1

    out = capsys.readouterr().out
    assert f"✓ {good} : conforme" in out
    assert "fichier AAHCom2018.csv, ligne 3, colonne Codes_Insee : code commune invalide « 62160X »" in out
    assert not (tmp_path / "quarantine").exists()


def test_population_file_without_year_is_quarantined_with_its_report(tmp_path):
    from ingest.pipeline import ingest_source
    from ingest.registry import SOURCES

    landing_dir = tmp_path / "landing"
    for folder in ("a", "b"):  # two rejected files with the same name in one refresh
        (landing_dir / folder).mkdir(parents=True)
        shutil.copy(SAMPLE_DIR / "insee" / "populations_legales" / "2016" / "donnees_communes.csv", landing_dir / folder)

    report = ingest_source(SOURCES["insee_populations_legales"], discover(landing_dir), tmp_path / "build.duckdb",
                           tmp_path / "quarantine", keep_originals=False, log=lambda _m: None)

    assert not report.ok and {v.rule for v in report.violations} == {"annee_reference"}
    assert not any(landing_dir.rglob("*.csv"))
    assert len(list((tmp_path / "quarantine").rglob("donnees_communes.csv.rapport.txt"))) == 2


def test_validate_names_a_missing_file_or_a_folder_without_a_traceback(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "RSACom2018.csv"), str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "fichier introuvable" in out and "est un dossier" in out


def test_a_link_out_of_the_landing_folder_is_refused_without_being_read(tmp_path):
    from ingest.pipeline import ingest_source
    from ingest.registry import SOURCES

    secret = tmp_path / "ailleurs" / "passwd"
    secret.parent.mkdir()
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    landing_dir = tmp_path / "landing"
    landing_dir.mkdir()
    (landing_dir / "NIVCOMTOTAL2018.csv").symlink_to(secret)
    (landing_dir / "notes.csv").symlink_to(secret)  # not even its header is read

    landing = discover(landing_dir)
    report = ingest_source(SOURCES["caf_legacy"], landing, tmp_path / "build.duckdb", tmp_path / "quarantine", False,
                           log=lambda _m: None)

    assert [(v.file, v.rule) for v in report.violations] == [("NIVCOMTOTAL2018.csv", "lien_hors_arrivee")]
    assert landing.unrecognised == [landing_dir / "notes.csv"]
    written = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "quarantine").rglob("*.rapport.txt"))
    assert "lien symbolique" in written and "root:x" not in written
    assert secret.read_text(encoding="utf-8").startswith("root:x")  # the target itself is untouched


def test_an_unreadable_file_is_one_french_line_not_a_crash(tmp_path, monkeypatch):
    """Running as root, permissions cannot be taken away: the reads fail as they would."""
    import errno

    from ingest import discovery, pipeline
    from ingest.pipeline import ingest_source
    from ingest.registry import SOURCES

    def denied(*_args, **_kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    landing_dir = tmp_path / "landing"
    landing_dir.mkdir()
    (landing_dir / "NIVCOMTOTAL2018.csv").write_text("x\n", encoding="utf-8")  # recognised by its name
    (landing_dir / "export.csv").write_text("x\n", encoding="utf-8")  # would need its header read
    monkeypatch.setattr(discovery, "header_of", denied)
    monkeypatch.setattr(pipeline, "file_sha256", denied)

    landing = discover(landing_dir)
    report = ingest_source(SOURCES["caf_legacy"], landing, tmp_path / "build.duckdb", tmp_path / "q", False,
                           log=lambda _m: None)

    assert landing.unreadable == {landing_dir / "export.csv": "Permission denied"}
    assert [(v.file, v.rule) for v in report.violations] == [("NIVCOMTOTAL2018.csv", "fichier_illisible")]
    assert "vérifiez ses droits de lecture" in report.violations[0].message
