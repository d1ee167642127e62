"""notebooks/: every notebook runs top to bottom offline, and is committed without outputs."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
ARTIFACTS = ROOT / "test-artifacts"
KERNEL = "paralign-test"
#: Generous bound for one notebook on a busy 2-core machine (they take well under a minute).
MAX_SECONDS = 180


def test_expected_notebooks_exist():
    names = {p.name for p in NOTEBOOKS}
    assert {"01_tour.ipynb", "02_corpus_study.ipynb"} <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_outputs_are_stripped(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"cell {i} of {path.name} has outputs: strip them"
            assert cell.execution_count is None, f"cell {i} of {path.name} has a count"
        assert "attachments" not in cell or not cell.attachments
    assert "widgets" not in nb.metadata


@pytest.fixture(scope="module")
def kernel_env(tmp_path_factory):
    """A kernel spec that runs this very interpreter, found through JUPYTER_PATH.

    This works on a fresh machine whatever kernels are (or are not) installed system-wide.
    """
    pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    root = tmp_path_factory.mktemp("jupyter")
    spec = root / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "paralign (tests)", "language": "python",
    }))
    names = ("JUPYTER_PATH", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE",
             "PYDEVD_DISABLE_FILE_VALIDATION")
    saved = {k: os.environ.get(k) for k in names}
    os.environ["JUPYTER_PATH"] = os.pathsep.join(
        [str(root)] + ([saved["JUPYTER_PATH"]] if saved["JUPYTER_PATH"] else []))
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    yield KERNEL
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(path, kernel_env):
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=300, kernel_name=kernel_env, allow_errors=False,
                            resources={"metadata": {"path": str(path.parent)}})
    t0 = time.perf_counter()
    try:
        client.execute()
    except CellExecutionError as exc:
        pytest.fail(f"{path.name}: a cell failed\n{exc}")
    finally:  # the executed copy, with its figures, for a person to look at
        ARTIFACTS.mkdir(exist_ok=True)
        nbformat.write(nb, ARTIFACTS / path.name)
    seconds = time.perf_counter() - t0
    timings = ARTIFACTS / "notebook-timings.json"
    data = json.loads(timings.read_text()) if timings.exists() else {}
    data[path.name] = round(seconds, 1)
    timings.write_text(json.dumps(data, indent=2))
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert errors == []
    # every figure cell produced a picture, every table cell its HTML
    images = sum("image/png" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", []))
    assert images >= 3, f"{path.name}: {images} figures rendered"
    assert seconds < MAX_SECONDS, f"{path.name} took {seconds:.0f} s"
