package io.treegrad.driver.spark;

import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/** One embedded local[2] session shared by the integration tests of this JVM. */
final class Spark {
    private static SparkSession session;

    static synchronized JavaSparkContext context() {
        if (session == null) {
            session = Sessions.create("treegrad-tests", Map.of("spark.master", "local[2]", "spark.ui.enabled", "false",
                    "spark.driver.host", "127.0.0.1", "spark.driver.bindAddress", "127.0.0.1"));
        }
        return JavaSparkContext.fromSparkContext(session.sparkContext());
    }
}
