# Shared by jobs/submit and jobs/cluster (sourced, not run): where the build puts what a launch
# needs, and building it when it is missing or older than the sources.
#
#   driver/target/treegrad-app.jar   the application jar for spark-submit (treegrad + ND4J natives)
#   driver/target/spark.classpath    Spark's own jars (the pom's provided scope), resolved by Maven:
#                                    lets us run SparkSubmit, a Master and Workers with no Spark
#                                    distribution installed
#   driver/target/launch/java-opts   Spark's Java 17 module options (the pom's spark.module.options)

tg_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
tg_app_jar="$tg_root/driver/target/treegrad-app.jar"
tg_spark_cp_file="$tg_root/driver/target/spark.classpath"
tg_java_opts_file="$tg_root/driver/target/launch/java-opts"

# Builds the application jar (and the two files beside it) unless they are newer than the sources.
tg_build_app() {
  if [ -f "$tg_app_jar" ] && [ -f "$tg_spark_cp_file" ] && [ -f "$tg_java_opts_file" ] \
     && [ -z "$(find "$tg_root/worker/src/main" "$tg_root/driver/src/main" "$tg_root/pom.xml" \
                 "$tg_root/worker/pom.xml" "$tg_root/driver/pom.xml" -newer "$tg_app_jar" -print -quit)" ]; then
    return 0
  fi
  echo "$(basename "$0"): building the application jar (first run, or sources changed)..." >&2
  mkdir -p "$tg_root/driver/target"
  local log="$tg_root/driver/target/app-build.log"
  if ! (cd "$tg_root" && mvn -B -q -pl driver -am package -DskipTests >"$log" 2>&1); then
    cat "$log" >&2
    echo "$(basename "$0"): the build failed (log above)" >&2
    return 1
  fi
}

# Spark's jars as a classpath (after tg_build_app).
tg_spark_classpath() {
  cat "$tg_spark_cp_file"
}

# Spark's Java 17 module options (after tg_build_app).
tg_java_opts() {
  cat "$tg_java_opts_file"
}

# The Scala binary version of the Spark on the classpath (2.13, 2.12), from spark-core's jar name.
tg_scala_version() {
  tr ':' '\n' <"$tg_spark_cp_file" | sed -n 's#.*/spark-core_\([0-9.]*\)-.*\.jar$#\1#p' | sed -n 1p
}
