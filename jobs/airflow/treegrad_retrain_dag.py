"""Nightly treegrad retraining as an Airflow DAG (README: "Scheduled retraining").

For each logical date ``ds`` the ``retrain`` task runs ``treegrad retrain CONFIG --date {{ ds }}``
through spark-submit (SparkSubmitOperator, from apache-airflow-providers-apache-spark): it
warm-starts from the registry's current model, trains on that day's partition, compares champion
and challenger on the holdout and promotes the challenger only if it is better. The date makes the
run idempotent: a retry or a backfill of a date that was done reports the recorded decision without
training again, so ``retries`` is safe.

"Kept the champion" is a success, not a failure. treegrad exits 10 for it by default, and
SparkSubmitOperator fails a task on any non-zero exit, so the task passes ``--kept-exit 0``; the
decision is then read from the outcome treegrad records,
``<registry>/<model>/retrain/<ds>.json`` ({"decision": "promoted" | "kept", "version": N, ...}), by
``promoted``, a ShortCircuitOperator that skips the tasks after it (deploy, notify) unless the
challenger was promoted. Failures (exit 1 other, 2 bad input such as a missing partition, 3
diverged) fail the task as usual.

Set up: a Spark connection ``spark_treegrad`` (host = the master, e.g. spark://spark-master:7077,
yarn or k8s://https://kubernetes.default.svc; extra {"deploy-mode": "client"} so that the
driver's exit code reaches Airflow), the application jar built by ``mvn -pl driver -am package``
(driver/target/treegrad-app.jar) where the worker can read it, and the config file on the worker
(the config is read by the driver, from its local disk).
"""

import json
import os
from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.empty import EmptyOperator
from airflow.operators.python import ShortCircuitOperator
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

TREEGRAD_HOME = os.environ.get("TREEGRAD_HOME", "/opt/treegrad")
APP_JAR = f"{TREEGRAD_HOME}/driver/target/treegrad-app.jar"
CONFIG = f"{TREEGRAD_HOME}/configs/digits-retrain.yaml"
# Where the registry and the day's partitions live: any Hadoop file system the cluster reads
# (hdfs://, s3a://). The --set overrides below put them into the config; the model name defaults to
# the config's name.
REGISTRY = os.environ.get("TREEGRAD_REGISTRY", "/shared/treegrad/registry")
EVENTS = os.environ.get("TREEGRAD_EVENTS", "/shared/treegrad/events")
MODEL = "digits-retrain"

# The settings jobs/submit recommends: one OpenMP/BLAS thread per executor JVM (parallelism comes
# from Spark tasks), one core per task, off-heap headroom for ND4J, ND4J's natives unpacked once
# per host into a fixed folder.
NODE_OPTS = "-Dorg.bytedeco.javacpp.cachedir=/tmp/javacpp-cache -Dorg.nd4j.log.initialization=false"
SPARK_CONF = {
    "spark.executorEnv.OMP_NUM_THREADS": "1",
    "spark.executorEnv.OPENBLAS_NUM_THREADS": "1",
    "spark.task.cpus": "1",
    "spark.executor.memoryOverhead": "1g",
    "spark.executor.extraJavaOptions": NODE_OPTS,
    "spark.driver.extraJavaOptions": NODE_OPTS,
    "spark.ui.showConsoleProgress": "false",
}


def _promoted(ds, **_):
    """True when treegrad promoted the challenger for ``ds`` (reads the recorded outcome).

    For a registry on a local or mounted file system; for s3a:// or hdfs:// read the same file
    with S3Hook(...).read_key or WebHDFSHook(...).read_file instead.
    """
    path = os.path.join(REGISTRY, MODEL, "retrain", f"{ds}.json")
    with open(path, encoding="utf-8") as f:
        outcome = json.load(f)
    print(f"treegrad retrain {ds}: {outcome}")
    return outcome["decision"] == "promoted"


with DAG(
    dag_id="treegrad_retrain_digits",
    description="Nightly warm-start retraining with champion/challenger promotion",
    schedule="15 2 * * *",             # the day's partition has landed by 02:15 UTC
    start_date=datetime(2026, 11, 1),
    catchup=True,                      # each missed day is retrained, in order (max_active_runs=1)
    max_active_runs=1,                 # one writer per registry model: never two retrains at once
    default_args={"retries": 2, "retry_delay": timedelta(minutes=10)},
    tags=["treegrad"],
) as dag:
    retrain = SparkSubmitOperator(
        task_id="retrain",
        conn_id="spark_treegrad",
        application=APP_JAR,
        java_class="io.treegrad.driver.Main",
        name="treegrad-retrain-{{ ds }}",
        application_args=[
            "retrain", CONFIG,
            "--date", "{{ ds }}",
            "--kept-exit", "0",
            "--set", f"retrain.registry={REGISTRY}",
            "--set", f"data.train.path={EVENTS}/date={{date}}/digits.csv",
            "--set", f"output.dir={REGISTRY}/../runs/{{date}}",
        ],
        conf=SPARK_CONF,
        executor_memory="2g",
        driver_memory="2g",
        env_vars={"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"},
        execution_timeout=timedelta(hours=3),
    )

    promoted = ShortCircuitOperator(task_id="promoted", python_callable=_promoted)

    # Whatever must follow a new production model: reload the serving tier, notify the team...
    deploy = EmptyOperator(task_id="deploy_new_champion")

    retrain >> promoted >> deploy
