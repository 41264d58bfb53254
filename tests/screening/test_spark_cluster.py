"""`myorelax screen --engine spark --spark-master spark://...` on a real Spark standalone cluster
(a master and two workers started here as separate processes, each worker 1 core and 1 GiB)
finds the same people as DuckDB, and the work really ran in the workers' executors."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from myorelax.screening.synthetic import SyntheticOmop

pytestmark = pytest.mark.slow

STARTUP_TIMEOUT_S = 90
RUN_TIMEOUT_S = 300
APP_NAME = "myorelax-screening"  # set by myorelax.screening.engines.spark_session
# Short-lived JVMs on 2 cores: the client compiler only (no C2 JIT threads competing with the
# five JVMs for CPU) roughly halves the run. Test tuning only; it changes no result.
JIT = "-XX:TieredStopAtLevel=1"


@dataclass
class Cluster:
    url: str  # spark://127.0.0.1:PORT
    ui: str  # http://127.0.0.1:PORT of the master's web UI (its /json/ lists apps)
    work_dirs: list[Path]  # one per worker: an app-*/<executor>/stderr per executor it ran
    env: dict[str, str]  # for the driver: the same Spark and Python as the cluster's

    def state(self) -> dict[str, Any]:
        with urllib.request.urlopen(f"{self.ui}/json/", timeout=5) as resp:
            doc: dict[str, Any] = json.load(resp)
        return doc


def _tail(path: Path, lines: int = 15) -> str:
    text = path.read_text(errors="replace") if path.exists() else ""
    return "\n".join(text.splitlines()[-lines:])


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """End the process group started with `proc` (spark-class execs java; a worker's executors
    are its children in the same group)."""
    for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(timeout=wait)
            break
        except subprocess.TimeoutExpired:
            continue


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    pyspark = pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.skip("no Java for Spark")
    spark_home = Path(pyspark.__file__).parent
    spark_class = spark_home / "bin" / "spark-class"
    root = tmp_path_factory.mktemp("spark-standalone")
    conf = root / "conf"
    conf.mkdir()
    # Spark 4 starts a REST submission server on the fixed port 6066 by default: not wanted.
    (conf / "spark-defaults.conf").write_text("spark.master.rest.enabled false\n")
    env = {
        **os.environ,
        "SPARK_HOME": str(spark_home),  # the pyspark in this venv, not another install
        "SPARK_CONF_DIR": str(conf),
        "SPARK_LOCAL_IP": "127.0.0.1",  # every process binds to and advertises loopback
        "SPARK_DAEMON_MEMORY": "256m",
        "SPARK_DAEMON_JAVA_OPTS": JIT,
        "PYSPARK_PYTHON": sys.executable,  # the executors' Python: this venv's
    }
    procs: list[subprocess.Popen[bytes]] = []
    logs: list[Path] = []

    def start(name: str, *args: str) -> Path:
        log = root / f"{name}.log"
        with log.open("wb") as out:
            procs.append(
                subprocess.Popen(
                    [str(spark_class), *args],
                    cwd=root,
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,  # its own process group, ended as a whole
                )
            )
        logs.append(log)
        return log

    deadline = time.monotonic() + STARTUP_TIMEOUT_S

    def not_up(what: str) -> None:
        dead = [str(log) for p, log in zip(procs, logs, strict=True) if p.poll() is not None]
        details = "\n".join(f"--- {log}\n{_tail(log)}" for log in logs)
        pytest.fail(
            f"Spark standalone cluster: {what} within {STARTUP_TIMEOUT_S} s"
            + (f" (exited: {', '.join(dead)})" if dead else "")
            + f"\n{details}"
        )

    try:
        master_log = start(
            "master",
            "org.apache.spark.deploy.master.Master",
            *("--host", "127.0.0.1", "--port", "0", "--webui-port", "0"),
        )
        url = ui_port = None
        while url is None or ui_port is None:
            if time.monotonic() > deadline or procs[0].poll() is not None:
                not_up("the master did not start")
            text = master_log.read_text(errors="replace")
            m = re.search(r"Starting Spark master at (spark://\S+)", text)
            u = re.search(r"Successfully started service 'MasterUI' on port (\d+)", text)
            url, ui_port = (m.group(1) if m else None), (u.group(1) if u else None)
            time.sleep(0.3)
        work_dirs = [root / f"worker{i}" for i in (1, 2)]
        for i, work in enumerate(work_dirs, 1):
            work.mkdir()
            start(
                f"worker{i}",
                "org.apache.spark.deploy.worker.Worker",
                *("--host", "127.0.0.1", "--port", "0", "--webui-port", "0"),
                *("--cores", "1", "--memory", "1g", "--work-dir", str(work), url),
            )
        c = Cluster(url=url, ui=f"http://127.0.0.1:{ui_port}", work_dirs=work_dirs, env=env)
        while True:
            try:
                if c.state().get("aliveworkers") == 2:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
                not_up("two workers did not register with the master")
            time.sleep(0.5)
        yield c
    finally:
        for p in reversed(procs):
            _stop(p)


def _myorelax(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """The installed console script in its own process group (its Spark driver JVM included),
    ended as a whole if it overruns."""
    exe = Path(sys.executable).parent / "myorelax"
    proc = subprocess.Popen(
        [str(exe), *args],
        env={**env, "COLUMNS": "160", "NO_COLOR": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=RUN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(f"myorelax {' '.join(args)} ran over {RUN_TIMEOUT_S} s\n{err[-3000:]}")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def test_screen_on_a_standalone_cluster_equals_duckdb(
    cluster: Cluster, planted: SyntheticOmop, planted_dir: Path, tmp_path: Path
) -> None:
    assert cluster.state()["completedapps"] == []
    on_duckdb = _myorelax(
        cluster.env, "screen", str(planted_dir), "--json", "--out", str(tmp_path / "duckdb")
    )
    assert on_duckdb.returncode == 0, on_duckdb.stderr
    # The driver is told only the master URL; PYSPARK_SUBMIT_ARGS adds the JIT flag, nothing
    # that changes where or how the work runs.
    env = {
        **cluster.env,
        "PYSPARK_SUBMIT_ARGS": f"--driver-java-options {JIT} "
        f"--conf spark.executor.extraJavaOptions={JIT} pyspark-shell",
    }
    on_spark = _myorelax(
        env,
        *("screen", str(planted_dir), "--json", "--out", str(tmp_path / "spark")),
        *("--engine", "spark", "--spark-master", cluster.url),
    )
    assert on_spark.returncode == 0, on_spark.stderr[-3000:]

    a, b = json.loads(on_duckdb.stdout), json.loads(on_spark.stdout)
    assert (a.pop("engine"), b.pop("engine")) == ("duckdb", "spark")
    a.pop("elapsed_s"), b.pop("elapsed_s")
    assert b == a
    for p in b["patterns"]:
        assert p["person_ids"] == planted.truth[p["code"]].tolist()
    persons = pq.read_table(tmp_path / "spark" / "persons.parquet")
    assert persons.equals(pq.read_table(tmp_path / "duckdb" / "persons.parquet"))
    assert persons.num_rows == sum(p["persons"] for p in b["patterns"]) > 0

    # It ran on the cluster, not in local mode: the master lists the finished application, and
    # each worker launched an executor for it whose log shows tasks run.
    apps = cluster.state()["completedapps"]
    assert [(x["name"], x["state"]) for x in apps] == [(APP_NAME, "FINISHED")]
    app_id = apps[0]["id"]
    executor_logs = [sorted((work / app_id).glob("*/stderr")) for work in cluster.work_dirs]
    assert all(len(logs) == 1 for logs in executor_logs), executor_logs
    tasks = [
        len(re.findall(r"Running task", logs[0].read_text(errors="replace")))
        for logs in executor_logs
    ]
    assert sum(tasks) > 0, tasks
