"""``--engine ray``: Ray Data in local mode gives the same output as the local engine."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from restag.model.batch import JobConfig, LocalEngine, TaggerSpec, run_job
from restag.model.writers import read_rows

ray = pytest.importorskip("ray", reason="ray is not installed (pip install 'restag[distributed]')")
pytest.importorskip("ray.data", reason="ray[data] is not installed (pip install 'restag[distributed]')")

DOCS = Path(__file__).parent / "data" / "batch"


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield
    ray.shutdown()


@pytest.mark.slow
def test_ray_engine_output_equals_the_local_engine(local_ray, tiny_model_dir: Path, seed_path: Path, tmp_path: Path) -> None:
    from restag.model.ray_engine import RayEngine

    inputs = (str(DOCS / "good"), str(DOCS / "bad"), str(seed_path), str(DOCS / "drafts"))
    spec = TaggerSpec(str(tiny_model_dir), threads=1)
    results = {}
    for name, engine in {
        "local": LocalEngine(spec.load, batch_size=8),
        "ray": RayEngine(spec, batch_size=8, workers=2, documents_per_call=2),
    }.items():
        out = tmp_path / f"{name}.jsonl"
        report = run_job(JobConfig(inputs=inputs, output=out, progress=False, summary=tmp_path / f"{name}.csv"), engine, stderr=io.StringIO())
        results[name] = (report, list(read_rows(out)), (tmp_path / f"{name}.csv").read_text(encoding="utf-8"))
    (local_report, local_rows, local_summary), (ray_report, ray_rows, ray_summary) = results["local"], results["ray"]
    assert ray_report.failures == local_report.failures and len(ray_report.failures) == 2
    assert ray_report.tagged == local_report.tagged == 5
    assert [r["id"] for r in ray_rows] == [r["id"] for r in local_rows] and len(ray_rows) == 16 + 35 + 2
    for a, b in zip(ray_rows, local_rows):
        assert (a["themes"], a["force"], a["text"]) == (b["themes"], b["force"], b["text"])
        assert a["theme_scores"] == pytest.approx(b["theme_scores"], abs=1e-5)
        assert a["force_scores"] == pytest.approx(b["force_scores"], abs=1e-5)
    assert ray_summary.splitlines()[0] == local_summary.splitlines()[0]
    assert [line.split(",")[:4] for line in ray_summary.splitlines()] == [line.split(",")[:4] for line in local_summary.splitlines()]


@pytest.mark.slow
def test_ray_engine_resumes_like_the_local_one(local_ray, tiny_model_dir: Path, tmp_path: Path) -> None:
    from restag.model.ray_engine import RayEngine

    spec = TaggerSpec(str(tiny_model_dir), threads=1)
    out = tmp_path / "tags.parquet"
    run_job(JobConfig(inputs=(str(DOCS / "good" / "more"),), output=out, progress=False), LocalEngine(spec.load))
    report = run_job(JobConfig(inputs=(str(DOCS / "good"),), output=out, resume=True, progress=False), RayEngine(spec, workers=1))
    assert report.already_done == 2 and report.tagged == 1
    rows = list(read_rows(out))
    assert len(rows) == len({r["id"] for r in rows}) == 16
