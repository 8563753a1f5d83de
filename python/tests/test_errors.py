"""Engine errors as Python exceptions with the CLI's message and their fields."""
import pickle
import subprocess

import pytest

import counterpoint as cp
from conftest import small_world

BAD = """name: bad
steps: 3
population:
  n_users: 100
  n_usres: 5
catalog: {type: synthetic, n_items: 500, dim: 8}
user_model: {type: logit}
recommender: {ranker: {type: relevance}}
arms: [{name: a}]
"""


def test_scenario_error_fields_and_message(tmp_path, root):
    path = tmp_path / "bad.yaml"
    path.write_text(BAD)
    with pytest.raises(cp.ScenarioError) as info:
        cp.load_scenario(path)
    e = info.value
    assert isinstance(e, ValueError) and isinstance(e, cp.CounterpointError)
    # the unknown key is on line 5, column 3 (1-based), as written above
    assert (e.file, e.line, e.column) == (str(path), 5, 3)
    assert any("n_usres" in d[3] for d in e.diagnostics)
    cli = root / "build" / "cli" / "counterpoint"
    if cli.exists():
        p = subprocess.run([str(cli), "run", str(path)], capture_output=True, text=True)
        assert p.returncode == 2
        assert p.stderr.strip() == str(e)


def test_scenario_error_pickles():
    e = cp.ScenarioError("f.yaml:2:3: error: x", "f.yaml", 2, 3, [("f.yaml", 2, 3, "x")])
    e2 = pickle.loads(pickle.dumps(e))
    assert (e2.file, e2.line, e2.column, str(e2)) == ("f.yaml", 2, 3, "f.yaml:2:3: error: x")


def test_translated_engine_error_without_position():
    with pytest.raises(cp.ScenarioError) as info:
        cp._core._raise_input_error("data.csv", 0, 0, "something is off")
    assert (info.value.file, info.value.line, info.value.column) == ("data.csv", None, None)
    assert str(info.value) == "data.csv: error: something is off"


def test_bad_override_names_the_set_source():
    with pytest.raises(cp.ScenarioError) as info:
        cp.load_scenario(small_world(), overrides=["steps"])
    # the place is the assignment itself (docs/cli.md, "Error messages")
    assert info.value.file.startswith("--set")


def test_bad_value_in_a_dict():
    with pytest.raises(cp.ScenarioError) as info:
        cp.load_scenario(small_world(steps=-4))
    assert info.value.file == "<dict>" and info.value.line is not None


def test_missing_scenario_file_is_file_not_found(tmp_path):
    missing = tmp_path / "nope.yaml"
    with pytest.raises(FileNotFoundError) as info:
        cp.load_scenario(missing)
    assert info.value.filename == str(missing)
    assert str(info.value).startswith(f"{missing}: error: no such scenario file (looked for {missing}, current directory ")


def test_missing_data_file_is_file_not_found(tmp_path):
    sc = small_world(catalog={"type": "files", "embeddings": "missing.npy", "items": "missing.csv"})
    with pytest.raises(FileNotFoundError):
        cp.run(cp.load_scenario(sc, base_dir=str(tmp_path)), progress=False)
