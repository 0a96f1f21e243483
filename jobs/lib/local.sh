# Shared by jobs/train and jobs/retrain (sourced, not run): runs a treegrad command with embedded
# Spark (local[*]) in this JVM, building the classes and their classpath first when they are missing
# or older than the sources.
#
#   tg_local_main COMMAND [ARGS...]     exec java ... io.treegrad.driver.Main COMMAND ARGS...
#
# TREEGRAD_CLASSPATH, when set, is used as the classpath as it is (nothing is built): e.g. an
# installed application, or a test's own classpath. Every JVM that computes runs with one
# OpenMP/BLAS thread: parallelism comes from Spark tasks.

tg_local_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

tg_local_main() {
  local root="$tg_local_root"
  export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
  # embedded Spark binds to loopback only (set SPARK_LOCAL_IP yourself to bind elsewhere)
  export SPARK_LOCAL_IP="${SPARK_LOCAL_IP:-127.0.0.1}"
  local build="$root/driver/target/launch"
  local classpath="${TREEGRAD_CLASSPATH:-}"
  if [ -z "$classpath" ]; then
    local stamp="$build/classpath"
    if [ ! -f "$stamp" ] || [ -n "$(find "$root/worker/src/main" "$root/driver/src/main" "$root/pom.xml" \
          "$root/worker/pom.xml" "$root/driver/pom.xml" -newer "$stamp" -print -quit)" ]; then
      echo "$(basename "$0"): building (first run, or sources changed)..." >&2
      mkdir -p "$build"
      local log="$build/build.log"
      # one reactor build: the worker is packaged before the driver's classpath is resolved against it;
      # the application jar is not needed here (-Dshade.skip); the build writes launch/java-opts
      if ! (cd "$root" && mvn -B -q -pl driver -am package dependency:build-classpath -DskipTests -Dshade.skip=true \
                 -Dmdep.includeScope=test -Dmdep.outputFile=target/launch.classpath >"$log" 2>&1 \
            && cp "$root/driver/target/launch.classpath" "$build/deps"); then
        cat "$log" >&2
        echo "$(basename "$0"): the build failed (log above)" >&2
        return 1
      fi
      echo "$root/driver/target/classes:$root/worker/target/classes:$(cat "$build/deps")" >"$stamp"
    fi
    classpath="$(cat "$stamp")"
  fi
  # shellcheck disable=SC2046
  exec java -Xmx${TREEGRAD_DRIVER_MEMORY:-6g} $(cat "$build/java-opts") \
    -Dorg.nd4j.log.initialization=false \
    -Dorg.bytedeco.javacpp.cachedir="${TREEGRAD_JAVACPP_CACHE:-$HOME/.javacpp/cache}" \
    -Dspark.ui.showConsoleProgress=false \
    -Dtreegrad.git.commit="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)" \
    -cp "$classpath" io.treegrad.driver.Main "$@"
}
